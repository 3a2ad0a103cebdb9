"""`cwtt duplicates scan [--school EMIS]` and `cwtt duplicates evaluate [--children N] [--seed S]`
(docs/duplicates.md).

scan: queue for review the children already registered who may be one child registered twice
(new children are looked at when they are imported). Prints how many pairs were queued, never
a name.

evaluate: generate children with near-duplicates (cwtt/synthetic/near_duplicates.py) and print
the matching's precision and recall at several thresholds. Writes nothing.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.registry.actions import duplicates_scan
from cwtt.registry.duplicates import REVIEW_AT
from cwtt.registry.models import School
from cwtt.synthetic.near_duplicates import evaluate, near_duplicate_set

THRESHOLDS = (0.1, 0.3, REVIEW_AT, 0.7, 0.9, 0.99)


class Command(BaseCommand):
    help = (
        "Children registered twice: `scan` queues likely pairs among registered children for "
        "review; `evaluate` prints precision and recall on generated near-duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["scan", "evaluate"])
        parser.add_argument("--school", help="scan: only this school's district (EMIS number)")
        parser.add_argument("--children", type=int, default=6000, help="evaluate: how many")
        parser.add_argument("--seed", type=int, default=12, help="evaluate: the random seed")

    def handle(self, *args, action: str, **options) -> None:
        if action == "scan":
            self._scan(options.get("school"))
        else:
            self._evaluate(options["children"], options["seed"])

    def _scan(self, emis: str | None) -> None:
        school_ids = None
        if emis is not None:
            school = School.objects.filter(emis_number=emis).first()
            if school is None:
                raise CommandError(f"No school has EMIS number {emis!r}.")
            school_ids = [school.pk]
        queued = duplicates_scan(school_ids=school_ids)
        self.stdout.write(
            f"Queued {queued} pair{'s' if queued != 1 else ''} of children for review "
            "(open Data quality > Children who may be registered twice)."
        )

    def _evaluate(self, children: int, seed: int) -> None:
        if children < 10:
            raise CommandError("Give at least 10 children to generate.")
        generated = near_duplicate_set(children=children, seed=seed)
        started = time.perf_counter()
        rows = evaluate(generated, THRESHOLDS)
        seconds = time.perf_counter() - started
        out = self.stdout.write
        out(
            f"{len(generated.records)} generated records: {children} children, "
            f"{len(generated.truth)} registered twice, {len(generated.twins)} pairs of twins "
            f"(seed {seed}); matched in {seconds:.1f} s."
        )
        out(
            f"{'threshold':>9}  {'proposed':>8}  {'right':>6}  {'precision':>9}  {'recall':>6}  twins"
        )
        for row in rows:
            mark = "  <- review queue" if row.threshold == REVIEW_AT else ""
            out(
                f"{row.threshold:>9.2f}  {row.proposed:>8}  {row.right:>6}  "
                f"{row.precision:>9.3f}  {row.recall:>6.3f}  {row.twins_proposed:>5}{mark}"
            )
