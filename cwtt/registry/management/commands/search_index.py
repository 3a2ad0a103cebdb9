"""`cwtt search_index` — write every child's search keys again (docs/search.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cwtt.registry.models import Child, ChildSearchKey

FIELDS = ("pk", "first_name", "last_name", "sa_id_number", "birth_certificate_number")


class Command(BaseCommand):
    help = (
        "Write every child's search keys again, a batch at a time. Needed after SECRET_KEY "
        "changes (the keys are hashed with it), or to repair keys written around the registry's "
        "own writes. Safe to run at any time; searches keep working while it runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options) -> None:
        children = keys = 0
        ids = list(Child.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            with transaction.atomic():
                batch = list(
                    Child.objects.filter(pk__in=ids[start : start + batch_size]).only(*FIELDS)
                )
                keys += ChildSearchKey.write_for(batch, batch_size=batch_size)
                children += len(batch)
        self.stdout.write(f"Wrote {keys:,} search keys for {children:,} children.")
