"""The generated agenda: what a school's team should discuss, gathered from the data.

Each source returns topics for one school since the last meeting, in the school's current
wave, most pressing first. Sources are listed by name
in SOURCES, so cases and referrals add theirs without this module knowing them. A source that
cannot be imported stops the agenda with the import error, rather than silently dropping a
section the team relies on. Topics say what kind of attention a child needs and the
levels, never the sensitive reasons: attendees come from several sectors, and each reads the
details on the child's page, as their role allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string

from cwtt.assessments.models import RiskProfile, Wave
from cwtt.assessments.triage import need_key
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
    "cwtt.cases.agenda.action_queue",
    "cwtt.cases.agenda.reviews_due",
    "cwtt.meetings.agenda.discordant",
)


def current_wave(school: School) -> Wave | None:
    """The school's wave that started most recently: the agenda is about this one, not last
    year's (decision 0050)."""
    return Wave.objects.covering([school.pk]).started().order_by("-starts_on").first()


def _profiles(school: School, since: dt.datetime):
    """Profiles of the current wave scored since the last meeting."""
    return RiskProfile.objects.filter(
        child__school=school,
        child__status="active",
        computed_at__gte=since,
        wave=current_wave(school),
    ).select_related("child", "child__school_class", "wave")


def _ranked(profiles) -> list[RiskProfile]:
    """Most pressing first (cwtt/assessments/triage.py): urgent, statutory, most areas high,
    scored longest ago."""
    return sorted(profiles, key=lambda p: need_key(p, p.computed_at, p.child.full_name))


def _who(profile: RiskProfile) -> str:
    child = profile.child
    klass = f" ({child.school_class.name})" if child.school_class else ""
    return f"{child.full_name}{klass}"


def _high_domains(profile: RiskProfile) -> str:
    return ", ".join(DOMAIN_LABELS[d] for d in DOMAINS if getattr(profile, d) == "high")


def urgent_children(school: School, since: dt.datetime) -> Iterable[Topic]:
    for profile in _ranked(_profiles(school, since).filter(urgent=True)):
        yield Topic(
            Kind.URGENT,
            f"{_who(profile)}: a concern that needs action today ({profile.wave.name})",
            profile.child_id,
            reverse("child", args=[profile.child_id]),
        )


def new_high_risk(school: School, since: dt.datetime) -> Iterable[Topic]:
    # The most pressing first: if the list is long, they are discussed first.
    profiles = _ranked(_profiles(school, since).filter(overall="high", urgent=False))
    for profile in profiles:
        yield Topic(
            Kind.NEW_HIGH_RISK,
            f"{_who(profile)}: high risk in {_high_domains(profile)} ({profile.wave.name})",
            profile.child_id,
            reverse("child", args=[profile.child_id]),
        )


def discordant(school: School, since: dt.datetime) -> Iterable[Topic]:
    discordant_profiles = _profiles(school, since).filter(discordant=True)
    for profile in discordant_profiles.order_by("child__last_name", "child__first_name"):
        yield Topic(
            Kind.DISCORDANT,
            f"{_who(profile)}: informants disagree; agree who will find out more",
            profile.child_id,
            reverse("child", args=[profile.child_id]),
        )


def _source(path: str) -> AgendaSource:
    return import_string(path)  # a broken module fails loudly: no section silently missing


# A meeting cannot discuss a hundred children: each kind shows this many, then one line for
# the rest, linking to where they are listed.
MAX_PER_KIND = 12


def _the_rest(kind: str, count: int, school: School) -> Topic:
    label = Kind(kind).label.lower()
    return Topic(
        kind,
        f"And {count} more ({label}): share them out between the team before the next meeting",
        None,
        reverse("school_cases", args=[school.pk]),
    )


def topics_for(school: School, since: dt.datetime) -> list[Topic]:
    """Every topic from every source, without repeating a child under the same kind, at most
    MAX_PER_KIND per kind (urgent ones excepted: they are all on the agenda)."""
    seen: set[tuple[str, int | None, str]] = set()
    topics = []
    for path in SOURCES:
        source = _source(path)
        shown: dict[str, int] = {}
        left: dict[str, int] = {}
        for topic in source(school, since):
            key = (topic.kind, topic.child_id, topic.text if topic.child_id is None else "")
            if key in seen:
                continue
            seen.add(key)
            if topic.kind != Kind.URGENT and shown.get(topic.kind, 0) >= MAX_PER_KIND:
                left[topic.kind] = left.get(topic.kind, 0) + 1
                continue
            shown[topic.kind] = shown.get(topic.kind, 0) + 1
            topics.append(topic)
        topics.extend(_the_rest(kind, count, school) for kind, count in left.items())
    return topics
