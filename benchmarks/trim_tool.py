"""The figures docs/instrument.md quotes for calibration and the trimmed tool, on the
fixed-seed district tests/synthetic/test_generate.py uses (6 schools x 80 learners, 3 waves,
seed 2026).

Not a test: it prints what `cwtt instrument check --against` and `cwtt instrument trim` print,
with how long the trim took. Runs in a fresh temporary data directory on SQLite.

Run: `.venv/bin/python benchmarks/trim_tool.py [--schools 6 --learners 80 --waves 3]`.
"""

from __future__ import annotations

import argparse
import time

from fresh_cli import DEFAULT, fresh_cwtt, wave_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=6)
    parser.add_argument("--learners", type=int, default=80)
    parser.add_argument("--waves", type=int, default=3)
    args = parser.parse_args()
    with fresh_cwtt() as (tmp, cwtt):
        cwtt(
            "generate",
            "--schools", str(args.schools),
            "--learners-per-school", str(args.learners),
            "--waves", str(args.waves),
            "--seed", "2026",
        )  # fmt: skip
        waves = wave_names(cwtt)
        for wave in waves:
            out = cwtt("instrument", "check", DEFAULT, "--against", wave)
            print("\n".join(out[out.index("Wave " + wave) :].splitlines()[:10]), "\n")
        started = time.perf_counter()
        out = cwtt("instrument", "trim", "--waves", ",".join(waves), "--output", f"{tmp}/t.xlsx")
        print(out)
        print(f"trim took {time.perf_counter() - started:.1f} s (including Django start-up)")


if __name__ == "__main__":
    main()
