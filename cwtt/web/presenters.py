"""Shape derived data for templates: risk profiles as chart rows, reasons by domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cwtt.assessments.models import RiskProfile
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS, LEVEL_RANK

LEVEL_WORDS = {"low": "Low", "moderate": "Moderate", "high": "High", "": "Not assessed"}


@dataclass
class DomainView:
    domain: str
    label: str
    level: str
    reasons: list[dict[str, Any]]
    informant_levels: dict[str, str]
    discordant: bool

    @property
    def level_word(self) -> str:
        return LEVEL_WORDS.get(self.level, self.level)


@dataclass
class ProfileView:
    profile: RiskProfile
    domains: list[DomainView]
    urgent_reasons: list[dict[str, Any]]
    informants: list[str] = field(default_factory=list)


def profile_view(profile: RiskProfile) -> ProfileView:
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
                label=DOMAIN_LABELS[domain],
                level=getattr(profile, domain) or "",
                reasons=data.get("findings", []),
                informant_levels=levels,
                discordant=bool(data.get("discordant")),
            )
        )
    return ProfileView(
        profile=profile,
        domains=domains,
        urgent_reasons=details.get("urgent_findings", []),
        informants=informants,
    )


# --- the chart: waves across, domains down, a bar whose height is the level ------------------

BAR_HEIGHT = {"low": 1, "moderate": 2, "high": 3}


def risk_chart(profiles: list[RiskProfile]) -> dict[str, Any]:
    """Geometry for an inline SVG: one group of six bars (one per domain) for each wave.

    Drawn on the server as SVG, so it shows on any phone with no script and no network, and
    prints in the PDF. A bar's height is the level (low 1, moderate 2, high 3); its colour and
    its text label say the same thing, so colour is never the only signal.
    """
    unit, bar, gap, group_gap, top, left = 28, 16, 4, 28, 10, 70
    groups = []
    x = left
    for profile in profiles:
        bars = []
        for domain in DOMAINS:
            level = getattr(profile, domain) or ""
            height = BAR_HEIGHT.get(level, 0) * unit
            bars.append(
                {
                    "domain": domain,
                    "label": DOMAIN_LABELS[domain],
                    "level": level or "none",
                    "level_word": LEVEL_WORDS[level],
                    "x": x,
                    "y": top + 3 * unit - height,
                    "height": max(height, 2),
                }
            )
            x += bar + gap
        groups.append({"wave": profile.wave.name, "bars": bars, "x_mid": x - (bar + gap) * 3})
        x += group_gap
    return {
        "groups": groups,
        "width": max(x, 320),
        "height": top + 3 * unit + 40,
        "bar": bar,
        "baseline": top + 3 * unit,
        "gridlines": [
            {"y": top + 3 * unit - i * unit, "label": LEVEL_WORDS[level]}
            for i, level in ((1, "low"), (2, "moderate"), (3, "high"))
        ],
        "left": left,
    }


def highest_level(levels: list[str]) -> str:
    ranked = [lv for lv in levels if lv]
    return max(ranked, key=lambda lv: LEVEL_RANK[lv]) if ranked else ""
