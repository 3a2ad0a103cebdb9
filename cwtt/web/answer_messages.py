"""The answer checker's and the file readers' messages in the reader's language (decision 0062).

The checker (cwtt/instruments/engine/validation.py) is plain Python without Django, used by the
API, imports and the command line too, so it writes its messages in English. The capture page
shows them in the page's language: each message the checker writes is matched here and
translated, with the answer it quotes kept as it was. A message not listed stays English.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cwtt.instruments.engine.definition import Marked

_MESSAGES = [
    (re.compile(r"This question needs an answer\."), _("This question needs an answer.")),
    (
        re.compile(r"This question does not apply, given the earlier answers; leave it empty\."),
        _("This question does not apply, given the earlier answers; leave it empty."),
    ),
    (
        re.compile(r"This answer is outside what is allowed here\."),
        _("This answer is outside what is allowed here."),
    ),
    (re.compile(r"This date is in the future\."), _("This date is in the future.")),
    (re.compile(r"Choose one answer\."), _("Choose one answer.")),
    (
        re.compile(r"(?P<answer>.+) is not a whole number\."),
        _("%(answer)s is not a whole number."),
    ),
    (re.compile(r"(?P<answer>.+) is not a number\."), _("%(answer)s is not a number.")),
    (
        re.compile(r"(?P<answer>.+) is not a date \(use YYYY-MM-DD\)\."),
        _("%(answer)s is not a date (use YYYY-MM-DD)."),
    ),
]


def translated(message: str) -> str:
    """The checker's message in the active language, or as it came when it is not listed.
    A message the engine or a file reader marked (`marked(gettext_noop(...))`, decision 0062)
    is translated from its template, with its named values kept as they were (a value that is
    itself marked is translated too)."""
    if isinstance(message, Marked):
        template = gettext(message.template)
        if not message.params:
            return template
        return template % {
            name: translated(value) if isinstance(value, Marked) else value
            for name, value in message.params.items()
        }
    for pattern, translation in _MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            return str(translation) % found.groupdict() if found.groupdict() else str(translation)
    return message
