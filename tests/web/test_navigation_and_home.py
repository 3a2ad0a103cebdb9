"""The header menu per role and the home page built on each person's work."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.meetings.models import ActionItem, Meeting
from cwtt.web.navigation import links_for
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def labels(user, path="/"):
    return [str(link["label"]) for link in links_for(user, path)]


def test_each_role_sees_the_links_its_job_needs(people):
    assert labels(people["tumi"]) == [
        "Home",
        "Find a child",
        "My work",
        "My class",
        "Work offline",
        "Referrals",
        "Services",
    ]
    assert "Emergency access" in labels(people["sam"])
    assert {"Caseloads", "Data quality"} <= set(labels(people["cora"]))
    assert "Administration" not in labels(people["cora"])
    assert {"Administration", "Data quality"} <= set(labels(people["dora"]))
    assert labels(people["dumi"]) == ["Home", "Dashboard", "Evidence", "Planning"]
    assert labels(people["nobody"]) == []


def test_the_page_being_shown_is_marked(people):
    current = [
        str(link["label"]) for link in links_for(people["tumi"], "/my-work/") if link["current"]
    ]
    assert current == ["My work"]


def test_the_menu_is_in_the_page_for_phone_and_desktop(client, people):
    sign_in(client, people["fiona"])
    page = client.get(reverse("home")).content.decode()
    assert page.count('href="/offline/"') >= 2  # in the phone menu and the desktop row
    assert "<summary>Menu</summary>" in page
    assert 'aria-current="page"' in page


def test_home_shows_overdue_work_first_then_the_school(client, people, sunrise):
    staff = people["cora"].staff
    meeting = Meeting.objects.create(
        school=sunrise,
        held_on=timezone.localdate() - dt.timedelta(days=14),
        created_by=people["cora"],
    )
    ActionItem.objects.create(
        meeting=meeting,
        description="Phone the clinic about the eye tests",
        owner=staff,
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    sign_in(client, people["cora"])
    page = client.get(reverse("home")).content.decode()
    assert '<span class="stat">1</span> task is overdue' in page
    assert page.index("Phone the clinic about the eye tests") < page.index("<h2>Your school</h2>")
    # A coordinator works at a desk: offline work comes after the school.
    assert page.index("Sunrise Primary") < page.index("Working without signal")


def test_a_field_worker_finds_offline_work_next_to_her_tasks(client, people):
    sign_in(client, people["fiona"])
    page = client.get(reverse("home")).content.decode()
    assert "Nothing is waiting for you" in page
    assert page.index("Working without signal") < page.index("Sunrise Primary")


def test_area_roles_land_on_what_needs_their_attention(client, people):
    """Home is a short summary; the whole comparison is behind Dashboard (decision 0052)."""
    sign_in(client, people["dumi"])
    page = client.get(reverse("home")).content.decode()
    assert "What needs your attention" in page and "Your work today" not in page
    assert "Test District overview" not in page
    assert f'href="{reverse("area_dashboard")}"' in page
