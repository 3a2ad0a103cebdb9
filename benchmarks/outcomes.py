"""How long `cwtt report outcomes` takes on a district at real size (12 schools of 400
learners, two waves: about 4,800 children a wave and 3,000 services delivered between the
waves), by school and by district, and what it finds (the figures docs/evidence.md quotes come
from the demo district: `--schools 4 --learners 60 --seed 2026`).

Not a test: it prints the shown lines and the time each report took, including Django's
start-up. Runs in a fresh temporary data directory on SQLite.

Run: `.venv/bin/python benchmarks/outcomes.py [--schools 12 --learners 400 --seed 5]`.
"""

from __future__ import annotations

import argparse
import csv
import time

from fresh_cli import fresh_cwtt, wave_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=12)
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    with fresh_cwtt() as (tmp, cwtt):
        print(
            cwtt(
                "generate",
                "--schools",
                str(args.schools),
                "--learners-per-school",
                str(args.learners),
                "--waves",
                "2",
                "--seed",
                str(args.seed),
            )  # fmt: skip
        )
        waves = wave_names(cwtt)
        for by in ("school", "district"):
            out = f"{tmp}/outcomes-{by}.csv"
            started = time.perf_counter()
            cwtt("report", "outcomes", "--from", waves[0], "--to", waves[1], "--by", by,
                 "--output", out)  # fmt: skip
            took = time.perf_counter() - started
            with open(out, newline="", encoding="utf-8") as file:
                rows = list(csv.DictReader(file))
            shown = [r for r in rows if r["difference"]]
            print(f"by {by}: {len(rows)} lines, {len(shown)} shown, {took:.1f} s")
            if by == "district":
                for r in shown:
                    if r["service"] == "all services in this area":
                        print(
                            f"  {r['domain']}, {r['outcome']}: {r['n_treated']} served, "
                            f"{r['n_controls']} comparable; {r['share_treated']} vs "
                            f"{r['share_controls']}, difference {r['difference']} "
                            f"({r['ci_low']} to {r['ci_high']}), p = {r['p_value']}"
                        )


if __name__ == "__main__":
    main()
