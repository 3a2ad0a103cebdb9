"""Encryption at rest for the most sensitive free text (docs/access.md, "Encryption at rest").

`EncryptedTextField` stores a Fernet token (AES-128-CBC with an HMAC-SHA256, from
`cryptography`) instead of the text. The keys are `settings.CWTT_ENCRYPTION_KEYS`: the first
encrypts, every one is tried when decrypting, so a new key can be put in front while old tokens
still open, and `cwtt keys rotate` then re-encrypts everything with it (`rotate_all`).

An encrypted column cannot be searched, compared or usefully ordered in the database: each token
is random, so the same text encrypts differently every time. Lookups other than `isnull` are
refused with a clear error rather than silently matching nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast

SETTING = "CWTT_ENCRYPTION_KEYS"


class UndecryptableValue(Exception):
    """A stored token that no configured key opens. Never shown as if it were text."""


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(f"{SETTING} is empty; it needs at least one Fernet key.")
    fernets = []
    for number, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # Never echo the key itself: it is a secret even when malformed.
            raise ImproperlyConfigured(
                f"Key number {number} in {SETTING} is not a Fernet key (44 characters of "
                "URL-safe base64); make one with `cwtt keys new`."
            ) from None
    return MultiFernet(fernets)


def keys_in_use() -> MultiFernet:
    """The configured keys, read at call time so settings overrides take effect."""
    keys = getattr(settings, SETTING, None)
    if isinstance(keys, str):
        keys = [keys]
    return _multi_fernet(tuple(keys or ()))


def encrypt(text: str) -> str:
    return keys_in_use().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, where: str = "an encrypted field", pk: object = None) -> str:
    try:
        return keys_in_use().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        row = f" (row {pk})" if pk is not None else ""
        raise UndecryptableValue(
            f"A value of {where}{row} cannot be decrypted with any key in {SETTING}; "
            "was a key removed before rotation finished?"
        ) from None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


class EncryptedTextField(models.TextField):
    """Text stored encrypted; read and written as ordinary text in Python.

    Not searchable: filter on other fields, then read the text. Only `isnull` works as a lookup.
    """

    description = "Text encrypted at rest (not searchable)"

    def _where(self) -> str:
        model = getattr(self, "model", None)
        if model is None:
            return self.name or "an encrypted field"
        return f"{model._meta.label}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value, where=self._where())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self._where()} is encrypted and cannot be searched or compared in the database "
            f"('{lookup_name}'); filter on other fields and read the text in Python."
        )


# --- rotation (`cwtt keys rotate`)


def encrypted_fields() -> dict[type[models.Model], list[EncryptedTextField]]:
    """Every concrete encrypted column of every installed model, each table once."""
    found: dict[type[models.Model], list[EncryptedTextField]] = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if fields:
            found[model] = fields
    return found


def _raw_batches(
    model: type[models.Model], fields: Sequence[EncryptedTextField], batch_size: int
) -> Iterator[list[tuple]]:
    """(pk, token, token, ...) rows in primary-key order, one batch at a time.

    Keyset pages rather than QuerySet.iterator(): SQLite gives no isolation between a read
    cursor and writes to the same table on one connection, and we update as we go. The
    columns are cast to plain text so the field does not decrypt them on the way out."""
    raw = {f"_raw_{field.attname}": Cast(field.attname, models.TextField()) for field in fields}
    rows = model._base_manager.annotate(**raw).order_by("pk").values_list("pk", *raw)
    last = None
    while True:
        page = list((rows if last is None else rows.filter(pk__gt=last))[:batch_size])
        if not page:
            return
        yield page
        last = page[-1][0]


def rotate_model(
    model: type[models.Model],
    fields: Sequence[EncryptedTextField],
    *,
    dry_run: bool = False,
    batch_size: int = 500,
    actor_name: str = "command line",
) -> int:
    """Re-encrypt every value of the model's encrypted fields with the first key, in one
    transaction with its audit entry. Returns how many values were (or would be) rotated."""
    from .audit import audit_record
    from .models import AuditEntry

    fernet = keys_in_use()
    count = 0
    with transaction.atomic():
        for page in _raw_batches(model, fields, batch_size):
            changed = []
            for pk, *tokens in page:
                instance = model(pk=pk)
                for field, token in zip(fields, tokens, strict=True):
                    if not token:
                        setattr(instance, field.attname, models.Value(token, models.TextField()))
                        continue
                    try:
                        rotated = fernet.rotate(token.encode("ascii")).decode("ascii")
                    except (InvalidToken, UnicodeEncodeError):
                        raise UndecryptableValue(
                            f"A value of {model._meta.label}.{field.name} (row {pk}) cannot be "
                            f"decrypted with any key in {SETTING}; was a key removed before "
                            "rotation finished?"
                        ) from None
                    # An expression, so bulk_update writes the token as is (not encrypted again).
                    setattr(instance, field.attname, models.Value(rotated, models.TextField()))
                    count += 1
                changed.append(instance)
            if not dry_run:
                model._base_manager.bulk_update(
                    changed, [field.attname for field in fields], batch_size=batch_size
                )
        if count and not dry_run:
            audit_record(
                action=AuditEntry.Action.CHANGE,
                actor_name=actor_name,
                object_type="encryption_keys",
                detail={"counts": {model._meta.label: count}},
            )
    return count


def rotate_all(
    *, dry_run: bool = False, batch_size: int = 500, actor_name: str = "command line"
) -> dict[str, int]:
    """Rotate every encrypted field of every model; one transaction per model."""
    return {
        model._meta.label: rotate_model(
            model, fields, dry_run=dry_run, batch_size=batch_size, actor_name=actor_name
        )
        for model, fields in encrypted_fields().items()
    }
