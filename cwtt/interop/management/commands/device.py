"""`cwtt device add|list|revoke` — the keys with which ODK Collect on a phone signs in to the
OpenRosa server (docs/openrosa.md)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.interop.models import DeviceKey
from cwtt.interop.openrosa.actions import DeviceKeyError, device_add, device_revoke
from cwtt.interop.openrosa.collect import collect_settings, qr_code, qr_payload

LOCAL_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Add a key for a person's phone (prints the settings and a QR code for ODK Collect), "
        "list keys, or revoke one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Make a key for USERNAME's phone and show its QR code")
        add.add_argument("username")
        add.add_argument("--name", default="", help="which phone, e.g. 'Tablet 3'")
        add.add_argument(
            "--server-url",
            default=os.environ.get("CWTT_SERVER_URL", ""),
            help="the address phones reach this server at (default: $CWTT_SERVER_URL)",
        )
        add.add_argument("--project", default="CWTT", help="the project's name in Collect")
        add.add_argument("--qr-file", help="also save the QR code as an image (.png or .svg)")
        listing = sub.add_parser("list", help="List keys, with their last use")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Stop a key working (a lost or passed-on phone)")
        revoke.add_argument("id", type=int, help="the key's number in `cwtt device list`")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_add(self, username: str, name: str, server_url: str, project: str, **options):
        try:
            made = device_add(username=username, name=name)
        except DeviceKeyError as error:
            raise CommandError(str(error)) from None
        url = server_url or LOCAL_URL
        settings = collect_settings(
            server_url=url, username=username, key=made.key, project=project
        )
        payload = qr_payload(settings)
        code = qr_code(payload)
        self.stdout.write(
            f"In ODK Collect: Settings > Project management > Reconfigure with QR code, and "
            f"scan this code (or type the server, username and key under Server).\n"
            f"  Server URL: {settings['general']['server_url']}\n"
            f"  Username:   {username}\n"
            f"  Key:        {made.key}\n"
        )
        if not server_url:
            self.stdout.write(
                f"  (The server URL is {LOCAL_URL}; give --server-url or set CWTT_SERVER_URL to "
                "the address phones reach.)\n"
            )
        drawn = io.StringIO()
        code.terminal(out=drawn, compact=True)
        self.stdout.write(drawn.getvalue(), ending="")
        if options.get("qr_file"):
            path = Path(options["qr_file"])
            code.save(path, scale=6)
            self.stdout.write(f"QR code saved to {path}.")
        self.stdout.write(
            f"Added key {made.device.pk} ({made.device.name}) for {username}. The key is shown "
            "only now; keep it out of e-mail and chats."
        )

    def handle_list(self, username: str | None = None, **options) -> None:
        keys = DeviceKey.objects.select_related("user").order_by("user__username", "pk")
        if username:
            keys = keys.filter(user__username=username)
        for key in keys:
            used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
            state = "revoked" if key.revoked_at else "active"
            self.stdout.write(
                f"{key.pk:>5}  {key.user.username:<20} {key.name:<20} {key.hint}…  "
                f"{state:<8} last used {used}"
            )
        self.stdout.write(f"{len(keys)} device keys.")

    def handle_revoke(self, id: int, **options) -> None:  # noqa: A002 - the argument's name
        try:
            device = device_revoke(device_id=id)
        except DeviceKeyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Revoked key {device.pk} ({device.name}) of {device.user.username}: that phone can "
            "no longer fetch forms or send them."
        )
