"""A child's timeline: what happened, newest first, from what the child's page already shows
the reader (assessments, risk per wave, consent, cases, referrals, services). It holds no
detail the page does not: no answers, no notes, no reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from cwtt.assessments.models import Assessment

MOST = 60  # events shown; a child followed for years has more, and the page says so


@dataclass(frozen=True)
class Event:
    on: dt.date
    kind: str
    text: str
    link: str = ""


def _day(moment: dt.datetime | dt.date) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def child_timeline(child, *, assessments, profiles, referrals, cases) -> tuple[list[Event], int]:
    """The events, newest first, and how many there are in all."""
    events: list[Event] = []
    for a in assessments:
        if a.status == Assessment.Status.DRAFT:
            continue
        events.append(
            Event(
                a.assessed_on,
                _("Assessment"),
                _("%(who)s answered the questions (%(wave)s)")
                % {"who": a.informant_label(), "wave": a.wave.name},
            )
        )
    for p in profiles:
        events.append(
            Event(
                _day(p.computed_at),
                _("Risk"),
                _("Overall risk in %(wave)s: %(level)s")
                % {"wave": p.wave.name, "level": p.get_overall_display().lower()},
            )
        )
    for d in child.consent_decisions.all():
        events.append(
            Event(
                d.decided_on,
                _("Consent"),
                f"{d.get_purpose_display()}: {d.get_decision_display().lower()}",
            )
        )
    for case in cases:
        link = reverse("case", args=[case.pk])
        events.append(Event(_day(case.created_at), _("Case"), _("Case proposed"), link))
        if case.opened_at:
            events.append(Event(_day(case.opened_at), _("Case"), _("Case opened"), link))
        if case.closed_at:
            events.append(Event(_day(case.closed_at), _("Case"), _("Case closed"), link))
        for service in case.services.all():
            events.append(
                Event(
                    service.delivered_on,
                    _("Service"),
                    f"{service.service_type}: {service.get_outcome_display().lower()}",
                    link,
                )
            )
    for r in referrals:
        link = reverse("referral", args=[r.pk])
        if r.sent_at:
            events.append(
                Event(
                    _day(r.sent_at),
                    _("Referral"),
                    _("Referred for %(service)s") % {"service": r.service_type},
                    link,
                )
            )
        if r.delivered_on:
            events.append(
                Event(
                    r.delivered_on,
                    _("Referral"),
                    _("%(service)s delivered") % {"service": r.service_type},
                    link,
                )
            )
    events.sort(key=lambda e: e.on, reverse=True)
    return events[:MOST], len(events)
