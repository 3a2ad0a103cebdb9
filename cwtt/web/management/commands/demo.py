"""`cwtt demo` — set everything up and serve the web app with a generated demo district."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.instruments.actions import instrument_publish
from cwtt.registry.models import Child


class Command(BaseCommand):
    help = (
        "Migrate the database, publish the default instrument, generate a demo district if the "
        "database is empty, create one demo account per role, and serve the web app. Only on a "
        "database the demo made itself: any other is refused untouched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--schools", type=int, default=4)
        parser.add_argument("--learners-per-school", type=int, default=60)
        parser.add_argument("--waves", type=int, default=2)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not serve")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run background work beside the server (run `cwtt worker` yourself)",
        )

    def handle(self, *args, **options) -> None:
        from cwtt.access.two_factor import role_needs_second_factor
        from cwtt.services.demo import ensure_demo_providers
        from cwtt.synthetic.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
        from cwtt.synthetic.demo_database import (
            DemoDatabaseState,
            demo_database_state,
            mark_as_demo_database,
        )

        beside = (
            "To try the demo beside it, give the demo its own folder and database: "
            "CWTT_ENV=embedded DATABASE_URL= CWTT_DATA_DIR=./demo-data cwtt demo"
        )
        if settings.PRODUCTION:
            raise CommandError(
                "This is a production installation (CWTT_ENV=production): the demo, with its "
                f"published password, never runs here. {beside}"
            )
        state = demo_database_state()
        if state is DemoDatabaseState.OTHER:
            raise CommandError(
                "This database was not made by `cwtt demo` (it holds accounts, schools, children "
                f"or an audit trail), so the demo leaves it untouched. {beside}"
            )
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        if state is DemoDatabaseState.NEW:
            mark_as_demo_database()
        path = Path(settings.CWTT_DEFAULT_INSTRUMENT)
        outcome = instrument_publish(data=path.read_bytes(), filename=path.name)
        if outcome.created:
            self.stdout.write(
                f"Published the default instrument as version {outcome.version.number}."
            )
        if not Child.objects.exists():
            self.stdout.write("Generating the demo district (first run only)...")
            call_command(
                "generate",
                schools=options["schools"],
                learners_per_school=options["learners_per_school"],
                waves=options["waves"],
                seed=options["seed"],
            )
        accounts = ensure_demo_accounts()
        ensure_demo_providers()
        from cwtt.synthetic.casework import ensure_demo_casework

        self.stdout.write(str(ensure_demo_casework()))
        self.stdout.write(self.style.SUCCESS(f"Ready in {time.monotonic() - started:.0f} s."))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            if account not in accounts:
                self.stdout.write(
                    f"  {account.username:<14} left as it is: this account was not made by the "
                    "demo, so its password is not the demo's"
                )
                continue
            code = (
                "  (also a 6-digit code: run `.venv/bin/cwtt demo_code "
                f"{account.username}` in another terminal)"
                if role_needs_second_factor(account.role)
                else ""
            )
            self.stdout.write(f"  {account.username:<14} {account.role.label}{code}")
        self.stdout.write("")
        self.stdout.write(f"Open http://{options['addrport']}/ in a browser. Press Ctrl+C to stop.")
        if not options["no_serve"]:
            if not options["no_worker"]:
                # Background work (overdue referrals, reminders, e-mails and text messages) runs
                # in a thread of this process, so the demo needs no second terminal.
                from cwtt.jobs.worker import start_in_thread

                start_in_thread(sleep=settings.CWTT_WORKER_SLEEP)
                self.stdout.write("Background work runs beside the server (`cwtt worker`).")
            call_command("runserver", options["addrport"], use_reloader=False)
