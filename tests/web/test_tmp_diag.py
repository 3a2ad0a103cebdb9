import re
from collections import Counter
import pytest
from .test_query_counts import measured, SMALL, LARGE  # noqa
from ..sizing import PAGES

pytestmark = pytest.mark.django_db

def shape(sql):
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "S", sql))[:400]

def test_diag(measured):
    for page in PAGES:
        a, b = measured[SMALL]["pages"][page], measured[LARGE]["pages"][page]
        if a.queries == b.queries:
            continue
        ca, cb = Counter(map(shape, a.sql)), Counter(map(shape, b.sql))
        print(f"\n=== {page}: {a.queries} -> {b.queries}")
        for k in cb:
            if cb[k] != ca.get(k, 0):
                print(f"  {ca.get(k,0)} -> {cb[k]}: {k}")
