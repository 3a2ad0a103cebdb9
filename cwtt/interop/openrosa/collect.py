"""The settings that configure ODK Collect (or KoboCollect) for this server, as the QR code of
Collect's "Configure via QR code" holds them: JSON, compressed with zlib, in base64
(https://docs.getodk.org/collect-import-export/)."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import segno


def collect_settings(*, server_url: str, username: str, key: str, project: str) -> dict[str, Any]:
    return {
        "general": {
            "server_url": server_url.rstrip("/"),
            "username": username,
            "password": key,
            # Finished forms go to the server as soon as there is signal.
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": project, "icon": "C", "color": "#1f5f8b"},
    }


def qr_payload(settings: dict[str, Any]) -> str:
    return base64.b64encode(zlib.compress(json.dumps(settings).encode())).decode()


def read_qr_payload(payload: str) -> dict[str, Any]:
    """What Collect reads back from the code (for tests and for checking a printed code)."""
    return json.loads(zlib.decompress(base64.b64decode(payload)))


def qr_code(payload: str) -> segno.QRCode:
    return segno.make(payload, error="l", micro=False)
