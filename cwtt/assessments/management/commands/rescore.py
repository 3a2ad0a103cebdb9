"""`cwtt rescore` — recompute risk profiles after an instrument change.

Works in batches; after a crash or Ctrl-C, run it again and it continues where it stopped
(`--restart` starts over). See cwtt/assessments/rescoring.py.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cwtt.assessments.models import RescoreRun, Wave
from cwtt.assessments.rescoring import BATCH_SIZE, RescoreRefused, rescore_run, rescore_start
from cwtt.assessments.tasks import rescore

# Without a terminal (a log file, cron), one line at most this often.
LOG_EVERY_SECONDS = 10.0


class Progress:
    """One line that updates in place on a terminal; on anything else, a line now and then."""

    def __init__(self, stream, *, resumed_from: int) -> None:
        self.stream = stream
        self.on_terminal = stream.isatty()
        self.resumed_from = resumed_from
        self.started = time.monotonic()
        self.last_line = 0.0

    def line(self, run: RescoreRun) -> str:
        total = max(run.total, run.done)  # pairs added since the start count too
        percent = 100 * run.done // total if total else 100
        elapsed = time.monotonic() - self.started
        rate = (run.done - self.resumed_from) / elapsed if elapsed > 0 else 0.0
        return (
            f"Rescored {run.done:,} of {total:,} profiles ({percent}%), "
            f"{rate:,.0f} a second, {run.changed:,} changed"
        )

    def __call__(self, run: RescoreRun) -> None:
        if self.on_terminal:
            self.stream.write(f"\r{self.line(run)}\x1b[K", ending="")
            self.stream.flush()
        elif time.monotonic() - self.last_line >= LOG_EVERY_SECONDS:
            self.last_line = time.monotonic()
            self.stream.write(self.line(run))

    def end(self) -> None:
        if self.on_terminal:
            self.stream.write("")  # leave the updated line and start a new one


class Command(BaseCommand):
    help = (
        "Recompute every child's risk profile from their assessments, with the instrument "
        "versions now in force. If a run stopped part-way, this continues it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", action="append", help="Only this wave (by name); repeatable")
        parser.add_argument(
            "--restart", action="store_true", help="Start over instead of continuing a run"
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Pairs per batch")
        parser.add_argument(
            "--on-worker",
            action="store_true",
            help="Queue the rescore for the background worker (`cwtt worker`) and return",
        )

    def handle(
        self,
        *args,
        wave: list[str] | None = None,
        restart: bool = False,
        batch_size: int = BATCH_SIZE,
        on_worker: bool = False,
        **options,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        waves = None
        if wave:
            waves = list(Wave.objects.filter(name__in=wave))
            missing = set(wave) - {w.name for w in waves}
            if missing:
                raise CommandError(f"No wave named {', '.join(sorted(missing))}")
        try:
            run = rescore_start(waves=waves, restart=restart)
        except RescoreRefused as refused:
            raise CommandError(str(refused)) from None
        if on_worker:
            rescore.enqueue(run.pk)
            self.stdout.write(
                f"Rescore of {run.total:,} profiles queued for the worker (run {run.pk}); "
                "`cwtt worker` carries it out batch by batch."
            )
            return
        if run.done:
            self.stdout.write(
                f"Continuing the rescore started {timezone.localtime(run.started_at):%Y-%m-%d %H:%M}: "
                f"{run.done:,} of {run.total:,} profiles were already done."
            )
        progress = Progress(self.stdout, resumed_from=run.done)
        started = time.monotonic()
        try:
            run = rescore_run(run.pk, batch_size=batch_size, progress=progress)
        except KeyboardInterrupt:
            progress.end()
            run.refresh_from_db()
            raise CommandError(
                f"Stopped after {run.done:,} of {run.total:,} profiles. Run `cwtt rescore` "
                "again to continue from there."
            ) from None
        progress.end()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Recomputed {run.done - run.deleted:,} risk profiles in {elapsed:,.1f} s: "
            f"{run.changed:,} changed, {run.deleted:,} deleted (no assessments left)."
        )
