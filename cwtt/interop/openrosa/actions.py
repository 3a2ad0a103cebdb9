"""Writes for the OpenRosa server: adding and revoking device keys (decision 0042). Each runs in
one transaction and writes its audit entry. Submissions become assessments through
`cwtt.assessments.actions.assessment_save` (cwtt/interop/openrosa/submission.py)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.interop.models import DeviceKey


class DeviceKeyError(Exception):
    """The key cannot be added or revoked; the message says why in plain words."""


@dataclass(frozen=True)
class NewDeviceKey:
    device: DeviceKey
    key: str  # shown once, never stored


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def device_add(*, username: str, name: str, by=None) -> NewDeviceKey:
    """A new key for the person's phone. The key itself is returned once and only its hash
    is kept, so a lost key is revoked and replaced, never shown again."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise DeviceKeyError(_("There is no account named '%(name)s'.") % {"name": username})
    if not user.is_active:
        raise DeviceKeyError(
            _("The account '%(name)s' is disabled; enable it before adding a phone.")
            % {"name": username}
        )
    name = name.strip() or _("Phone")
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = DeviceKey.objects.create(
            user=user,
            name=name[:80],
            key_hash=key_hash(key),
            hint=key[:6],
            created_at=timezone.now(),
        )
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=by,
            object_type="device_key",
            object_id=device.pk,
            detail={"for": user.get_username(), "name": device.name},
        )
    return NewDeviceKey(device, key)


def device_revoke(*, device_id: int, by=None) -> DeviceKey:
    """Stop the key working at once. Revoking a revoked key changes nothing."""
    with transaction.atomic():
        device = (
            DeviceKey.objects.select_for_update()
            .select_related("user")
            .filter(pk=device_id)
            .first()
        )
        if device is None:
            raise DeviceKeyError(_("There is no device key number %(id)s.") % {"id": device_id})
        if device.revoked_at is not None:
            return device
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=by,
            object_type="device_key",
            object_id=device.pk,
            detail={"for": device.user.get_username(), "name": device.name, "revoked": True},
        )
    return device


def device_used(*, device: DeviceKey) -> None:
    """A phone signed in with its key: audited like any sign-in, and the key's last use kept
    for `cwtt device list`."""
    now = timezone.now()
    DeviceKey.objects.filter(pk=device.pk).update(last_used_at=now)
    audit_record(
        action=AuditEntry.Action.SIGN_IN,
        actor=device.user,
        object_type="device_key",
        object_id=device.pk,
        detail={"via": "device key (OpenRosa)"},
    )
