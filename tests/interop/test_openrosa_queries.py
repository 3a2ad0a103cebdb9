"""The form list, the manifest and the class list cost the same number of queries for a school
of 40 learners as for one of 400 (STYLE: count queries)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.interop.collect import Collect
from tests.offline.large_school import enrol_learners

pytestmark = pytest.mark.django_db


def reads_of(collect: Collect, url: str):
    with CaptureQueriesContext(connection) as captured:
        response = collect.get(url)
    assert response.status_code == 200
    # The audit entries of a class list (one per child) are written in as few INSERTs as the
    # database's limit on parameters allows, as for the offline pack.
    reads = [
        q["sql"] for q in captured if not q["sql"].startswith('INSERT INTO "access_auditentry"')
    ]
    return reads, response


@pytest.mark.parametrize("username", ["fiona", "cora"])
def test_form_list_manifest_and_class_list_cost_the_same_for_40_learners_as_for_400(
    client, people, sunrise, wave, username
):
    collect = Collect(client, username)
    form = collect.form_list()[0]  # the XForm is built once and kept
    class_list = form["downloadUrl"].replace("form.xml", "children.csv")
    urls = ["/formList", form["manifestUrl"], class_list]
    enrol_learners(sunrise, 40)
    small = [reads_of(collect, url) for url in urls]
    enrol_learners(sunrise, 360, grade="2")
    large = [reads_of(collect, url) for url in urls]
    # Every tenth family has recorded no consent: their children are not on the list.
    listed = [
        len(list(csv.DictReader(io.StringIO(r.content.decode())))) for _, r in (small[2], large[2])
    ]
    assert listed == [36, 360]
    for (few, _), (many, _) in zip(small, large, strict=True):
        assert len(few) == len(many), "\n".join(q[:150] for q in [*few, "-----", *many])
