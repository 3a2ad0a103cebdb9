"""Referral pages: make a referral for a child, follow it, print its letter, list one's own;
and the provider's public feedback page (docs/referrals.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import RiskProfile
from cwtt.instruments.actions import rule_sensitivities_for
from cwtt.registry.models import Organisation
from cwtt.services.models import Provider, ServiceType
from cwtt.web.presenters import WITHHELD

from .actions import (
    ReferralRefused,
    feedback_answer,
    feedback_link_find,
    feedback_link_issue,
    feedback_link_problem,
    feedback_link_seen,
    provider_path,
    referral_create,
    referral_from_proposal,
    referral_move,
)
from .letter import letter_pdf
from .models import OPEN_STATES, PROVIDER_STATES, Referral, Status, Urgency
from .rules import ProposedReferral, RulesFileError, propose_referrals

# What a provider chooses on the feedback page, in the provider's words.
PROVIDER_ANSWERS = {
    Status.ACKNOWLEDGED: gettext_lazy("We have received the referral"),
    Status.ACCEPTED: gettext_lazy("We accept it and will see the child"),
    Status.DECLINED: gettext_lazy("We cannot take this referral"),
    Status.DELIVERED: gettext_lazy("The service was given"),
}
# The buttons on the referral page, in the sender's words.
STEP_WORDS = {
    Status.SENT: gettext_lazy("Send to the provider"),
    Status.ACKNOWLEDGED: gettext_lazy("The provider has received it"),
    Status.ACCEPTED: gettext_lazy("The provider accepted it"),
    Status.DECLINED: gettext_lazy("The provider declined it"),
    Status.DELIVERED: gettext_lazy("The service was delivered"),
    Status.CLOSED: gettext_lazy("Close the referral"),
    Status.CANCELLED: gettext_lazy("Cancel the referral"),
}
SESSION_LINK = "referral_feedback_link_{}"


def _access_or_404(user, child_id: int):
    access = policy.child_access(user, child_id)
    if access is None:
        raise Http404("No such child")
    return access


def _referral_or_404(user, pk: int):
    referral = (
        Referral.objects.select_related("child__school", "service_type", "provider", "created_by")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404("No such referral")
    return referral, _access_or_404(user, referral.child_id)


def _reason_for(referral: Referral, access) -> str:
    return referral.reason if set(referral.reason_classes) <= access.classes else WITHHELD


@dataclass
class ProposalView:
    proposal: ProposedReferral
    service_type: ServiceType
    classes: list[str]

    @property
    def urgency_label(self) -> str:
        """The urgency in words ("Urgent", "High", "Routine"), in the reader's language."""
        code = self.proposal.urgency
        return Urgency(code).label if code in Urgency.values else capfirst(code)


def _proposals(access) -> tuple[list[ProposalView], int, RiskProfile | None]:
    """Proposals from the child's latest risk profile that this reader may read, and how many
    more there are for staff whose work needs the details."""
    if "risk_levels" not in access.fields:
        return [], 0, None
    profile = (
        RiskProfile.objects.filter(child=access.child)
        .select_related("child")
        .order_by("wave__starts_on")
        .last()
    )
    if profile is None:
        return [], 0, None
    sensitivity = rule_sensitivities_for(profile.instrument_version_id)
    types = {t.code: t for t in ServiceType.objects.all()}
    shown: list[ProposalView] = []
    hidden = 0
    for proposal in propose_referrals(profile):
        classes = sensitivity.get(proposal.finding.get("rule", ""), frozenset({"general"}))
        if proposal.service not in types:
            continue
        if classes <= access.classes:
            shown.append(ProposalView(proposal, types[proposal.service], sorted(classes)))
        else:
            hidden += 1
    return shown, hidden, profile


@policy.guarded
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, child_id: int) -> HttpResponse:
    access = _access_or_404(request.user, child_id)
    child = access.child
    try:
        proposals, hidden, _profile = _proposals(access)
    except RulesFileError as error:
        proposals, hidden = [], 0
        messages.error(
            request,
            _("The referral rules cannot be read, so none are proposed: %(error)s")
            % {"error": error},
        )
    source = request.POST if request.method == "POST" else request.GET
    chosen = next((p for p in proposals if p.proposal.rule == source.get("proposal")), None)
    service_code = chosen.proposal.service if chosen else source.get("service", "")
    service_type = ServiceType.objects.filter(code=service_code).first()
    providers = (
        Provider.objects.filter(service_types=service_type, active=True)
        if service_type
        else Provider.objects.none()
    )
    form = {
        k: source.get(k, "").strip()
        for k in ("provider", "provider_name", "sector", "urgency", "reason")
    }
    if request.method == "POST":
        provider = None
        if form["provider"].isdigit():  # anything else is no provider of the list: refused
            provider = providers.filter(pk=form["provider"]).first()
        try:
            if service_type is None:
                raise ReferralRefused(_("Choose the service the child is referred to."))
            if form["provider"] and provider is None:
                raise ReferralRefused(_("Choose a provider that offers this service."))
            if chosen is not None:
                referral = referral_from_proposal(
                    child=child,
                    proposal=chosen.proposal,
                    service_type=service_type,
                    by=request.user,
                    reason_classes=chosen.classes,
                    provider=provider,
                    provider_name=form["provider_name"],
                    sector=form["sector"],
                )
            else:
                referral = referral_create(
                    child=child,
                    service_type=service_type,
                    by=request.user,
                    urgency=form["urgency"],
                    reason=form["reason"],
                    provider=provider,
                    provider_name=form["provider_name"],
                    sector=form["sector"],
                )
        except ReferralRefused as refused:
            messages.error(request, _("The referral was not saved: %(why)s") % {"why": refused})
        else:
            messages.success(request, _("The referral is saved as a draft. Send it when ready."))
            return redirect("referral", pk=referral.pk)
    return render(
        request,
        "referrals/new.html",
        {
            "child": child,
            "proposals": proposals,
            "hidden": hidden,
            "chosen": chosen,
            "service_type": service_type,
            "service_types": ServiceType.objects.all(),
            "providers": providers,
            "sectors": Organisation.Sector.choices,
            "urgencies": Urgency.choices,
            "form": form,
        },
    )


@policy.guarded
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral, access = _referral_or_404(request.user, pk)
    if request.method == "POST":
        to = request.POST.get("to", "")
        try:
            referral = referral_move(
                referral,
                to,
                request.user,
                reason=request.POST.get("reason", ""),
                delivered_on=request.POST.get("delivered_on", ""),
                outcome=request.POST.get("outcome", ""),
                feedback=request.POST.get("feedback", ""),
                comment=request.POST.get("comment", ""),
            )
        except ReferralRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("The referral is now: %(status)s.") % {"status": referral.get_status_display()},
            )
            if to == Status.SENT:
                _link, token = feedback_link_issue(referral=referral, by=request.user)
                request.session[SESSION_LINK.format(referral.pk)] = token
        return redirect("referral", pk=referral.pk)
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=request.user,
        object_type="referral",
        object_id=referral.pk,
        child_id=referral.child_id,
        detail=access.audit_detail(),
    )
    token = request.session.pop(SESSION_LINK.format(referral.pk), None)
    steps = [(s, STEP_WORDS[s]) for s in referral.next_steps]
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "child": referral.child,
            "reason": _reason_for(referral, access),
            "events": referral.events.select_related("by"),
            "steps": steps,
            "feedback_url": request.build_absolute_uri(reverse("referral_feedback", args=[token]))
            if token
            else "",
            "may_print": referral.status not in {Status.DRAFT} and referral.is_open,
            "today": timezone.localdate().isoformat(),
        },
    )


@policy.guarded
@require_POST
def referral_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """A new letter, with a new feedback link in it (the token exists only in the letter)."""
    referral, _access = _referral_or_404(request.user, pk)
    try:
        link, token = feedback_link_issue(referral=referral, by=request.user)
    except ReferralRefused as refused:
        messages.error(request, str(refused))
        return redirect("referral", pk=referral.pk)
    url = request.build_absolute_uri(reverse("referral_feedback", args=[token]))
    pdf = letter_pdf(referral, feedback_url=url, expires_at=link.expires_at)
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=request.user,
        object_type="referral",
        object_id=referral.pk,
        child_id=referral.child_id,
        detail={"format": "pdf", "what": "referral letter", "link": link.pk},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="referral-{referral.pk}.pdf"'
    return response


def _overdue_first(referrals, now):
    return referrals.annotate(
        late=Case(
            When(status__in=OPEN_STATES, due_by__lt=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("late", "due_by", "pk")


@policy.guarded
def my_referrals(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    referrals = Referral.objects.filter(
        created_by=request.user, child__in=policy.children_for(request.user)
    ).select_related("child", "service_type", "provider")
    return render(
        request,
        "referrals/list.html",
        {
            "title": _("My referrals"),
            "referrals": _overdue_first(referrals, now),
            "now": now,
            "child": None,
        },
    )


@policy.guarded
def child_referrals(request: HttpRequest, child_id: int) -> HttpResponse:
    access = _access_or_404(request.user, child_id)
    now = timezone.now()
    referrals = Referral.objects.filter(child=access.child).select_related(
        "child", "service_type", "provider"
    )
    return render(
        request,
        "referrals/list.html",
        {
            "title": _("Referrals for %(name)s") % {"name": access.child.full_name},
            "referrals": _overdue_first(referrals, now),
            "now": now,
            "child": access.child,
        },
    )


# --- the provider's page: no sign-in, the minimum of personal data -----------------------------


@policy.public
@never_cache  # it names the child: no browser or proxy keeps a copy
@require_http_methods(["GET", "POST"])
def referral_feedback(request: HttpRequest, token: str) -> HttpResponse:
    link = feedback_link_find(token)
    if link is None:
        raise Http404()
    problem = feedback_link_problem(link)
    if problem:
        # Expired or answered: a plain page with nothing of the referral, and no audit entry,
        # so that whoever holds an old letter can neither read the child's name nor fill the
        # child's audit trail by opening it again and again.
        return render(request, "referrals/feedback.html", {"problem": problem}, status=410)
    feedback_link_seen(link)
    referral = link.referral
    context = {
        "service": str(referral.service_type),
        "child_short": f"{referral.child.first_name} {referral.child.last_name[:1]}.",
        "referred_on": timezone.localtime(referral.sent_at or referral.created_at).date(),
        "answers": [
            (status, words)
            for status, words in PROVIDER_ANSWERS.items()
            if provider_path(referral.status, status)
        ],
        "form": {},
        "today": timezone.localdate().isoformat(),
    }
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "").strip()
            for k in ("answer", "reason", "delivered_on", "outcome", "feedback")
        }
        try:
            if form["answer"] not in PROVIDER_STATES:
                raise ReferralRefused(_("Choose one of the answers."))
            referral = feedback_answer(
                link=link,
                answer=form["answer"],
                reason=form["reason"],
                delivered_on=form["delivered_on"],
                outcome=form["outcome"],
                feedback=form["feedback"],
            )
        except ReferralRefused as refused:
            context["error"] = str(refused)
            context["form"] = form
        else:
            context["thanks"] = PROVIDER_ANSWERS.get(referral.status, "")
            context["answers"] = [
                (status, words)
                for status, words in PROVIDER_ANSWERS.items()
                if provider_path(referral.status, status)
            ]
    return render(request, "referrals/feedback.html", context)
