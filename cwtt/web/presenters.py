"""Shape derived data for templates: risk profiles as chart rows, reasons by domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from cwtt.assessments.models import RiskProfile
from cwtt.instruments.engine.definition import DOMAINS, LEVEL_RANK
from cwtt.instruments.labels import domain_label

LEVEL_WORDS = {
    "low": gettext_lazy("Low"),
    "moderate": gettext_lazy("Moderate"),
    "high": gettext_lazy("High"),
    "": gettext_lazy("Not assessed"),
}


@dataclass
class DomainView:
    domain: str
    label: str
    level: str
    reasons: list[dict[str, Any]]
    informant_levels: dict[str, str]
    discordant: bool
    by_informant: list[str] = field(default_factory=list)  # levels in ProfileView.informants order

    @property
    def level_word(self) -> str:
        return LEVEL_WORDS.get(self.level, self.level)


@dataclass
class ProfileView:
    profile: RiskProfile
    domains: list[DomainView]
    urgent_reasons: list[dict[str, Any]]
    informants: list[str] = field(default_factory=list)


WITHHELD = gettext_lazy(
    "A concern was recorded here; the details are for the staff whose work needs them."
)


def _visible(
    findings: list[dict[str, Any]],
    sensitivity: dict[str, frozenset[str]],
    readable: frozenset[str],
) -> list[dict[str, Any]]:
    """Findings the reader may see. Those drawn from answers beyond the reader's classes are
    replaced by one plain notice, at their highest level, that a concern exists — so a teacher
    knows to speak to the social worker without reading the details.

    A reason given alike by two questionnaires of one kind (two caregivers, a repeat) is listed
    once: the same words at the same level from the same kind of informant say nothing new."""
    unique: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for finding in findings:
        key = (
            finding.get("rule"),
            str(finding.get("reason")),
            finding.get("level"),
            finding.get("informant"),
        )
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    findings = unique
    shown = [f for f in findings if sensitivity.get(f["rule"], frozenset({"general"})) <= readable]
    hidden = [f for f in findings if f not in shown]
    if hidden:
        level = "high" if any(f["level"] == "high" for f in hidden) else "moderate"
        shown.append({"reason": WITHHELD, "level": level, "informant": None, "withheld": True})
    return shown


def profile_view(
    profile: RiskProfile, sensitivity: dict[str, frozenset[str]], readable: frozenset[str]
) -> ProfileView:
    details = profile.details or {}
    domain_details = details.get("domains", {})
    domains: list[DomainView] = []
    informants: list[str] = []
    for domain in DOMAINS:
        data = domain_details.get(domain, {})
        levels = data.get("informant_levels", {})
        for name in levels:
            if name not in informants:
                informants.append(name)
        domains.append(
            DomainView(
                domain=domain,
                label=domain_label(domain),
                level=getattr(profile, domain) or "",
                reasons=_visible(data.get("findings", []), sensitivity, readable),
                informant_levels=levels,
                discordant=bool(data.get("discordant")),
            )
        )
    for view in domains:
        view.by_informant = [view.informant_levels.get(name, "") for name in informants]
    return ProfileView(
        profile=profile,
        domains=domains,
        urgent_reasons=_visible(details.get("urgent_findings", []), sensitivity, readable),
        informants=informants,
    )


# --- the chart: one row per domain, one bar per wave, bar length = level ----------------------

BAR_LENGTH = {"low": 1, "moderate": 2, "high": 3}


def risk_chart(profiles: list[RiskProfile]) -> dict[str, Any]:
    """Geometry for an inline SVG bar chart of a child's risk across waves.

    One row per domain, its name above its bars; within it one bar per wave, whose length is the
    level (low 1, moderate 2, high 3) and whose colour and end label say the same, so colour is
    never the only signal. Drawn on the server: no script, no network, and it prints.

    It is drawn 320 units wide, the width it has on a 360-pixel phone, so its 13-unit text stays
    about 13 pixels there (issue #13: drawn 715 wide, it shrank to 5-pixel labels).
    """
    width, unit, bar, gap, label_room, row_gap, top = 320, 60, 14, 4, 20, 12, 24
    waves = [p.wave.name for p in profiles]
    rows = []
    y = top
    for domain in DOMAINS:
        bars = []
        first_bar = y + label_room
        for index, profile in enumerate(profiles):
            level = getattr(profile, domain) or ""
            length = BAR_LENGTH.get(level, 0) * unit
            bars.append(
                {
                    "y": first_bar + index * (bar + gap),
                    "length": max(length, 3),
                    "level": level or "none",
                    "text": f"{_short(waves[index])}: {LEVEL_WORDS[level]}",
                    "text_x": max(length, 3) + 6,
                }
            )
        rows.append({"label": domain_label(domain), "label_y": y + 14, "bars": bars})
        y = first_bar + len(profiles) * (bar + gap) - gap + row_gap
    return {
        "rows": rows,
        "width": width,
        "height": y,
        "bar": bar,
        "gridlines": [
            {"x": i * unit, "label_x": i * unit - unit // 2, "label": LEVEL_WORDS[level]}
            for i, level in ((1, "low"), (2, "moderate"), (3, "high"))
        ],
        "top": top,
        "waves": waves,
    }


def _short(name: str, most: int = 14) -> str:
    """A wave's name short enough to sit after a full bar on a phone; the description under
    the chart and the sections below give it whole."""
    return name if len(name) <= most else name[: most - 1].rstrip() + "…"


def highest_level(levels: list[str]) -> str:
    ranked = [lv for lv in levels if lv]
    return max(ranked, key=lambda lv: LEVEL_RANK[lv]) if ranked else ""
