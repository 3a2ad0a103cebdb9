"""Queries and time per page at 40, 160 and 400 learners per school.

Not a test: it prints a table. For each size it builds a two-school synthetic district with
every proposed case at the demo school under way (tests/sizing.py: cases in every state,
referrals in every state, services, meetings, notes), opens every list, dashboard, worklist and
agenda page as the demo account that uses it, and prints the queries and milliseconds of the
second opening (the first fills per-process caches). Each size is built inside a transaction
that is rolled back, so the sizes do not add up. The query counts must not change with the size
(tests/web/test_query_counts.py holds them to it at 16 and 48 learners); the times show what
the database work per row still costs.

Runs in a fresh temporary data directory on SQLite (or the empty database in DATABASE_URL).
Run: `.venv/bin/python benchmarks/page_queries.py [--sizes 40 160 400] [--pages caseloads ...]`.
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


def prepare(env: dict[str, str]) -> None:
    for command in (
        ["migrate", "-v0"],
        ["instrument", "publish", "cwtt/instruments/data/cwtt_default.md"],
    ):
        subprocess.run([*CWTT, *command], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def measure(sizes: list[int], wanted: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cwtt.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.test.utils import setup_test_environment

    from tests.sizing import PAGES, build_school, measure_page

    setup_test_environment()
    names = wanted or list(PAGES)
    results: dict[int, dict] = {}
    for learners in sizes:
        started = time.perf_counter()
        with transaction.atomic():
            world = build_school(learners)
            built = time.perf_counter() - started
            print(
                f"{learners} learners: built in {built:.0f} s; {world.cases} cases, "
                f"{world.referrals} referrals at the demo school",
                flush=True,
            )
            clients: dict = {}
            results[learners] = {name: measure_page(world, name, clients) for name in names}
            transaction.set_rollback(True)
        Path(settings.CWTT_AUDIT_CHECKPOINTS).unlink(missing_ok=True)

    width = max(len(name) for name in names)
    header = "".join(f"{f'{n} learners':>22}" for n in sizes)
    print(f"\n{'page':<{width}}{header}")
    print(f"{'':<{width}}" + "".join(f"{'queries':>12}{'ms':>10}" for _ in sizes))
    for name in names:
        cells = []
        for learners in sizes:
            m = results[learners][name]
            mark = "" if m.status == 200 else f" ({m.status})"
            cells.append(f"{m.queries:>12}{m.seconds * 1000:>10.0f}{mark}")
        counts = {results[n][name].queries for n in sizes}
        flag = "" if len(counts) == 1 else "   <- grows"
        print(f"{name:<{width}}{''.join(cells)}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 160, 400])
    parser.add_argument("--pages", nargs="*", default=[], help="only these pages (names)")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        prepare(dict(os.environ))
        measure(args.sizes, args.pages)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "CWTT_DATA_DIR": data_dir}
        prepare(env)
        os.environ["CWTT_DATA_DIR"] = data_dir
        measure(args.sizes, args.pages)


if __name__ == "__main__":
    main()
