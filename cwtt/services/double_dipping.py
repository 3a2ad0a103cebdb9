"""Double-dipping: a child or household getting the same kind of support from two programmes in
the same period (school nutrition and a food-parcel programme, say). Shown to the coordinator
so that scarce help can be spread further; it is a prompt to talk, not a verdict.

"Same kind" is SUPPORT_KINDS in cwtt/services/catalogue.py; "same period" is
settings.CWTT_DOUBLE_DIPPING_DAYS (default 30, cwtt/settings.py) between the two deliveries; "two programmes" are
two different providers (by directory entry, or by the name written when not in the directory).
Only deliveries that happened (delivered or partly) count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext

from .catalogue import SUPPORT_KIND_LABELS, SUPPORT_KINDS


@dataclass
class Flag:
    kind: str
    label: str
    # Who received it: one child, or the children of one household.
    child_ids: set[int] = field(default_factory=set)
    household_id: int | None = None
    programmes: set[str] = field(default_factory=set)
    first_on: dt.date | None = None
    last_on: dt.date | None = None


def _programme(delivery) -> str:
    return f"provider:{delivery.provider_id}" if delivery.provider_id else delivery.provider_name


def double_dipping(school, *, since: dt.date, days: int | None = None) -> list[Flag]:
    """Flags for the children of a school, for deliveries since a date."""
    from cwtt.cases.models import ServiceDelivered

    days = days if days is not None else settings.CWTT_DOUBLE_DIPPING_DAYS
    deliveries = (
        ServiceDelivered.objects.filter(
            child__school=school,
            delivered_on__gte=since,
            outcome__in=["delivered", "partly"],
        )
        .select_related("service_type", "provider", "child")
        .order_by("delivered_on", "pk")
    )
    # Group by who received it (the household when known, else the child) and kind.
    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    for delivery in deliveries:
        kind = SUPPORT_KINDS.get(delivery.service_type.code, delivery.service_type.code)
        household = delivery.child.household_id
        who = ("household", household) if household else ("child", delivery.child_id)
        groups[(*who, kind)].append(delivery)
    flags = []
    for (scope, _who_id, kind), group in groups.items():
        flag = None
        for index, later in enumerate(group):
            for earlier in group[:index]:
                if (
                    _programme(earlier) != _programme(later)
                    and (later.delivered_on - earlier.delivered_on).days <= days
                ):
                    if flag is None:
                        flag = Flag(
                            kind=kind,
                            label=gettext(SUPPORT_KIND_LABELS[kind])
                            if kind in SUPPORT_KIND_LABELS
                            else str(later.service_type),
                            household_id=later.child.household_id if scope == "household" else None,
                        )
                    for delivery in (earlier, later):
                        flag.child_ids.add(delivery.child_id)
                        flag.programmes.add(delivery.provided_by)
                        flag.first_on = min(
                            flag.first_on or delivery.delivered_on, delivery.delivered_on
                        )
                        flag.last_on = max(
                            flag.last_on or delivery.delivered_on, delivery.delivered_on
                        )
        if flag is not None:
            flags.append(flag)
    return sorted(flags, key=lambda f: (f.last_on, f.kind), reverse=True)
