"""The area dashboard changes once a day, not with every assessment (docs/access.md,
"Aggregates"; decision 0038).

Rounding to a base (decision 0028) stops a published count moving by one when one child is
assessed, but a count that crosses a rounding boundary still moves, so a reader who looks just
before and just after a known child's assessment could still learn something about that child
one time in five. So area readers see the figures as the worker last worked them out, once a
day (`cwtt worker`, job `area_figures`): between two looks a whole day's assessments have
arrived, not one. The first look at a place with no figures yet works them out once, so a new
installation is not blank until the next morning.

What is stored is the rendered figures part of the page and the comparison of schools, circuits
and quintiles behind its filters: counts already suppressed and rounded, no child or worker named. It is worked out per place (a district, a province, every school), not per reader.
"""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cwtt.access import policy
from cwtt.access.roles import AREA_ROLES, Role
from cwtt.registry.models import Location, Staff

from .area import area_at, area_figures
from .models import AreaSnapshot

EVERY_SCHOOL = "all"


def key_of(location_id: int | None) -> str:
    return EVERY_SCHOOL if location_id is None else f"location:{location_id}"


def reader_key(user) -> str | None:
    """Which stored figures this reader sees, or None when they have no area."""
    role = policy.role_of(user)
    if role == Role.DATA_MANAGER:
        return EVERY_SCHOOL
    staff = policy.staff_of(user)
    if role in AREA_ROLES and staff is not None and staff.location_id is not None:
        return key_of(staff.location_id)
    return None


def _work_out(location: Location | None) -> tuple[str, dict]:
    """The rendered figures, and the comparison behind the page's filters: both from one
    working-out, so every number on the page is protected together."""
    context = area_figures(area_at(location))
    return render_to_string("dashboards/_area_figures.html", context), context["comparison"]


def refresh(key: str) -> AreaSnapshot:
    """Work out one place's figures now and store them."""
    location = None
    if key != EVERY_SCHOOL:
        location = Location.objects.get(pk=int(key.split(":", 1)[1]))
    html, comparison = _work_out(location)
    with transaction.atomic():
        snapshot, _ = AreaSnapshot.objects.update_or_create(
            key=key,
            defaults={"html": html, "comparison": comparison, "computed_at": timezone.now()},
        )
    return snapshot


def refresh_all() -> int:
    """Work out the figures of every place someone reads (the worker's daily job); places no
    one reads any more are dropped. Returns how many places were worked out."""
    keys = {EVERY_SCHOOL} | {
        key_of(location_id)
        for location_id in Staff.objects.filter(role__in=AREA_ROLES, location__isnull=False)
        .values_list("location_id", flat=True)
        .distinct()
    }
    for key in sorted(keys):
        refresh(key)
    AreaSnapshot.objects.exclude(key__in=keys).delete()
    return len(keys)


def figures_for(user) -> AreaSnapshot | None:
    """The figures this reader sees: the stored ones, or worked out once if there are none."""
    key = reader_key(user)
    if key is None:
        return None
    snapshot = AreaSnapshot.objects.filter(key=key).first()
    if snapshot is None or not snapshot.comparison:
        # None yet, or stored before the comparison was (an upgrade): worked out once now.
        snapshot = refresh(key)
    return snapshot
