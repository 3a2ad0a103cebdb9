"""Children who may be registered twice: probabilistic matching suited to South African names.

Plain Python with no Django import, so the benchmark (benchmarks/duplicates.py) and the
precision/recall evaluation (`cwtt duplicates evaluate`) call it directly. Writing the review
queue and merging live in cwtt/registry/actions.py; docs/duplicates.md explains the method and
docs/decisions/0047-duplicate-children.md the choices.

How two records are compared (a Fellegi-Sunter style score): each field is put in one of a few
agreement levels, and each level adds a weight, in bits, that says how much more often that
level is seen for two records of one child than for two records of different children
(log2 of m/u). The sum becomes a probability with a stated prior. The fields:

- first and last name: exactly the same; the same once South African spelling variants are
  set aside (Thabo/Tabo, Khumalo/Kumalo, Tshepo/Chepo, Mokoena/Mokwena, Nomvula/Nomvulo) —
  `sa_simplify` then the NYSIIS code of jellyfish, which keeps the consonant skeleton and
  treats vowels alike (metaphone turns "th" into one sound and so splits Thabo from Tabo); very
  alike by Jaro-Winkler (rapidfuzz: one wrong, missing or swapped letter); one name holding
  the other (a double-barrelled surname "Ndlovu-Dube" / "Ndlovu", a second given name); only
  an initial given; different. First and last name swapped is tried too, and the better
  reading kept.
- date of birth: the same; day and month swapped (03/04 typed as 04/03); the same day and month
  a year apart; one slip (a day apart, or one digit typed wrong); different.
- sex, school, and the caregivers: the same phone number, a caregiver's name alike, or all
  different.

Twins share a surname, a birthday, a school and a caregiver, and differ only in the first
name, so a clearly different first name weighs more than all of those together: twins are
never proposed on those grounds alone (tests/registry/test_duplicates.py).

Blocking keeps the pairs compared few on a district of 60,000 children: two records are
compared only when they share a block — the same school and one phonetic name code (any token
of either name, so swapped names and one misspelt name still meet), the same day and month of
birth (in either order, any year) and one name code, the codes of both names (in either order,
anywhere), or the same school and date of birth.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

# --- what is compared ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChildRecord:
    """The fields of one child that matching reads (no other personal data)."""

    id: int
    first_name: str
    last_name: str
    date_of_birth: dt.date
    sex: str
    school_id: int
    caregiver_names: tuple[str, ...] = ()  # "first last" of each caregiver
    caregiver_phones: tuple[str, ...] = ()


# --- names --------------------------------------------------------------------------------

# Words that start Afrikaans and other surnames; they say little about who someone is.
SURNAME_PARTICLES = frozenset({"van", "der", "den", "de", "du", "le", "la", "von", "ter", "te"})

# Spelling variants of one sound in South African names, written both ways in registers. Each
# is applied to both names compared, so it only has to make the two spellings meet.
_SA_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("tsh", "ts"),  # Tshepo / Tsepo
    ("ch", "ts"),  # Chepo / Tshepo; Afrikaans and English names change alike on both sides
    ("kg", "k"),  # Kgomotso / Khomotso (Setswana)
    ("th", "t"),  # Thabo / Tabo, Mthembu / Mtembu
    ("ph", "p"),  # Mpho / Mpo
    ("kh", "k"),  # Khumalo / Kumalo
    ("bh", "b"),  # Ngcobho / Ngcobo
    ("dh", "d"),  # Dhlamini / Dlamini
    ("gh", "g"),
    ("oe", "we"),  # Mokoena / Mokwena
    ("uw", "w"),  # Luwazi / Lwazi
    ("z", "s"),  # Nkozi / Nkosi
    ("c", "k"),  # Francois spoken Fransois meets after the next rule; clicks stay one letter
    ("y", "i"),
)
_DOUBLES = re.compile(r"(.)\1+")


def fold(text: str) -> str:
    """Lower case, accents dropped, anything but letters a space: "Ndlovu-Dubé " → "ndlovu dube"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalpha() else " " for c in text).split())


def sa_simplify(word: str) -> str:
    """One folded word with South African spelling variants made alike and doubled letters
    single: "tshabalala" → "tsabalala", "khumalo" → "kumalo", "ntombie" → "ntombi"."""
    for spelt, said in _SA_SPELLINGS:
        word = word.replace(spelt, said)
    word = _DOUBLES.sub(r"\1", word)
    if word.endswith("ie"):
        word = word[:-1]
    return word


def name_code(word: str) -> str:
    """The phonetic code of one folded word: NYSIIS of its simplified spelling."""
    simple = sa_simplify(word)
    return jellyfish.nysiis(simple) if simple else ""


@dataclass(frozen=True, slots=True)
class _Name:
    folded: str  # "van der merwe"
    joined: str  # "vandermerwe": spaces and hyphens are written either way
    simple: str  # the joined form with spelling variants made alike
    tokens: tuple[str, ...]
    codes: frozenset[str]  # one per meaningful token, and one for the whole
    initials_only: bool  # "T", "T M", "T.M."

    @classmethod
    def of(cls, text: str) -> _Name:
        return _name_of(text)

    @classmethod
    def _build(cls, text: str) -> _Name:
        folded = fold(text)
        tokens = tuple(folded.split())
        joined = "".join(tokens)
        meaningful = [t for t in tokens if len(t) > 1 and t not in SURNAME_PARTICLES]
        codes = {name_code(t) for t in meaningful}
        if len(tokens) > 1 and joined:
            codes.add(name_code(joined))
        return cls(
            folded=folded,
            joined=joined,
            simple=sa_simplify(joined),
            tokens=tokens,
            codes=frozenset(c for c in codes if c),
            initials_only=bool(tokens) and all(len(t) == 1 for t in tokens),
        )


# Names repeat (a district of 60,000 children has a few thousand different ones), so each is
# prepared, and each pair of names compared, once.
@lru_cache(maxsize=200_000)
def _name_of(text: str) -> _Name:
    return _Name._build(text)


class NameLevel(StrEnum):
    SAME = "same"
    SOUNDS_ALIKE = "sounds_alike"
    ALIKE = "alike"  # one or two letters differ
    CONTAINED = "contained"  # one holds the other: a double-barrelled surname, a second name
    INITIAL = "initial"  # only an initial given, and it fits
    SOMEWHAT = "somewhat"  # alike enough not to count against
    DIFFERENT = "different"
    MISSING = "missing"


# Jaro-Winkler similarity (0 to 1) at which two spellings are one wrong, missing or swapped
# letter apart in a usual name ("Lerato"/"Lerata" 0.93, "Sipho"/"Sihpo" 0.95), and the lower
# bar below which names count against a match ("Thabo"/"Thabang" 0.87 is above it: a short
# form, so neither for nor against).
ALIKE_AT = 0.9
SOMEWHAT_AT = 0.85


def compare_names(a: _Name, b: _Name) -> NameLevel:
    return _compare_folded(a.folded, b.folded)


@lru_cache(maxsize=500_000)
def _compare_folded(a: str, b: str) -> NameLevel:
    # Keyed by the folded text (hashed once per string), not by the _Name (hashed every call).
    return _compare_names(_name_of(a), _name_of(b))


def _compare_names(a: _Name, b: _Name) -> NameLevel:
    if not a.joined or not b.joined:
        return NameLevel.MISSING
    if a.joined == b.joined:
        return NameLevel.SAME
    if a.initials_only or b.initials_only:
        short, full = (a, b) if a.initials_only else (b, a)
        letters = "".join(short.tokens)
        if full.joined.startswith(letters[0]) and all(
            any(t.startswith(x) for t in full.tokens) for x in letters
        ):
            return NameLevel.INITIAL
        return NameLevel.DIFFERENT
    if a.simple == b.simple or (len(a.tokens) == len(b.tokens) == 1 and a.codes == b.codes):
        return NameLevel.SOUNDS_ALIKE
    shorter, longer = (a, b) if len(a.tokens) <= len(b.tokens) else (b, a)
    if len(longer.tokens) > len(shorter.tokens) and (
        all(any(_tokens_fit(s, t) for t in longer.tokens) for s in shorter.tokens)
        or fuzz.token_set_ratio(shorter.folded, longer.folded) >= 95
    ):
        return NameLevel.CONTAINED
    similarity = JaroWinkler.similarity(a.simple, b.simple)
    if similarity >= ALIKE_AT or (
        # One letter wrong, missing or swapped in a name of five letters or more, as typed.
        min(len(a.joined), len(b.joined)) >= 5 and OSA.distance(a.joined, b.joined) <= 1
    ):
        return NameLevel.ALIKE
    if similarity >= SOMEWHAT_AT:
        return NameLevel.SOMEWHAT
    return NameLevel.DIFFERENT


def _tokens_fit(short: str, long: str) -> bool:
    """One word of a name stands for another: the same, an initial of it, or very alike."""
    if len(short) == 1 or len(long) == 1:
        return short[0] == long[0]
    a, b = sa_simplify(short), sa_simplify(long)
    return a == b or JaroWinkler.similarity(a, b) >= ALIKE_AT


# --- dates of birth -----------------------------------------------------------------------


class BirthLevel(StrEnum):
    SAME = "same"
    DAY_MONTH_SWAPPED = "day_month_swapped"
    YEAR_APART = "year_apart"  # same day and month, a year off
    ONE_SLIP = "one_slip"  # one digit wrong, or the day one off
    DIFFERENT = "different"


def compare_births(a: dt.date, b: dt.date) -> BirthLevel:
    return _compare_births(a, b, f"{a:%Y%m%d}", f"{b:%Y%m%d}")


def _compare_births(a: dt.date, b: dt.date, a_digits: str, b_digits: str) -> BirthLevel:
    if a == b:
        return BirthLevel.SAME
    if a.year == b.year and (a.day, a.month) == (b.month, b.day):
        return BirthLevel.DAY_MONTH_SWAPPED
    if (a.month, a.day) == (b.month, b.day) and abs(a.year - b.year) == 1:
        return BirthLevel.YEAR_APART
    if abs((a - b).days) == 1:
        return BirthLevel.ONE_SLIP
    digits = sum(x != y for x, y in zip(a_digits, b_digits, strict=True))
    if digits == 1:
        return BirthLevel.ONE_SLIP
    return BirthLevel.DIFFERENT


# --- caregivers ---------------------------------------------------------------------------


class CaregiverLevel(StrEnum):
    SAME_PHONE = "same_phone"
    NAME_ALIKE = "name_alike"
    DIFFERENT = "different"
    DIFFERENT_PHONES = "different_phones"  # different names, and both phones known and different
    MISSING = "missing"


def phone_key(phone: str) -> str:
    """The last nine digits: 082 123 4567 and +27 82 123 4567 are one number."""
    digits = re.sub(r"\D", "", phone)
    return digits[-9:] if len(digits) >= 9 else ""


def compare_caregivers(a: _Prepared, b: _Prepared) -> CaregiverLevel:
    if a.phones & b.phones:
        return CaregiverLevel.SAME_PHONE
    if not a.caregivers or not b.caregivers:
        return CaregiverLevel.MISSING
    for x in a.caregivers:
        for y in b.caregivers:
            if x == y or JaroWinkler.similarity(x, y) >= ALIKE_AT:
                return CaregiverLevel.NAME_ALIKE
    if a.phones and b.phones:
        return CaregiverLevel.DIFFERENT_PHONES
    return CaregiverLevel.DIFFERENT


# --- weights ------------------------------------------------------------------------------

# log2(m/u) per level, in bits. m: how often the level is seen for two records of one child
# (from the kinds of mistakes registers hold: docs/duplicates.md); u: how often for two
# different children who share a block (names repeat within a school; siblings share a
# surname and caregivers). The figures are judgement, checked against generated
# near-duplicates by `cwtt duplicates evaluate` (decision 0047).
FIRST_NAME_WEIGHTS = {
    NameLevel.SAME: 6.0,
    NameLevel.SOUNDS_ALIKE: 4.5,
    NameLevel.ALIKE: 4.0,
    NameLevel.CONTAINED: 3.5,
    NameLevel.INITIAL: 2.0,
    NameLevel.SOMEWHAT: 0.0,
    # Twins and siblings differ here only: it outweighs a shared surname, birthday, school and
    # caregiver (5 + 7 + 0.8 + 1 + 3 = 16.8 bits against 18).
    NameLevel.DIFFERENT: -18.0,
    NameLevel.MISSING: 0.0,
}
LAST_NAME_WEIGHTS = {
    NameLevel.SAME: 5.0,
    NameLevel.SOUNDS_ALIKE: 4.0,
    NameLevel.ALIKE: 3.5,
    NameLevel.CONTAINED: 3.5,
    NameLevel.INITIAL: 1.0,
    NameLevel.SOMEWHAT: -1.0,
    NameLevel.DIFFERENT: -6.0,  # a surname changes more often than a given name
    NameLevel.MISSING: 0.0,
}
# Two names swapped is itself a mistake: a little less than the straight reading.
SWAPPED_PENALTY = 1.0
BEST_SWAPPED = max(FIRST_NAME_WEIGHTS.values()) + max(LAST_NAME_WEIGHTS.values()) - SWAPPED_PENALTY
BIRTH_WEIGHTS = {
    BirthLevel.SAME: 7.0,
    BirthLevel.DAY_MONTH_SWAPPED: 5.0,
    BirthLevel.YEAR_APART: 3.5,
    BirthLevel.ONE_SLIP: 2.5,
    BirthLevel.DIFFERENT: -8.0,
}
SEX_WEIGHTS = {True: 0.8, False: -4.0}
SCHOOL_WEIGHTS = {True: 1.0, False: -1.5}  # children move school, and are then registered again
CAREGIVER_WEIGHTS = {
    CaregiverLevel.SAME_PHONE: 3.0,
    CaregiverLevel.NAME_ALIKE: 3.0,
    CaregiverLevel.DIFFERENT: -1.5,
    CaregiverLevel.DIFFERENT_PHONES: -3.0,
    CaregiverLevel.MISSING: 0.0,
}
# Prior odds, in bits, that two records sharing a block are one child: about 1 in 256 among
# REFERENCE_POPULATION children. A larger population holds more different children with the
# same name and birthday, so more of its blocked pairs are not one child: the prior falls by one
# bit each time the population doubles (without it, precision on 60,000 generated children
# falls from 0.98 to 0.86 at the same threshold: decision 0047).
PRIOR = -8.0
REFERENCE_POPULATION = 6000


def prior_weight(population: int) -> float:
    return PRIOR - math.log2(max(population, 1) / REFERENCE_POPULATION)


# A pair at or above REVIEW_AT (probability that it is one child) goes to the review queue.
# Nothing is ever merged without a person deciding (decision 0047), whatever the score.
REVIEW_AT = 0.5


@dataclass(frozen=True, slots=True)
class Match:
    a: int
    b: int
    weight: float  # bits of evidence, prior included
    probability: float
    reasons: tuple[str, ...]  # "first_name:sounds_alike", "birth:day_month_swapped", ...

    @property
    def score(self) -> float:
        return round(self.probability, 3)


@dataclass(frozen=True, slots=True)
class _Prepared:
    record: ChildRecord
    first: _Name
    last: _Name
    caregivers: tuple[str, ...]
    phones: frozenset[str]
    codes: frozenset[str] = field(default=frozenset())
    birth_digits: str = ""  # "20190304", for counting the digits two dates differ in

    @classmethod
    def of(cls, record: ChildRecord) -> _Prepared:
        first, last = _Name.of(record.first_name), _Name.of(record.last_name)
        return cls(
            record=record,
            first=first,
            last=last,
            caregivers=tuple(
                sa_simplify(fold(name).replace(" ", "")) for name in record.caregiver_names
            ),
            phones=frozenset(p for p in map(phone_key, record.caregiver_phones) if p),
            codes=first.codes | last.codes,
            birth_digits=f"{record.date_of_birth:%Y%m%d}",
        )


def prepare(records: Iterable[ChildRecord]) -> list[_Prepared]:
    return [_Prepared.of(record) for record in records]


def _probability(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def compare(a: _Prepared, b: _Prepared, *, prior: float = PRIOR) -> Match:
    """The weight of evidence that `a` and `b` are one child, with the reasons; `prior` is
    `prior_weight(population)`."""
    straight = (compare_names(a.first, b.first), compare_names(a.last, b.last))
    weight_straight = FIRST_NAME_WEIGHTS[straight[0]] + LAST_NAME_WEIGHTS[straight[1]]
    swapped, weight_swapped = straight, weight_straight
    if weight_straight < BEST_SWAPPED:  # otherwise the swapped reading cannot do better
        swapped = (compare_names(a.first, b.last), compare_names(a.last, b.first))
        weight_swapped = (
            FIRST_NAME_WEIGHTS[swapped[0]] + LAST_NAME_WEIGHTS[swapped[1]] - SWAPPED_PENALTY
        )
    reasons: list[str] = []
    if weight_swapped > weight_straight:
        first, last = swapped
        weight = weight_swapped
        reasons.append("names:swapped")
    else:
        first, last = straight
        weight = weight_straight
    reasons += [f"first_name:{first}", f"last_name:{last}"]
    birth = _compare_births(
        a.record.date_of_birth, b.record.date_of_birth, a.birth_digits, b.birth_digits
    )
    same_sex = a.record.sex == b.record.sex
    same_school = a.record.school_id == b.record.school_id
    caregiver = compare_caregivers(a, b)
    weight += (
        BIRTH_WEIGHTS[birth]
        + SEX_WEIGHTS[same_sex]
        + SCHOOL_WEIGHTS[same_school]
        + CAREGIVER_WEIGHTS[caregiver]
        + prior
    )
    reasons += [
        f"birth:{birth}",
        f"sex:{'same' if same_sex else 'different'}",
        f"school:{'same' if same_school else 'different'}",
        f"caregiver:{caregiver}",
    ]
    ids = sorted((a.record.id, b.record.id))
    return Match(ids[0], ids[1], round(weight, 2), _probability(weight), tuple(reasons))


# --- blocking -----------------------------------------------------------------------------


def block_keys(p: _Prepared) -> Iterator[tuple]:
    """The blocks a record is in; two records are compared only when they share one."""
    record = p.record
    born = record.date_of_birth
    day_month = (min(born.day, born.month), max(born.day, born.month))
    for code in p.codes:
        yield ("school", record.school_id, code)
        yield ("birthday", day_month, code)
    for first in p.first.codes:  # anywhere in the district: both names alike
        for last in p.last.codes:
            yield ("names", min(first, last), max(first, last))
    yield ("school_birth", record.school_id, born)


def candidate_pairs(
    prepared: Sequence[_Prepared], *, against: Iterable[int] | None = None
) -> set[tuple[int, int]]:
    """Index pairs (i < j) of records sharing a block. With `against` (record ids), only pairs
    with at least one of those records: the new children of an import against everyone."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for index, p in enumerate(prepared):
        for key in block_keys(p):
            blocks[key].append(index)
    wanted = None
    if against is not None:
        ids = set(against)
        wanted = {i for i, p in enumerate(prepared) if p.record.id in ids}
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if wanted is None:
            for x in range(len(members)):
                i = members[x]
                for j in members[x + 1 :]:
                    pairs.add((i, j))
        else:
            for i in members:
                if i in wanted:
                    for j in members:
                        if j != i:
                            pairs.add((i, j) if i < j else (j, i))
    return pairs


# For records read without their caregivers: {child id: (caregiver names, phones)}, asked
# only for the children of the pairs blocking found.
CaregiverLookup = Callable[[set[int]], Mapping[int, tuple[tuple[str, ...], tuple[str, ...]]]]


def find_matches(
    records: Iterable[ChildRecord],
    *,
    against: Iterable[int] | None = None,
    at_least: float = REVIEW_AT,
    population: int | None = None,
    caregivers: CaregiverLookup | None = None,
) -> list[Match]:
    """Pairs of records whose probability of being one child is at least `at_least`, most
    likely first. `against`: only pairs involving these record ids. `population`: how many
    children the records were drawn from (default: as many as given). `caregivers`: looks up
    the caregivers of the children in candidate pairs, so a district's children can be read
    without theirs."""
    prepared = prepare(records)
    prior = prior_weight(population or len(prepared))
    pairs = candidate_pairs(prepared, against=against)
    if caregivers is not None:
        involved = {index for pair in pairs for index in pair}
        found_carers = caregivers({prepared[i].record.id for i in involved})
        for i in involved:
            record = prepared[i].record
            names, phones = found_carers.get(record.id, ((), ()))
            prepared[i] = _Prepared.of(
                replace(record, caregiver_names=tuple(names), caregiver_phones=tuple(phones))
            )
    found = []
    for i, j in pairs:
        match = compare(prepared[i], prepared[j], prior=prior)
        if match.probability >= at_least:
            found.append(match)
    return sorted(found, key=lambda m: (-m.weight, m.a, m.b))


# --- plain words for the reasons ----------------------------------------------------------

REASON_LABELS: dict[str, str] = {
    "names:swapped": "first name and surname written the other way round",
    "first_name:same": "same first name",
    "first_name:sounds_alike": "first names sound alike",
    "first_name:alike": "first names differ by a letter or two",
    "first_name:contained": "one first name holds the other",
    "first_name:initial": "only an initial on one record, and it fits",
    "first_name:somewhat": "first names somewhat alike",
    "first_name:different": "different first names",
    "first_name:missing": "a first name is missing",
    "last_name:same": "same surname",
    "last_name:sounds_alike": "surnames sound alike",
    "last_name:alike": "surnames differ by a letter or two",
    "last_name:contained": "one surname holds the other (double-barrelled)",
    "last_name:initial": "only an initial for the surname, and it fits",
    "last_name:somewhat": "surnames somewhat alike",
    "last_name:different": "different surnames",
    "last_name:missing": "a surname is missing",
    "birth:same": "same date of birth",
    "birth:day_month_swapped": "date of birth with day and month swapped",
    "birth:year_apart": "same birthday, a year apart",
    "birth:one_slip": "dates of birth a day apart, or one digit different",
    "birth:different": "different dates of birth",
    "sex:same": "same sex",
    "sex:different": "different sex",
    "school:same": "same school",
    "school:different": "different schools",
    "caregiver:same_phone": "same caregiver phone number",
    "caregiver:name_alike": "a caregiver with the same or a similar name",
    "caregiver:different": "different caregivers",
    "caregiver:different_phones": "different caregivers and phone numbers",
    "caregiver:missing": "no caregiver on one record",
}


def reason_labels(reasons: Iterable[str]) -> list[str]:
    return [REASON_LABELS.get(reason, reason) for reason in reasons]
