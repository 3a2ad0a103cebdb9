"""The production layout, for real (docs/deploy.md): gunicorn with two worker processes and a
`cwtt worker`, started with CWTT_ENV=production and its secrets from the environment, on this
machine's PostgreSQL and Redis. It waits for `/health/`, serves the sign-in page and the charts'
script from the package, keeps a person signed in whichever process answers (sessions in the
database, one SECRET_KEY), and the worker runs its scheduled jobs through Redis.

PostgreSQL only: production is PostgreSQL, and two processes writing one SQLite file is not a
layout CWTT offers.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-password-42"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the production layout runs on PostgreSQL (set DATABASE_URL to a PostgreSQL one)",
    ),
    pytest.mark.django_db(transaction=True),  # committed, so gunicorn's processes see it
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of_the_test_database() -> str:
    db = settings.DATABASES["default"]  # the test database pytest made
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def production_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    env.update(
        CWTT_ENV="production",
        DATABASE_URL=database_url_of_the_test_database(),
        ALLOWED_HOSTS="127.0.0.1",
        CWTT_DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY="production-layout-" * 4,
        CWTT_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        CWTT_PSEUDONYM_KEY="pseudonyms-" * 5,
        CWTT_AUDIT_KEY=settings.CWTT_AUDIT_KEY,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",  # the logs are read while the processes run
        # Its own Redis database, so no other test's queue is shared.
        CWTT_REDIS_URL=os.environ.get("CWTT_TEST_REDIS_URL", "redis://127.0.0.1:6379/11"),
    )
    return env


@pytest.fixture
def web(production_env, tmp_path):
    """gunicorn, two worker processes, as docs/deploy.md starts it. Yields its base URL."""
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cwtt.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=production_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "gunicorn did not answer /health/:\n"
                        + (tmp_path / "gunicorn.log").read_text()[-3000:]
                    )
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path


@pytest.fixture
def worker(production_env, tmp_path):
    """`cwtt worker`, as docs/deploy.md starts it, with the queue on this machine's Redis. Yields
    once its first round is done."""
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "cwtt", "worker", "--sleep", "1"],
        cwd=ROOT,
        env=production_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "Scheduled jobs started:" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("cwtt worker did not finish a round:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)
        yield Worker(process, log_path)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def test_gunicorn_and_a_worker_serve_sign_in_charts_and_jobs_in_production_mode(
    web, worker, people
):
    teacher = people["tumi"]
    # The test database's hasher is the fast test one; gunicorn's processes use production's.
    teacher.password = PBKDF2PasswordHasher().encode(PASSWORD, "productionsalt")
    teacher.save(update_fields=["password"])

    with urllib.request.urlopen(f"{web}/health/", timeout=10) as answer:
        assert answer.read() == b'{"status": "ok", "database": "ok"}'
    with urllib.request.urlopen(f"{web}/static/vendor/chartjs/chart.umd.min.js") as answer:
        assert answer.status == 200 and b"Chart.js v4" in answer.read()[:200]
    with urllib.request.urlopen(f"{web}/static/dashboards/charts.js") as answer:
        assert b"canvas[data-chart]" in answer.read()

    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    with browser.open(f"{web}/sign-in/", timeout=10) as answer:
        page = answer.read().decode()
    assert answer.status == 200 and 'name="username"' in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": "tumi", "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    with browser.open(f"{web}/sign-in/", data=form, timeout=30) as answer:
        assert answer.status == 200 and urllib.parse.urlparse(answer.url).path == "/"
    # Ten requests spread over both processes: each knows the sign-in.
    for _ in range(10):
        with browser.open(f"{web}/", timeout=10) as answer:
            assert answer.status == 200
            assert urllib.parse.urlparse(answer.url).path == "/"
            assert "Tumi" in answer.read().decode()

    # The worker's first round started every job due at once and ran them through Redis.
    first_round = worker.log.read_text()
    assert "Scheduled jobs started:" in first_round and "audit_checkpoint" in first_round
    done = re.search(r"Tasks run: \d+ \((\d+) done, (\d+) failed\)", first_round)
    assert done and int(done.group(1)) >= 1 and done.group(2) == "0", first_round


def test_the_worker_stops_cleanly_when_told_to(worker):
    worker.process.send_signal(signal.SIGTERM)
    try:
        code = worker.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        code = None
    assert code == 0, worker.log.read_text()[-2000:]
    assert "Worker stopped." in worker.log.read_text()


@pytest.fixture
def overdue_referral(people, child, sunrise, clock):
    """Sam sent a referral to the school's support team on 5 January with a week to answer, and
    nobody answered: long overdue on the tests' clock and on the real one the worker reads. Sue
    is his supervisor. Made before the worker starts, so its first round finds it."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from cwtt.access.roles import Role
    from cwtt.referrals.actions import referral_create, referral_move
    from cwtt.services.catalogue import ensure_service_types
    from cwtt.services.models import Provider, ServiceType
    from tests.conftest import _person

    sue = _person("sue", Role.SOCIAL_WORKER, sunrise, sector="social_development")
    sam = people["sam"].staff
    sam.supervisor = sue.staff
    sam.save(update_fields=["supervisor"])
    ensure_service_types(ServiceType)
    sbst = Provider.objects.create(name="Sunrise SBST", sector="education")
    sbst.service_types.set(ServiceType.objects.filter(code="educational_assessment"))
    clock.move_to(dt.datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Africa/Johannesburg")))
    referral = referral_create(
        child=child,
        service_type=sbst.service_types.get(),
        by=people["sam"],
        urgency="routine",
        reason="Falling behind in reading",
        provider=sbst,
        deadline=dt.timedelta(days=7),
    )
    return referral_move(referral, "sent", people["sam"]), people["sam"], sue


def test_an_overdue_referral_is_told_by_the_worker_with_nobody_at_a_screen(
    overdue_referral, worker
):
    from cwtt.notifications.models import Notification

    referral, sam, sue = overdue_referral
    for person in (sam, sue):
        told = Notification.objects.filter(user=person, subject__contains=f"Referral {referral.pk}")
        assert told.count() == 1, worker.log.read_text()[-2000:]
    referral.refresh_from_db()
    assert referral.overdue_notified_at is not None
