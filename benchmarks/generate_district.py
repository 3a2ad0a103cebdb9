"""Time `cwtt generate` for a province-sized district: 200 schools x 300 learners x 3 waves.

Not a test: it prints measurements. Runs in a fresh temporary data directory on SQLite, or on
the database in DATABASE_URL if set (it must be an empty, migratable database).
Run: `.venv/bin/python benchmarks/generate_district.py [--schools 200 --learners 300 --waves 3]`.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "CWTT_DATA_DIR": data_dir}
        subprocess.run([*CWTT, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
        subprocess.run(
            [*CWTT, "instrument", "publish", "cwtt/instruments/data/cwtt_default.md"],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        started = time.perf_counter()
        result = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "peak memory %M KB",
                *CWTT,
                "generate",
                "--schools",
                str(args.schools),
                "--learners-per-school",
                str(args.learners),
                "--waves",
                str(args.waves),
                "--seed",
                str(args.seed),
            ],
            check=True,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        print(result.stdout.strip())
        print(result.stderr.strip().splitlines()[-1])
        database = Path(data_dir) / "cwtt.sqlite3"
        if database.exists():
            print(f"database size: {database.stat().st_size / 1e6:,.0f} MB")
        print(
            f"cwtt generate {args.schools} schools x {args.learners} learners x {args.waves} waves: "
            f"{elapsed:.0f} s wall time"
        )


if __name__ == "__main__":
    main()
