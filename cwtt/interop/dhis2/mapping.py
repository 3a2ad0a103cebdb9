"""The mapping of CWTT's figures to DHIS2: indicators to data elements, places to org units,
and the period type (docs/exports.md, "The DHIS2 mapping file").

A mapping is a JSON file. The shipped one (`mapping.json` here) holds placeholders in angle
brackets and no org units, so it refuses to run until a deployer fills it in: a payload with
made-up UIDs would be refused by DHIS2, or worse, land on someone else's data element. Which
file is used: --mapping FILE, else the file named by CWTT_DHIS2_MAPPING, else the shipped one.

Every problem is collected and reported at once, each naming the indicator, school or entry it
is about, so one round of editing fixes them all.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS

SHIPPED = Path(__file__).with_name("mapping.json")

# Our indicators, in the order of the payload, with what each counts (for messages and docs).
INDICATORS: dict[str, str] = {
    "children_assessed": "children with a risk profile in the wave",
    "high_risk_any": "children at high risk in any domain",
    **{f"high_risk_{d}": f"children at high risk: {DOMAIN_LABELS[d].lower()}" for d in DOMAINS},
    "cases_opened": "cases opened during the wave",
    "referrals_made": "referrals sent during the wave",
    "referrals_completed": "referrals sent during the wave whose service was delivered",
}

# DHIS2 period types CWTT can name (https://docs.dhis2.org, "Date and period format").
PERIOD_TYPES = ("Yearly", "SixMonthly", "Quarterly", "Monthly", "FinancialApril")
PERIOD_DATES = ("start", "end")
ORG_UNIT_LEVELS = ("school", "district")
# A DHIS2 UID: 11 letters and digits, the first a letter.
UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
KNOWN_KEYS = {"period", "dataSet", "completeDate", "orgUnitLevel", "orgUnits", "indicators"}


class MappingError(ValueError):
    """The mapping cannot be used; `problems` lists each thing to fix."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"The DHIS2 mapping {source} cannot be used yet:\n{lines}")


@dataclass(frozen=True)
class Target:
    data_element: str
    category_option_combo: str


@dataclass(frozen=True)
class Mapping:
    source: str
    period_type: str
    period_date: str  # which of the wave's dates names the period: "start" or "end"
    data_set: str | None
    complete: bool  # send completeDate (the wave's last day)
    level: str  # "school" (keys are EMIS numbers) or "district" (keys are CWTT district codes)
    org_units: dict[str, str | None]  # our key -> org unit UID; None: deliberately not reported
    indicators: dict[str, Target | None]  # None: deliberately not reported

    def period_of(self, starts_on: dt.date, ends_on: dt.date) -> str:
        return period_of(starts_on if self.period_date == "start" else ends_on, self.period_type)


def period_of(day: dt.date, period_type: str) -> str:
    """The DHIS2 period that holds `day`: 2026, 2026S2, 2026Q3, 202611 or 2026April (the
    financial year that starts in April 2026 and runs to March 2027)."""
    if period_type == "Yearly":
        return f"{day.year}"
    if period_type == "SixMonthly":
        return f"{day.year}S{1 if day.month <= 6 else 2}"
    if period_type == "Quarterly":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if period_type == "Monthly":
        return f"{day.year}{day.month:02d}"
    if period_type == "FinancialApril":
        return f"{day.year if day.month >= 4 else day.year - 1}April"
    raise ValueError(f"unknown period type {period_type!r}")


def mapping_path(given: str | Path | None = None) -> Path:
    """--mapping FILE, else CWTT_DHIS2_MAPPING, else the shipped mapping."""
    if given:
        return Path(given)
    from django.conf import settings

    configured = getattr(settings, "CWTT_DHIS2_MAPPING", "")
    return Path(configured) if configured else SHIPPED


def load_mapping(path: str | Path | None = None) -> Mapping:
    """Read and check a mapping file; raises MappingError listing every problem."""
    path = mapping_path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(source, ["the file does not exist."]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(source, [f"the file cannot be read as UTF-8 text ({error})."]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise MappingError(
            source,
            [f"it is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."],
        ) from None
    return parse_mapping(data, source)


def parse_mapping(data: Any, source: str = "(given)") -> Mapping:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise MappingError(source, ["it must be a JSON object ({...}) at the top."])
    for key in sorted(set(data) - KNOWN_KEYS):
        if not key.startswith("_"):  # "_about" and other "_..." keys are comments
            problems.append(
                f"the entry {key!r} is not one CWTT knows (known: {', '.join(sorted(KNOWN_KEYS))})."
            )

    period = data.get("period", {"type": "Yearly", "date": "start"})
    period_type, period_date = "Yearly", "start"
    if not isinstance(period, dict):
        problems.append('"period" must be an object like {"type": "Yearly", "date": "start"}.')
    else:
        period_type = period.get("type", "Yearly")
        period_date = period.get("date", "start")
        if period_type not in PERIOD_TYPES:
            problems.append(
                f'"period.type" is {period_type!r}; use one of {", ".join(PERIOD_TYPES)}.'
            )
        if period_date not in PERIOD_DATES:
            problems.append(
                f'"period.date" is {period_date!r}; use "start" (the period holding the '
                'wave\'s first day) or "end" (its last day).'
            )

    data_set = data.get("dataSet")
    if data_set is not None:
        problem = uid_problem(data_set, '"dataSet"')
        if problem:
            problems.append(problem + ' Or set "dataSet" to null to send none.')
    complete = data.get("completeDate")
    if complete not in (None, "wave_end"):
        problems.append(
            f'"completeDate" is {complete!r}; use "wave_end" (the wave\'s last day) or null.'
        )
    elif complete and data_set is None:
        problems.append('"completeDate" needs a "dataSet": DHIS2 completes a data set.')

    level = data.get("orgUnitLevel", "school")
    if level not in ORG_UNIT_LEVELS:
        problems.append(
            f'"orgUnitLevel" is {level!r}; use "school" (org units keyed by EMIS number) or '
            '"district" (keyed by the CWTT code of the district).'
        )
    org_units: dict[str, str | None] = {}
    given_units = data.get("orgUnits", {})
    if not isinstance(given_units, dict):
        problems.append('"orgUnits" must be an object: {"EMIS number or district code": "UID"}.')
        given_units = {}
    for key, uid in given_units.items():
        if uid is not None:
            problem = uid_problem(uid, f"the org unit of {key!r}")
            if problem:
                problems.append(problem)
                continue
        org_units[str(key)] = uid
    shared: dict[str, list[str]] = {}
    for key, uid in org_units.items():
        if uid is not None:
            shared.setdefault(uid, []).append(key)
    for uid, keys in shared.items():
        if len(keys) > 1:
            # Two places on one org unit would send two values for one cell; DHIS2 keeps the last.
            problems.append(
                f"the org unit {uid} is given to {', '.join(repr(k) for k in keys)}; each org unit "
                'may stand for one place (to report a district, use "orgUnitLevel": "district").'
            )

    indicators: dict[str, Target | None] = {}
    given = data.get("indicators", {})
    if not isinstance(given, dict):
        problems.append('"indicators" must be an object with one entry per indicator.')
        given = {}
    for code in sorted(set(given) - set(INDICATORS)):
        problems.append(
            f"indicator {code!r} is not one of CWTT's (known: {', '.join(INDICATORS)})."
        )
    for code, meaning in INDICATORS.items():
        if code not in given:
            problems.append(
                f"indicator {code} ({meaning}) has no mapping: give its dataElement and "
                "categoryOptionCombo, or null to leave it out."
            )
            continue
        entry = given[code]
        if entry is None:
            indicators[code] = None
            continue
        if not isinstance(entry, dict):
            problems.append(
                f'indicator {code} must be {{"dataElement": "UID", "categoryOptionCombo": '
                '"UID"}, or null.'
            )
            continue
        found = [
            uid_problem(entry.get("dataElement"), f"the dataElement of indicator {code}"),
            uid_problem(
                entry.get("categoryOptionCombo"), f"the categoryOptionCombo of indicator {code}"
            ),
        ]
        if any(found):
            problems.extend(p for p in found if p)
            continue
        indicators[code] = Target(entry["dataElement"], entry["categoryOptionCombo"])
    if problems:
        raise MappingError(source, problems)
    return Mapping(
        source=source,
        period_type=period_type,
        period_date=period_date,
        data_set=data_set,
        complete=complete == "wave_end",
        level=level,
        org_units=org_units,
        indicators=indicators,
    )


def uid_problem(value: Any, what: str) -> str | None:
    if isinstance(value, str) and UID.fullmatch(value):
        return None
    if value is None:
        return f"{what} is missing."
    if isinstance(value, str) and value.startswith("<"):
        return (
            f"{what} still holds the placeholder {value!r}: replace it with the UID from your "
            "DHIS2 server."
        )
    return (
        f"{what} is {value!r}, which is not a DHIS2 UID (11 letters and digits, the first a "
        "letter)."
    )
