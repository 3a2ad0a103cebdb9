"""Finding children by name, identity number or class (docs/search.md, decision 0048).

The database narrows, Python ranks. Every name word and identity number of a child is stored as
keyed hashes (cwtt/registry/search_keys.py, `ChildSearchKey`); a search looks up the hashes of
the words typed, within the schools the caller may see, and takes the children with the most
keys in common. Only those few hundred candidates are loaded and ranked with rapidfuzz: close
spelling (a letter wrong or swapped) and same-sounding words (Metaphone, Soundex) score high,
and the order of the words does not matter, so "Mokoena Lwazi" finds Lwazi Mokoena.

The caller decides the scope (`schools`) and whether identity numbers may be searched
(`identity_allowed`) through the access policy; this module never widens either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import jellyfish
from django.db.models import Count, QuerySet
from django.db.models.functions import Upper
from rapidfuzz import fuzz

from .models import Child, ChildSearchKey, School, SchoolClass
from .search_keys import identity_query_keys, identity_text, name_keys, words

RESULTS = 25  # children shown; past this the page asks for more words
CANDIDATES = 300  # children ranked in Python at most, the ones sharing most keys with the query
MATCHED = 80  # out of 100: a child is shown when at least one typed word scores this much
SOUNDS_ALIKE = 85  # the score of a word that sounds the same but is spelt differently
MAX_QUERY = 100  # characters; a longer query is refused by the form


class By:
    NAME = "name"
    IDENTITY = "identity_number"
    CLASS = "class"


@dataclass(frozen=True)
class Match:
    child: Child
    score: float


@dataclass
class SearchResult:
    by: str  # what the query was read as (By), or "" for nothing searchable
    matches: list[Match] = field(default_factory=list)
    more: bool = False  # more children matched than are shown
    classes: list[SchoolClass] = field(default_factory=list)  # classes the query named
    refused_identity: bool = False  # a number, from someone who may not search by numbers

    @property
    def children(self) -> list[Child]:
        return [m.child for m in self.matches]


_NUMBER_LIKE = re.compile(r"^[A-Z]{0,3}[0-9][0-9A-Z]*$")


def looks_like_identity_number(query: str) -> bool:
    """An SA ID number (13 digits, often typed with spaces) or a birth certificate number:
    at least six digits, and nothing but letters and digits once spaces are taken out."""
    number = identity_text(query)
    return bool(_NUMBER_LIKE.match(number)) and sum(ch.isdigit() for ch in number) >= 6


def word_score(typed: str, stored: str) -> float:
    """How well one typed word matches one word of a name, 0 to 100."""
    score = fuzz.ratio(typed, stored)
    if score < SOUNDS_ALIKE and (
        jellyfish.metaphone(typed) == jellyfish.metaphone(stored)
        or jellyfish.soundex(typed) == jellyfish.soundex(stored)
    ):
        score = SOUNDS_ALIKE
    return score


def name_score(typed_words: list[str], name: str) -> float:
    """Each typed word against its best word of the name, averaged: word order does not
    matter, and a child matching every typed word ranks above one matching only some. 0 when
    no typed word matches any word of the name (below MATCHED)."""
    stored = words(name)
    if not typed_words or not stored:
        return 0.0
    best = [max(word_score(t, s) for s in stored) for t in typed_words]
    return sum(best) / len(best) if max(best) >= MATCHED else 0.0


def find_children(
    *, query: str, schools: QuerySet[School], identity_allowed: bool, limit: int | None = None
) -> SearchResult:
    """The children of `schools` the query names, best first, at most `limit` (RESULTS). A
    constant number of queries, whatever the number of children."""
    limit = limit or RESULTS
    query = (query or "").strip()[:MAX_QUERY]
    if looks_like_identity_number(query):
        if not identity_allowed:
            return SearchResult(by=By.IDENTITY, refused_identity=True)
        return _by_identity(query, schools, limit)
    tokens = query.split()
    classes = _classes_named(tokens, schools)
    class_names = {c.name.upper() for c in classes}
    typed = [w for t in tokens if t.upper() not in class_names for w in words(t)]
    if typed:
        return _by_name(typed, schools, classes, limit)
    if classes:
        return _by_class(classes, limit)
    return SearchResult(by="")


def _classes_named(tokens: list[str], schools: QuerySet[School]) -> list[SchoolClass]:
    candidates = {t.upper() for t in tokens if len(t) <= 12}
    if not candidates:
        return []
    return list(
        SchoolClass.objects.annotate(upper=Upper("name")).filter(
            school__in=schools, upper__in=candidates
        )
    )


def _in_scope(keys: QuerySet[ChildSearchKey], schools: QuerySet[School]) -> QuerySet:
    """Keys of the children of `schools`. Every school (the data manager's scope: an
    unfiltered queryset) needs no join to the children, which a province's common name would
    otherwise make for tens of thousands of rows."""
    if not schools.query.has_filters():
        return keys
    return keys.filter(child__school__in=schools)


def _children(ids) -> dict[int, Child]:
    return Child.objects.select_related("school", "school_class").in_bulk(list(ids))


def _by_identity(query: str, schools: QuerySet[School], limit: int) -> SearchResult:
    # No DISTINCT or ORDER BY: with them PostgreSQL may walk every key in child order instead
    # of looking the number up (benchmarks/search.py). A number belongs to one child or few.
    ids = _in_scope(
        ChildSearchKey.objects.filter(key__in=identity_query_keys(query)), schools
    ).values_list("child_id", flat=True)[: 2 * (limit + 1)]
    found = _children(set(ids))
    matches = [Match(child=c, score=100.0) for c in sorted(found.values(), key=_by_name_order)]
    return SearchResult(by=By.IDENTITY, matches=matches[:limit], more=len(matches) > limit)


def _by_name(
    typed: list[str], schools: QuerySet[School], classes: list[SchoolClass], limit: int
) -> SearchResult:
    keys = set().union(*(name_keys(w) for w in typed))
    rows = _in_scope(ChildSearchKey.objects.filter(key__in=keys), schools)
    if classes:
        rows = rows.filter(child__school_class__in=classes)
    candidates = (rows.values("child_id").annotate(hits=Count("id")).order_by("-hits", "child_id"))[
        :CANDIDATES
    ]
    found = _children(row["child_id"] for row in candidates)
    scored = [Match(child=c, score=name_score(typed, c.full_name)) for c in found.values()]
    ranked = sorted(
        (m for m in scored if m.score > 0),
        key=lambda m: (-m.score, *_by_name_order(m.child)),
    )
    return SearchResult(
        by=By.NAME, matches=ranked[:limit], more=len(ranked) > limit, classes=classes
    )


def _by_class(classes: list[SchoolClass], limit: int) -> SearchResult:
    children = list(
        Child.objects.filter(school_class__in=classes)
        .select_related("school", "school_class")
        # Class by class (the class index gives them in order), then by name: a class named
        # at many schools costs no sort of all their children.
        .order_by("school_class_id", "last_name", "first_name", "pk")[: limit + 1]
    )
    matches = [Match(child=c, score=100.0) for c in children]
    return SearchResult(
        by=By.CLASS, matches=matches[:limit], more=len(matches) > limit, classes=classes
    )


def _by_name_order(child: Child) -> tuple:
    return (child.last_name.lower(), child.first_name.lower(), child.pk)
