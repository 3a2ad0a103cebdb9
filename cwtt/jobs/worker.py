"""The worker: start the scheduled jobs that are due, run every task waiting in the queue, sleep,
and again (decision 0033). `cwtt worker` runs it until stopped; `cwtt worker --once` runs one
round and exits; `cwtt demo` runs it in a thread beside the web server.

Tasks are Django Tasks (the django-tasks backport). By default they wait in the database
(django-tasks-db) and this worker claims them one at a time, so several workers can share one
PostgreSQL database. With CWTT_REDIS_URL set they wait in Redis (django-tasks-rq) and an RQ worker
inside this process runs them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.signals import task_finished

from .models import ScheduledRun
from .schedule import SCHEDULE

logger = logging.getLogger(__name__)


@dataclass
class Round:
    """What one round of the worker did."""

    started: list[str] = field(default_factory=list)  # scheduled jobs queued
    succeeded: int = 0  # tasks that ran to the end
    failed: int = 0  # tasks that raised (a delivery that will be tried again counts here)

    def add(self, other: Round) -> None:
        self.started += other.started
        self.succeeded += other.succeeded
        self.failed += other.failed

    def summary(self) -> str:
        jobs = ", ".join(self.started) if self.started else "none due"
        return (
            f"Scheduled jobs started: {jobs}. Tasks run: {self.succeeded + self.failed} "
            f"({self.succeeded} done, {self.failed} failed)."
        )


def enqueue_due(now=None) -> list[str]:
    """Queue every scheduled job that is due and mark it run. Two workers at once queue each job
    once: the run is claimed by a conditional update, in the same transaction as the queueing."""
    now = now or timezone.now()
    started = []
    for job in SCHEDULE:
        run, _ = ScheduledRun.objects.get_or_create(name=job.name)
        if not job.due(run.last_run_at, now):
            continue
        with transaction.atomic():
            claimed = ScheduledRun.objects.filter(pk=run.pk, last_run_at=run.last_run_at).update(
                last_run_at=now
            )
            if claimed:
                job.task.enqueue()
        if claimed:
            started.append(job.name)
    return started


def _run_database_queue(backend) -> None:
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker_id = get_random_string(32)
    # The library's worker runs each claimed task and records its result; the loop around it is
    # ours, because its own loop also manages connections (which would end a test's transaction).
    runner = Worker(
        queue_names=list(backend.queues),
        interval=0,
        batch=True,
        backend_name=backend.alias,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    waiting = DBTaskResult.objects.ready().filter(
        backend_name=backend.alias, queue_name__in=list(backend.queues)
    )
    while True:
        with exclusive_transaction(waiting.db):
            claimed = waiting.get_locked()
            if claimed is not None:
                claimed.claim(worker_id)
        if claimed is None:
            return
        runner.run_task(claimed)


def _round_worker_class():
    from rq.worker import SimpleWorker

    class RoundWorker(SimpleWorker):
        """RQ's in-process worker, leaving Ctrl+C and SIGTERM to `cwtt worker`: RQ would put its
        own handlers in their place, so a stop asked for during a round (systemd's stop) was
        lost and the next one ended the worker with a traceback. Now a stop asked for during a
        round ends the worker after that round, as on the database queue."""

        def _install_signal_handlers(self) -> None:
            pass

    return RoundWorker


def _run_redis_queue(backend) -> None:
    import django_rq

    # SimpleWorker runs each job in this process (no fork), so a round ends when the queue is
    # empty; `burst` stops it there, and the scheduler moves retries whose time has come.
    worker = django_rq.get_worker(
        *sorted(backend.queues),
        job_class="django_tasks_rq.Job",
        worker_class=_round_worker_class(),
    )
    worker.work(burst=True, with_scheduler=True, logging_level="WARNING")


def run_queued() -> Round:
    """Run every task waiting in the queue whose time has come, and count how each ended."""
    from django_tasks_db import DatabaseBackend

    result = Round()

    def count(sender, task_result, **kwargs) -> None:
        if task_result.status == TaskResultStatus.SUCCESSFUL:
            result.succeeded += 1
        else:
            result.failed += 1

    backend = task_backends["default"]
    task_finished.connect(count, weak=False)
    try:
        if isinstance(backend, DatabaseBackend):
            _run_database_queue(backend)
        elif isinstance(backend, ImmediateBackend):
            pass  # every task already ran when it was queued
        elif type(backend).__name__ == "RQBackend":
            _run_redis_queue(backend)
        else:
            raise RuntimeError(
                f"cwtt worker cannot run tasks for {type(backend).__name__}; run that backend's "
                "own worker instead."
            )
    finally:
        task_finished.disconnect(count)
    return result


def run_once(now=None) -> Round:
    """One round: queue the scheduled jobs that are due, then run everything queued."""
    done = Round(started=enqueue_due(now))
    done.add(run_queued())
    return done


def run_forever(
    *, sleep: float, stopped: threading.Event, report: Callable[[Round], None] | None = None
) -> Round:
    """Rounds until `stopped` is set, sleeping `sleep` seconds between them. A round that fails
    (the database busy, Redis gone) is logged and the next round tries again."""
    total = Round()
    while not stopped.is_set():
        close_old_connections()
        try:
            done = run_once()
        except Exception:  # noqa: BLE001 - a worker outlives one bad round; the log has it
            logger.exception("The worker's round failed; trying again in %s s", sleep)
        else:
            total.add(done)
            if report is not None and (done.started or done.succeeded or done.failed):
                report(done)
        close_old_connections()
        stopped.wait(sleep)
    return total


def start_in_thread(*, sleep: float) -> threading.Event:
    """Run the worker in a background thread of this process (the demo). Set the returned event
    to stop it after its current round."""
    stopped = threading.Event()

    def report(done: Round) -> None:
        logger.info("Background work: %s", done.summary())

    thread = threading.Thread(
        target=run_forever,
        kwargs={"sleep": sleep, "stopped": stopped, "report": report},
        name="cwtt-worker",
        daemon=True,
    )
    thread.start()
    return stopped
