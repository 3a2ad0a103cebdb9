"""Who must confirm a sign-in with a code from an authenticator app (TOTP), and what the set-up
page shows (docs/access.md, "Signing in"; decision 0011).

Who needs the code is computed from the sensitivity matrix (sensitivity.READS), not listed by
hand: every role that reads protection or case-note detail needs it, so giving a role those
classes in the matrix also makes its people use a second factor. Data managers and
super-users need it too, as they administer accounts and see every school.
"""

from __future__ import annotations

import time
from base64 import b32encode

import segno
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import sensitivity
from .roles import Role

# Detail whose disclosure could put a child in danger: abuse, neglect and case work.
GUARDED_CLASSES = frozenset({"protection", "case_notes"})


def roles_needing_second_factor() -> frozenset[str]:
    # Read from the matrix on every call, so a change to READS changes who needs a code.
    readers = {role for role, classes in sensitivity.READS.items() if classes & GUARDED_CLASSES}
    return frozenset(readers | {Role.DATA_MANAGER})


def role_needs_second_factor(role: str | None) -> bool:
    return role in roles_needing_second_factor()


def needs_second_factor(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    from .policy import role_of

    return role_needs_second_factor(role_of(user))


def confirmed_device(user) -> TOTPDevice | None:
    """The authenticator app the user has set up, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice | None:
    """The authenticator app being set up: created on the set-up page, confirmed by a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


def code_now(device: TOTPDevice, at: float | None = None) -> str:
    """The code the person's authenticator app shows at `at` (now by default), as a string
    of the device's length. For the demo's code command and for tests that sign in."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def key_for_typing(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it when typed (base 32), in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The set-up link as an inline SVG QR code, drawn here: the secret never leaves the
    server for a third-party QR service, and the page needs no image request."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, title=_("QR code to scan with your authenticator app")
    )
