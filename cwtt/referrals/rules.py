"""Referral rules as data: which service a risk finding proposes (docs/referrals.md).

The rules live in a Markdown table (`cwtt/referrals/data/referral_rules.md`, or the file named
by CWTT_REFERRAL_RULES), so a team changes what CWTT proposes without touching code. Reading
and proposing are pure Python: `propose` takes a risk profile's details and the child's facts
and returns what to refer to, most urgent first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import ngettext

from cwtt.instruments.engine.definition import DOMAINS, LEVEL_RANK, RULE_LEVELS
from cwtt.services.catalogue import SERVICE_TYPES

DEFAULT_RULES_FILE = Path(__file__).parent / "data" / "referral_rules.md"
SHEET = "referral_rules"
COLUMNS = (
    "rule",
    "finding_rule",
    "indicator",
    "domain",
    "level",
    "child",
    "service",
    "urgency",
    "deadline",
    "reason",
)
SERVICE_CODES = frozenset(code for code, _label, _domain in SERVICE_TYPES)
URGENCIES = ("urgent", "high", "routine")  # most urgent first
URGENCY_RANK = {u: rank for rank, u in enumerate(URGENCIES)}
# When a row leaves the deadline empty.
DEFAULT_DEADLINES = {
    "urgent": dt.timedelta(hours=24),
    "high": dt.timedelta(days=7),
    "routine": dt.timedelta(days=30),
}
# Facts about the child a rule's `child` condition may test (Child model fields).
CHILD_FACTS = ("grant_status", "sex", "status")
_DEADLINE = re.compile(r"^(\d+)\s*(h|hours?|d|days?)$", re.IGNORECASE)
_CONDITION = re.compile(r"^([a-z_]+)\s*(!=|=)\s*([A-Za-z0-9_]+)$")


class RulesFileError(ValueError):
    """The file could not be read at all."""


@dataclass(frozen=True, slots=True)
class RuleProblem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ChildCondition:
    fact: str
    negated: bool
    value: str

    def holds(self, facts: Mapping[str, Any]) -> bool:
        equal = str(facts.get(self.fact, "")) == self.value
        return not equal if self.negated else equal

    def __str__(self) -> str:
        return f"{self.fact} {'!=' if self.negated else '='} {self.value}"


@dataclass(frozen=True, slots=True)
class ReferralRule:
    code: str
    finding_rules: frozenset[str]
    indicator: str
    domain: str
    level: str  # the lowest level that triggers; "" = any
    child: ChildCondition | None
    service: str
    urgency: str
    deadline: dt.timedelta
    reason: str

    def matches(self, finding: Mapping[str, Any]) -> bool:
        if self.finding_rules and finding.get("rule") not in self.finding_rules:
            return False
        if self.indicator and finding.get("indicator") != self.indicator:
            return False
        if self.domain and finding.get("domain") != self.domain:
            return False
        if self.level and LEVEL_RANK.get(finding.get("level", ""), -1) < LEVEL_RANK[self.level]:
            return False
        return True

    @property
    def trigger(self) -> str:
        if self.finding_rules:
            return "finding " + ", ".join(sorted(self.finding_rules))
        what = f"indicator {self.indicator}" if self.indicator else f"domain {self.domain}"
        return what + (f" at {self.level} or above" if self.level else "")


@dataclass(slots=True)
class RulesResult:
    rules: list[ReferralRule] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class ProposedReferral:
    service: str  # service type code
    urgency: str
    deadline: dt.timedelta
    reason: str
    rule: str  # the referral rule's id
    finding: dict[str, Any]  # the risk finding that triggered it

    @property
    def deadline_words(self) -> str:
        return deadline_words(self.deadline)


def deadline_words(deadline: dt.timedelta) -> str:
    """The deadline in words, in the reader's language: "24 hours", "7 days"."""
    hours = int(deadline.total_seconds() // 3600)
    if hours % 24 or hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}


def parse_deadline(text: str) -> dt.timedelta | None:
    found = _DEADLINE.match(text.strip())
    if not found or int(found.group(1)) <= 0:
        return None
    amount = int(found.group(1))
    if found.group(2).lower().startswith("h"):
        return dt.timedelta(hours=amount)
    return dt.timedelta(days=amount)


def _table_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The `| referral_rules |` table, as the instrument's Markdown sheets are written: a line
    `| name |` starts the table, `| | a | b |` is a row. Row 1 is the header line."""
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    inside = False
    number = 0
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if cells[0]:
            inside = cells[0].lower() == SHEET
            continue
        if not inside:
            continue
        number += 1
        if headers is None:
            headers = [c.lower() for c in cells[1:]]
        elif any(cells[1:]):
            rows.append((number, cells[1:]))
    if headers is None:
        raise RulesFileError(f"no `| {SHEET} |` table found")
    return headers, rows


def read_rules_text(text: str) -> RulesResult:
    """Every rule, or every problem with its row and column (row 1 is the header line)."""
    result = RulesResult()
    try:
        headers, rows = _table_rows(text)
    except RulesFileError as error:
        result.problems.append(RuleProblem(None, None, str(error)))
        return result
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        result.problems.append(RuleProblem(1, None, f"missing column(s): {', '.join(missing)}"))
        return result
    seen: dict[str, int] = {}
    for number, cells in rows:
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)}
        rule = _read_row(number, values, result.problems)
        if rule is None:
            continue
        if rule.code in seen:
            result.problems.append(
                RuleProblem(
                    number, "rule", f"{rule.code!r} is already used on row {seen[rule.code]}"
                )
            )
            continue
        seen[rule.code] = number
        result.rules.append(rule)
    if not rows:
        result.problems.append(RuleProblem(None, None, "the table has no rules"))
    return result


def _read_row(number: int, row: dict[str, str], problems: list[RuleProblem]) -> ReferralRule | None:
    before = len(problems)

    def problem(column: str | None, message: str) -> None:
        problems.append(RuleProblem(number, column, message))

    code = row["rule"]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        problem("rule", "give the rule an id of lower-case letters, digits and _ (e.g. hunger)")
    finding_rules = frozenset(r.strip() for r in row["finding_rule"].split(",") if r.strip())
    triggers = [c for c in ("finding_rule", "indicator", "domain") if row[c]]
    if len(triggers) != 1:
        problem(
            None,
            "give exactly one trigger: finding_rule, indicator or domain"
            + (f" (found {', '.join(triggers)})" if triggers else ""),
        )
    if row["domain"] and row["domain"] not in DOMAINS:
        problem("domain", f"{row['domain']!r} is not a domain; use one of {', '.join(DOMAINS)}")
    if row["level"] and row["level"] not in RULE_LEVELS:
        problem("level", f"{row['level']!r} is not a level; use moderate or high, or leave empty")
    condition = None
    if row["child"]:
        found = _CONDITION.match(row["child"])
        if not found or found.group(1) not in CHILD_FACTS:
            problem(
                "child",
                f"{row['child']!r} is not a condition; write e.g. grant_status != receives "
                f"(facts: {', '.join(CHILD_FACTS)}; = or !=)",
            )
        else:
            condition = ChildCondition(found.group(1), found.group(2) == "!=", found.group(3))
    if row["service"] not in SERVICE_CODES:
        problem(
            "service",
            f"{row['service']!r} is not a known service type code (see cwtt/services/catalogue.py)",
        )
    if row["urgency"] not in URGENCIES:
        problem("urgency", f"{row['urgency']!r} is not an urgency; use {', '.join(URGENCIES)}")
    deadline = DEFAULT_DEADLINES.get(row["urgency"])
    if row["deadline"]:
        deadline = parse_deadline(row["deadline"])
        if deadline is None:
            problem(
                "deadline", f"{row['deadline']!r} is not a deadline; write e.g. 24 hours or 7 days"
            )
    if not row["reason"]:
        problem("reason", "give the reason in plain language; the sender and provider read it")
    if len(problems) > before or deadline is None:
        return None
    return ReferralRule(
        code=code,
        finding_rules=finding_rules,
        indicator=row["indicator"],
        domain=row["domain"],
        level=row["level"],
        child=condition,
        service=row["service"],
        urgency=row["urgency"],
        deadline=deadline,
        reason=row["reason"],
    )


def read_rules_file(path: str | Path) -> RulesResult:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return RulesResult(problems=[RuleProblem(None, None, f"{path}: no such file")])
    except UnicodeDecodeError:
        return RulesResult(problems=[RuleProblem(None, None, f"{path}: not UTF-8 text")])
    except OSError as error:  # a folder, no permission: say so rather than fail with a traceback
        problem = f"{path}: cannot be read ({error.strerror or error})"
        return RulesResult(problems=[RuleProblem(None, None, problem)])
    return read_rules_text(text)


def _findings(details: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    seen: set[tuple[Any, ...]] = set()
    groups = [d.get("findings", []) for d in (details.get("domains") or {}).values()]
    groups.append(details.get("urgent_findings", []))
    for group in groups:
        for finding in group:
            key = (finding.get("rule"), finding.get("informant"), finding.get("level"))
            if key not in seen:
                seen.add(key)
                yield finding


def propose(
    details: Mapping[str, Any], facts: Mapping[str, Any], rules: Iterable[ReferralRule]
) -> list[ProposedReferral]:
    """The services a risk profile's findings call for, one per service type, most urgent
    first. Where several rules propose the same service, the most urgent (then the shortest
    deadline, then the first in the file) is kept."""
    best: dict[str, ProposedReferral] = {}
    findings = list(_findings(details or {}))
    for rule in rules:
        if rule.child is not None and not rule.child.holds(facts):
            continue
        finding = next((f for f in findings if rule.matches(f)), None)
        if finding is None:
            continue
        proposal = ProposedReferral(
            service=rule.service,
            urgency=rule.urgency,
            deadline=rule.deadline,
            reason=rule.reason,
            rule=rule.code,
            finding=dict(finding),
        )
        kept = best.get(rule.service)
        if kept is None or _order(proposal) < _order(kept):
            best[rule.service] = proposal
    return sorted(best.values(), key=_order)


def _order(p: ProposedReferral) -> tuple[int, dt.timedelta]:
    return (URGENCY_RANK[p.urgency], p.deadline)


# --- with Django: the configured file and a stored risk profile --------------------------------


def rules_path() -> Path:
    import os

    from django.conf import settings

    configured = getattr(settings, "CWTT_REFERRAL_RULES", None) or os.environ.get(
        "CWTT_REFERRAL_RULES"
    )
    return Path(configured) if configured else DEFAULT_RULES_FILE


def configured_rules() -> list[ReferralRule]:
    """The rules in force. A broken file stops proposals loudly rather than proposing wrongly."""
    path = rules_path()
    result = read_rules_file(path)
    if not result.ok:
        raise RulesFileError(
            f"{path} has problems; run `cwtt referral_rules check {path}`: "
            + "; ".join(str(p) for p in result.problems)
        )
    return result.rules


def child_facts(child) -> dict[str, str]:
    return {name: getattr(child, name) for name in CHILD_FACTS}


def propose_referrals(
    profile, rules: Iterable[ReferralRule] | None = None
) -> list[ProposedReferral]:
    """What a risk profile calls for: pure given its details and the child's facts."""
    return propose(
        profile.details or {},
        child_facts(profile.child),
        configured_rules() if rules is None else rules,
    )
