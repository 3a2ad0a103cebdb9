"""`cwtt demo_code USERNAME` — the current sign-in code of a demo account, for trying the demo
without an authenticator app. Refuses every other account."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access.two_factor import code_now
from cwtt.synthetic.accounts import DEMO_ACCOUNTS, DEMO_TOTP_DEVICE, DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current 6-digit sign-in code of a demo account (made by `cwtt demo`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if username not in {account.username for account in DEMO_ACCOUNTS}:
            raise CommandError(
                f"'{username}' is not a demo account. Codes are printed only for the demo "
                "accounts that `cwtt demo` makes; everyone else uses their authenticator app."
            )
        # Only a device with the published demo key: its codes are no secret, so printing
        # them gives nothing away. A real account that happens to share a demo username
        # (and so has its own device) is refused.
        device = TOTPDevice.objects.filter(
            user__username=username, name=DEMO_TOTP_DEVICE, confirmed=True, key=DEMO_TOTP_KEY
        ).first()
        if device is None:
            raise CommandError(
                f"'{username}' has no demo code. Either it does not need one, or `cwtt demo` "
                "has not set it up in this database."
            )
        now = time.time()
        left = device.step - int(now - device.t0) % device.step
        self.stdout.write(
            f"{code_now(device, now)}  (sign-in code for {username}; "
            f"good for about {left} more seconds)"
        )
