"""Generated children with near-duplicates, for measuring duplicate matching
(cwtt/registry/duplicates.py; `cwtt duplicates evaluate`; benchmarks/duplicates.py).

`near_duplicate_set(children=..., seed=...)` makes a district's children as plain
`ChildRecord`s — brothers and sisters sharing a surname and caregivers, and twins sharing a
birthday too, since those are what a matcher must not take for one child — and registers a
share of them a second time with the mistakes registers hold:

- names spelt another way (Thabo/Tabo, Khumalo/Kumalo, Tshepo/Chepo, Mokoena/Mokwena, a last
  vowel changed: Nomvula/Nomvulo), a letter wrong, missing, doubled or swapped;
- first name and surname swapped; only an initial for the first name; a second given name;
- a second surname added (double-barrelled) or dropped;
- the date of birth with day and month swapped, a year off, or the day off by a slip;
- the sex the other way; the child at another school (moved, and registered again there);
- another caregiver named (a grandmother), the phone left out.

Same seed, same set. Names are random pairings from cwtt/synthetic/names.py; no real person.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cwtt.registry.duplicates import ChildRecord

from . import names
from .phones import fictitious_phone

Variation = Callable[[ChildRecord], tuple[ChildRecord, str]]

DUPLICATE_SHARE = 0.1
SIBLING_SHARE = 0.25
TWIN_SHARE = 0.02
PER_SCHOOL = 600


@dataclass(frozen=True)
class NearDuplicateSet:
    records: list[ChildRecord]
    # (original id, duplicate id), smaller id first, for every child registered twice.
    truth: frozenset[tuple[int, int]]
    # What was changed in each duplicate, by the duplicate's id (for reading failures).
    changes: dict[int, tuple[str, ...]]
    twins: frozenset[tuple[int, int]]


# Spellings one register has and another has not (each applied where it fits the name).
_RESPELLINGS: tuple[tuple[str, str], ...] = (
    ("th", "t"),
    ("t", "th"),
    ("kh", "k"),
    ("k", "kh"),
    ("ph", "p"),
    ("tsh", "ch"),
    ("oe", "we"),
    ("we", "oe"),
    ("s", "z"),
    ("dl", "dhl"),
    ("i", "ie"),
)


def _respell(rng: random.Random, name: str) -> str:
    lowered = name.lower()
    options = [(a, b) for a, b in _RESPELLINGS if a in lowered]
    if name[-1:].lower() in "aeiou":
        options.append(("<last vowel>", ""))
    if not options:
        return _typo(rng, name)
    spelt, said = rng.choice(options)
    if spelt == "<last vowel>":
        vowel = rng.choice([v for v in "aoeiu" if v != name[-1].lower()])
        return name[:-1] + vowel
    at = lowered.index(spelt)
    changed = lowered[:at] + said + lowered[at + len(spelt) :]
    return changed[:1].upper() + changed[1:]


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name + name[-1] if len(name) > 1 else name
    at = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # a letter left out
        return name[:at] + name[at + 1 :]
    if kind == 1:  # a letter typed twice
        return name[:at] + name[at] + name[at:]
    if kind == 2:  # two letters swapped
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    nearby = "qwertyuiopasdfghjklzxcvbnm"
    return name[:at] + rng.choice(nearby) + name[at + 1 :]


def _birth_slip(rng: random.Random, born: dt.date) -> tuple[dt.date, str]:
    roll = rng.random()
    if roll < 0.4 and born.day <= 12 and born.day != born.month:
        return born.replace(day=born.month, month=born.day), "birth day and month swapped"
    if roll < 0.7:
        year = born.year + rng.choice((-1, 1))
        try:
            return born.replace(year=year), "birth year off by one"
        except ValueError:  # 29 February
            return born.replace(year=year, day=28), "birth year off by one"
    day = born.day + rng.choice((-1, 1, 10, -10))
    if 1 <= day <= 28:
        return born.replace(day=day), "birth day mistyped"
    return born.replace(day=min(born.day, 28) - 1 or 1), "birth day mistyped"


def _changes(
    rng: random.Random, record: ChildRecord, schools: int
) -> tuple[ChildRecord, list[str]]:
    """The record as another register has it, with one to three mistakes (or none)."""

    def only(change: Callable[[ChildRecord], ChildRecord], label: str) -> Variation:
        return lambda r: (change(r), label)

    def birth_slip(r: ChildRecord) -> tuple[ChildRecord, str]:
        born, label = _birth_slip(rng, r.date_of_birth)
        return replace(r, date_of_birth=born), label

    def another_caregiver(r: ChildRecord) -> tuple[ChildRecord, str]:
        woman = rng.choice(names.WOMEN)
        carers = (f"{woman} {r.last_name}",)
        return replace(r, caregiver_names=carers, caregiver_phones=()), "another caregiver"

    def second_given_name(r: ChildRecord) -> ChildRecord:
        return replace(
            r,
            first_name=f"{r.first_name} {rng.choice(names.GIRLS if r.sex == 'F' else names.BOYS)}",
        )

    variations: list[tuple[str, Variation]] = [
        (
            "respell first",
            only(
                lambda r: replace(r, first_name=_respell(rng, r.first_name)), "first name respelt"
            ),
        ),
        (
            "respell last",
            only(lambda r: replace(r, last_name=_respell(rng, r.last_name)), "surname respelt"),
        ),
        (
            "typo first",
            only(lambda r: replace(r, first_name=_typo(rng, r.first_name)), "first name mistyped"),
        ),
        (
            "typo last",
            only(lambda r: replace(r, last_name=_typo(rng, r.last_name)), "surname mistyped"),
        ),
        (
            "swap",
            only(
                lambda r: replace(r, first_name=r.last_name, last_name=r.first_name),
                "names swapped",
            ),
        ),
        ("initial", only(lambda r: replace(r, first_name=r.first_name[0]), "initial only")),
        ("second name", only(second_given_name, "second given name")),
        (
            "double surname",
            only(
                lambda r: replace(r, last_name=f"{r.last_name}-{rng.choice(names.SURNAMES)}"),
                "double-barrelled surname",
            ),
        ),
        ("birth", birth_slip),
        ("sex", only(lambda r: replace(r, sex="M" if r.sex == "F" else "F"), "sex the other way")),
        ("caregiver", another_caregiver),
        ("phone", only(lambda r: replace(r, caregiver_phones=()), "phone left out")),
    ]
    # How many mistakes: most second registrations are copied from another list, not retyped.
    count = rng.choices((0, 1, 2, 3), weights=(20, 40, 30, 10))[0]
    chosen = rng.sample(range(len(variations)), count)
    # Rarer mistakes are drawn less: the sex flipped in one of five chosen. An initial is written
    # last (a misspelt initial is another letter, not a longer name).
    done: list[str] = []
    for index in sorted(chosen, key=lambda i: variations[i][0] == "initial"):
        kind, change = variations[index]
        if kind == "sex" and rng.random() < 0.8:
            continue
        record, label = change(record)
        done.append(label)
    if schools > 1 and rng.random() < 0.15:
        others = [s for s in range(1, schools + 1) if s != record.school_id]
        record = replace(record, school_id=rng.choice(others))
        done.append("at another school")
    return record, done


def near_duplicate_set(
    *, children: int = 6000, seed: int = 12, duplicate_share: float = DUPLICATE_SHARE
) -> NearDuplicateSet:
    """`children` children (plus their second registrations) in schools of PER_SCHOOL."""
    rng = random.Random(seed)
    schools = max(1, round(children / PER_SCHOOL))
    records: list[ChildRecord] = []
    twins: set[tuple[int, int]] = set()
    households: list[tuple[str, tuple[str, ...], tuple[str, ...], int, dt.date]] = []
    next_id = 1
    start = dt.date(2017, 1, 1)
    while len(records) < children:
        sex = rng.choice("FM")
        first = rng.choice(names.GIRLS if sex == "F" else names.BOYS)
        born = start + dt.timedelta(days=rng.randrange(5 * 365))
        if households and rng.random() < SIBLING_SHARE:
            surname, carers, phones, school, older = rng.choice(households)
            born = older + dt.timedelta(days=rng.randrange(300, 1200))
            if born > start + dt.timedelta(days=5 * 365):
                born = older - dt.timedelta(days=rng.randrange(300, 1200))
        else:
            surname = rng.choice(names.SURNAMES)
            mother = rng.choice(names.WOMEN)
            carers = (f"{mother} {surname if rng.random() < 0.7 else rng.choice(names.SURNAMES)}",)
            phones = (fictitious_phone(rng.randrange(1, 10**7)),) if rng.random() < 0.7 else ()
            school = rng.randrange(1, schools + 1)
            households.append((surname, carers, phones, school, born))
        record = ChildRecord(next_id, first, surname, born, sex, school, carers, phones)
        records.append(record)
        next_id += 1
        if rng.random() < TWIN_SHARE:
            twin_sex = rng.choice("FM")
            pool = names.GIRLS if twin_sex == "F" else names.BOYS
            twin_first = rng.choice([n for n in pool if n != first])
            records.append(
                ChildRecord(next_id, twin_first, surname, born, twin_sex, school, carers, phones)
            )
            twins.add((record.id, next_id))
            next_id += 1
    truth: set[tuple[int, int]] = set()
    changes: dict[int, tuple[str, ...]] = {}
    originals = list(records)
    for record in rng.sample(originals, round(len(originals) * duplicate_share)):
        copy, done = _changes(rng, replace(record, id=next_id), schools)
        records.append(copy)
        truth.add((record.id, next_id))
        changes[next_id] = tuple(done)
        next_id += 1
    rng.shuffle(records)
    return NearDuplicateSet(records, frozenset(truth), changes, frozenset(twins))


@dataclass(frozen=True)
class Measured:
    threshold: float
    proposed: int
    right: int
    precision: float
    recall: float
    twins_proposed: int


def evaluate(generated: NearDuplicateSet, thresholds: Sequence[float]) -> list[Measured]:
    """Precision (proposed pairs that are one child) and recall (children registered twice
    that are proposed) of the matching at each threshold."""
    from cwtt.registry.duplicates import find_matches

    matches = find_matches(generated.records, at_least=min(thresholds))
    rows = []
    for threshold in sorted(thresholds):
        found = {(m.a, m.b) for m in matches if m.probability >= threshold}
        right = len(found & generated.truth)
        rows.append(
            Measured(
                threshold=threshold,
                proposed=len(found),
                right=right,
                precision=right / len(found) if found else 1.0,
                recall=right / len(generated.truth) if generated.truth else 1.0,
                twins_proposed=len(found & generated.twins),
            )
        )
    return rows
