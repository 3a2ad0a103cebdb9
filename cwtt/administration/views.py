"""The data manager's pages: accounts, schools, waves and instruments (issue #5; decision
0020; docs/administration.md).

Thin: the signed-in person must be a data manager (403 with a plain page otherwise; the second
factor is asked for by SecondFactorMiddleware before any of these run), the form checks the
shape of what was typed, and the action that owns the change checks the rules and writes it,
with its audit entry, in one transaction. Problems are shown next to their field and in a
summary at the top; nothing is saved while any remain. Addresses carry ids only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access import policy
from cwtt.access.actions import (
    ProvisioningError,
    password_link_issue,
    password_set,
    second_factor_reset,
    user_add,
    user_disable,
    user_enable,
    user_unlock,
)
from cwtt.access.password_reset import ResetRefused, may_reset_password, password_reset_by_staff
from cwtt.access.roles import SCHOOL_ROLES, Role
from cwtt.access.two_factor import needs_second_factor
from cwtt.assessments.actions import AssessmentInvalid
from cwtt.assessments.models import Wave
from cwtt.instruments.actions import InstrumentRejected, instrument_check
from cwtt.instruments.engine.definition import Marked
from cwtt.instruments.models import Instrument, InstrumentVersion
from cwtt.registry.imports import TableError
from cwtt.registry.models import Child, School
from cwtt.web import answer_messages

from .actions import (
    StoredFileRefused,
    import_rejects,
    import_upload_check,
    import_upload_run,
    instrument_file_publish,
    wave_edit,
    wave_open,
)
from .forms import ImportUploadForm, InstrumentUploadForm, UserAddForm, WaveForm

PER_PAGE = 50
# An instrument file that passed "Check" is kept in the session so that "Publish" needs no
# second upload. Instruments hold no personal data; import files may, and are kept encrypted in
# the database instead (PendingImport, decision 0045).
CHECKED_INSTRUMENT = "administration_checked_instrument"
KEEP_AT_MOST = 2 * 1024 * 1024


def may_administer(user) -> bool:
    """Whether the user may use these pages: data managers (and super-users) only."""
    return policy.role_of(user) == Role.DATA_MANAGER


def data_managers_only(view: Callable) -> Callable:
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_administer(request.user):
            return render(request, "administration/not_allowed.html", status=403)
        return view(request, *args, **kwargs)

    return checked


def _page(request: HttpRequest, items):
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


@policy.guarded
@data_managers_only
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "administration/index.html",
        {
            "accounts": get_user_model().objects.filter(is_active=True).count(),
            "schools": School.objects.count(),
            "waves": Wave.objects.count(),
            "open_waves": Wave.objects.filter(starts_on__lte=today, ends_on__gte=today).count(),
            "versions": InstrumentVersion.objects.count(),
        },
    )


# --- accounts


def locked_out_usernames(usernames) -> set[str]:
    """Which of these usernames django-axes refuses now: as many failures as the limit within
    the cool-off, summed over addresses and browsers as axes does (decision 0011)."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username__in=list(usernames))
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    totals = (
        attempts.order_by()
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in totals}


def _account(user, locked: set[str], with_app: set[int]) -> dict:
    staff = policy.staff_of(user)
    if staff is not None:
        schools = list(staff.schools.all())
        where = ", ".join(s.name for s in schools) or (
            str(staff.location) if staff.location else ""
        )
    else:
        schools, where = [], ""
    needs_code = needs_second_factor(user)
    return {
        "user": user,
        "staff": staff,
        "name": user.get_full_name() or user.username,
        "role": staff.get_role_display() if staff else _("No role"),
        "schools": schools,
        "where": where,
        "locked_out": user.username in locked,
        "needs_code": needs_code,
        "has_app": user.pk in with_app,
        "has_password": user.has_usable_password(),
    }


@policy.guarded
@data_managers_only
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role", "")
    accounts = (
        get_user_model()
        .objects.select_related("staff__location", "staff__organisation")
        .prefetch_related("staff__schools")
        .order_by("-is_active", "first_name", "last_name", "username")
    )
    if role in Role.values:
        accounts = accounts.filter(staff__role=role)
    else:
        role = ""
    page = _page(request, accounts)
    names = [user.username for user in page]
    locked = locked_out_usernames(names)
    with_app = set(
        TOTPDevice.objects.filter(user__in=list(page), confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    return render(
        request,
        "administration/users.html",
        {
            "page": page,
            "accounts": [_account(user, locked, with_app) for user in page],
            "roles": Role.choices,
            "role": role,
            "extra": urlencode({"role": role}) if role else "",
        },
    )


def _link_page(request: HttpRequest, user, *, new: bool) -> HttpResponse:
    link = password_link_issue(user=user, by=request.user)
    url = request.build_absolute_uri(
        reverse("set_password", kwargs={"uidb64": link.uidb64, "token": link.token})
    )
    response = render(
        request,
        "administration/user_link.html",
        {"account": user, "link": url, "new": new, "needs_code": needs_second_factor(user)},
    )
    # The link is a credential: shown once, never cached.
    response["Cache-Control"] = "no-store"
    return response


@policy.guarded
@data_managers_only
@never_cache
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff = user_add(
                username=data["username"].strip(),
                role=data["role"],
                password=None,  # they choose it through the link shown next (decision 0020)
                schools=data["schools"],
                location=data["location"] or None,
                organisation=data["organisation"].strip() or None,
                first_name=data["first_name"].strip(),
                last_name=data["last_name"].strip(),
                supervisor=data["supervisor"] or None,
                phone=data["phone"],
                by=request.user,
            )
        except ProvisioningError as error:
            for problem in error.details:
                field = problem.field if problem.field in form.fields else None
                message = problem.message
                if problem.code == "required" and problem.field in form.REQUIRED_MESSAGES:
                    message = form.REQUIRED_MESSAGES[problem.field]
                form.add_error(field, message)
        else:
            return _link_page(request, staff.user, new=True)
    return render(request, "administration/user_new.html", {"form": form})


def _account_or_404(user_id: int):
    return get_object_or_404(
        get_user_model()
        .objects.select_related("staff__location", "staff__organisation", "staff__supervisor__user")
        .prefetch_related("staff__schools"),
        pk=user_id,
    )


@policy.guarded
@data_managers_only
@require_GET
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _account_or_404(user_id)
    locked = locked_out_usernames([user.username])
    with_app = set(
        TOTPDevice.objects.filter(user=user, confirmed=True).values_list("user_id", flat=True)
    )
    return render(
        request,
        "administration/user_detail.html",
        {"account": _account(user, locked, with_app), "is_me": user.pk == request.user.pk},
    )


def _account_change(request: HttpRequest, user_id: int, change: Callable[..., object]) -> str:
    """Run one of the account actions on the account with this id (404 if there is none)."""
    user = _account_or_404(user_id)
    return change(username=user.username, by=request.user)


def _after(request: HttpRequest, user_id: int, run: Callable[[], str]) -> HttpResponse:
    try:
        messages.success(request, run())
    except ProvisioningError as error:
        for problem in error.problems:
            messages.error(request, problem)
    return redirect("administration_user", user_id=user_id)


@policy.guarded
@data_managers_only
@require_POST
def user_disable_view(request: HttpRequest, user_id: int) -> HttpResponse:
    def run() -> str:
        changed = _account_change(request, user_id, user_disable)
        return (
            _("The account is disabled: they can no longer sign in. Their records stay.")
            if changed
            else _("The account was already disabled.")
        )

    return _after(request, user_id, run)


@policy.guarded
@data_managers_only
@require_POST
def user_enable_view(request: HttpRequest, user_id: int) -> HttpResponse:
    def run() -> str:
        changed = _account_change(request, user_id, user_enable)
        return (
            _("The account is active again: they can sign in.")
            if changed
            else _("The account was already active.")
        )

    return _after(request, user_id, run)


@policy.guarded
@data_managers_only
@require_POST
def user_unlock_view(request: HttpRequest, user_id: int) -> HttpResponse:
    def run() -> str:
        removed = _account_change(request, user_id, user_unlock)
        return (
            _("Unlocked: they can try to sign in again now.")
            if removed
            else _("They were not locked out; nothing to do.")
        )

    return _after(request, user_id, run)


@policy.guarded
@data_managers_only
@require_POST
def user_reset_code_view(request: HttpRequest, user_id: int) -> HttpResponse:
    def run() -> str:
        removed = _account_change(request, user_id, second_factor_reset)
        return (
            _(
                "Their authenticator app is removed. At their next sign-in they set up the app "
                "on their new phone."
            )
            if removed
            else _("They had no authenticator app set up; nothing to do.")
        )

    return _after(request, user_id, run)


@policy.guarded
@data_managers_only
@require_POST
def user_password_link_view(request: HttpRequest, user_id: int) -> HttpResponse:
    return _link_page(request, _account_or_404(user_id), new=False)


# --- a one-time password from a coordinator (staff at her schools) or a data manager


def _resettable(request: HttpRequest, user_id: int):
    """The account if the signed-in person may reset its password; 404 otherwise, as for an
    account that does not exist, so the page tells nobody who else has one."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not may_reset_password(request.user, user):
        raise Http404("No such account")
    return user


@policy.guarded
@never_cache
@require_POST
def user_password_reset_view(request: HttpRequest, user_id: int) -> HttpResponse:
    """Give the person a one-time password, shown once here; they choose their own at their
    next sign-in. Their authenticator app stays."""
    user = _resettable(request, user_id)
    try:
        password = password_reset_by_staff(user=user, by=request.user)
    except ResetRefused as refused:
        messages.error(request, str(refused))
        if may_administer(request.user):
            return redirect("administration_user", user_id=user.pk)
        return redirect("school_staff")
    response = render(
        request,
        "administration/user_one_time_password.html",
        {
            "account": user,
            "password": password,
            "needs_code": needs_second_factor(user),
            "back": reverse("administration_user", args=[user.pk])
            if may_administer(request.user)
            else reverse("school_staff"),
        },
    )
    # The password is a credential: shown once, never cached.
    response["Cache-Control"] = "no-store"
    return response


@policy.guarded
@require_GET
def school_staff(request: HttpRequest) -> HttpResponse:
    """A coordinator's list of the staff at her schools whose password she may reset."""
    if may_administer(request.user):
        return redirect("administration_users")
    if policy.role_of(request.user) != Role.COORDINATOR:
        return render(request, "administration/not_allowed.html", status=403)
    schools = policy.schools_for(request.user)
    people = (
        get_user_model()
        .objects.filter(staff__schools__in=schools, staff__role__in=SCHOOL_ROLES)
        .exclude(pk=request.user.pk)
        .select_related("staff")
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    page = _page(request, people)
    locked = locked_out_usernames([user.username for user in page])
    return render(
        request,
        "administration/school_staff.html",
        {
            "page": page,
            "people": [
                {
                    "user": user,
                    "name": user.get_full_name() or user.username,
                    "role": user.staff.get_role_display(),
                    "teacher": user.staff.role == Role.TEACHER,
                    "locked_out": user.username in locked,
                }
                for user in page
            ],
        },
    )


class SetPasswordView(PasswordResetConfirmView):
    """The page a set-password link opens: the person chooses their own password (the password
    rules apply). Django's reset view checks the token and moves it out of the address into
    the session before the form is shown; saving goes through access.actions.password_set,
    which audits it."""

    template_name = "administration/set_password.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        # A link made before the account was disabled opens nothing.
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        password_set(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("Your password is set. Sign in with your username and your new password."),
        )
        return HttpResponseRedirect(self.get_success_url())


# Public: whoever holds the link may use it, and the page shows only the username of the
# account the link belongs to, which that person needs to sign in.
set_password = policy.public(SetPasswordView.as_view())


# --- schools


@policy.guarded
@data_managers_only
@require_GET
def schools(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = School.objects.select_related("location__parent").annotate(
        active_children=Count("children", filter=Q(children__status=Child.Status.ACTIVE))
    )
    if query:
        found = found.filter(Q(name__icontains=query) | Q(emis_number__startswith=query))
    return render(
        request,
        "administration/schools.html",
        {
            "page": _page(request, found.order_by("name")),
            "q": query,
            "extra": urlencode({"q": query}) if query else "",
        },
    )


# --- imports (decision 0045)

# The checked files waiting for "Import" in this session: {pending id: checksum}.
CHECKED_IMPORTS = "administration_checked_imports"
KEEP_CHECKED = 10


@policy.guarded
@data_managers_only
@never_cache
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    """Step 1: upload and check (a dry run; the file is kept). Step 2: "Import" the kept
    file, all or nothing, or only its rows without errors with a rejects file to download."""
    if request.method == "POST" and "pending" in request.POST:
        return _import_checked(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report, pending = import_upload_check(
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                data=upload.read(),
                by=request.user,
                wave=form.cleaned_data["wave"],
                questionnaire=form.cleaned_data["questionnaire"],
            )
        except TableError as error:
            form.add_error("file", _("CWTT cannot read this file: %(why)s") % {"why": _said(error)})
        else:
            context.update(report=report, pending=pending, summary=report.summary(_, ngettext), rows=report.row_by_row(_))
            if pending is not None:
                kept = request.session.get(CHECKED_IMPORTS, {})
                kept[str(pending.pk)] = pending.checksum
                # The latest few are enough; older ones expire on the server within a day.
                request.session[CHECKED_IMPORTS] = dict(list(kept.items())[-KEEP_CHECKED:])
    return render(request, "administration/imports.html", context)


def _import_checked(request: HttpRequest) -> HttpResponse:
    pending_id = request.POST.get("pending", "")
    checksum = request.session.get(CHECKED_IMPORTS, {}).get(pending_id)
    context: dict = {"form": ImportUploadForm()}
    if checksum is None or not hmac.compare_digest(checksum, request.POST.get("checksum", "")):
        messages.error(
            request,
            _("That checked file is not one this session checked; upload it again and check it."),
        )
        return render(request, "administration/imports.html", context, status=400)
    try:
        report, with_rejects = import_upload_run(
            pending_id=pending_id,
            checksum=checksum,
            keep_good=request.POST.get("action") == "import_good",
            by=request.user,
        )
    except StoredFileRefused as refused:
        messages.error(request, str(refused))
        return render(request, "administration/imports.html", context, status=400)
    except TableError as error:
        messages.error(request, _("CWTT cannot read this file: %(why)s") % {"why": _said(error)})
        return render(request, "administration/imports.html", context, status=400)
    if report.written:
        kept = request.session.get(CHECKED_IMPORTS, {})
        kept.pop(pending_id, None)
        request.session[CHECKED_IMPORTS] = kept
        messages.success(request, report.summary(_, ngettext))
    context.update(report=report, rejects=with_rejects, summary=report.summary(_, ngettext), rows=report.row_by_row(_))
    return render(request, "administration/imports.html", context)


@policy.guarded
@data_managers_only
@require_GET
def import_rejects_download(request: HttpRequest, pending_id) -> HttpResponse:
    found = import_rejects(pending_id=pending_id, by=request.user)
    if found is None:
        raise Http404("No such rejects file")
    name, data = found
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- waves


@policy.guarded
@data_managers_only
@require_GET
def waves(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    found = (
        Wave.objects.select_related("instrument_version__instrument")
        .annotate(school_count=Count("schools", distinct=True))
        .annotate(assessment_count=Count("assessments", distinct=True))
        .order_by("-starts_on", "name")
    )
    rows = []
    for wave in found:
        if wave.starts_on > today:
            state = _("Not started")
        elif wave.ends_on < today:
            state = _("Ended")
        else:
            state = _("Open now")
        rows.append({"wave": wave, "state": state})
    return render(request, "administration/waves.html", {"rows": rows})


def _wave_problems(form: WaveForm, invalid: AssessmentInvalid) -> None:
    for field, message in invalid.errors.items():
        form.add_error(field if field in form.fields else None, message)


@policy.guarded
@data_managers_only
@require_http_methods(["GET", "POST"])
def wave_new(request: HttpRequest) -> HttpResponse:
    form = WaveForm(request.POST or None)
    if not Instrument.objects.exists():
        messages.error(request, _("Publish an instrument first: a wave needs one."))
        return redirect("administration_instruments")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wave = wave_open(
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                instrument_version=data["instrument_version"],
                schools=data["schools"],
                by=request.user,
            )
        except AssessmentInvalid as invalid:
            _wave_problems(form, invalid)
        else:
            messages.success(request, _("%(name)s is open.") % {"name": wave.name})
            return redirect("administration_waves")
    return render(request, "administration/wave_form.html", {"form": form, "wave": None})


@policy.guarded
@data_managers_only
@require_http_methods(["GET", "POST"])
def wave_change_view(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = get_object_or_404(
        Wave.objects.select_related("instrument_version__instrument"), pk=wave_id
    )
    initial = {
        "name": wave.name,
        "starts_on": wave.starts_on,
        "ends_on": wave.ends_on,
        "schools": " ".join(
            wave.schools.order_by("emis_number").values_list("emis_number", flat=True)
        ),
    }
    form = WaveForm(request.POST or None, initial=initial, wave=wave)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = wave_edit(
                wave=wave,
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                schools=data["schools"],
                by=request.user,
            )
        except AssessmentInvalid as invalid:
            _wave_problems(form, invalid)
        else:
            if changed:
                messages.success(request, _("%(name)s is saved.") % {"name": wave.name})
            else:
                messages.success(request, _("Nothing was changed."))
            return redirect("administration_waves")
    return render(request, "administration/wave_form.html", {"form": form, "wave": wave})


# --- instruments


@policy.guarded
@data_managers_only
@require_GET
def instruments(request: HttpRequest) -> HttpResponse:
    found = Instrument.objects.prefetch_related("versions__published_by", "versions__waves")
    return render(request, "administration/instruments.html", {"instruments": found})


def _keep_checked(request: HttpRequest, name: str, data: bytes) -> str | None:
    """Keep a file that passed the check for "Publish"; returns its checksum (None: too big)."""
    if len(data) > KEEP_AT_MOST:
        request.session.pop(CHECKED_INSTRUMENT, None)
        return None
    checksum = hashlib.sha256(data).hexdigest()
    request.session[CHECKED_INSTRUMENT] = {
        "name": name,
        "checksum": checksum,
        "data": base64.b64encode(data).decode("ascii"),
    }
    return checksum


def _checked_file(request: HttpRequest) -> tuple[str, bytes] | None:
    kept = request.session.get(CHECKED_INSTRUMENT)
    if not kept or kept.get("checksum") != request.POST.get("checksum"):
        return None
    return kept["name"], base64.b64decode(kept["data"])


@policy.guarded
@data_managers_only
@never_cache
@require_http_methods(["GET", "POST"])
def instrument_upload(request: HttpRequest) -> HttpResponse:
    form = InstrumentUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method != "POST":
        return render(request, "administration/instrument_upload.html", context)
    action = request.POST.get("action", "check")
    if action == "publish_checked":
        kept = _checked_file(request)
        if kept is None:
            messages.error(request, _("That checked file is no longer here; choose it again."))
            return redirect("administration_instrument_upload")
        name, data = kept
        form = InstrumentUploadForm()
        context["form"] = form
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        name, data = upload.name, upload.read()
    else:
        return render(request, "administration/instrument_upload.html", context)
    context["filename"] = name
    if action == "check":
        result = instrument_check(data=data, filename=name)
        context.update(problems=result.problems, warnings=result.warnings, checked=True)
        if result.ok:
            context["definition"] = result.definition
            context["checksum"] = _keep_checked(request, name, data)
        return render(request, "administration/instrument_upload.html", context)
    try:
        outcome = instrument_file_publish(data=data, filename=name, by=request.user)
    except InstrumentRejected as rejected:
        context.update(problems=rejected.problems, checked=True)
        return render(request, "administration/instrument_upload.html", context)
    request.session.pop(CHECKED_INSTRUMENT, None)
    version = outcome.version
    if outcome.created:
        messages.success(
            request,
            _(
                "Published %(title)s version %(number)s. Waves use it once you choose it for "
                "a new wave."
            )
            % {"title": version.instrument.title, "number": version.number},
        )
    else:
        messages.success(
            request,
            _("This file is the same as %(title)s version %(number)s; nothing new was published.")
            % {"title": version.instrument.title, "number": version.number},
        )
    for warning in outcome.warnings:
        messages.warning(request, warning)
    return redirect("administration_instruments")


@policy.guarded
@data_managers_only
@require_GET
def instrument_source(request: HttpRequest, version_id: int) -> HttpResponse:
    version = InstrumentVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise Http404("No such instrument version")
    response = HttpResponse(bytes(version.source), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, version.source_name)
    return response


def _said(error: Exception) -> str:
    """A file reader's message in the reader's language when it was marked (decision 0062)."""
    said = error.args[0] if len(error.args) == 1 else None
    return answer_messages.translated(said) if isinstance(said, Marked) else str(error)
