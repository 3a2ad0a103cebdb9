"""Cohort tables, paired change and informant agreement, from the risk profiles (docs/evidence.md,
decision 0056). Used by `cwtt report ...` (cwtt/analytics/reports.py) and the Evidence page
(cwtt/analytics/views.py).

Every figure leaves here already protected like the area dashboard's (decisions 0013, 0028):
counts go through cwtt/access/suppression.py `publish` (a count below k, or within k of its n,
is hidden; shown counts are rounded to the base), and the shares, intervals and tests are worked
out from the *rounded* counts, so no published interval can be turned back into a true count.
A hidden row shows no share and no interval.

Queries are bounded: a report reads the profiles of its wave(s) in one query, the informants who
answered in one, the instrument versions in one, and the schools and places in two, whatever the
number of children or areas; the rest is counting in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import QuerySet

from cwtt.access.suppression import publish
from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS
from cwtt.instruments.models import InstrumentVersion
from cwtt.registry.models import Location, School

from . import statistics
from .measures import KEY_INDICATORS, domain_measure

LEVELS = ("school", "circuit", "district", "province")
INFORMANTS = ("caregiver", "teacher", "nurse")
COUNTED = (Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED)

# --- areas -------------------------------------------------------------------------------------


def areas_of(schools: QuerySet[School], level: str) -> dict[int, str]:
    """School id -> the name of its area at `level` (two queries). A school filed above that
    level (a school under a district when the level is circuit) is in "Not in a circuit". Two
    areas with the same name (a "Circuit 1" in two districts, two schools of one name) are told
    apart by their district's name or the school's EMIS number, never merged."""
    if level not in LEVELS:
        raise ValueError(f"The level must be one of {', '.join(LEVELS)}, not {level!r}.")
    rows = list(schools.values_list("pk", "name", "emis_number", "location_id"))
    if level == "school":
        named = {pk: (pk, name, emis) for pk, name, emis, _ in rows}
        return _distinct_names(named)
    places = {
        pk: (name, place_level, parent)
        for pk, name, place_level, parent in Location.objects.values_list(
            "pk", "name", "level", "parent_id"
        )
    }
    outside = f"Not in a {level}"

    def area(location_id: int | None) -> tuple[int | None, str, str]:
        while location_id is not None:
            name, place_level, parent = places[location_id]
            if place_level == level:
                above = places[parent][0] if parent in places else ""
                return location_id, name, above
            location_id = parent
        return None, outside, ""

    return _distinct_names({pk: area(location_id) for pk, _, _, location_id in rows})


def _distinct_names(areas: dict[int, tuple[Any, str, str]]) -> dict[int, str]:
    """School id -> a label per area (id, name, what tells it apart): the name, or where two
    areas share it, the name with the distinguishing part in brackets."""
    ids_by_name: dict[str, set[Any]] = defaultdict(set)
    for key, name, _ in areas.values():
        ids_by_name[name].add(key)
    return {
        school: name if len(ids_by_name[name]) == 1 else f"{name} ({other})"
        for school, (_, name, other) in areas.items()
    }


# --- what each child counts as ------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One line of the cohort table: who is in n (children assessed by one of `respondents`;
    None: every child with a profile) and who counts (`counts(child)`)."""

    code: str
    label: str
    respondents: frozenset[str] | None
    counts: Callable[[Child], bool]


@dataclass
class Child:
    """What the tables need of one child's profile in one wave: no name, no answers."""

    school_id: int
    high_domains: frozenset[str]
    rules: frozenset[str]  # scoring rules that fired, at any level
    high_indicators: frozenset[str]  # "domain.indicator" with a high finding
    flagged: dict[str, frozenset[str]] = field(default_factory=dict)  # respondent -> indicators
    respondents: frozenset[str] = frozenset()

    def assessed_by(self, respondents: frozenset[str] | None) -> bool:
        return respondents is None or bool(self.respondents & respondents)


def _child(school_id: int, levels: Sequence[str], details: dict[str, Any]) -> Child:
    rules: set[str] = set()
    high: set[str] = set()
    flagged: dict[str, set[str]] = defaultdict(set)
    for domain, found in (details or {}).get("domains", {}).items():
        for finding in found.get("findings", []):
            rules.add(finding.get("rule", ""))
            indicator = finding.get("indicator")
            if not indicator:
                continue
            key = f"{domain}.{indicator}"
            if finding.get("level") == "high":
                high.add(key)
            if finding.get("respondent"):
                flagged[finding["respondent"]].add(key)
    return Child(
        school_id=school_id,
        high_domains=frozenset(
            d for d, level in zip(DOMAINS, levels, strict=True) if level == "high"
        ),
        rules=frozenset(rules),
        high_indicators=frozenset(high),
        flagged={r: frozenset(keys) for r, keys in flagged.items()},
    )


@dataclass
class WaveData:
    """The children of one wave (child id -> Child) and the instrument versions they were scored
    with."""

    children: dict[int, Child]
    rule_respondents: dict[str, str]  # rule code -> who answers it
    indicator_respondents: dict[str, set[str]]  # "domain.indicator" -> who has rules on it
    indicator_labels: dict[str, str]


def wave_data(waves: Iterable[Wave], schools: QuerySet[School]) -> dict[int, WaveData]:
    """The children of each wave at these schools: three queries for any number of waves."""
    wave_ids = [w.pk for w in waves]
    profiles = RiskProfile.objects.filter(wave_id__in=wave_ids, child__school__in=schools)
    by_wave: dict[int, dict[int, Child]] = {pk: {} for pk in wave_ids}
    version_ids: dict[int, set[int]] = defaultdict(set)
    for child_id, wave_id, school_id, version_id, details, *levels in profiles.values_list(
        "child_id", "wave_id", "child__school_id", "instrument_version_id", "details", *DOMAINS
    ):
        by_wave[wave_id][child_id] = _child(school_id, levels, details)
        version_ids[wave_id].add(version_id)
    answered: dict[tuple[int, int], set[str]] = defaultdict(set)
    for wave_id, child_id, respondent in (
        Assessment.objects.filter(
            wave_id__in=wave_ids, status__in=COUNTED, child__school__in=schools
        )
        .values_list("wave_id", "child_id", "respondent")
        .distinct()
    ):
        answered[(wave_id, child_id)].add(respondent)
    every_version = set().union(*version_ids.values()) if version_ids else set()
    definitions = {v.pk: v.parsed() for v in InstrumentVersion.objects.filter(pk__in=every_version)}
    found = {}
    for wave_id, children in by_wave.items():
        for child_id, child in children.items():
            child.respondents = frozenset(answered.get((wave_id, child_id), ()))
        rule_respondents: dict[str, str] = {}
        indicator_respondents: dict[str, set[str]] = defaultdict(set)
        labels: dict[str, str] = {}
        for version_id in sorted(version_ids[wave_id]):
            definition = definitions[version_id]
            for rule in definition.rules:
                if rule.respondent:
                    rule_respondents[rule.code] = rule.respondent
                    if rule.indicator:
                        indicator_respondents[f"{rule.domain}.{rule.indicator}"].add(
                            rule.respondent
                        )
                if rule.indicator:
                    key = f"{rule.domain}.{rule.indicator}"
                    labels[key] = definition.indicator_label(rule.domain, rule.indicator)
        found[wave_id] = WaveData(children, rule_respondents, dict(indicator_respondents), labels)
    return found


def measures_for(data: WaveData) -> list[Measure]:
    """The six domains, the study's key indicators (those the wave's instrument has), then
    every indicator of the instrument at high risk."""
    measures = [
        Measure(d, domain_measure(d), None, lambda c, d=d: d in c.high_domains) for d in DOMAINS
    ]
    for key in KEY_INDICATORS:
        present = key.rules & data.rule_respondents.keys()
        if present:
            measures.append(
                Measure(
                    key.code,
                    key.label,
                    frozenset(data.rule_respondents[r] for r in present),
                    lambda c, rules=key.rules: bool(c.rules & rules),
                )
            )
    for indicator, respondents in sorted(data.indicator_respondents.items()):
        domain = indicator.split(".", 1)[0]
        measures.append(
            Measure(
                indicator,
                f"high risk: {data.indicator_labels.get(indicator, indicator)} "
                f"({DOMAIN_LABELS.get(domain, domain)})",
                frozenset(respondents),
                lambda c, i=indicator: i in c.high_indicators,
            )
        )
    return measures


# --- cohort table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortRow:
    area: str
    wave: str
    measure: str
    code: str
    n: int | None  # None: hidden (fewer than k children)
    high: int | None  # None: hidden
    share: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def shown(self) -> bool:
        return self.share is not None


def cohort(
    wave: Wave, schools: QuerySet[School], level: str, *, k=None, base=None
) -> list[CohortRow]:
    """Per area, per measure: children in n, how many count, the share and its Wilson 95%
    interval, protected (see the module)."""
    area_of = areas_of(schools, level)
    areas = sorted(set(area_of.values()))
    data = wave_data([wave], schools)[wave.pk]
    rows: list[CohortRow] = []
    tables = []
    for measure in measures_for(data):
        counts = {area: [0, 0] for area in areas}  # area -> [n, high]
        for child in data.children.values():
            if child.assessed_by(measure.respondents):
                cell = counts[area_of[child.school_id]]
                cell[0] += 1
                cell[1] += measure.counts(child)
        table = publish(
            [[counts[a][1]] for a in areas], [counts[a][0] for a in areas], k=k, base=base
        )
        tables.append((measure, table))
    for i, area in enumerate(areas):
        for measure, table in tables:
            row = table.rows[i]
            cell = row.cells[0]
            n = None if row.n.hidden else row.n.count
            if cell.hidden or n is None:
                rows.append(
                    CohortRow(
                        area, wave.name, measure.label, measure.code, n, None, None, None, None
                    )
                )
                continue
            found = statistics.wilson(cell.count or 0, n)
            rows.append(
                CohortRow(
                    area,
                    wave.name,
                    measure.label,
                    measure.code,
                    n,
                    cell.count,
                    found.share,
                    found.low,
                    found.upper,
                )
            )
    return rows


# --- paired change -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    area: str
    measure: str
    code: str
    n_paired: int | None
    share_from: float | None
    share_to: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None

    @property
    def shown(self) -> bool:
        return self.difference is not None


def change(
    earlier: Wave, later: Wave, schools: QuerySet[School], level: str, *, k=None, base=None
) -> list[ChangeRow]:
    """Per area, per measure, on the children with a profile in both waves (and, for a key
    indicator, assessed by its informant in both): the share in each wave, the difference with
    Newcombe's paired interval, and McNemar's p-value. The four cells of the paired table (high
    in both, only before, only after, neither) are protected together: one hidden, all hidden."""
    area_of = areas_of(schools, level)
    areas = sorted(set(area_of.values()))
    data = wave_data([earlier, later], schools)
    before, after = data[earlier.pk], data[later.pk]
    common = {m.code: m for m in measures_for(after)}
    measures = [m for m in measures_for(before) if m.code in common]
    # Each child once per measure, grouped by area first: areas × children would not scale.
    paired: dict[str, list[tuple[Child, Child]]] = {area: [] for area in areas}
    for child_id, then in before.children.items():
        now = after.children.get(child_id)
        if now is not None:
            paired[area_of[now.school_id]].append((then, now))
    rows: list[ChangeRow] = []
    for area in areas:
        for measure in measures:
            cells = [0, 0, 0, 0]  # both, only before, only after, neither
            for then, now in paired[area]:
                if not (
                    then.assessed_by(measure.respondents) and now.assessed_by(measure.respondents)
                ):
                    continue
                was, became = measure.counts(then), measure.counts(now)
                cells[0 if was and became else 1 if was else 2 if became else 3] += 1
            rows.append(_change_row(area, measure, cells, k, base))
    return rows


def _change_row(area: str, measure: Measure, cells: list[int], k, base) -> ChangeRow:
    table = publish([cells], [sum(cells)], k=k, base=base, rows_add_up=True)
    row = table.rows[0]
    n = None if row.n.hidden else row.n.count
    if n is None or any(c.hidden for c in row.cells):
        return ChangeRow(area, measure.label, measure.code, n, None, None, None, None, None, None)
    both, only_from, only_to, neither = (c.count or 0 for c in row.cells)
    found = statistics.paired_change(
        both=both, only_from=only_from, only_to=only_to, neither=neither
    )
    return ChangeRow(
        area,
        measure.label,
        measure.code,
        found.n,
        found.share_from,
        found.share_to,
        found.difference,
        found.low,
        found.upper,
        found.p_value,
    )


# --- informant agreement -----------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementRow:
    indicator: str
    informant_a: str
    informant_b: str
    n: int | None
    agreement: float | None
    kappa: float | None

    @property
    def shown(self) -> bool:
        return self.agreement is not None


def agreement(wave: Wave, schools: QuerySet[School], *, k=None, base=None) -> list[AgreementRow]:
    """Per indicator that two informants both have rules on: on the children both assessed,
    whether each raised it (a finding at any level), their raw agreement and Cohen's kappa.
    Sorted by where they disagree most: lowest kappa first, rows with nothing shown last."""
    data = wave_data([wave], schools)[wave.pk]
    rows = []
    for indicator, respondents in sorted(data.indicator_respondents.items()):
        label = data.indicator_labels.get(indicator, indicator)
        asked = [r for r in INFORMANTS if r in respondents]
        for a, b in combinations(asked, 2):
            cells = [0, 0, 0, 0]  # both, only a, only b, neither
            for child in data.children.values():
                if not {a, b} <= child.respondents:
                    continue
                by_a = indicator in child.flagged.get(a, ())
                by_b = indicator in child.flagged.get(b, ())
                cells[0 if by_a and by_b else 1 if by_a else 2 if by_b else 3] += 1
            table = publish([cells], [sum(cells)], k=k, base=base, rows_add_up=True)
            row = table.rows[0]
            n = None if row.n.hidden else row.n.count
            if n is None or any(c.hidden for c in row.cells):
                rows.append(AgreementRow(label, a, b, n, None, None))
                continue
            both, only_a, only_b, neither = (c.count or 0 for c in row.cells)
            found = statistics.agreement(both=both, only_a=only_a, only_b=only_b, neither=neither)
            rows.append(AgreementRow(label, a, b, found.n, found.agreement, found.kappa))
    return sorted(
        rows,
        key=lambda r: (
            r.kappa is None,
            r.kappa if r.kappa is not None else 0.0,
            r.agreement if r.agreement is not None else 1.0,
            r.indicator,
        ),
    )
