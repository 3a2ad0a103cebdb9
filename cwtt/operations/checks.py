"""`cwtt check --deploy`: what must change before this installation runs on more than one machine
or holds real children's data (docs/deploy.md)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

# How to make each secret, printed with the check (they are also in docs/deploy.md).
HOW_TO_MAKE = {
    "SECRET_KEY": 'python -c "import secrets; print(secrets.token_urlsafe(50))"',
    "CWTT_ENCRYPTION_KEYS": (
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    ),
    "CWTT_PSEUDONYM_KEY": 'python -c "import secrets; print(secrets.token_urlsafe(50))"',
    "CWTT_AUDIT_KEY": 'python -c "import secrets; print(secrets.token_urlsafe(50))"',
}


def secrets_shared_by_every_machine(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Each secret generated in the data directory is an error for a deployment: a second
    machine would generate its own, and read, seal or pseudonymise differently."""
    found: list[checks.CheckMessage] = []
    for name in settings.GENERATED_SECRETS:
        found.append(
            checks.Error(
                f"{name} is not set: it was generated in the data directory "
                f"({settings.DATA_DIR}), so another machine would have a different one.",
                hint=f"Make it once with: {HOW_TO_MAKE[name]}. Set it (or {name}_FILE) the same "
                "on every web process and worker, and keep a copy apart from the backups.",
                id="operations.E001",
            )
        )
    if not settings.PRODUCTION:
        found.append(
            checks.Warning(
                "CWTT_ENV is not production, so missing secrets are generated instead of "
                "stopping start-up.",
                hint="Set CWTT_ENV=production on every web process and worker (docs/deploy.md).",
                id="operations.W001",
            )
        )
    return found
