"""Time and peak memory of a dry run of `cwtt import children` on a large workbook.

Not a test: it prints measurements. It writes a class-list workbook of --rows rows (default
300,000; about 15 MB zipped, as every name differs) for the sample schools, then runs the dry run in a fresh SQLite
data directory under /usr/bin/time. With the default CWTT_IMPORT_MAX_ROWS (100,000) the import
streams the sheet and refuses the file at row 100,002, so the cost is bounded by the limit, not
by the file. Pass --rows 100000 to time a full check of a file at the limit.
Run: `.venv/bin/python benchmarks/import_large_xlsx.py [--rows 300000]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
CWTT = [sys.executable, "-m", "cwtt"]
SCHOOLS = ROOT / "docs" / "samples" / "schools.csv"
HEADER = [
    "school_emis",
    "class_name",
    "grade",
    "year",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "caregiver_first_name",
    "caregiver_last_name",
    "caregiver_relation",
    "address",
]
FIRST = ["Anele", "Sipho", "Naledi", "Lwazi", "Ayanda", "Thabo", "Zanele", "Lerato", "Kagiso"]
LAST = ["Dlamini", "Mokoena", "Zulu", "Nkosi", "Khumalo", "Ndlovu", "Mahlangu", "Mthembu"]


def write_workbook(path: Path, rows: int, seed: int) -> None:
    chance = random.Random(seed)
    emis = [line.split(",")[0] for line in SCHOOLS.read_text().splitlines()[1:]]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("children")
    sheet.append(HEADER)
    for n in range(rows):
        grade = chance.choice("R123")
        born = dt.date(2018, 1, 1) + dt.timedelta(days=chance.randrange(4 * 365))
        last = chance.choice(LAST)
        sheet.append(
            [
                int(chance.choice(emis)),
                f"{grade}{chance.choice('ABC')}",
                grade,
                2026,
                f"{chance.choice(FIRST)} {n}",
                last,
                dt.datetime(born.year, born.month, born.day),
                chance.choice("MF"),
                chance.choice(FIRST),
                last,
                "mother",
                f"{n % 5000} Sample Street",
            ]
        )
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "CWTT_DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{data_dir}/cwtt.sqlite3",
        }
        workbook = Path(data_dir) / "children.xlsx"
        started = time.perf_counter()
        write_workbook(workbook, args.rows, args.seed)
        print(
            f"wrote {args.rows:,} rows: {workbook.stat().st_size / 2**20:.1f} MB in "
            f"{time.perf_counter() - started:.1f} s"
        )
        for setup in (["migrate", "-v0"], ["import", "schools", str(SCHOOLS)]):
            subprocess.run([*CWTT, *setup], check=True, env=env, cwd=ROOT, capture_output=True)
        started = time.perf_counter()
        result = subprocess.run(
            [
                "/usr/bin/time",
                "-f",
                "peak memory %M KB",
                *CWTT,
                "import",
                "children",
                str(workbook),
                "--dry-run",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        peak = re.search(r"peak memory (\d+) KB", result.stderr)
        # Django's system-check warnings also go to stderr; the refusal is the CommandError.
        refusals = [line for line in result.stderr.splitlines() if "CommandError" in line]
        said = refusals[0] if refusals else (result.stdout.strip().splitlines() or [""])[-1]
        print(f"dry run: exit status {result.returncode} in {seconds:.1f} s")
        print(f"peak memory: {int(peak.group(1)) / 1024:.0f} MB" if peak else result.stderr)
        print(f"it said: {said[:400]}")


if __name__ == "__main__":
    main()
