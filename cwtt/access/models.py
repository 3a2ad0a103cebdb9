"""The audit trail: append-only, each entry sealed with a key the database does not hold, and
chained in batches by `audit_seal` (decision 0026), so an edited, forged or deleted entry is
detectable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        SIGN_OUT = "sign_out", _("Signed out")
        EMERGENCY_ACCESS = "emergency_access", _("Opened in an emergency")
        LEGAL_DUTY = "legal_duty", _("Shared under a legal duty")
        REFUSED = "refused", _("Refused")

    # Position in the sealed chain: 1, 2, 3 ... with no gaps, given by `audit_seal` (None until
    # then), so that writers never wait on each other for a number. Insertion order is the id.
    sequence = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The username as typed, for failed sign-ins where there may be no such user.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)  # e.g. "child", "assessment"
    object_id = models.CharField(max_length=64, blank=True)
    child_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict)  # before/after, purpose, file name ...
    # SHA-256 of the detail; the seal covers this digest, not the detail itself, so that the
    # detail can be erased under the child's right to erasure without breaking the seal.
    detail_digest = models.CharField(max_length=64, blank=True)
    detail_erased_at = models.DateTimeField(null=True, blank=True)
    # Random, so that a copy of an entry is told apart from two alike entries.
    nonce = models.CharField(max_length=32, blank=True)
    # HMAC-SHA256 of the entry's content under CWTT_AUDIT_KEY, written with the entry.
    mac = models.CharField(max_length=64, blank=True)
    # HMAC of the previous entry's chain_hash and this entry's mac, written by `audit_seal`.
    chain_hash = models.CharField(max_length=64, blank=True)
    # The unkeyed SHA-256 chain of entries written before decision 0026 (kept as written; the
    # first seal checks it, then seals those entries like any other).
    previous_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        # For the break-the-glass throttle: one person's recent refusals.
        indexes = [models.Index(fields=["actor", "action", "at"], name="audit_actor_action_at")]

    def __str__(self) -> str:
        return f"#{self.sequence or '-'} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit entries are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only and cannot be deleted.")


class AuditHead(models.Model):
    """One row: the sealed chain's length and last chain hash. Only `audit_seal` locks it, so
    audited writes never wait on it (decision 0026). The checkpoint file outside the database,
    not this row, is the authority on how long the chain was."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    length = models.PositiveBigIntegerField(default=0)
    sealed_at = models.DateTimeField(null=True, blank=True)
    # Which key sealed the chain (a short HMAC, not the key); empty before the first seal.
    key_id = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"audit chain of {self.length}"


class EmergencyAccess(models.Model):
    """Break the glass: a social worker opens a child outside their schools in an emergency.

    Lasts a limited time (settings.CWTT_EMERGENCY_ACCESS_HOURS), is audited, and is notified to
    the person's supervisor. Reads made through it are marked in the audit trail.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    child = models.ForeignKey(
        "registry.Child", on_delete=models.CASCADE, related_name="emergency_accesses"
    )
    reason = models.TextField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    supervisor_notified = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "child", "expires_at"])]
        verbose_name_plural = "emergency accesses"

    def __str__(self) -> str:
        return f"emergency access to child {self.child_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class PasswordChangeDue(models.Model):
    """The person signs in with a one-time password a coordinator or data manager gave them
    and must choose their own before any other page (cwtt/access/password_reset.py; decision
    0055). Removed when they do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="password_change_due",
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"password change due for user {self.user_id}"
