"""`/health/` tells a load balancer whether this process can reach its database: public, one
query, nothing personal, 503 when the database does not answer (docs/deploy.md)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cwtt.settings import security_settings

from ..conftest import sign_in  # noqa: TID252 - shared test helper


@pytest.mark.django_db
def test_health_answers_ok_with_one_query_and_no_cookie(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert len(queries) == 1
    assert not response.cookies  # no session, no CSRF cookie
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_says_failing_with_503_when_the_database_does_not_answer(client):
    broken = mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused to db.internal:5432 as cwtt"),
    )
    with broken:
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "failing"}
    # What failed is in the log, not in the answer anyone may fetch.
    assert b"db.internal" not in response.content


@pytest.mark.django_db
def test_health_shows_nothing_of_the_signed_in_person(client, people, child):
    sign_in(client, people["cora"])
    response = client.get("/health/")
    assert response.json() == {"status": "ok", "database": "ok"}
    assert b"cora" not in response.content.lower() and b"Lwazi" not in response.content


@pytest.mark.django_db
def test_health_takes_no_writes(client):
    assert client.post("/health/").status_code == 405
    assert client.head("/health/").status_code == 200


@pytest.mark.django_db
def test_over_https_health_is_not_redirected_but_pages_are(client):
    # A load balancer inside the network checks over plain HTTP.
    with override_settings(**security_settings(tls=True)):
        assert client.get("/health/").status_code == 200
        assert client.get("/sign-in/").status_code == 301
