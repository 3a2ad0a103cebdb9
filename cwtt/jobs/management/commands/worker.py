"""`cwtt worker [--once]` — run background work: scheduled jobs, e-mails and text messages."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cwtt.jobs.schedule import SCHEDULE
from cwtt.jobs.worker import Round, run_forever, run_once


class Command(BaseCommand):
    help = (
        "Run background work until stopped: start each scheduled job when it is due (overdue "
        "referrals, reviews and action items falling due, retention, audit checkpoints) and run "
        "every queued task (e-mails, text messages). With --once, run what is due now and exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run every job that is due now, then exit (cron)"
        )
        parser.add_argument(
            "--sleep",
            type=float,
            default=None,
            help="seconds to wait between rounds (default: CWTT_WORKER_SLEEP)",
        )

    def handle(self, *args, once: bool, sleep: float | None, **options) -> None:
        if once:
            self.stdout.write(run_once().summary())
            return
        sleep = settings.CWTT_WORKER_SLEEP if sleep is None else sleep
        stopped = threading.Event()
        # Stop after the current round on Ctrl+C or SIGTERM, so no task is cut off halfway.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        jobs = ", ".join(job.name for job in SCHEDULE)
        self.stdout.write(f"Worker started ({jobs}); every {sleep:g} s. Ctrl+C stops it.")

        def report(done: Round) -> None:
            self.stdout.write(done.summary())

        total = run_forever(sleep=sleep, stopped=stopped, report=report)
        self.stdout.write(f"Worker stopped. In all: {total.summary()}")
