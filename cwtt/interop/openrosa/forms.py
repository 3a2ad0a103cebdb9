"""Which forms a person's ODK Collect gets, and the class list sent with each (decision 0042).

A form is one questionnaire (caregiver, teacher, nurse ...) of an instrument version in use by a
wave that has started at the person's schools — the waves the capture page and the offline pack
offer, an ended one included, as the interview date must still fall inside the wave — for each
questionnaire their role captures
(`policy.respondents_for`). When waves at their schools use several versions of one instrument,
the newest is offered: Collect keeps one version of a form. Its class list holds the active
children of the schools whose wave uses that version, whom the person may see
(`policy.children_for`) and whose questionnaire can be submitted now (consent on record).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from cwtt.access import policy
from cwtt.assessments.actions import consent_missing_for_many
from cwtt.instruments.models import InstrumentVersion
from cwtt.offline.pack import current_waves
from cwtt.registry.models import Child

from .xform import XForm, xform_for
from .xform import form_id as xform_id


@dataclass
class OfferedForm:
    version: InstrumentVersion
    respondent: str
    school_ids: set[int] = field(default_factory=set)

    @property
    def xform(self) -> XForm:
        return xform_for(self.version, self.respondent)


def offered_forms(user) -> list[OfferedForm]:
    """The person's forms, in a fixed number of queries whatever the number of children."""
    if not policy.can_capture(user):
        return []
    school_ids = set(policy.schools_for(user).values_list("pk", flat=True))
    waves = current_waves(sorted(school_ids))
    if not waves:
        return []
    versions = {
        v.pk: v
        for v in InstrumentVersion.objects.filter(
            pk__in={w.instrument_version_id for w in waves}
        ).select_related("instrument")
    }
    newest: dict[int, InstrumentVersion] = {}
    for version in versions.values():
        held = newest.get(version.instrument_id)
        if held is None or version.number > held.number:
            newest[version.instrument_id] = version
    offered: dict[tuple[int, str], OfferedForm] = {}
    for wave in waves:
        version = versions[wave.instrument_version_id]
        if newest[version.instrument_id].pk != version.pk:
            continue
        covered = {s.pk for s in wave.schools.all()} & school_ids or school_ids
        asked = version.parsed().respondents()
        for respondent in policy.respondents_for(user):
            if respondent in asked:
                form = offered.setdefault(
                    (version.pk, respondent), OfferedForm(version, respondent)
                )
                form.school_ids |= covered
    return sorted(offered.values(), key=lambda f: (f.version.instrument.code, f.respondent))


def offered_form(user, form_id: str, number: int) -> OfferedForm | None:
    return next(
        (
            f
            for f in offered_forms(user)
            if xform_id(f.version.instrument.code, f.respondent) == form_id
            and f.version.number == number
        ),
        None,
    )


def class_list(user, form: OfferedForm) -> list[Child]:
    children = list(
        policy.children_for(user)
        .filter(school_id__in=sorted(form.school_ids), status=Child.Status.ACTIVE)
        .select_related("school", "school_class")
        .order_by("school__name", "school_class__name", "last_name", "first_name", "pk")
    )
    blocked = consent_missing_for_many([c.pk for c in children], (form.respondent,))
    return [c for c in children if form.respondent not in blocked[c.pk]]


def class_list_csv(children: list[Child]) -> bytes:
    """`name,label` as select_one_from_file reads it: the child's id and what the person sees."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label"])
    for child in children:
        place = f"{child.school_class.name}, " if child.school_class else ""
        writer.writerow([child.pk, f"{child.full_name} ({place}{child.school.name})"])
    return out.getvalue().encode()


def md5_of(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()  # noqa: S324 - the hash OpenRosa asks for
