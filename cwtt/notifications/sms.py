"""Text messages, through a pluggable backend named by settings.CWTT_SMS_BACKEND.

The demo prints each message to the console. A real deployment points the setting at a class
with the same `send(to, text)` method that talks to its SMS gateway. Messages carry no child's
name (see cwtt/notifications/actions.py), so a message on a shared phone gives nothing away.
"""

from __future__ import annotations

import sys
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string


class ConsoleSMSBackend:
    """Prints messages instead of sending them (the demo and development)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream

    def send(self, to: str, text: str) -> None:
        print(f"SMS to {to}: {text}", file=self.stream or sys.stdout, flush=True)


class MemorySMSBackend:
    """Keeps messages in `outbox`, for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        self.outbox.append((to, text))


@lru_cache(maxsize=4)
def _backend_class(path: str):
    return import_string(path)


def send_sms(to: str, text: str) -> None:
    _backend_class(settings.CWTT_SMS_BACKEND)().send(to, text)
