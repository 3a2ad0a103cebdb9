"""Correcting a child's details: checked by the model's own rules, all or nothing, audited with
the changed values before and after and the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.registry.validation import luhn_ok
from cwtt.rights.actions import CorrectionInvalid, child_correct

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import run

pytestmark = pytest.mark.django_db


def sa_id(born: dt.date, sequence: int = 5123) -> str:
    """A valid SA ID number for a boy (sequence 5000-9999) born on `born`."""
    stem = f"{born:%y%m%d}{sequence:04d}08"
    return next(stem + digit for digit in "0123456789" if luhn_ok(stem + digit))


def form(child, **changes):
    values = {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "date_of_birth": child.date_of_birth.isoformat(),
        "sex": child.sex,
        "sa_id_number": child.sa_id_number,
        "birth_certificate_number": child.birth_certificate_number,
        "reason": "Mother showed the birth certificate.",
    }
    values.update(changes)
    return values


def changes():
    return AuditEntry.objects.filter(action=AuditEntry.Action.CHANGE, object_type="child")


def test_an_invalid_id_number_is_explained_inline_and_nothing_is_saved(client, people, child):
    sign_in(client, people["dora"])
    response = client.post(
        reverse("child_correct", args=[child.pk]),
        form(child, last_name="Dlamini", sa_id_number="1803145123081"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The ID number&#x27;s check digit is wrong" in page or "check digit is wrong" in page
    assert 'aria-invalid="true"' in page and "Nothing was saved" in page
    child.refresh_from_db()
    assert (child.last_name, child.sa_id_number) == ("Mokoena", "")
    assert not changes().exists()


def test_an_id_number_for_another_birth_date_is_refused(client, people, child):
    sign_in(client, people["dora"])
    page = client.post(
        reverse("child_correct", args=[child.pk]),
        form(child, sa_id_number=sa_id(dt.date(2018, 4, 14))),
    ).content.decode()
    assert "does not match the date of birth" in page
    assert not changes().exists()


def test_a_valid_correction_is_saved_and_audited_with_before_and_after(client, people, child):
    sign_in(client, people["dora"])
    number = sa_id(dt.date(2018, 3, 14))
    response = client.post(
        reverse("child_correct", args=[child.pk]),
        form(child, last_name="Dlamini", sa_id_number=number),
    )
    assert response.status_code == 302 and response["Location"] == reverse("child", args=[child.pk])
    child.refresh_from_db()
    assert (child.last_name, child.sa_id_number) == ("Dlamini", number)
    entry = changes().get()
    assert (entry.actor, entry.object_id, entry.child_id) == (
        people["dora"],
        str(child.pk),
        child.pk,
    )
    assert entry.detail == {
        "before": {"last_name": "Mokoena", "sa_id_number": ""},
        "after": {"last_name": "Dlamini", "sa_id_number": number},
        "reason": "Mother showed the birth certificate.",
    }


def test_a_reason_is_required(client, people, child):
    sign_in(client, people["dora"])
    page = client.post(
        reverse("child_correct", args=[child.pk]), form(child, first_name="Lwazikazi", reason=" ")
    ).content.decode()
    assert "Give the reason for the correction" in page
    child.refresh_from_db()
    assert child.first_name == "Lwazi"


def test_the_school_coordinator_may_correct_but_a_teacher_may_not(
    client, people, child, other_child
):
    sign_in(client, people["cora"])
    response = client.post(reverse("child_correct", args=[child.pk]), form(child, sex="F"))
    assert response.status_code == 302
    assert client.get(reverse("child_correct", args=[other_child.pk])).status_code == 404
    client.logout()
    sign_in(client, people["tumi"])
    response = client.get(reverse("child_correct", args=[child.pk]))
    assert response.status_code == 403 and b"school&#x27;s coordinator" in response.content
    assert changes().count() == 1


def test_the_action_reports_every_problem_together(child):
    with pytest.raises(CorrectionInvalid) as raised:
        child_correct(
            child=child,
            changes={"date_of_birth": "14/03/2018", "nickname": "Lu", "first_name": "Lu"},
            reason="",
            actor_name="command line",
        )
    errors = raised.value.errors
    assert set(errors) == {"date_of_birth", "__all__", "reason"}
    assert "YYYY-MM-DD" in errors["date_of_birth"][0]
    assert "nickname cannot be corrected" in errors["__all__"][0]
    child.refresh_from_db()
    assert child.first_name == "Lwazi"


def test_the_command_corrects_and_refuses_with_every_problem_listed(child):
    output, status = run(
        "child",
        "correct",
        str(child.pk),
        "--set",
        "last_name=",
        "--set",
        "sa_id_number=123",
        "--reason",
        "Typing mistake at registration",
    )
    assert status == 1 and "Nothing was saved" in output
    assert "sa_id_number: An SA ID number has exactly 13 digits." in output
    assert "last_name: This field cannot be blank." in output
    output, status = run(
        "child",
        "correct",
        str(child.pk),
        "--set",
        "date_of_birth=2018-04-02",
        "--reason",
        "Clinic card shows 2 April",
    )
    assert status == 0 and output.strip() == f"Corrected child {child.pk}: date_of_birth."
    child.refresh_from_db()
    assert child.date_of_birth == dt.date(2018, 4, 2)
    entry = changes().get()
    assert entry.actor_name == "command line"
    assert entry.detail["before"] == {"date_of_birth": "2018-03-14"}
