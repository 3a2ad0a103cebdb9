"""What a phone takes away for a day without signal: the person's schools, classes and
children, the questionnaires they may fill in (rendered once per language) and their own
unfinished drafts. The phone keeps it encrypted (static/offline/vault.js); the server keeps
no copy. Only what the capture pages themselves show goes into it."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from cwtt.access import policy
from cwtt.assessments.actions import consent_missing_for_many
from cwtt.assessments.models import Assessment, Respondent, Wave
from cwtt.instruments.actions import validator_for
from cwtt.registry.models import ChildCaregiver, SchoolClass
from cwtt.web.capture_form import question_groups


def revision_of(assessment: Assessment) -> str:
    """The server's version of a record, which a phone sends back to show what it started from."""
    return assessment.updated_at.isoformat()


def current_waves(school_ids: list[int]) -> list[Wave]:
    """Waves under way for these schools, newest first (a wave with no schools is for all)."""
    return list(
        Wave.objects.covering(school_ids)
        .started()
        .order_by("-starts_on")
        .select_related("instrument_version")
        .prefetch_related("schools")
    )


def questionnaires_sent(children, waves: list[Wave]):
    """(child id, wave id, respondent) of every questionnaire sent for these children in these
    waves: what is no longer to capture. The offline screen marks the rest; the teacher's My
    class (cwtt/worklists/my_class.py) lists it. One query."""
    return (
        Assessment.objects.filter(
            child__in=children,
            wave__in=waves,
            status__in=[Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED],
        )
        .values_list("child_id", "wave_id", "respondent")
        .distinct()
    )


def _forms(waves: list[Wave], respondents: tuple[str, ...]) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    for wave in waves:
        version = wave.instrument_version
        definition = version.parsed()
        validator = validator_for(version.pk)
        asked = set(definition.respondents())
        for respondent in respondents:
            if respondent not in asked:
                continue
            for language in ["", *definition.languages]:
                key = f"{version.pk}:{respondent}:{language}"
                if key in forms:
                    continue
                groups = question_groups(definition, validator, respondent, {}, {}, language)
                forms[key] = render_to_string("web/_questions.html", {"groups": groups})
    return forms


def _languages(waves: list[Wave]) -> list[list[str]]:
    """Every language the waves' questionnaires are written in, as (code, name); "" is the
    instrument's default language."""
    seen: list[list[str]] = []
    for wave in waves:
        definition = wave.instrument_version.parsed()
        for code in ["", *definition.languages]:
            if all(known != code for known, _ in seen):
                seen.append([code, definition.language_name(code)])
    return seen or [["", "English"]]


def offline_pack(user) -> dict[str, Any]:
    """Everything above for this person. A fixed number of queries, whatever the number of
    children (tests/offline/test_pack.py counts them)."""
    schools = list(policy.schools_for(user).order_by("name"))
    school_ids = [s.pk for s in schools]
    waves = current_waves(school_ids)
    # The questionnaires this person fills in that the waves' instruments actually ask.
    asked = {r for w in waves for r in w.instrument_version.parsed().respondents()}
    respondents = tuple(r for r in policy.respondents_for(user) if r in asked)
    in_scope = policy.children_for(user).filter(school_id__in=school_ids, status="active")
    children = list(
        in_scope.select_related("school_class")
        # The caregivers come in the same query as the links. Prefetching them separately
        # ("caregiver_links__caregiver") asks for them one OR term each on SQLite, which
        # refuses more than 1,000: a 400-learner school has more caregivers than that.
        .prefetch_related(
            Prefetch(
                "caregiver_links",
                queryset=ChildCaregiver.objects.select_related("caregiver").order_by("pk"),
            )
        )
        .order_by("last_name", "first_name")
    )
    cannot_submit = consent_missing_for_many([c.pk for c in children], respondents)
    by_class: dict[int | None, list[dict[str, Any]]] = {}
    for child in children:
        by_class.setdefault(child.school_class_id, []).append(
            {
                "id": child.pk,
                "name": child.full_name,
                "first_name": child.first_name,
                "school": child.school_id,
                "date_of_birth": child.date_of_birth.isoformat(),
                "cannot_submit": cannot_submit[child.pk],
                "caregivers": [
                    {
                        "id": link.caregiver_id,
                        "label": f"{link.caregiver} ({link.get_relation_display()})",
                    }
                    for link in child.caregiver_links.all()
                ],
            }
        )
    classes_of: dict[int, list[dict[str, Any]]] = {}
    class_ids = {c.school_class_id for c in children if c.school_class_id}
    for school_class in SchoolClass.objects.filter(pk__in=class_ids).order_by("grade", "name"):
        classes_of.setdefault(school_class.school_id, []).append(
            {
                "id": school_class.pk,
                "name": str(school_class),
                "children": by_class.get(school_class.pk, []),
            }
        )
    done = questionnaires_sent(in_scope, waves)
    drafts = Assessment.objects.filter(
        child__in=in_scope, wave__in=waves, assessor=user, status=Assessment.Status.DRAFT
    )
    return {
        "generated_at": timezone.now().isoformat(),
        "user": user.pk,
        "respondents": [[r, str(Respondent(r).label)] for r in respondents],
        "schools": [
            {
                "id": s.pk,
                "name": s.name,
                "classes": classes_of.get(s.pk, []),
                "unplaced": [c for c in by_class.get(None, []) if c["school"] == s.pk],
            }
            for s in schools
        ],
        "waves": [
            {
                "id": w.pk,
                "name": w.name,
                "version": w.instrument_version_id,
                "schools": [s.pk for s in w.schools.all()],
                # The interview date must fall inside the wave; the phone defaults to it.
                "starts_on": w.starts_on.isoformat(),
                "ends_on": w.ends_on.isoformat(),
            }
            for w in waves
        ],
        "languages": _languages(waves),
        "forms": _forms(waves, respondents),
        "done": [f"{c}:{w}:{r}" for c, w, r in done],
        "drafts": [
            {
                "uuid": str(d.uuid),
                "child": d.child_id,
                "wave": d.wave_id,
                "respondent": d.respondent,
                "answers": d.answers,
                "assessed_on": d.assessed_on.isoformat(),
                "informant_caregiver": d.informant_caregiver_id,
                "revision": revision_of(d),
            }
            for d in drafts
        ],
    }
