"""How long reading the default instrument through pyxform takes, step by step.

Not a test: it prints measurements. Run: `.venv/bin/python benchmarks/read_instrument.py
[--repeat 10]`. The steps are those of `cwtt instrument check` and publishing (decision 0040):
pyxform's reader, its JSON form, the XForm it builds, and setting a published version's number
on that XForm (`with_version`), which publishing does instead of building the XForm again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cwtt.instruments.engine.reader import read_instrument  # noqa: E402
from cwtt.instruments.engine.xlsform import (  # noqa: E402
    form_json,
    read_workbook,
    with_version,
    xform_from_json,
)

INSTRUMENT = ROOT / "cwtt" / "instruments" / "data" / "cwtt_default.md"


def timed(step, repeat: int) -> float:
    """Median seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    repeat = parser.parse_args().repeat
    data = INSTRUMENT.read_bytes()
    workbook = read_workbook(data, INSTRUMENT.name)
    form = form_json(workbook, [])
    xform = xform_from_json(form)
    steps = {
        "whole read (check)": lambda: read_instrument(data, INSTRUMENT.name),
        "pyxform reads the file": lambda: read_workbook(data, INSTRUMENT.name),
        "pyxform's JSON form": lambda: form_json(workbook, []),
        "pyxform builds the XForm": lambda: xform_from_json(form),
        "version set on the XForm": lambda: with_version(xform, "12"),
    }
    print(f"{INSTRUMENT.name}: {len(data):,} bytes, median of {repeat} runs")
    for name, step in steps.items():
        print(f"  {name:<28} {timed(step, repeat) * 1000:9.2f} ms")


if __name__ == "__main__":
    main()
