"""Getting back in after a forgotten password (docs/access.md, "Forgotten passwords";
decision 0055).

Two ways:

- **By e-mail, by the person themselves.** They give their e-mail address; if an active
  account has it, a link is mailed. The reply is the same whether or not the address is known,
  and requests are throttled per address and per browser. The link — not the address — carries
  the token, which is made by the worker when the mail leaves (after the request's transaction
  commits, through the task queue), so no token is ever stored. It works once and for
  `settings.CWTT_PASSWORD_RESET_MINUTES`.
- **By a coordinator or data manager.** A coordinator may reset the password of staff at her
  schools (never a data manager, an official, a researcher, an administrator, or herself); a
  data manager anyone's but an administrator's and her own. The person gets a one-time password
  and must choose their own at the next sign-in.

Either way the authenticator app stays (a reset never removes the second factor), a disabled
account is refused, the reset is audited without the password, and a sign-in lockout for
the username is lifted once the password is actually reset (not when one is asked for).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import task

from . import policy
from .audit import audit_record
from .models import AuditEntry, PasswordChangeDue
from .roles import SCHOOL_ROLES, Role

# Asking for a reset: at most this many mails to one address, and this many requests from one
# browser (address), in an hour. Enough for a person who mistyped; too few to flood a mailbox.
REQUESTS_PER_ADDRESS = 3
REQUESTS_PER_CLIENT = 10
REQUEST_WINDOW = timedelta(hours=1)
EMAIL_LIMIT = 254  # RFC 5321's longest address; a longer one is refused by the form


class ResetRefused(Exception):
    """The reset may not be done; the message says why in plain words."""


class ResetTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for e-mailed reset links: a salt of their own (a welcome link's token does not
    open a reset, nor the reverse) and a shorter life than the welcome link's three days."""

    key_salt = "cwtt.access.password_reset.ResetTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        try:
            made = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - made
        return age <= settings.CWTT_PASSWORD_RESET_MINUTES * 60


reset_tokens = ResetTokenGenerator()


def _keyed(kind: str, value: str) -> str:
    """A keyed digest, so the audit trail can count requests per address or browser without
    holding the address itself."""
    key = force_bytes(settings.SECRET_KEY)
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def _recent_requests(**detail) -> int:
    since = timezone.now() - REQUEST_WINDOW
    lookups = {f"detail__{k}": v for k, v in detail.items()}
    return AuditEntry.objects.filter(
        object_type="password_reset_request", at__gte=since, **lookups
    ).count()


def password_reset_request(*, email: str, client: str, site: str) -> None:
    """Mail a reset link to each active account with this address, unless throttled.

    Says nothing back: the page answers the same whatever happened here. `client` names the
    browser (its address), `site` is the scheme and host the link starts with (the request's
    host, which Django checks against ALLOWED_HOSTS, so a forged Host header is refused before
    any link is made). The mail leaves after commit, through the task queue
    (`password_reset_mail`)."""
    email = (email or "").strip()
    address, browser = _keyed("address", email.lower()), _keyed("client", client)
    with transaction.atomic():
        throttled = (
            _recent_requests(address=address) >= REQUESTS_PER_ADDRESS
            or _recent_requests(client=browser) >= REQUESTS_PER_CLIENT
        )
        accounts = (
            list(get_user_model().objects.filter(email__iexact=email, is_active=True))
            if email
            else []
        )
        # No actor: whoever typed the address is not known to be its owner. The account a
        # link was asked for is the object.
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor_name="password reset page",
            object_type="password_reset_request",
            object_id=accounts[0].pk if len(accounts) == 1 else "",
            detail={
                "address": address,
                "client": browser,
                "known": bool(accounts),
                "throttled": throttled,
            },
        )
        if throttled:
            return
        for account in accounts:
            transaction.on_commit(
                partial(password_reset_mail.enqueue, account.pk, site), robust=True
            )


@task()
def password_reset_mail(user_id: int, site: str) -> str:
    """Send one reset link. The token is made here, when the mail leaves: it is never stored,
    and an account disabled in between gets no link."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return "no account to mail"
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": reset_tokens.make_token(user),
        },
    )
    minutes = settings.CWTT_PASSWORD_RESET_MINUTES
    send_mail(
        subject=_("CWTT: choose a new password"),
        message=_(
            "Someone asked to reset the password of your CWTT account (username: %(username)s).\n"
            "\n"
            "To choose a new password, open this link within %(minutes)s minutes:\n"
            "%(link)s\n"
            "\n"
            "The link works once. If you did not ask for this, ignore this e-mail: your "
            "password stays as it is. Your authenticator app, if you use one, is still needed "
            "to sign in."
        )
        % {"username": user.username, "minutes": minutes, "link": f"{site}{path}"},
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return "sent"


def _lift_lockout(user) -> int:
    """A reset lifts the sign-in lockout of the username (decision 0055): the person proved
    who they are another way, through their mailbox or to a colleague who knows them."""
    from axes.utils import reset

    return reset(username=user.username)


def password_reset_complete(*, user, password: str) -> None:
    """The person chose a new password through an e-mailed link (the form checked it against
    the password rules). Audited with the person as the actor; the password is not in it."""
    if not user.is_active:
        raise ResetRefused(_("This account is disabled. Ask your data manager."))
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        PasswordChangeDue.objects.filter(user=user).delete()
        lifted = _lift_lockout(user)
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=user,
            object_type="password",
            object_id=user.pk,
            detail={"via": "e-mailed reset link", "lockout_lifted": bool(lifted)},
        )


# --- reset by a coordinator or a data manager


def may_reset_password(by, user) -> bool:
    """Whether `by` may give `user` a one-time password (see the module's docstring)."""
    if not getattr(by, "is_authenticated", False) or by.pk == user.pk or user.is_superuser:
        return False
    role = policy.role_of(by)
    if role == Role.DATA_MANAGER:
        return True
    if role != Role.COORDINATOR:
        return False
    staff = policy.staff_of(user)
    if staff is None or staff.role not in SCHOOL_ROLES:
        return False
    mine = set(policy.schools_for(by).values_list("pk", flat=True))
    return staff.schools.filter(pk__in=mine).exists()


# Letters and digits that cannot be mistaken for each other when read out or copied by hand.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """Twelve readable characters in three groups: about 59 bits, for one sign-in."""
    text = "".join(secrets.choice(_READABLE) for _ in range(12))
    return "-".join(text[i : i + 4] for i in range(0, 12, 4))


def password_reset_by_staff(*, user, by) -> str:
    """Give `user` a one-time password they must change at their next sign-in; returns it (the
    page shows it once). Refused (ResetRefused) for anyone `by` may not reset and for a
    disabled account; nothing changes then. Their sessions end (the password changed) and
    their authenticator app stays."""
    if not may_reset_password(by, user):
        raise ResetRefused(_("You cannot reset this person's password."))
    if not user.is_active:
        raise ResetRefused(
            _("This account is disabled. A data manager enables it first, then resets it.")
        )
    password = one_time_password()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        PasswordChangeDue.objects.update_or_create(
            user=user, defaults={"set_by": by, "set_at": timezone.now()}
        )
        lifted = _lift_lockout(user)
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=by,
            object_type="password",
            object_id=user.pk,
            detail={
                "via": "one-time password from a colleague",
                "role": policy.role_of(by),
                "must_change": True,
                "lockout_lifted": bool(lifted),
            },
        )
    return password


def password_changed_after_reset(*, user) -> None:
    """The person chose their own password in place of the one-time one."""
    with transaction.atomic():
        PasswordChangeDue.objects.filter(user=user).delete()
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=user,
            object_type="password",
            object_id=user.pk,
            detail={"via": "changed after a one-time password"},
        )
