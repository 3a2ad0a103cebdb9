"""How long finding a child takes on a province's children (cwtt/registry/search.py).

Not a test: it prints measurements. Fills an empty database with a province-size registry
(default 660,000 children in 2,200 schools, as Gauteng; names drawn from the synthetic
generator's South African names, so common names are very common) with bulk_create, writes
every child's search keys as the registry import does (`ChildSearchKey.write_for`), then times
searches as a teacher (one school) and as the data manager (every school): a name as written, a
misspelt one, swapped names, a name with a class, a class alone and an ID number. Each search
runs several times; the median and slowest are printed, with the number of queries.

Runs in a fresh temporary data directory on SQLite, or on the database in DATABASE_URL if set
(it must be an empty, migratable database, e.g. PostgreSQL).

Run: `.venv/bin/python benchmarks/search.py [--children 660000 --schools 2200 --repeat 7]`.
Filling a province takes about 20 minutes on PostgreSQL; to measure again on the same database
without filling it again, set the same SECRET_KEY (the keys are hashed with it) and add
`--reuse`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy
CWTT = [sys.executable, "-m", "cwtt"]
BATCH = 5000


def migrate(env: dict[str, str]) -> None:
    subprocess.run([*CWTT, "migrate", "-v0"], check=True, env=env, cwd=ROOT)


def fill(children: int, schools: int, seed: int = 7):
    """A province: schools, four classes each, and `children` learners spread evenly."""
    from django.db import transaction

    from cwtt.registry.models import Child, ChildSearchKey, Location, School, SchoolClass

    rng = random.Random(seed)
    province = Location.objects.create(code="BP", name="Bench Province", level="province")
    district = Location.objects.create(
        code="BP-1", name="Bench District", level="district", parent=province
    )
    circuit = Location.objects.create(
        code="BP-1-1", name="Bench Circuit", level="circuit", parent=district
    )
    School.objects.bulk_create(
        [
            School(
                emis_number=f"9{n:08d}", name=f"School {n}", quintile=1 + n % 5, location=circuit
            )
            for n in range(schools)
        ],
        batch_size=BATCH,
    )
    school_ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
    SchoolClass.objects.bulk_create(
        [
            SchoolClass(school_id=s, grade=g, name=f"{g}A", year=2026)
            for s in school_ids
            for g in ("R", "1", "2", "3")
        ],
        batch_size=BATCH,
    )
    classes = {
        (s, n): pk for pk, s, n in SchoolClass.objects.values_list("pk", "school_id", "name")
    }
    started, made = time.perf_counter(), 0
    with transaction.atomic():
        _fill_children(children, school_ids, classes, rng)
    made = Child.objects.count()
    seconds = time.perf_counter() - started
    print(
        f"  filled {made:,} children and {ChildSearchKey.objects.count():,} search keys in "
        f"{seconds:.0f} s ({made / seconds:,.0f} children a second, keys included)"
    )


def _fill_children(children: int, school_ids: list[int], classes: dict, rng) -> None:
    from cwtt.registry.models import Child, ChildSearchKey
    from cwtt.synthetic import names

    for start in range(0, children, BATCH):
        batch = []
        for number in range(start, min(start + BATCH, children)):
            school = school_ids[number % len(school_ids)]
            sex = rng.choice("MF")
            born = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(4 * 365))
            batch.append(
                Child(
                    first_name=rng.choice(names.BOYS if sex == "M" else names.GIRLS),
                    last_name=rng.choice(names.SURNAMES),
                    date_of_birth=born,
                    sex=sex,
                    school_id=school,
                    school_class_id=classes[(school, f"{'R123'[number % 4]}A")],
                    sa_id_number=f"{born:%y%m%d}{number % 10000:04d}08{number % 10}",
                )
            )
        Child.objects.bulk_create(batch, batch_size=BATCH)
        ChildSearchKey.write_for(batch, batch_size=BATCH)


def measure(children: int, schools: int, repeat: int, reuse: bool = False) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cwtt.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cwtt.registry.models import Child, School
    from cwtt.registry.search import find_children

    print(f"{connection.vendor}: {children:,} children in {schools:,} schools")
    if reuse and Child.objects.exists():
        children, schools = Child.objects.count(), School.objects.count()
        print(f"  reusing the {children:,} children already there")
    else:
        fill(children, schools)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    one = Child.objects.order_by("pk")[children // 2]
    first, last = one.first_name, one.last_name
    misspelt = first[:-1] + ("a" if first[-1] != "a" else "e")
    searches = {
        "name as written": f"{first} {last}",
        "first name misspelt": f"{misspelt} {last}",
        "names swapped": f"{last} {first}",
        "surname alone": last,
        "name and class": f"{first} {one.school_class.name}",
        "class alone": one.school_class.name,
        "ID number": one.sa_id_number,
    }
    scopes = {
        "teacher (1 school)": School.objects.filter(pk=one.school_id),
        f"data manager ({schools:,} schools)": School.objects.all(),
    }
    for scope_name, scope in scopes.items():
        print(f"  as a {scope_name}:")
        for label, query in searches.items():
            times, found, queries = [], 0, 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    result = find_children(query=query, schools=scope, identity_allowed=True)
                    times.append(time.perf_counter() - started)
                found, queries = len(result.matches), len(captured)
            hit = "found" if one in result.children else "NOT FOUND"
            print(
                f"    {label:<20} median {statistics.median(times) * 1000:7.1f} ms, "
                f"slowest {max(times) * 1000:7.1f} ms, {queries} queries, {found} shown, "
                f"the child {hit}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=660_000)
    parser.add_argument("--schools", type=int, default=2_200)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with DATABASE_URL: measure the children filled by an earlier run (same SECRET_KEY)",
    )
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        migrate(dict(os.environ))
        measure(args.children, args.schools, args.repeat, reuse=args.reuse)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "CWTT_DATA_DIR": data_dir}
        migrate(env)
        os.environ["CWTT_DATA_DIR"] = data_dir
        measure(args.children, args.schools, args.repeat)


if __name__ == "__main__":
    main()
