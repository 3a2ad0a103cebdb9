"""How long the WHO growth measure takes per child: over arrays (`growth_many`) and one by one.

Not a test: it prints measurements. Run: `.venv/bin/python benchmarks/growth_columns.py
[--rows 10000 --repeat 7]`. The rows are typical of a school: sex M or F, age 60 to 160 months
(a float), and a height and weight drawn around WHO's curves (z-scores spread as N(0, 1.5)),
so a few children are beyond +/-3 SD and take the restricted adjustment. One by one is what
`BatchScorer._measure_one_by_one` does per child: `growth_from_inputs` on a dict. Times are the
median of `--repeat` runs, after one run that loads the tables; they are CPU time of this
process (the machine is shared).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

from cwtt.instruments.measures.growth import growth_from_inputs, reference_value  # noqa: E402
from cwtt.instruments.measures.growth_columns import growth_many  # noqa: E402


def typical_rows(count: int, seed: int = 5) -> list[tuple[str, float, float, float]]:
    rng = random.Random(seed)
    rows = []
    while len(rows) < count:
        sex, age = rng.choice("MF"), rng.uniform(60, 160)
        height = reference_value("height", sex, age, rng.gauss(0, 1.5))
        bmi = reference_value("bmi", sex, age, rng.gauss(0, 1.5))
        if isinstance(height, float) and isinstance(bmi, float):
            weight = bmi * (height / 100.0) ** 2
            if 38.0 <= height <= 200.0 and 0.9 <= weight <= 150.0:
                rows.append((sex, age, height, weight))
    return rows


def timed(step, repeat: int) -> float:
    """Median CPU seconds of `repeat` runs, after one to warm up."""
    step()
    times = []
    for _ in range(repeat):
        started = time.process_time()
        step()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    rows = typical_rows(args.rows)
    columns = [list(column) for column in zip(*rows, strict=True)]
    _outputs, done = growth_many(*columns)

    def one_by_one() -> None:
        for sex, age, height, weight in rows:
            growth_from_inputs(
                {"sex": sex, "age_months": age, "height_cm": height, "weight_kg": weight}
            )

    many = timed(lambda: growth_many(*columns), args.repeat)
    single = timed(one_by_one, args.repeat)
    print(f"{len(rows):,} typical rows, {done.sum():,} done over arrays")
    print(f"growth_many:             {many / len(rows) * 1e6:6.2f} µs per row")
    print(f"one by one (per dict):   {single / len(rows) * 1e6:6.2f} µs per row")
    print(f"speed-up:                {single / many:6.1f}x")


if __name__ == "__main__":
    main()
