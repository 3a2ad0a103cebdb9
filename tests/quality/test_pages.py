"""The data quality pages, as each person would open them: coordinators see their own schools,
data managers every school, everyone else is refused; names never cross a school boundary, and
the details of answers follow what the reader may read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from cwtt.assessments.models import Assessment

from ..conftest import make_child  # noqa: TID252 - shared test helpers
from ..conftest import sign_in as signed_in  # noqa: TID252 - shared test helpers
from .conftest import plant, submit, valid_answers

pytestmark = pytest.mark.django_db

ATTENDANCE = "differ by 5 or more school days"  # education class: Cora reads it, Dora does not
GRANT = "gets the Child Support Grant, and also that no money"  # general: both read it
HEIGHT = "Height for age is far outside"  # health: neither reads it
WITHHELD = "the details are not shown to you"


@pytest.fixture
def findings(quality_wave, sunrise, hilltop, people):
    """At Sunrise: a child whose informants disagree on attendance, whose grant answer
    contradicts the income answer and whose height is implausible; a child registered twice; a
    child with nothing submitted yet. At Hilltop: a duplicate pair and a contradiction too."""
    version = quality_wave.instrument_version
    fiona = people["fiona"]
    sipho = make_child(sunrise, first="Sipho", last="Khumalo")
    submit(
        sipho,
        quality_wave,
        "caregiver",
        valid_answers(
            version, "caregiver", cg_days_missed=0, cg_csg_child="yes", cg_income_source=["none"]
        ),
        by=fiona,
    )
    submit(sipho, quality_wave, "teacher", valid_answers(version, "teacher", tc_days_absent=9))
    submit(sipho, quality_wave, "nurse", valid_answers(version, "nurse", ns_height_cm=85.0))
    born = dt.date(2018, 9, 9)
    twice = [
        make_child(sunrise, first="Naledi", last="Moloi", dob=born),
        make_child(sunrise, first="NALEDI", last="Moloi ", dob=born, consent=False),
    ]
    waiting = make_child(sunrise, first="Zola", last="Waiting")
    elsewhere = [
        make_child(hilltop, first="Hlengiwe", last="Hillside", dob=born),
        make_child(hilltop, first="Hlengiwe", last="Hilside", dob=born, consent=False),
    ]
    plant(elsewhere[0], quality_wave, "caregiver", {"cg_activity_days": 12})
    return {"sipho": sipho, "twice": twice, "waiting": waiting, "elsewhere": elsewhere}


@pytest.mark.parametrize("name", ["fiona", "tumi", "sam", "nandi", "dumi", "nobody"])
def test_only_coordinators_and_data_managers_open_the_quality_pages(
    client, people, findings, sunrise, name
):
    signed_in(client, people[name])
    for url in (reverse("quality"), reverse("quality_school", args=[sunrise.pk])):
        response = client.get(url)
        assert response.status_code == 403, (name, url)
        assert "Khumalo" not in response.content.decode()


def test_the_quality_pages_need_sign_in(client, findings):
    response = client.get(reverse("quality"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_coordinator_sees_their_school_and_never_names_from_another(
    client, people, findings, sunrise, hilltop
):
    signed_in(client, people["cora"])
    page = client.get(reverse("quality")).content.decode()
    assert "Sunrise Primary" in page and "Hilltop Primary" not in page
    sipho = findings["sipho"]
    assert "Sipho Khumalo" in page
    assert reverse("child", args=[sipho.pk]) in page
    assert "Naledi Moloi" in page and "NALEDI Moloi" in page  # the duplicate pair
    for child in findings["elsewhere"]:
        assert child.last_name not in page
    # Counts are of Sunrise only: one duplicate pair (Hilltop has another).
    assert "<strong>1</strong> possible duplicate" in page
    other = client.get(reverse("quality_school", args=[hilltop.pk]))
    assert other.status_code == 404
    assert "Hillside" not in other.content.decode()
    # Asking the overview for another school by id is not found either.
    assert client.get(reverse("quality"), {"school": hilltop.pk}).status_code == 404


def test_a_coordinator_reads_education_details_but_not_health_details(client, people, findings):
    signed_in(client, people["cora"])
    page = client.get(reverse("quality")).content.decode()
    assert ATTENDANCE in page and GRANT in page
    assert HEIGHT not in page and "ns_height_cm" not in page
    assert WITHHELD in page
    # Two growth flags for one child's health check, told once without their details.
    assert page.count("may read health answers") == 1


def test_a_data_manager_sees_every_school_but_only_general_details(
    client, people, findings, hilltop
):
    signed_in(client, people["dora"])
    page = client.get(reverse("quality")).content.decode()
    assert "Sipho Khumalo" in page and "Hlengiwe Hillside" in page and "Hlengiwe Hilside" in page
    assert "<strong>2</strong> possible duplicates" in page
    assert GRANT in page and "Give a number of days from 0 to 7." in page
    assert ATTENDANCE not in page and HEIGHT not in page
    assert "may read education answers" in page and "may read health answers" in page
    # Ranked: what she can read and correct before what only others may read.
    assert page.index(GRANT) < page.index(WITHHELD)
    # Where to look first: both schools have answers to check.
    assert "Schools with answers to check" in page
    assert reverse("quality_school", args=[hilltop.pk]) in page


def test_the_overview_lists_a_limited_number_of_answers_to_check(
    client, people, findings, monkeypatch
):
    from cwtt.quality import views

    monkeypatch.setattr(views, "PROBLEMS_SHOWN", 1)
    signed_in(client, people["dora"])
    page = client.get(reverse("quality")).content.decode()
    assert "more answers to check are not listed here" in page
    assert page.count('<li class="task">') == 1  # one answer to check is listed
    assert page.count('<th scope="row"><a href="/children/') == 2  # the two suspected pairs


def test_a_data_manager_picks_a_school(client, people, findings, hilltop, quality_wave):
    signed_in(client, people["dora"])
    response = client.get(reverse("quality"), {"school": hilltop.pk, "wave": quality_wave.pk})
    url = reverse("quality_school", args=[hilltop.pk])
    assert response.status_code == 302 and response["Location"] == f"{url}?wave={quality_wave.pk}"
    page = client.get(url).content.decode()
    assert "Hlengiwe Hillside" in page and "Sipho Khumalo" not in page


def test_the_school_page_lists_children_still_waiting_with_a_link_to_capture(
    client, people, findings, sunrise, quality_wave
):
    signed_in(client, people["cora"])
    page = client.get(reverse("quality_school", args=[sunrise.pk])).content.decode()
    waiting = findings["waiting"]
    assert "Children still waiting for a questionnaire" in page
    assert "Zola Waiting" in page
    capture = reverse("capture", args=[waiting.pk, "caregiver"])
    assert f"{capture}?wave={quality_wave.pk}" in page
    # Sipho has all three questionnaires: he is not waiting for any.
    assert reverse("capture", args=[findings["sipho"].pk, "nurse"]) not in page


def test_an_unusual_day_is_shown_with_the_person(client, people, findings, sunrise, quality_wave):
    Assessment.objects.bulk_create(
        Assessment(
            child=findings["waiting"],
            wave=quality_wave,
            respondent="caregiver",
            answers={},
            assessed_on=timezone.localdate(),
            instrument_version=quality_wave.instrument_version,
            status="draft",
            assessor=people["sam"],
        )
        for _ in range(30)
    )
    signed_in(client, people["cora"])
    page = client.get(reverse("quality")).content.decode()
    assert "unusually many" in page and "Sam" in page
    assert "<strong>1</strong> unusually busy day" in page


# --- the command ------------------------------------------------------------------------------


def test_the_report_command_prints_counts_and_child_ids_but_no_names(findings, capsys):
    call_command("quality", "report")
    out = capsys.readouterr().out
    assert "contradiction: 2" in out and "duplicates: 2" in out
    assert f"child {findings['sipho'].pk}, caregiver+teacher" in out
    assert GRANT in out and ATTENDANCE not in out  # the data manager's classes
    for name in ("Sipho", "Khumalo", "Naledi", "Hlengiwe"):
        assert name not in out
    assert out.strip().endswith("unusual days.")


def test_the_report_command_takes_one_school_and_a_wave(findings, hilltop, quality_wave, capsys):
    call_command("quality", "report", "--school", hilltop.emis_number, "--wave", quality_wave.name)
    out = capsys.readouterr().out
    assert out.startswith("Data quality for Hilltop Primary, wave Quality wave")
    assert "duplicates: 1" in out and "contradiction: 0" in out and "range: 1" in out
    with pytest.raises(CommandError, match="No school has EMIS number"):
        call_command("quality", "report", "--school", "999999999")
    with pytest.raises(CommandError, match="No wave is called"):
        call_command("quality", "report", "--wave", "Nope")
