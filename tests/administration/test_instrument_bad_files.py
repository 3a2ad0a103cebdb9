"""The instrument upload page answers every bad file with a message on the page, never an
HTTP 500, and publishes nothing (issue #10)."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from cwtt.access.models import AuditEntry
from cwtt.instruments.models import InstrumentVersion

from ..instruments.bad_files import NAMED, broken_files  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

# Refused by the upload form before the file is read, with the form's own message.
FORM_REFUSES = {
    "huge file": "the most CWTT takes here is 5 MB",
    "empty file": "The submitted file is empty.",
}


def send(manager, name: str, data: bytes, action: str):
    manager.raise_request_exception = True  # an exception fails the test instead of a 500 page
    return manager.post(
        reverse("administration_instrument_upload"),
        {"action": action, "file": SimpleUploadedFile(name, data)},
    )


@pytest.mark.parametrize("action", ["check", "publish"])
@pytest.mark.parametrize("kind", NAMED, ids=list(NAMED))
def test_a_bad_file_is_answered_with_a_message_and_nothing_is_published(manager, kind, action):
    name, data, words = NAMED[kind]
    response = send(manager, name, data, action)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    if kind in FORM_REFUSES:
        assert FORM_REFUSES[kind] in page
    else:
        assert "nothing was published" in page
        assert words.replace("survey row 2, column constraint", "cannot be read") in page
    assert not InstrumentVersion.objects.exists()
    assert not AuditEntry.objects.filter(object_type="instrument_version").exists()


def test_the_broken_constraint_is_shown_against_its_sheet_row_and_column(manager):
    name, data, _ = NAMED["broken constraint"]
    page = send(manager, name, data, "publish").content.decode()
    assert "<td>survey</td><td>2</td><td>constraint</td>" in page
    assert "cannot be read" in page
    assert not InstrumentVersion.objects.exists()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=broken_files)
def test_generated_broken_files_never_give_a_server_error(manager, file):
    name, data, must_refuse = file
    before = InstrumentVersion.objects.count()
    response = send(manager, name, data, "publish")
    assert response.status_code in (200, 302)
    if must_refuse:
        assert response.status_code == 200
        assert "cannot be read" in html.unescape(response.content.decode())
    if response.status_code == 200:
        assert InstrumentVersion.objects.count() == before
