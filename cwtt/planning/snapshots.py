"""The Planning page's counts change once a day, not with every assessment, like the area
dashboard's (decision 0038): rounding alone still lets two looks either side of one known
child's assessment see a count cross a rounding boundary. The first look of the day at a place
works the per-school counts out and stores them; every later look that day reads them.

Only the counts of children are kept for the day; services and staff are read live (they are
not children)."""

from __future__ import annotations

import dataclasses

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cwtt.assessments.models import Wave
from cwtt.registry.models import Location, School

from .models import DailyCounts
from .sources import SchoolCounts, school_counts


def key_of(location: Location | None, wave: Wave | None) -> str:
    place = "all" if location is None else f"location:{location.pk}"
    return f"{place}:wave:{wave.pk if wave is not None else 'none'}"


def counts_of_the_day(
    location: Location | None, schools: QuerySet[School], wave: Wave | None
) -> list[SchoolCounts]:
    key, today = key_of(location, wave), timezone.localdate()
    stored = DailyCounts.objects.filter(key=key, day=today).values_list("counts", flat=True).first()
    if stored is not None:
        return [SchoolCounts(**row) for row in stored]
    found = school_counts(schools, wave)
    try:
        with transaction.atomic():
            DailyCounts.objects.filter(key=key, day__lt=today).delete()
            DailyCounts.objects.create(
                key=key,
                day=today,
                counts=[dataclasses.asdict(c) for c in found],
                computed_at=timezone.now(),
            )
    except IntegrityError:  # another request stored the day's counts first: use those
        stored = DailyCounts.objects.get(key=key, day=today).counts
        return [SchoolCounts(**row) for row in stored]
    return found
