"""Today's urgent children: those whose latest profile at a school says a concern needs action
today. The school page lists them; the coordinator's day (home page and My work) starts with
them. One rule for both, here."""

from __future__ import annotations

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.assessments.models import RiskProfile
from cwtt.assessments.triage import need_key
from cwtt.dashboards.figures import latest_wave

# Whose day starts with them (decision 0049): the person who shares out the school's work.
STARTS_THE_DAY = frozenset({Role.COORDINATOR})


def urgent_profiles(user, school) -> list[RiskProfile]:
    """The school's children needing action today in its latest wave that this reader may see
    the details of, most pressing first."""
    profiles = list(
        RiskProfile.objects.filter(
            child__school=school, wave=latest_wave(school.pk), child__status="active", urgent=True
        ).select_related("child", "child__school_class")
    )
    withheld = policy.details_withheld(user, [p.child for p in profiles])
    shown = [p for p in profiles if p.child_id not in withheld]
    return sorted(shown, key=lambda p: need_key(p, p.computed_at, p.child.full_name))


def urgent_children(user) -> list[RiskProfile]:
    """For a coordinator, today's urgent children at all their schools; for others, none."""
    if policy.role_of(user) not in STARTS_THE_DAY:
        return []
    found: list[RiskProfile] = []
    for school in policy.schools_for(user).order_by("name"):
        found.extend(urgent_profiles(user, school))
    return found
