"""Time `cwtt export panel` (every wave, de-identified) as Parquet and as CSV on a generated
district, with the files' sizes and peak memory.

Not a test: it prints measurements. Runs in a fresh temporary data directory on SQLite.
Run: `.venv/bin/python benchmarks/panel_export.py [--schools 10 --learners 400 --waves 3]`.
Measured (2 cores, SQLite): 10 schools x 400 learners x 3 waves, 9,605 rows of 117 columns:
Parquet 11.5 s and 0.57 MB, CSV 13.7 s and 5.6 MB, each about 4 s of it starting Python and
Django; peak memory under 380 MB.
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


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, env=env, cwd=ROOT, capture_output=True, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--waves", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "CWTT_DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{data_dir}/bench.sqlite3",
        }
        run([*CWTT, "migrate", "-v0"], env)
        run([*CWTT, "instrument", "publish", "cwtt/instruments/data/cwtt_default.md"], env)
        generate = [
            *CWTT,
            "generate",
            "--schools",
            str(args.schools),
            "--learners-per-school",
            str(args.learners),
            "--waves",
            str(args.waves),
            "--seed",
            "1",
        ]
        print(run(generate, env).stdout.strip().splitlines()[-1])
        for name in ("panel.parquet", "panel.csv"):
            output = Path(data_dir) / name
            started = time.perf_counter()
            done = run(
                ["/usr/bin/time", "-f", "peak memory %M KB", *CWTT, "export", "panel"]
                + ["--output", str(output)],
                env,
            )
            seconds = time.perf_counter() - started
            print(done.stdout.strip())
            print(
                f"{name}: {seconds:.1f} s, {output.stat().st_size / 1e6:.2f} MB, "
                f"{done.stderr.strip().splitlines()[-1]}"
            )


if __name__ == "__main__":
    main()
