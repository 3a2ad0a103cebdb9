"""The figures docs/instrument.md quotes for calibration and the trimmed tool, on the
fixed-seed district tests/synthetic/test_generate.py uses (6 schools x 80 learners, 3 waves,
seed 2026).

Not a test: it prints what `cwtt instrument check --against` and `cwtt instrument trim` print,
with how long the trim took. Runs in a fresh temporary data directory on SQLite.

Run: `.venv/bin/python benchmarks/trim_tool.py [--schools 6 --learners 80 --waves 3]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CWTT = [sys.executable, "-m", "cwtt"]
DEFAULT = "cwtt/instruments/data/cwtt_default.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=6)
    parser.add_argument("--learners", type=int, default=80)
    parser.add_argument("--waves", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CWTT_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        }

        def cwtt(*command: str) -> str:
            done = subprocess.run(
                [*CWTT, *command], check=True, env=env, cwd=ROOT, capture_output=True, text=True
            )
            return done.stdout

        cwtt("migrate", "-v0")
        cwtt("instrument", "publish", DEFAULT)
        cwtt(
            "generate",
            "--schools", str(args.schools),
            "--learners-per-school", str(args.learners),
            "--waves", str(args.waves),
            "--seed", "2026",
        )  # fmt: skip
        waves = [line.split(":")[0] for line in cwtt("wave", "list").splitlines() if ":" in line]
        for wave in waves:
            out = cwtt("instrument", "check", DEFAULT, "--against", wave)
            print("\n".join(out[out.index("Wave " + wave) :].splitlines()[:10]), "\n")
        started = time.perf_counter()
        out = cwtt("instrument", "trim", "--waves", ",".join(waves), "--output", f"{tmp}/t.xlsx")
        print(out)
        print(f"trim took {time.perf_counter() - started:.1f} s (including Django start-up)")


if __name__ == "__main__":
    main()
