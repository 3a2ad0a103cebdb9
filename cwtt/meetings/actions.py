"""Writes for meetings. Each checks everything first and raises MeetingInvalid with a plain
message per field; decisions about a child are audited with the child's id."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.notifications.actions import notify
from cwtt.registry.models import School, Staff

from .agenda import topics_for
from .models import ActionItem, AgendaItem, Attendee, Meeting

# Kinds whose lines sum up a list kept elsewhere: refreshing updates them in place.
SUMMARY_KINDS = frozenset({AgendaItem.Kind.PROPOSALS})
# With no earlier meeting, the first agenda looks back this far.
FIRST_LOOK_BACK = timedelta(days=120)
# The longest decision kept on an agenda item; action items and names fit their columns.
MAX_DECISION = 5000
MAX_LINE = 300
MAX_NAME = 160


class MeetingInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _since(meeting: Meeting) -> dt.datetime:
    earlier = (
        Meeting.objects.filter(school=meeting.school, status=Meeting.Status.HELD)
        .exclude(pk=meeting.pk)
        .filter(held_on__lt=meeting.held_on)
        .order_by("-held_on")
        .first()
    )
    if earlier is not None:
        # From the day after: what was scored by the meeting day was on that agenda.
        start = dt.datetime.combine(earlier.held_on + timedelta(days=1), dt.time.min)
        return timezone.make_aware(start) if timezone.is_naive(start) else start
    return timezone.now() - FIRST_LOOK_BACK


@transaction.atomic
def meeting_create(*, school: School, held_on: dt.date | None, kind: str, by) -> Meeting:
    errors = {}
    if held_on is None:
        errors["held_on"] = _("Give the date of the meeting (YYYY-MM-DD).")
    if kind not in Meeting.Kind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    if errors:
        raise MeetingInvalid(errors)
    # Lock the school: a send repeated (a double click, a retry) must find the meeting the
    # first one planned rather than plan a second one for the same day.
    School.objects.select_for_update().filter(pk=school.pk).first()
    if Meeting.objects.filter(school=school, held_on=held_on, kind=kind).exists():
        raise MeetingInvalid(
            {"held_on": _("A meeting of this kind is already planned for that day; open it.")}
        )
    meeting = Meeting.objects.create(school=school, held_on=held_on, kind=kind, created_by=by)
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=by,
        object_type="meeting",
        object_id=meeting.pk,
        detail={"school": school.emis_number, "held_on": held_on, "kind": kind},
    )
    agenda_refresh(meeting)
    return meeting


@transaction.atomic
def agenda_refresh(meeting: Meeting) -> int:
    """Add the topics that are not on the agenda yet (decisions already taken stay)."""
    items = list(meeting.items.all())
    present = {(i.kind, i.child_id, i.text) for i in items}
    present_children = {(k, c) for k, c, _ in present if c is not None}
    # A summary line (the month's action queue) is brought up to date, not added again.
    summaries = {(i.kind, i.link): i for i in items if i.kind in SUMMARY_KINDS and i.link}
    position = meeting.items.aggregate(m=Max("position"))["m"] or 0
    added = 0
    for topic in topics_for(meeting.school, _since(meeting)):
        summary = summaries.get((topic.kind, topic.link))
        if summary is not None:
            if summary.text != topic.text[:300]:
                summary.text = topic.text[:300]
                summary.save(update_fields=["text"])
            continue
        if (topic.kind, topic.child_id) in present_children or (
            topic.kind,
            topic.child_id,
            topic.text,
        ) in present:
            continue
        position += 1
        AgendaItem.objects.create(
            meeting=meeting,
            kind=topic.kind,
            position=position,
            child_id=topic.child_id,
            text=topic.text[:300],
            link=topic.link,
        )
        added += 1
    return added


@transaction.atomic
def attendee_add(*, meeting: Meeting, staff: Staff | None = None, name: str = "", sector: str = ""):
    from cwtt.registry.models import Organisation

    if staff is None and not name.strip():
        raise MeetingInvalid({"name": _("Choose a colleague or write the person's name.")})
    if staff is not None:
        if meeting.attendees.filter(staff=staff).exists():
            raise MeetingInvalid({"staff": _("This person is already on the list.")})
        name = str(staff.user.get_full_name() or staff.user.username)
        sector = staff.organisation.sector
    elif len(name.strip()) > MAX_NAME:
        raise MeetingInvalid(
            {"name": _("Keep the name to %(limit)s characters.") % {"limit": MAX_NAME}}
        )
    elif meeting.attendees.filter(staff=None, name__iexact=name.strip()).exists():
        raise MeetingInvalid({"name": _("This person is already on the list.")})
    if sector not in Organisation.Sector.values:
        raise MeetingInvalid({"sector": _("Choose the person's sector.")})
    return Attendee.objects.create(meeting=meeting, staff=staff, name=name.strip(), sector=sector)


@transaction.atomic
def item_decide(*, item: AgendaItem, decision: str, by) -> AgendaItem:
    if len(decision.strip()) > MAX_DECISION:
        raise MeetingInvalid(
            {
                "decision": _("Keep the decision to %(limit)s characters.")
                % {"limit": f"{MAX_DECISION:,}"}
            }
        )
    before = item.decision
    item.decision = decision.strip()
    item.save(update_fields=["decision"])
    if before != item.decision:
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=by,
            object_type="agenda_item",
            object_id=item.pk,
            child_id=item.child_id,
            detail={"before": before, "after": item.decision},
        )
    return item


@transaction.atomic
def action_add(
    *,
    meeting: Meeting,
    description: str,
    owner: Staff | None,
    due_on: dt.date | None,
    by,
    item: AgendaItem | None = None,
) -> ActionItem:
    errors = {}
    if not description.strip():
        errors["description"] = _("Say what is to be done.")
    elif len(description.strip()) > MAX_LINE:
        # Refused, not cut short: a cut sentence can say something else.
        errors["description"] = _("Keep it to %(limit)s characters.") % {"limit": MAX_LINE}
    if owner is None:
        errors["owner"] = _("Choose who will do it.")
    if due_on is None:
        errors["due_on"] = _("Give the date it is due (YYYY-MM-DD).")
    elif due_on < meeting.held_on:
        errors["due_on"] = _("The due date is before the meeting.")
    if errors:
        raise MeetingInvalid(errors)
    action = ActionItem.objects.create(
        meeting=meeting,
        item=item,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=by,
        object_type="action_item",
        object_id=action.pk,
        child_id=item.child_id if item else None,
        detail={"owner": owner.pk, "due_on": due_on},
    )
    return action


@transaction.atomic
def action_done(*, action: ActionItem, on: dt.date | None = None, by=None) -> ActionItem:
    """Mark an action item done. Done once: a repeated send does not move the day it was done."""
    locked = ActionItem.objects.select_for_update().get(pk=action.pk)
    if locked.done_on is not None:
        raise MeetingInvalid({"action": _("This action is already marked done.")})
    action.done_on = on or timezone.localdate()
    action.save(update_fields=["done_on"])
    audit_record(
        action=AuditEntry.Action.CHANGE,
        actor=by,
        object_type="action_item",
        object_id=action.pk,
        child_id=action.item.child_id if action.item_id else None,
        detail={"before": {"done_on": None}, "after": {"done_on": action.done_on}},
    )
    return action


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, by) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status == Meeting.Status.HELD:
        raise MeetingInvalid({"step": _("This meeting is already marked as held.")})
    meeting.status = Meeting.Status.HELD
    meeting.save(update_fields=["status"])
    audit_record(
        action=AuditEntry.Action.CHANGE,
        actor=by,
        object_type="meeting",
        object_id=meeting.pk,
        detail={"before": {"status": "planned"}, "after": {"status": "held"}},
    )
    return meeting


def open_actions_for(staff: Staff):
    """The person's action items not yet done, overdue first (for worklists)."""
    return ActionItem.objects.filter(owner=staff, done_on__isnull=True).order_by("due_on")


def action_items_due_notify(today: dt.date | None = None) -> int:
    """Remind the owner of each action item not done by its due date, once per due date. Run by
    the worker (cwtt/jobs). Safe to run twice, or in two workers at once: each item is claimed by
    one conditional update first. Returns how many items were reminded."""
    today = today or timezone.localdate()
    due = (
        ActionItem.objects.filter(done_on__isnull=True, due_on__lte=today)
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_on")))
        .select_related("owner__user", "meeting__school")
    )
    reminded = 0
    for action in due.iterator(chunk_size=200):
        with transaction.atomic():
            claimed = ActionItem.objects.filter(
                pk=action.pk, reminded_for=action.reminded_for
            ).update(reminded_for=action.due_on)
            if not claimed:
                continue
            # The description is the team's own words about the work; it stays inside the app.
            notify(
                action.owner.user,
                f"An action from a meeting at {action.meeting.school.name} is due",
                f"It was due on {action.due_on.day} {action.due_on:%B %Y}. Open the meeting to "
                "see it and mark it done.",
                reverse("meeting", args=[action.meeting_id]),
            )
        reminded += 1
    return reminded
