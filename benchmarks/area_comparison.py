"""How long the area dashboard's comparison takes to protect: one wave's table of a district's
schools, with a sum row per circuit, per school quintile and for the whole district
(cwtt/access/suppression.py `publish` with `groups`; cwtt/dashboards/area.py `compare_waves`).

Not a test: it prints measurements. The comparison is worked out by the worker once a day
(decision 0038), and on the first look at a place with no stored figures; it is never worked
out while a filter is chosen (decision 0052). Random tables, a tenth of the schools tiny and
about a third of the cells small, so that many cells are hidden and the secondary step has work.

Run: `.venv/bin/python benchmarks/area_comparison.py [--schools 20 60 120] [--circuits 6]`.
"""

from __future__ import annotations

import argparse
import random
import time

from cwtt.access.suppression import publish

COLUMNS = 7  # six areas of wellbeing and "any area"


def table(schools: int, circuits: int, seed: int):
    chance = random.Random(seed)
    ns = [
        chance.randint(0, 400) if chance.random() > 0.1 else chance.randint(0, 6)
        for _ in range(schools)
    ]
    counts = [
        [
            chance.randint(0, n) if chance.random() > 0.3 else chance.randint(0, min(n, 4))
            for _ in range(COLUMNS)
        ]
        for n in ns
    ]
    quintile = [chance.randint(1, 5) for _ in range(schools)]
    groups = [[i for i in range(schools) if i % circuits == c] for c in range(circuits)]
    groups += [[i for i in range(schools) if quintile[i] == q] for q in range(1, 6)]
    return counts, ns, groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, nargs="+", default=[20, 60])
    parser.add_argument("--circuits", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    for schools in args.schools:
        times, hidden = [], 0
        for seed in range(args.seeds):
            counts, ns, groups = table(schools, args.circuits, seed)
            started = time.perf_counter()
            result = publish(counts, ns, k=5, base=5, total_row=True, groups=groups)
            times.append(time.perf_counter() - started)
            hidden += sum(c.hidden for row in result.rows for c in row.cells)
        print(
            f"{schools} schools, {args.circuits} circuits, 5 quintiles, {COLUMNS} columns: "
            f"{min(times):.2f} s best, {max(times):.2f} s worst of {args.seeds} tables "
            f"({hidden / args.seeds:.0f} school cells hidden on average)"
        )


if __name__ == "__main__":
    main()
