"""Data quality while the team is still in the field: for some schools and one wave, how
complete the questionnaires are, which submitted answers are wrong or contradict each other,
which children may be registered twice, and who captured how much on which day.

Pure queries: no HTTP and no names of children. Findings name children by id; a page looks the
names up through the access policy (cwtt/quality/views.py), the command prints ids only.
Everything is read with a few queries of plain values (no query per child or assessment), so a
whole district — 60 schools x 60 children x 3 questionnaires — is checked in one go.
Thresholds and rules are explained in docs/quality.md and docs/decisions/0019.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cwtt.assessments.actions import child_facts
from cwtt.assessments.models import Assessment, Respondent, Wave
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import InstrumentDefinition, MeasureSpec
from cwtt.instruments.engine.expressions import (
    ExpressionError,
    compile_condition,
    compile_expression,
    parse,
    references,
)
from cwtt.instruments.measures.registry import compute
from cwtt.registry.models import Child, School

from .rules import CONTRADICTIONS, ContradictionRule

COUNTING = (Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED)
ACTIVE = Child.Status.ACTIVE

# More assessments than this by one person on one day is worth a question: a careful interview
# of a caregiver takes 30 to 45 minutes. Override with settings.CWTT_QUALITY_MAX_PER_DAY.
DEFAULT_MAX_PER_DAY = 25
VOLUME_DAYS = 14
# Two children born on the same day whose normalised names are at least this alike
# (difflib.SequenceMatcher.ratio, 0 to 1) may be one child registered twice. 0.9 allows one
# wrong or missing letter in a usual South African first name plus surname ("Lwazi Mokwena" /
# "Lwazi Mokoena" is 0.92), and leaves out twins, who share a surname and a birthday but not
# a first name ("Thabo Nkosi" / "Thabang Nkosi" is 0.83). See docs/decisions/0019.
DUPLICATE_NAME_RATIO = 0.9
# Interview length is not recorded: the instrument has no start/end metadata and an
# assessment's created_at and submitted_at are when the server saved it, not when the
# interview began. So very fast interviews cannot be found (docs/decisions/0019).
INTERVIEW_TIMING_RECORDED = False

_NUMERIC = frozenset({"integer", "decimal", "range"})
# What cwtt/instruments/engine/validation.py says when a constraint has no message of its own.
_OUTSIDE_DEFAULT = "This answer is outside what is allowed here."


class ProblemKind(models.TextChoices):
    RULE = "rule", gettext_lazy("Breaks the instrument's rules")
    RANGE = "range", gettext_lazy("Outside the plausible range")
    CONTRADICTION = "contradiction", gettext_lazy("Answers contradict each other")
    REPEAT = "repeat", gettext_lazy("Questionnaire given twice")


class DuplicateReason(models.TextChoices):
    SAME_NAME = "same_name", gettext_lazy("Same name and date of birth")
    SIMILAR_NAME = "similar_name", gettext_lazy("Very similar name, same date of birth")


def max_per_day() -> int:
    value = getattr(settings, "CWTT_QUALITY_MAX_PER_DAY", DEFAULT_MAX_PER_DAY)
    if not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(
            f"CWTT_QUALITY_MAX_PER_DAY={value!r} must be a whole number of at least 1 "
            f"({DEFAULT_MAX_PER_DAY} is usual)."
        )
    return value


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchoolCompleteness:
    """One school's progress with one questionnaire; counts are of active children."""

    school_id: int
    school_name: str
    respondent: str
    active: int
    submitted: int  # children with the questionnaire submitted (or verified)
    missing: tuple[int, ...]  # ids of children without it submitted
    drafted: tuple[int, ...]  # of those, the ones with a draft pending

    @property
    def drafts(self) -> int:
        return len(self.drafted)

    @property
    def share(self) -> int | None:
        return round(100 * self.submitted / self.active) if self.active else None


@dataclass(frozen=True, slots=True)
class AssessorCompleteness:
    """What one person captured of one questionnaire in the wave (assessments, not children)."""

    assessor_id: int | None  # None: captured without a named person (an import)
    assessor_name: str
    respondent: str
    submitted: int
    drafts: int

    @property
    def share(self) -> int | None:
        started = self.submitted + self.drafts
        return round(100 * self.submitted / started) if started else None


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    kind: str  # ProblemKind
    child_id: int
    school_id: int
    respondents: tuple[str, ...]  # the questionnaire(s) the answers are in
    questions: tuple[str, ...]
    message: str
    # Sensitivity classes of the questions: only a reader of all of them may see the message
    # and the question names (cwtt/access/sensitivity.py); anyone else sees that there is one.
    classes: frozenset[str]
    code: str = ""  # the contradiction rule, for contradictions
    # The questionnaires the answers are in (their uuids, as text), so a page can link to each
    # one, where a correction is asked for (cwtt/web/assessment_views.py).
    assessments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    first_id: int
    second_id: int
    reason: str  # DuplicateReason
    similarity: float
    same_school: bool


@dataclass(frozen=True, slots=True)
class DailyVolume:
    assessor_id: int | None
    assessor_name: str
    day: dt.date
    total: int
    submitted: int
    unusual: bool


@dataclass
class QualityReport:
    wave: Wave | None
    school_ids: list[int]
    schools: list[SchoolCompleteness] = field(default_factory=list)
    assessors: list[AssessorCompleteness] = field(default_factory=list)
    problems: list[AnswerProblem] = field(default_factory=list)
    duplicates: list[DuplicatePair] = field(default_factory=list)
    volume: list[DailyVolume] = field(default_factory=list)
    max_per_day: int = DEFAULT_MAX_PER_DAY
    timing_recorded: bool = INTERVIEW_TIMING_RECORDED

    def counts(self) -> dict[str, int]:
        kinds = Counter(p.kind for p in self.problems)
        return {
            "incomplete": sum(len(row.missing) for row in self.schools),
            "drafts": sum(row.drafts for row in self.schools),
            **{kind: kinds.get(kind, 0) for kind in ProblemKind.values},
            "duplicates": len(self.duplicates),
            "unusual_days": sum(1 for day in self.volume if day.unusual),
        }


# --- scope ------------------------------------------------------------------------------------


def waves_for(school_ids: Iterable[int]) -> models.QuerySet[Wave]:
    """Waves that cover any of the schools (a wave with no schools listed covers all), newest
    first."""
    return Wave.objects.covering(school_ids).order_by("-starts_on", "-pk")


def current_wave(school_ids: Iterable[int], today: dt.date) -> Wave | None:
    """The latest wave under way for these schools, else the next one to start."""
    waves = waves_for(school_ids)
    return waves.filter(starts_on__lte=today).first() or waves.last()


def schools_in_wave(wave: Wave, school_ids: Iterable[int]) -> list[int]:
    listed = set(wave.schools.values_list("pk", flat=True))
    return sorted(i for i in school_ids if not listed or i in listed)


# --- completeness -----------------------------------------------------------------------------


def completeness(
    *, school_ids: Sequence[int], wave: Wave
) -> tuple[list[SchoolCompleteness], list[AssessorCompleteness]]:
    """Per school and per assessor, for each questionnaire the wave's instrument asks: active
    children, submitted, drafts pending."""
    ids = schools_in_wave(wave, school_ids)
    respondents = validator_for(wave.instrument_version_id).definition.respondents()
    children: dict[int, list[int]] = defaultdict(list)
    for child_id, school_id in (
        Child.objects.filter(school_id__in=ids, status=ACTIVE)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", "school_id")
    ):
        children[school_id].append(child_id)
    submitted: set[tuple[int, str]] = set()
    drafted: set[tuple[int, str]] = set()
    by_assessor: Counter[tuple[int | None, str, bool]] = Counter()
    for child_id, respondent, status, assessor_id in (
        Assessment.objects.filter(wave=wave, child__school_id__in=ids, child__status=ACTIVE)
        .order_by()
        .values_list("child_id", "respondent", "status", "assessor_id")
    ):
        counts = status in COUNTING
        (submitted if counts else drafted).add((child_id, respondent))
        by_assessor[(assessor_id, respondent, counts)] += 1
    schools = []
    for school_id, name in School.objects.filter(pk__in=ids).values_list("pk", "name"):
        active = children.get(school_id, [])
        for respondent in respondents:
            done = [c for c in active if (c, respondent) in submitted]
            missing = tuple(c for c in active if (c, respondent) not in submitted)
            schools.append(
                SchoolCompleteness(
                    school_id=school_id,
                    school_name=name,
                    respondent=respondent,
                    active=len(active),
                    submitted=len(done),
                    missing=missing,
                    drafted=tuple(c for c in missing if (c, respondent) in drafted),
                )
            )
    names = people_names({a for a, _r, _c in by_assessor})
    pairs = sorted(
        {(a, r) for a, r, _c in by_assessor},
        key=lambda p: (p[0] is None, names.get(p[0], ""), respondents_order(p[1])),
    )
    assessors = [
        AssessorCompleteness(
            assessor_id=assessor_id,
            assessor_name=names.get(assessor_id, ""),
            respondent=respondent,
            submitted=by_assessor[(assessor_id, respondent, True)],
            drafts=by_assessor[(assessor_id, respondent, False)],
        )
        for assessor_id, respondent in pairs
    ]
    return schools, assessors


def respondents_order(respondent: str) -> int:
    return [r for r, _label in Assessment._meta.get_field("respondent").choices].index(respondent)


def people_names(user_ids: Iterable[int | None]) -> dict[int | None, str]:
    """Staff names (full name, else username) by user id; None is an assessment captured
    without a named person, such as an import."""
    names: dict[int | None, str] = {None: _("Not recorded (imported)")}
    ids = [i for i in user_ids if i is not None]
    for pk, first, last, username in (
        get_user_model()
        .objects.filter(pk__in=ids)
        .values_list("pk", "first_name", "last_name", "username")
    ):
        names[pk] = f"{first} {last}".strip() or username
    return names


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _GrowthPlan:
    spec: MeasureSpec
    inputs: list[tuple[str, Callable[[Mapping[str, Any]], Any]]]
    questions: dict[str, tuple[str, ...]]  # input parameter → the questions it reads


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: ContradictionRule
    condition: Callable[[Mapping[str, Any]], bool]
    questions: tuple[str, ...]
    respondents: tuple[str, ...]
    classes: frozenset[str]


class _Version:
    """What the checks need of one instrument version, worked out once per run."""

    def __init__(self, version_id: int) -> None:
        self.validator = validator_for(version_id)
        definition: InstrumentDefinition = self.validator.definition
        self.questions = {q.name: q for q in definition.answerable()}
        self.growth: dict[str, list[_GrowthPlan]] = defaultdict(list)
        for spec in definition.measures:
            if spec.kind != "growth" or spec.respondent is None:
                continue
            try:
                inputs = [(p, compile_expression(text)) for p, text in spec.inputs.items()]
                reads = {
                    p: tuple(n for n in sorted(references(parse(t))) if n in self.questions)
                    for p, t in spec.inputs.items()
                }
            except ExpressionError:
                continue  # the reader warned when the instrument was published
            self.growth[spec.respondent].append(_GrowthPlan(spec, inputs, reads))

    def classes(self, names: Iterable[str]) -> frozenset[str]:
        return frozenset(
            self.questions[n].sensitivity if n in self.questions else "general" for n in names
        )

    def contradictions(self) -> list[_CompiledRule]:
        order = {name: index for index, name in enumerate(self.questions)}
        compiled = []
        for rule in CONTRADICTIONS:
            names = references(parse(rule.when))
            if not names or not names <= self.questions.keys():
                continue  # a question this version does not ask
            questions = tuple(sorted(names, key=order.__getitem__))
            respondents = tuple(
                dict.fromkeys(self.questions[n].respondent or "" for n in questions)
            )
            compiled.append(
                _CompiledRule(
                    rule,
                    compile_condition(rule.when),
                    questions,
                    respondents,
                    self.classes(questions),
                )
            )
        return compiled


def answer_problems(*, school_ids: Sequence[int], wave: Wave) -> list[AnswerProblem]:
    """Submitted answers that break the instrument's rules now, measurements outside what is
    humanly possible, and answers that contradict each other (cwtt/quality/rules.py)."""
    ids = schools_in_wave(wave, school_ids)
    versions: dict[int, _Version] = {}
    problems: list[AnswerProblem] = []
    # Per child: school, and each questionnaire's latest submitted answers (rows come in date
    # order, so a later assessment replaces an earlier one).
    latest: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    latest_uuid: dict[int, dict[str, str]] = defaultdict(dict)
    school_of: dict[int, int] = {}
    rows = (
        Assessment.objects.filter(
            wave=wave, child__school_id__in=ids, child__status=ACTIVE, status__in=COUNTING
        )
        .order_by("child_id", "respondent", "assessed_on", "pk")
        .values_list(
            "child_id",
            "child__school_id",
            "respondent",
            "answers",
            "instrument_version_id",
            "assessed_on",
            "child__date_of_birth",
            "child__sex",
            "child__grant_status",
            "uuid",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        child_id, school_id, respondent, answers, version_id, on, born, sex, grant, uuid = row
        uuid = str(uuid)
        version = versions.get(version_id) or versions.setdefault(version_id, _Version(version_id))
        checked = version.validator.validate(respondent, answers or {}, today=on)
        for name, message in checked.errors.items():
            question = version.questions.get(name)
            constraint_failed = (
                question is not None
                and question.type in _NUMERIC
                and message in {question.constraint_message, _OUTSIDE_DEFAULT}
            )
            problems.append(
                AnswerProblem(
                    kind=ProblemKind.RANGE if constraint_failed else ProblemKind.RULE,
                    child_id=child_id,
                    school_id=school_id,
                    respondents=(respondent,),
                    questions=(name,),
                    message=message,
                    classes=version.classes([name]),
                    assessments=(uuid,),
                )
            )
        plans = version.growth.get(respondent, ())
        facts = (
            child_facts(Child(date_of_birth=born, sex=sex, grant_status=grant), on) if plans else {}
        )
        for plan in plans:
            for questions, message in _growth_findings(plan, {**facts, **checked.answers}):
                problems.append(
                    AnswerProblem(
                        kind=ProblemKind.RANGE,
                        child_id=child_id,
                        school_id=school_id,
                        respondents=(respondent,),
                        questions=questions,
                        message=message,
                        classes=version.classes(questions),
                        assessments=(uuid,),
                    )
                )
        latest[child_id][respondent] = checked.answers
        latest_uuid[child_id][respondent] = uuid
        school_of[child_id] = school_id
    rules = _Version(wave.instrument_version_id).contradictions()
    for child_id, by_respondent in latest.items():
        values: dict[str, Any] = {}
        for answers in by_respondent.values():
            values.update(answers)
        for compiled in rules:
            if compiled.condition(values):
                problems.append(
                    AnswerProblem(
                        kind=ProblemKind.CONTRADICTION,
                        child_id=child_id,
                        school_id=school_of[child_id],
                        respondents=compiled.respondents,
                        questions=compiled.questions,
                        message=str(compiled.rule.explanation),
                        classes=compiled.classes,
                        code=compiled.rule.code,
                        assessments=tuple(
                            latest_uuid[child_id][r]
                            for r in compiled.respondents
                            if r in latest_uuid[child_id]
                        ),
                    )
                )
    # Each child's findings together, in the order the kinds are listed.
    order = {kind: index for index, kind in enumerate(ProblemKind.values)}
    problems.sort(key=lambda p: (p.school_id, p.child_id, order[p.kind]))
    return problems


def repeated_questionnaires(*, school_ids: Sequence[int], wave: Wave) -> list[AnswerProblem]:
    """Two or more sent questionnaires of one kind for one child in the wave that were kept
    without a reason, or whose answers to the same questions differ (decision 0054). One
    query: the questionnaires that have a sibling of their kind, in the order they were given."""
    ids = schools_in_wave(wave, school_ids)
    sibling = Assessment.objects.filter(
        child_id=OuterRef("child_id"),
        wave=wave,
        respondent=OuterRef("respondent"),
        status__in=COUNTING,
    ).exclude(pk=OuterRef("pk"))
    rows = (
        Assessment.objects.filter(
            wave=wave, child__school_id__in=ids, child__status=ACTIVE, status__in=COUNTING
        )
        .filter(Exists(sibling))
        .order_by("child_id", "respondent", "assessed_on", "pk")
        .values_list(
            "child_id",
            "child__school_id",
            "respondent",
            "uuid",
            "answers",
            "repeat_reason",
            "instrument_version_id",
        )
    )
    groups: dict[tuple[int, int, str], list[tuple[Any, ...]]] = defaultdict(list)
    for child_id, school_id, respondent, *rest in rows:
        groups[(child_id, school_id, respondent)].append(tuple(rest))
    versions: dict[int, _Version] = {}
    problems: list[AnswerProblem] = []
    for (child_id, school_id, respondent), given in groups.items():
        uuids = tuple(str(row[0]) for row in given)
        kind = str(Respondent(respondent).label).lower() if respondent in Respondent else ""
        # The first one given needs no reason; each one kept alongside it does.
        if any(not (row[2] or "").strip() for row in given[1:]):
            problems.append(
                AnswerProblem(
                    kind=ProblemKind.REPEAT,
                    child_id=child_id,
                    school_id=school_id,
                    respondents=(respondent,),
                    questions=(),
                    message=_(
                        "%(n)s %(kind)s questionnaires were kept for this child in this wave "
                        "without saying why. Open them: if one was sent twice by mistake, ask "
                        "for a correction; if both are meant, say so."
                    )
                    % {"n": len(given), "kind": kind},
                    classes=frozenset({"general"}),
                    code="no_reason",
                    assessments=uuids,
                )
            )
        first = given[0][1] or {}
        differing: set[str] = set()
        for row in given[1:]:
            later = row[1] or {}
            differing |= {k for k in first.keys() & later.keys() if first[k] != later[k]}
        if differing:
            version_id = given[0][3]
            version = versions.get(version_id) or versions.setdefault(
                version_id, _Version(version_id)
            )
            order = {name: index for index, name in enumerate(version.questions)}
            questions = tuple(sorted(differing, key=lambda n: (order.get(n, len(order)), n)))
            problems.append(
                AnswerProblem(
                    kind=ProblemKind.REPEAT,
                    child_id=child_id,
                    school_id=school_id,
                    respondents=(respondent,),
                    questions=questions,
                    message=_(
                        "The %(n)s %(kind)s questionnaires for this child in this wave give "
                        "different answers. Check with the people who gave them which is right."
                    )
                    % {"n": len(given), "kind": kind},
                    classes=version.classes(questions),
                    code="disagree",
                    assessments=uuids,
                )
            )
    return problems


# WHO's plausibility flags (cwtt/instruments/measures/growth.py): which measurement each reads.
_GROWTH_FLAGS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("flag_haz", "haz", ("height_cm",)),
    ("flag_waz", "waz", ("weight_kg",)),
    ("flag_baz", "baz", ("height_cm", "weight_kg")),
)


def _growth_findings(
    plan: _GrowthPlan, values: Mapping[str, Any]
) -> list[tuple[tuple[str, ...], str]]:
    inputs = {param: fn(values) for param, fn in plan.inputs}
    if any(v is None or v == "" for v in inputs.values()):
        return []  # not measured: nothing to check
    every = tuple(dict.fromkeys(n for names in plan.questions.values() for n in names))
    try:
        result = compute("growth", inputs)
    except ValueError as error:  # MeasureInputError: a measurement or the age out of range
        return [
            (every, _("The growth measures cannot be worked out: %(error)s.") % {"error": error})
        ]
    flagged = [f for f in _GROWTH_FLAGS if result.get(f[0])]
    if not flagged:
        return []
    messages = {
        "flag_haz": _(
            "Height for age is far outside what is possible (z-score %(z)s). Check the child's "
            "date of birth, and measure the height again."
        ),
        "flag_waz": _(
            "Weight for age is far outside what is possible (z-score %(z)s). Check the child's "
            "date of birth, and weigh the child again."
        ),
        "flag_baz": _(
            "Weight for height (BMI for age) is far outside what is possible (z-score %(z)s). "
            "Measure the height and the weight again."
        ),
    }
    found = []
    for flag, score, params in _GROWTH_FLAGS:
        if result.get(flag):
            questions = tuple(dict.fromkeys(n for p in params for n in plan.questions.get(p, ())))
            found.append((questions or every, messages[flag] % {"z": result.get(score)}))
    return found


# --- duplicates -------------------------------------------------------------------------------


def name_words(*parts: str) -> list[str]:
    """A name as plain words: accents dropped, case folded, punctuation and extra spaces gone
    ("  Thandéka  NDLOVU-Dube" → ["thandeka", "ndlovu", "dube"])."""
    text = unicodedata.normalize("NFKD", " ".join(parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() else " " for c in text).split()


def suspected_duplicates(*, school_ids: Sequence[int]) -> list[DuplicatePair]:
    """Pairs of active children in these schools born on the same day whose names are the same
    once normalised (in any order), or very alike (DUPLICATE_NAME_RATIO), or where one name
    holds all the words of the other (a second surname added)."""
    by_birthday: dict[dt.date, list[tuple[int, int, str, frozenset[str]]]] = defaultdict(list)
    for pk, first, last, born, school_id in (
        Child.objects.filter(school_id__in=list(school_ids), status=ACTIVE)
        .order_by("pk")
        .values_list("pk", "first_name", "last_name", "date_of_birth", "school_id")
    ):
        words = name_words(first, last)
        by_birthday[born].append((pk, school_id, " ".join(sorted(words)), frozenset(words)))
    pairs = []
    for group in by_birthday.values():
        for index, (a_id, a_school, a_key, a_words) in enumerate(group):
            for b_id, b_school, b_key, b_words in group[index + 1 :]:
                if a_key == b_key:
                    reason, ratio = DuplicateReason.SAME_NAME, 1.0
                else:
                    ratio = difflib.SequenceMatcher(None, a_key, b_key).ratio()
                    contained = bool(a_words and b_words) and (
                        a_words < b_words or b_words < a_words
                    )
                    if ratio < DUPLICATE_NAME_RATIO and not contained:
                        continue
                    reason = DuplicateReason.SIMILAR_NAME
                pairs.append(
                    DuplicatePair(a_id, b_id, reason, round(ratio, 2), a_school == b_school)
                )
    return sorted(pairs, key=lambda p: (p.reason != DuplicateReason.SAME_NAME, p.first_id))


# --- volume per assessor per day ----------------------------------------------------------------


def daily_volume(
    *, school_ids: Sequence[int], today: dt.date, limit: int | None = None
) -> list[DailyVolume]:
    """Assessments of these schools' children per person per day (the day the questions were
    asked) over the last VOLUME_DAYS days, any wave; more than `limit` is unusual."""
    limit = max_per_day() if limit is None else limit
    since = today - dt.timedelta(days=VOLUME_DAYS - 1)
    rows = list(
        Assessment.objects.filter(
            child__school_id__in=list(school_ids), assessed_on__range=(since, today)
        )
        .values("assessor_id", "assessed_on")
        .annotate(total=Count("pk"), submitted=Count("pk", filter=Q(status__in=COUNTING)))
        .order_by()
    )
    names = people_names({row["assessor_id"] for row in rows})
    # Latest day first; on each day the busiest person first.
    rows.sort(
        key=lambda row: (-row["assessed_on"].toordinal(), -row["total"], row["assessor_id"] or 0)
    )
    return [
        DailyVolume(
            assessor_id=row["assessor_id"],
            assessor_name=names.get(row["assessor_id"], ""),
            day=row["assessed_on"],
            total=row["total"],
            submitted=row["submitted"],
            unusual=row["total"] > limit,
        )
        for row in rows
    ]


# --- everything at once -----------------------------------------------------------------------


def quality_report(
    *, school_ids: Sequence[int], wave: Wave | None, today: dt.date
) -> QualityReport:
    """All the checks for the schools; the wave's checks only when there is a wave."""
    limit = max_per_day()
    report = QualityReport(wave=wave, school_ids=list(school_ids), max_per_day=limit)
    if wave is not None:
        report.schools, report.assessors = completeness(school_ids=school_ids, wave=wave)
        report.problems = answer_problems(school_ids=school_ids, wave=wave)
        report.problems += repeated_questionnaires(school_ids=school_ids, wave=wave)
        order = {kind: index for index, kind in enumerate(ProblemKind.values)}
        report.problems.sort(key=lambda p: (p.school_id, p.child_id, order[p.kind]))
    report.duplicates = suspected_duplicates(school_ids=school_ids)
    report.volume = daily_volume(school_ids=school_ids, today=today, limit=limit)
    return report
