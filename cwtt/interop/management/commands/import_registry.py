"""`cwtt import_registry schools|children FILE [--dry-run]` — the older name of
`cwtt import schools|children FILE`, kept so existing scripts keep working."""

from __future__ import annotations

import importlib

# The module is named for the command, `import`, which Python's own syntax cannot import.
ImportCommand = importlib.import_module("cwtt.interop.management.commands.import").Command


class Command(ImportCommand):
    help = "The older name of `cwtt import`. " + ImportCommand.help
