"""Fixtures for the administration pages: Dora (data manager) signed in with her code.

Only data managers may use these pages; Cora (coordinator), Tumi (teacher) and Dumi (district
official) are refused, as is Nobody (an account without a role)."""

from __future__ import annotations

import pytest

from ..conftest import sign_in  # noqa: TID252 - shared test helpers


@pytest.fixture
def manager(client, people):
    return sign_in(client, people["dora"])
