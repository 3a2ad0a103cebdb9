"""`cwtt export dhis2 --post`: the payload sent to a real HTTP server started in the test, which
checks the Basic credentials and the body and answers as DHIS2 does."""

from __future__ import annotations

import base64
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cwtt.access.models import AuditEntry

from .test_dhis2_export import mapping_data, profiles

pytestmark = pytest.mark.django_db

USER, PASSWORD = "cwtt-reporter", "a dhis2 password"

SUMMARY_238 = {  # DHIS2 2.38 and later: the summary under "response"
    "httpStatus": "OK",
    "httpStatusCode": 200,
    "status": "OK",
    "response": {
        "responseType": "ImportSummary",
        "status": "SUCCESS",
        "importCount": {"imported": 3, "updated": 1, "ignored": 0, "deleted": 0},
        "conflicts": [],
    },
}
SUMMARY_OLD = {  # before 2.38: the summary at the top
    "responseType": "ImportSummary",
    "status": "SUCCESS",
    "importCount": {"imported": 4, "updated": 0, "ignored": 0, "deleted": 0},
}
CONFLICT = {
    "httpStatus": "Conflict",
    "httpStatusCode": 409,
    "status": "WARNING",
    "message": "One more conflicts encountered, please check import summary.",
    "response": {
        "responseType": "ImportSummary",
        "status": "WARNING",
        "importCount": {"imported": 2, "updated": 0, "ignored": 2, "deleted": 0},
        "conflicts": [
            {"object": "OuHilltop01", "value": "Org unit not found or not accessible"},
            {"object": "De000000001", "value": "Data element not found or not accessible"},
        ],
    },
}


class FakeDhis2:
    """An HTTP server on a free local port that records what it was sent."""

    def __init__(self, answer=(200, SUMMARY_238)):
        self.answer = answer
        self.received: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.received.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(body),
                    }
                )
                expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    status, answer = 401, {"httpStatusCode": 401, "message": "Unauthorized"}
                else:
                    status, answer = owner.answer
                raw = json.dumps(answer).encode() if answer is not None else b"<html>oops</html>"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dhis"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def reported(wave, sunrise, hilltop):
    profiles(sunrise, wave, 24, high=8)
    profiles(hilltop, wave, 13, high=6, start=100)
    return wave


@pytest.fixture
def mapping(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping_data()))
    return path


def post(tmp_path, mapping, settings, url, password=PASSWORD):
    settings.CWTT_DHIS2_URL = url
    settings.CWTT_DHIS2_USERNAME = USER
    settings.CWTT_DHIS2_PASSWORD = password
    out = StringIO()
    call_command(
        "export",
        "dhis2",
        wave="Wave 1",
        output=str(tmp_path / "sent.json"),
        mapping=str(mapping),
        post=True,
        stdout=out,
    )
    return out.getvalue()


def test_the_payload_is_posted_with_basic_auth_and_the_summary_printed(
    tmp_path, reported, mapping, settings
):
    with FakeDhis2() as dhis2:
        said = post(tmp_path, mapping, settings, dhis2.url)
    [request] = dhis2.received
    assert request["path"] == "/dhis/api/dataValueSets"
    assert request["content_type"] == "application/json"
    assert request["body"] == json.loads((tmp_path / "sent.json").read_text())
    assert len(request["body"]["dataValues"]) > 0
    assert "DHIS2 import SUCCESS: 3 imported, 1 updated, 0 ignored, 0 deleted." in said
    entry = AuditEntry.objects.get(object_type="dhis2_post")
    assert entry.detail["imported"] == 3 and entry.detail["status"] == "SUCCESS"
    assert PASSWORD not in json.dumps(entry.detail)


def test_an_older_dhis2s_summary_is_read_too(tmp_path, reported, mapping, settings):
    with FakeDhis2((200, SUMMARY_OLD)) as dhis2:
        said = post(tmp_path, mapping, settings, dhis2.url)
    assert "DHIS2 import SUCCESS: 4 imported" in said


def test_a_wrong_password_gets_a_clear_message(tmp_path, reported, mapping, settings):
    with FakeDhis2() as dhis2, pytest.raises(CommandError) as refused:
        post(tmp_path, mapping, settings, dhis2.url, password="wrong")
    assert "refused the user name or password (401)" in str(refused.value)
    assert "CWTT_DHIS2_PASSWORD" in str(refused.value)
    assert "wrong" not in str(refused.value)
    assert "error" in AuditEntry.objects.get(object_type="dhis2_post").detail


def test_conflicts_are_printed_with_the_counts(tmp_path, reported, mapping, settings):
    with FakeDhis2((409, CONFLICT)) as dhis2, pytest.raises(CommandError) as refused:
        post(tmp_path, mapping, settings, dhis2.url)
    message = str(refused.value)
    assert "refused the data (409): One more conflicts encountered" in message
    assert "DHIS2 import WARNING: 2 imported, 0 updated, 2 ignored, 0 deleted." in message
    assert "conflict: OuHilltop01 Org unit not found or not accessible" in message


def test_a_server_error_is_reported_plainly(tmp_path, reported, mapping, settings):
    with FakeDhis2((500, None)) as dhis2, pytest.raises(CommandError) as refused:
        post(tmp_path, mapping, settings, dhis2.url)
    assert "had an error of its own (500)" in str(refused.value)


def test_an_answer_that_is_no_import_summary_is_reported(tmp_path, reported, mapping, settings):
    with FakeDhis2((200, {"hello": "world"})) as dhis2, pytest.raises(CommandError) as refused:
        post(tmp_path, mapping, settings, dhis2.url)
    assert "not with an import summary" in str(refused.value)


def test_a_refused_connection_is_reported_plainly(tmp_path, reported, mapping, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CommandError) as refused:
        post(tmp_path, mapping, settings, f"http://127.0.0.1:{port}")
    message = str(refused.value)
    assert (
        f"Could not reach the DHIS2 server at http://127.0.0.1:{port}/api/dataValueSets" in message
    )
    assert "nothing was sent" in message
    # The file was still written, for sending later.
    assert (tmp_path / "sent.json").exists()
