"""Offline work at scale: the size and build time of a phone's pack for each role that
captures, the time to get ready in Chromium, and records synced per second.

Not a test: it prints measurements. Runs in a fresh temporary data directory on SQLite (or the
empty database in DATABASE_URL): generates a district (by default one school of 400 learners,
issue #11 item 5), gives one person of each capturing role its schools, builds each one's pack,
times "Get ready" in Debian's Chromium for the field worker (skipped when Playwright or
Chromium is missing, or with --no-browser), then sends finished caregiver questionnaires
through the sync endpoint.
Run: `.venv/bin/python benchmarks/offline_work.py [--schools 1 --learners 400 --records 200]`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
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


PASSWORD = "benchmark-password-" + "x" * 8


def measure(records: int, browser: bool) -> None:
    # This checkout's code, not whichever one the virtual environment was installed from.
    sys.path.insert(0, str(ROOT))
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
    organisation = Organisation.objects.create(name="Bench NGO", sector="ngo")
    people = {}
    capturing = (Role.FIELD_WORKER, Role.TEACHER, Role.NURSE, Role.SOCIAL_WORKER, Role.COORDINATOR)
    for role in capturing:
        user = get_user_model().objects.create_user(f"bench-{role}", password=PASSWORD)
        staff = Staff.objects.create(user=user, organisation=organisation, role=role)
        staff.schools.set(School.objects.all())
        people[role] = user
    # A wave opening today, so that every child still needs the questionnaire in it.
    latest = Wave.objects.order_by("-starts_on").first()
    today = datetime.date.today()
    wave = Wave.objects.create(
        name="Benchmark wave",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=60),
        instrument_version=latest.instrument_version,
    )
    client = Client()
    for role, user in people.items():
        measure_pack(client, user, role)
    field_worker = people[Role.FIELD_WORKER]
    if browser:
        get_ready_in_chromium(field_worker)

    signed_in(client, field_worker)
    pack = client.get("/offline/api/pack").json()
    children = [k for s in pack["schools"] for c in s["classes"] for k in c["children"]]
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
            "wave": wave.pk,
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

    # A follow-up wave part-way through: the field worker's own unfinished caregiver
    # questionnaire for every child (each with a full set of answers), which the pack carries.
    follow_up = Wave.objects.create(
        name="Benchmark follow-up",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=60),
        instrument_version=latest.instrument_version,
    )
    Assessment.objects.bulk_create(
        [
            Assessment(
                child_id=child["id"],
                wave=follow_up,
                respondent="caregiver",
                assessor=field_worker,
                assessed_on=today,
                instrument_version=follow_up.instrument_version,
                answers=answers,
                status=Assessment.Status.DRAFT,
            )
            for child in children
        ]
    )
    measure_pack(client, field_worker, "field_worker, with a draft for every child")
    if browser:
        get_ready_in_chromium(field_worker)


def measure_pack(client, user, label: str) -> None:
    signed_in(client, user)
    client.get("/offline/api/pack")  # the first request compiles the questionnaire
    started = time.perf_counter()
    response = client.get("/offline/api/pack")
    built = time.perf_counter() - started
    assert response.status_code == 200, (label, response.status_code)
    pack = response.json()
    children = [k for s in pack["schools"] for c in s["classes"] for k in c["children"]]
    forms = sum(len(f) for f in pack["forms"].values())
    print(
        f"pack ({label}): {len(children)} children, {len(pack['forms'])} forms, "
        f"{len(pack['drafts'])} drafts, {len(response.content) / 1024:.0f} KiB "
        f"({forms / 1024:.0f} KiB of forms), built in {built:.2f} s"
    )


def signed_in(client, user):
    """A finished sign-in, with the authenticator app's code for the roles that need one."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cwtt.access.two_factor import needs_second_factor

    client.force_login(user)
    if needs_second_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def get_ready_in_chromium(user) -> None:
    """Sign in, open offline work and press "Get ready" in headless Chromium, against this
    database served on a local port; prints the time from the press to "Ready"."""
    chromium = os.environ.get("CWTT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("get ready: skipped (Playwright is not installed)")
        return
    if not Path(chromium).exists():
        print(f"get ready: skipped (no Chromium at {chromium})")
        return
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop, our ORM
    server = LiveServerThread("localhost", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://localhost:{server.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(f"{base}/")
            page.get_by_label("Username").fill(user.username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("link", name="Open offline work").click()
            page.get_by_label("Your password (the one you sign in with)").fill(PASSWORD)
            started = time.perf_counter()
            page.get_by_role("button", name="Get ready").click()
            ready = page.get_by_text("Ready. The class lists are on this phone.")
            failed = page.locator("#setup-error").filter(has_text=re.compile(r"\S"))
            ready.or_(failed).first.wait_for(timeout=120_000)
            took = time.perf_counter() - started
            if failed.count():
                print(f"get ready: FAILED in Chromium: {failed.inner_text()}")
            else:
                sealed = page.evaluate(
                    """new Promise(function (resolve) {
                      var req = indexedDB.open('cwtt-offline');
                      req.onsuccess = function () {
                        var t = req.result.transaction('meta').objectStore('meta').get('pack');
                        t.onsuccess = function () { resolve(t.result.box.ct.length); };
                      };
                    })"""
                )
                print(
                    f"get ready ({user.username}, Chromium): {took:.2f} s, including the key's "
                    f"310,000 PBKDF2 rounds; {sealed * 3 / 4 / 1024:.0f} KiB sealed in IndexedDB"
                )
            browser.close()
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=1)
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        prepare(dict(os.environ), args.schools, args.learners)
        measure(args.records, browser=not args.no_browser)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "CWTT_DATA_DIR": data_dir}
        prepare(env, args.schools, args.learners)
        os.environ["CWTT_DATA_DIR"] = data_dir
        measure(args.records, browser=not args.no_browser)


if __name__ == "__main__":
    main()
