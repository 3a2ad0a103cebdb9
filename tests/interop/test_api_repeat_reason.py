"""Keeping a second questionnaire of a kind through the API needs a reason, kept on the record
(decision 0054); without one, nothing changes."""

from __future__ import annotations

import pytest

from cwtt.assessments.models import Assessment

from ..attacks import ONE_MEGABYTE, unchanged
from .test_api_attacks import send

pytestmark = pytest.mark.django_db


def test_keeping_both_through_the_api_needs_a_reason(people, api, child, wave):
    client = api("fiona")
    first = client.post("assessments/", send(child)).json()["uuid"]
    second = send(child, answers={"cg_meals": 4})
    assert client.post("assessments/", second).status_code == 409
    for reason, status in (("", 400), ("x" * 2001, 400), (ONE_MEGABYTE, 413)):
        with unchanged():
            refused = client.post(
                "assessments/", {**second, "keep_alongside": [first], "repeat_reason": reason}
            )
        assert refused.status_code == status
        if status == 400:
            assert "repeat_reason" in refused.json()["errors"]
    kept = client.post(
        "assessments/", {**second, "keep_alongside": [first], "repeat_reason": "The father too"}
    )
    assert kept.status_code == 201, kept.json()
    assert Assessment.objects.get(uuid=second["uuid"]).repeat_reason == "The father too"
