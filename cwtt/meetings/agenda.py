"""The generated agenda: what a school's team should discuss, gathered from the data.

Each source returns topics for one school since the last meeting. Sources are listed by name
in SOURCES, so cases and referrals add theirs without this module knowing them; a source whose
app is not installed is skipped. Topics say what kind of attention a child needs and the
levels, never the sensitive reasons: attendees come from several sectors, and each reads the
details on the child's page, as their role allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string

from cwtt.assessments.models import RiskProfile
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS
from cwtt.registry.models import School

from .models import AgendaItem

Kind = AgendaItem.Kind


@dataclass(frozen=True)
class Topic:
    kind: str
    text: str
    child_id: int | None = None
    link: str = ""


AgendaSource = Callable[[School, dt.datetime], Iterable[Topic]]

# In agenda order: what cannot wait first.
SOURCES: tuple[str, ...] = (
    "cwtt.meetings.agenda.urgent_children",
    "cwtt.referrals.agenda.overdue_referrals",
    "cwtt.meetings.agenda.new_high_risk",
    "cwtt.cases.agenda.reviews_due",
    "cwtt.meetings.agenda.discordant",
)


def _profiles(school: School, since: dt.datetime):
    return (
        RiskProfile.objects.filter(
            child__school=school, child__status="active", computed_at__gte=since
        )
        .select_related("child", "child__school_class", "wave")
        .order_by("child__last_name", "child__first_name", "wave__starts_on")
    )


def _who(profile: RiskProfile) -> str:
    child = profile.child
    klass = f" ({child.school_class.name})" if child.school_class else ""
    return f"{child.full_name}{klass}"


def _high_domains(profile: RiskProfile) -> str:
    return ", ".join(DOMAIN_LABELS[d] for d in DOMAINS if getattr(profile, d) == "high")


def urgent_children(school: School, since: dt.datetime) -> Iterable[Topic]:
    for profile in _profiles(school, since).filter(urgent=True):
        yield Topic(
            Kind.URGENT,
            f"{_who(profile)}: a concern that needs action today ({profile.wave.name})",
            profile.child_id,
            reverse("child", args=[profile.child_id]),
        )


def new_high_risk(school: School, since: dt.datetime) -> Iterable[Topic]:
    for profile in _profiles(school, since).filter(overall="high", urgent=False):
        yield Topic(
            Kind.NEW_HIGH_RISK,
            f"{_who(profile)}: high risk in {_high_domains(profile)} ({profile.wave.name})",
            profile.child_id,
            reverse("child", args=[profile.child_id]),
        )


def discordant(school: School, since: dt.datetime) -> Iterable[Topic]:
    for profile in _profiles(school, since).filter(discordant=True):
        yield Topic(
            Kind.DISCORDANT,
            f"{_who(profile)}: informants disagree; agree who will find out more",
            profile.child_id,
            reverse("child", args=[profile.child_id]),
        )


def _source(path: str) -> AgendaSource | None:
    try:
        return import_string(path)
    except ImportError:
        return None  # that app (or its agenda) is not there yet


def topics_for(school: School, since: dt.datetime) -> list[Topic]:
    """Every topic from every source, without repeating a child under the same kind."""
    seen: set[tuple[str, int | None, str]] = set()
    topics = []
    for path in SOURCES:
        source = _source(path)
        if source is None:
            continue
        for topic in source(school, since):
            key = (topic.kind, topic.child_id, topic.text if topic.child_id is None else "")
            if key not in seen:
                seen.add(key)
                topics.append(topic)
    return topics
