"""Meeting pages: a school's meetings, one meeting run from its agenda, the minutes as PDF."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.triage import SHORT_LIST
from cwtt.registry.models import Organisation

from . import actions
from .models import Meeting

# Who runs a meeting (plans it, records decisions and actions); everyone else of the school
# reads it.
CHAIRS = frozenset({Role.COORDINATOR, Role.DATA_MANAGER})


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _meeting_for(user, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("school").filter(pk=meeting_id).first()
    if meeting is None or policy.school_for(user, meeting.school_id) is None:
        raise Http404("No such meeting")
    return meeting


def _pk(value: str | None) -> int:
    """An id sent by the page; anything that is not a number finds nothing (0)."""
    return int(value) if value and value.isdigit() else 0


def _may_chair(user) -> bool:
    return policy.role_of(user) in CHAIRS


@policy.guarded
@require_http_methods(["GET", "POST"])
def school_meetings(request: HttpRequest, school_id: int) -> HttpResponse:
    school = policy.school_for(request.user, school_id)
    if school is None:
        raise Http404("No such school")
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not _may_chair(request.user):
            raise Http404("You cannot plan meetings")
        try:
            meeting = actions.meeting_create(
                school=school,
                held_on=_date(request.POST.get("held_on", "")),
                kind=request.POST.get("kind", ""),
                by=request.user,
            )
        except actions.MeetingInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("Meeting planned; its agenda has been drawn up."))
            return redirect("meeting", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/school_meetings.html",
        {
            "school": school,
            "meetings": school.meetings.all(),
            "may_chair": _may_chair(request.user),
            "kinds": Meeting.Kind.choices,
            "today": timezone.localdate().isoformat(),
            "errors": errors,
        },
    )


@policy.guarded
@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    found = _meeting_for(request.user, meeting_id)
    chair = _may_chair(request.user)
    errors: dict[str, str] = {}
    saved_item = None
    if request.method == "POST":
        if not chair:
            raise Http404("You cannot change this meeting")
        step = request.POST.get("step", "")
        try:
            _apply(request, found, step)
        except actions.MeetingInvalid as invalid:
            errors = invalid.errors
            messages.error(request, _("That was not saved; see the note below."))
        else:
            if step == "attendee":
                # Back at the list of who came, its form still open for the next person.
                return redirect(f"{reverse('meeting', args=[found.pk])}?adding=1#who-h")
            if not (request.htmx and step == "decision"):
                return redirect("meeting", meeting_id=found.pk)
            # htmx saves a decision in place: the page is rendered at once and only the
            # item's card is swapped in, so the chair keeps their place in a long agenda.
            saved_item = _pk(request.POST.get("item"))
    staff = found.school.staff.select_related("user", "organisation").order_by("user__first_name")
    # A long agenda reads as a short one: the first items (the most pressing, in agenda
    # order), then the rest one tap away, open when a decision was just saved there.
    items = list(found.items.prefetch_related("actions__owner__user"))
    shown, more = items[:SHORT_LIST], items[SHORT_LIST:]
    return render(
        request,
        "meetings/meeting.html",
        {
            "meeting": found,
            "items": shown,
            "more_items": more,
            "shown_items": len(shown),
            "more_open": any(item.pk == saved_item for item in more) or bool(errors),
            "actions": found.actions.select_related("owner__user", "item"),
            "attendees": found.attendees.all(),
            "staff": staff,
            "sectors": Organisation.Sector.choices,
            "chair": chair,
            "errors": errors,
            "saved_item": saved_item,
            "adding": request.GET.get("adding") == "1",
        },
    )


def _apply(request: HttpRequest, found: Meeting, step: str) -> None:
    post = request.POST
    if step == "attendee":
        member = found.school.staff.filter(pk=_pk(post.get("staff"))).first()
        if post.get("staff") and member is None:
            raise actions.MeetingInvalid({"staff": _("Choose a colleague from the list.")})
        actions.attendee_add(
            meeting=found, staff=member, name=post.get("name", ""), sector=post.get("sector", "")
        )
    elif step == "decision":
        item = found.items.filter(pk=_pk(post.get("item"))).first()
        if item is None:
            raise actions.MeetingInvalid(
                {"item": _("That agenda item is not part of this meeting.")}
            )
        actions.item_decide(item=item, decision=post.get("decision", ""), by=request.user)
    elif step == "action":
        item = found.items.filter(pk=_pk(post.get("item"))).first()
        if post.get("item") and item is None:
            raise actions.MeetingInvalid(
                {"item": _("That agenda item is not part of this meeting.")}
            )
        actions.action_add(
            meeting=found,
            item=item,
            description=post.get("description", ""),
            owner=found.school.staff.filter(pk=_pk(post.get("owner"))).first(),
            due_on=_date(post.get("due_on", "")),
            by=request.user,
        )
    elif step == "done":
        action = found.actions.filter(pk=_pk(post.get("action"))).first()
        if action is None:
            raise actions.MeetingInvalid({"action": _("That action is not part of this meeting.")})
        actions.action_done(action=action, by=request.user)
    elif step == "refresh":
        added = actions.agenda_refresh(found)
        messages.success(
            request,
            ngettext("%(n)d new topic added.", "%(n)d new topics added.", added) % {"n": added},
        )
    elif step == "held":
        actions.meeting_mark_held(meeting=found, by=request.user)
        messages.success(request, _("Marked as held. The minutes are ready to download."))
    else:
        raise actions.MeetingInvalid({"step": _("Unknown action.")})


@policy.guarded
def minutes_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    from weasyprint import HTML

    found = _meeting_for(request.user, meeting_id)
    html = render_to_string(
        "meetings/minutes_pdf.html",
        {
            "meeting": found,
            "items": found.items.prefetch_related("actions__owner__user"),
            "attendees": found.attendees.all(),
            "actions": found.actions.select_related("owner__user"),
            "printed": timezone.localtime(),
        },
    )
    pdf = HTML(string=html).write_pdf()
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=request.user,
        object_type="meeting_minutes",
        object_id=found.pk,
        detail={"format": "pdf"},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="minutes-{found.pk}.pdf"'
    return response
