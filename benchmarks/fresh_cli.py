"""A fresh CWTT for benchmarks that time the command line: a temporary data directory and
SQLite database, migrated, with the default instrument published, and a runner for `cwtt`
commands in it (each a new process, as a person types them)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = "cwtt/instruments/data/cwtt_default.md"


@contextmanager
def fresh_cwtt() -> Iterator[tuple[str, Callable[..., str]]]:
    """(the temporary folder, a runner: `cwtt("wave", "list")` gives what it printed)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CWTT_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        }

        def cwtt(*command: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "cwtt", *command],
                check=True, env=env, cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip
            return done.stdout

        cwtt("migrate", "-v0")
        cwtt("instrument", "publish", DEFAULT)
        yield tmp, cwtt


def wave_names(cwtt: Callable[..., str]) -> list[str]:
    """The waves `cwtt wave list` names, oldest first."""
    return [line.split(":")[0] for line in cwtt("wave", "list").splitlines() if ":" in line]
