"""Offline work at scale: the size and build time of a phone's pack, and records synced per
second, for a field worker assigned to several large schools.

Not a test: it prints measurements. Runs in a fresh temporary data directory on SQLite (or the
empty database in DATABASE_URL): generates a district, gives a field worker the first schools,
builds the pack, then sends finished caregiver questionnaires through the sync endpoint.
Run: `.venv/bin/python benchmarks/offline_work.py [--schools 5 --learners 300 --records 200]`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CWTT = [sys.executable, "-m", "cwtt"]


def prepare(env: dict[str, str], schools: int, learners: int) -> None:
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
            "1",
            "--seed",
            "7",
        ],
    ):
        subprocess.run([*CWTT, *command], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def measure(records: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cwtt.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from cwtt.access.roles import Role
    from cwtt.assessments.models import Assessment, Wave
    from cwtt.registry.models import Organisation, School, Staff

    setup_test_environment()
    user = get_user_model().objects.create_user("bench-fieldworker", password="x" * 16)
    organisation = Organisation.objects.create(name="Bench NGO", sector="ngo")
    staff = Staff.objects.create(user=user, organisation=organisation, role=Role.FIELD_WORKER)
    staff.schools.set(School.objects.all())
    # A wave opening today, so that every child still needs the questionnaire in it.
    latest = Wave.objects.order_by("-starts_on").first()
    today = datetime.date.today()
    Wave.objects.create(
        name="Benchmark wave",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=60),
        instrument_version=latest.instrument_version,
    )
    client = Client()
    client.force_login(user)

    started = time.perf_counter()
    response = client.get("/offline/api/pack")
    built = time.perf_counter() - started
    pack = response.json()
    children = [k for s in pack["schools"] for c in s["classes"] for k in c["children"]]
    size = len(response.content)
    forms = sum(len(f) for f in pack["forms"].values())
    print(
        f"pack: {len(children)} children, {len(pack['forms'])} forms, "
        f"{size / 1024:.0f} KiB ({forms / 1024:.0f} KiB of forms), built in {built:.2f} s"
    )

    wave = pack["waves"][0]["id"]
    answers = next(
        a.answers for a in Assessment.objects.filter(respondent="caregiver", status="submitted")
    )
    todo = [k for k in children if not k["cannot_submit"]][:records]
    started = time.perf_counter()
    sent = 0
    for child in todo:
        body = {
            "uuid": str(uuid.uuid4()),
            "child": child["id"],
            "wave": wave,
            "respondent": "caregiver",
            "answers": answers,
            "status": "submitted",
            "assessed_on": time.strftime("%Y-%m-%d"),
            "base_revision": None,
        }
        reply = client.post("/offline/api/sync", json.dumps(body), content_type="application/json")
        sent += reply.status_code == 200
    elapsed = time.perf_counter() - started
    rate = sent / elapsed if elapsed else 0
    print(f"sync: {sent} of {len(todo)} records saved and scored, {rate:.1f} records/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=5)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--records", type=int, default=200)
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        prepare(dict(os.environ), args.schools, args.learners)
        measure(args.records)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "CWTT_DATA_DIR": data_dir}
        prepare(env, args.schools, args.learners)
        os.environ["CWTT_DATA_DIR"] = data_dir
        measure(args.records)


if __name__ == "__main__":
    main()
