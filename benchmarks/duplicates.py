"""How fast duplicate children are found on a district of 60,000 children.

Not a test: it prints measurements. Two parts:

1. In memory (cwtt/registry/duplicates.py alone): a generated district of `--children`
   children with 10% registered a second time (cwtt/synthetic/near_duplicates.py); times the
   preparation (names folded, phonetic codes), the blocking, and the scoring of the candidate
   pairs, and prints how many pairs blocking leaves against all pairs, with precision and
   recall at the review threshold.
2. Through the database, as an import does it: the district's children (with a caregiver each)
   stored in a fresh database, then `queue_possible_duplicates` for the last 600 of them — a
   new class list arriving — timed, with its query count.

Runs in a fresh temporary data directory on SQLite, or on the database in DATABASE_URL if set
(it must be an empty, migratable database).

Run: `.venv/bin/python benchmarks/duplicates.py [--children 60000] [--new 600]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy


def in_memory(children: int) -> None:
    from cwtt.registry import duplicates
    from cwtt.synthetic.near_duplicates import near_duplicate_set

    generated = near_duplicate_set(children=children, seed=12)
    records = generated.records
    n = len(records)
    started, cpu = time.perf_counter(), time.process_time()
    prepared = duplicates.prepare(records)
    prepared_at = time.perf_counter()
    pairs = duplicates.candidate_pairs(prepared)
    blocked_at = time.perf_counter()
    prior = duplicates.prior_weight(n)
    found = set()
    for i, j in pairs:
        match = duplicates.compare(prepared[i], prepared[j], prior=prior)
        if match.probability >= duplicates.REVIEW_AT:
            found.add((match.a, match.b))
    scored_at, cpu = time.perf_counter(), time.process_time() - cpu
    right = len(found & generated.truth)
    print(f"In memory: {n:,} records ({children:,} children, {len(generated.truth):,} twice)")
    print(
        f"  prepare {prepared_at - started:.2f} s, block {blocked_at - prepared_at:.2f} s, "
        f"score {scored_at - blocked_at:.2f} s; total {scored_at - started:.2f} s wall, "
        f"{cpu:.2f} s CPU (the machine may be shared: CPU time is the steadier figure)"
    )
    print(
        f"  {len(pairs):,} candidate pairs of {n * (n - 1) // 2:,} possible "
        f"({len(pairs) / n:.1f} per record); {len(pairs) / (scored_at - blocked_at):,.0f} "
        "pairs scored a second"
    )
    print(
        f"  at the review threshold {duplicates.REVIEW_AT}: {len(found):,} proposed, "
        f"precision {right / max(1, len(found)):.3f}, recall {right / len(generated.truth):.3f}"
    )


def through_the_database(children: int, new: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cwtt.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cwtt.registry.actions import queue_possible_duplicates
    from cwtt.registry.models import (
        Caregiver,
        Child,
        ChildCaregiver,
        Household,
        Location,
        PossibleDuplicate,
        School,
    )
    from cwtt.synthetic.near_duplicates import near_duplicate_set

    generated = near_duplicate_set(children=children, seed=12)
    records = sorted(generated.records, key=lambda r: r.id)
    province = Location.objects.create(code="BP", name="Bench Province", level="province")
    district = Location.objects.create(
        code="BP-D", name="Bench District", level="district", parent=province
    )
    circuit = Location.objects.create(
        code="BP-D-1", name="Bench Circuit", level="circuit", parent=district
    )
    schools = {
        number: School.objects.create(
            emis_number=f"7{number:08d}", name=f"School {number}", quintile=2, location=circuit
        )
        for number in sorted({r.school_id for r in records})
    }
    started = time.perf_counter()
    rows = [
        Child(
            pk=r.id,
            first_name=r.first_name,
            last_name=r.last_name,
            date_of_birth=r.date_of_birth,
            sex=r.sex,
            school=schools[r.school_id],
        )
        for r in records
    ]
    Child.objects.bulk_create(rows, batch_size=2000)
    households = Household.objects.bulk_create(
        [Household(address="") for _ in records], batch_size=2000
    )
    carers = Caregiver.objects.bulk_create(
        [
            Caregiver(
                household=h,
                first_name=(r.caregiver_names or ("Unknown Person",))[0].split(" ", 1)[0],
                last_name=(r.caregiver_names or ("Unknown Person",))[0].split(" ", 1)[-1],
                phone=(r.caregiver_phones or ("",))[0],
            )
            for h, r in zip(households, records, strict=True)
        ],
        batch_size=2000,
    )
    ChildCaregiver.objects.bulk_create(
        [
            ChildCaregiver(child_id=r.id, caregiver=c, relation="mother", is_primary=True)
            for c, r in zip(carers, records, strict=True)
        ],
        batch_size=2000,
    )
    print(
        f"Database ({connection.vendor}): stored {len(records):,} children with caregivers in "
        f"{time.perf_counter() - started:.1f} s"
    )
    arriving = rows[-new:]
    wall, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        queued = queue_possible_duplicates(children=arriving, found_by="import")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    truth = {pair for pair in generated.truth if pair[1] in {c.pk for c in arriving}}
    found = set(PossibleDuplicate.objects.values_list("child_a_id", "child_b_id"))
    print(
        f"  an import of {new} new children, matched against the district: {wall:.2f} s wall "
        f"({cpu:.2f} s CPU in this process), "
        f"{len(queries)} queries; {queued} pairs queued, {len(found & truth)} of the "
        f"{len(truth)} second registrations among them found"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=60_000)
    parser.add_argument("--new", type=int, default=600)
    args = parser.parse_args()
    in_memory(args.children)
    if os.environ.get("DATABASE_URL"):
        subprocess.run([sys.executable, "-m", "cwtt", "migrate", "-v0"], check=True, cwd=ROOT)
        through_the_database(args.children, args.new)
    else:
        with tempfile.TemporaryDirectory() as data_dir:
            os.environ["CWTT_DATA_DIR"] = data_dir
            subprocess.run(
                [sys.executable, "-m", "cwtt", "migrate", "-v0"],
                check=True,
                cwd=ROOT,
                env={**os.environ},
            )
            through_the_database(args.children, args.new)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (this process): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
