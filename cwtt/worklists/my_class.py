"""A teacher's class: her learners, and for each whether the teacher questionnaire of the
current wave is still to capture, with the link to capture it.

What counts as captured is the offline screen's rule (cwtt/offline/pack.py
`questionnaires_sent`), and what cannot be sent for lack of consent is the capture page's
(`consent_missing_for_many`): the same answer on the phone and online.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from cwtt.access import policy
from cwtt.assessments.actions import consent_missing_for_many
from cwtt.assessments.models import Assessment, Respondent, Wave
from cwtt.offline.pack import current_waves, questionnaires_sent
from cwtt.registry.models import SchoolClass

TEACHER = Respondent.TEACHER


@dataclass
class Learner:
    child: Any
    captured: bool
    draft: bool
    cannot_send: str  # why the questionnaire cannot be sent (no consent), or ""
    capture_link: str


@dataclass
class MyClass:
    school_class: SchoolClass
    wave: Wave | None
    learners: list[Learner] = field(default_factory=list)

    @property
    def to_capture(self) -> list[Learner]:
        return [learner for learner in self.learners if not learner.captured]

    @property
    def captured_count(self) -> int:
        return sum(learner.captured for learner in self.learners)


def _wave_for(school_id: int, waves: list[Wave]) -> Wave | None:
    """The newest started wave that includes the school (a wave with no schools is for all)."""
    for wave in waves:  # newest first
        schools = {s.pk for s in wave.schools.all()}
        if not schools or school_id in schools:
            return wave
    return None


def classes_of(user) -> list[SchoolClass]:
    """The classes this person teaches, at the schools they may see."""
    staff = policy.staff_of(user)
    if staff is None:
        return []
    return list(
        staff.classes_taught.filter(school__in=policy.schools_for(user))
        .select_related("school")
        .order_by("-year", "grade", "name")
    )


def my_classes(user) -> list[MyClass]:
    """Each class the person teaches with its active learners (by name) and what is still to
    capture in the current wave. A fixed number of queries, whatever the class size."""
    classes = classes_of(user)
    if not classes:
        return []
    waves = current_waves(sorted({c.school_id for c in classes}))
    children = list(
        policy.children_for(user)
        .filter(school_class__in=classes, status="active")
        .order_by("last_name", "first_name")
    )
    sent = set(questionnaires_sent([c.pk for c in children], waves))
    drafts = set(
        Assessment.objects.filter(
            child__in=[c.pk for c in children],
            wave__in=waves,
            respondent=TEACHER,
            assessor=user,
            status=Assessment.Status.DRAFT,
        ).values_list("child_id", "wave_id")
    )
    asks_teacher = TEACHER in policy.respondents_for(user)
    cannot = consent_missing_for_many([c.pk for c in children], [TEACHER] if asks_teacher else [])
    result = []
    for school_class in classes:
        wave = _wave_for(school_class.school_id, waves)
        mine = MyClass(school_class=school_class, wave=wave)
        for child in (c for c in children if c.school_class_id == school_class.pk):
            link = ""
            if wave is not None and asks_teacher:
                link = f"{reverse('capture', args=[child.pk, TEACHER])}?wave={wave.pk}"
            mine.learners.append(
                Learner(
                    child=child,
                    captured=wave is not None and (child.pk, wave.pk, TEACHER) in sent,
                    draft=wave is not None and (child.pk, wave.pk) in drafts,
                    cannot_send=cannot[child.pk].get(TEACHER, ""),
                    capture_link=link,
                )
            )
        result.append(mine)
    return result
