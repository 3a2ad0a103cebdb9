"""How fast `cwtt rescore` recomputes a district's risk profiles, end to end.

Not a test: it prints measurements. Target (issue #11): at least 20,000 profiles a second per
core, end to end (reading assessments, scoring, writing profiles), not only in memory.
Runs in a fresh temporary data directory on SQLite, or on the database in DATABASE_URL if set
(it must be an empty, migratable database, e.g. PostgreSQL). Generates a synthetic district,
then times two full rescores through `rescore_start` + `rescore_run` (what the command runs):

- "first rescore": right after generating, every profile is read and recomputed, and written
  back, since the generator stores the full details and a rescore stores which rules fired
  (docs/decisions/0060-profiles-store-which-rules-fired.md); it includes compiling the
  version's rules, once per process;
- "nothing changed": every profile is read and recomputed, and none needs writing (the common
  case of running it twice, or after a version that changes nothing);
- "every profile changed" (twice, since the machine is shared): each profile's details are
  blanked first, so every one is recomputed and written back (the case after publishing a
  version that changes every profile). This is the figure that counts.

The rate is per CPU second of this process (the machine is shared, so wall time says little);
on PostgreSQL running on this machine the server process's CPU time is printed too, since
reading and writing jsonb is work the server does for the rescore.

Run: `.venv/bin/python benchmarks/rescore.py [--schools 10 --learners 400 --waves 2]`.
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
CWTT = [sys.executable, "-m", "cwtt"]
TARGET = 20_000


def prepare(env: dict[str, str], schools: int, learners: int, waves: int) -> None:
    for command in (
        ["migrate", "-v0"],
        ["instrument", "publish", "cwtt/instruments/data/cwtt_default.md"],
        [
            "generate",
            "--schools",
            str(schools),
            "--learners-per-school",
            str(learners),
            "--waves",
            str(waves),
            "--seed",
            "11",
        ],
    ):
        subprocess.run([*CWTT, *command], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def database_server_cpu(connection) -> float | None:
    """CPU seconds used so far by the PostgreSQL server process serving this connection, when
    it runs on this machine (None on SQLite, which works inside this process, or when the
    server is elsewhere): reading jsonb and writing it back is work too, done by the server."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(batch_size: int | None) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cwtt.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cwtt.assessments.models import Assessment, RiskProfile
    from cwtt.assessments.rescoring import BATCH_SIZE, rescore_run, rescore_start

    batch_size = batch_size or BATCH_SIZE

    vendor = connection.vendor
    profiles = RiskProfile.objects.count()
    assessments = Assessment.objects.filter(status__in=["submitted", "verified"]).count()
    print(
        f"{vendor}: {profiles:,} profiles from {assessments:,} counting assessments, "
        f"batches of {batch_size}"
    )
    for label, prepare_step in (
        ("first rescore (full details stored in the fired-rules form)", None),
        ("nothing changed", None),
        ("every profile changed", lambda: RiskProfile.objects.update(details={})),
        ("every profile changed, again", lambda: RiskProfile.objects.update(details={})),
    ):
        if prepare_step is not None:
            prepare_step()
        server = database_server_cpu(connection)
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            run = rescore_run(rescore_start(restart=True).pk, batch_size=batch_size)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rate = run.done / cpu
        verdict = "meets" if rate >= TARGET else f"{rate / TARGET:.0%} of"
        print(
            f"  {label}: {run.done:,} profiles ({run.changed:,} written) in {wall:.2f} s wall "
            f"({run.done / wall:,.0f}/s on this shared machine), {len(queries):,} queries; "
            f"{cpu:.2f} s CPU in this process: {rate:,.0f} profiles per CPU second "
            f"({verdict} the {TARGET:,}/s per core target)"
        )
        if server is not None:
            server = database_server_cpu(connection) - server
            print(
                f"    and {server:.2f} s CPU in the PostgreSQL server process: "
                f"{run.done / (cpu + server):,.0f} profiles per CPU second of both"
            )
    reading_cost(RiskProfile)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (this process): {peak_mb:,.0f} MB")


def reading_cost(RiskProfile) -> None:
    """What reading every profile's details costs (as the evidence reports do): stored as which
    rules fired (after a rescore), the details are written out when read; then the same
    details stored in full (as `risk_profile_recompute` stores them) and read again."""
    cpu = time.process_time()
    details = dict(RiskProfile.objects.values_list("id", "details"))
    short = (time.process_time() - cpu) / len(details) * 1e6
    RiskProfile.objects.bulk_update(
        [RiskProfile(id=pk, details=value) for pk, value in details.items()],
        ["details"],
        batch_size=500,
    )
    cpu = time.process_time()
    again = dict(RiskProfile.objects.values_list("id", "details"))
    full = (time.process_time() - cpu) / len(again) * 1e6
    assert again == details
    print(
        f"  reading every profile's details: {short:,.0f} µs a profile stored as which rules "
        f"fired, {full:,.0f} µs stored in full"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--batch-size", type=int, help="pairs per batch (default: cwtt's)")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        prepare(dict(os.environ), args.schools, args.learners, args.waves)
        measure(args.batch_size)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "CWTT_DATA_DIR": data_dir}
        prepare(env, args.schools, args.learners, args.waves)
        os.environ["CWTT_DATA_DIR"] = data_dir
        measure(args.batch_size)


if __name__ == "__main__":
    main()
