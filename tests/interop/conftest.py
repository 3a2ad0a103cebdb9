"""Fixtures for the REST API tests. Besides the shared people (tests/conftest.py):
- Hilda is Hilltop's coordinator: she sees Hilltop's children and none of Sunrise's.
- Sue is a social worker at Sunrise, a second person to try another's records with.

`api(user)` is a Django test client that sends the user's token, as another system would; it
holds no session cookie."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cwtt.access.actions import api_token_issue
from cwtt.access.roles import Role

from ..conftest import _person  # noqa: TID252 - shared test helpers


class TokenClient:
    """A client for one person's token: get/post JSON under /api/v1/."""

    def __init__(self, key: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Token {key}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1/{path}", params, headers=self.headers)

    def post(self, path: str, body, *, raw: bool = False):
        data = body if raw else json.dumps(body, default=str)
        return self.client.post(
            f"/api/v1/{path}", data, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def people(people, sunrise, hilltop):
    people["hilda"] = _person("hilda", Role.COORDINATOR, hilltop)
    people["sue"] = _person("sue", Role.SOCIAL_WORKER, sunrise, sector="social_development")
    return people


@pytest.fixture
def api(people):
    """api("tumi") → a TokenClient with a fresh token for Tumi."""

    def make(username: str) -> TokenClient:
        return TokenClient(api_token_issue(username=username))

    return make
