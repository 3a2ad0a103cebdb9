"""The production path: tasks wait in Redis and RQ runs them (CWTT_REDIS_URL, decision 0033).
Needs the Redis server on 127.0.0.1:6379 that the development machines run; database 15 only."""

from __future__ import annotations

import io

import pytest
import redis
from django.core.management import call_command

from cwtt.notifications.actions import notify
from cwtt.notifications.models import Delivery

pytestmark = pytest.mark.django_db
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def on_redis(settings):
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield connection
    connection.flushdb()


def test_with_redis_the_worker_runs_scheduled_jobs_and_deliveries_from_the_rq_queue(
    on_redis, people, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people["cora"].email = "cora@example.org"
    people["cora"].save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(people["cora"], "A referral was accepted")
    assert on_redis.llen("rq:queue:default") == 1  # waiting in Redis, not in the database
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert "Tasks run: 8 (8 done, 0 failed)." in out.getvalue()  # seven jobs and the e-mail
    assert Delivery.objects.get().status == "sent"
    assert on_redis.llen("rq:queue:default") == 0
