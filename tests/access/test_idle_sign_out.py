"""Idle sign-out (issue #10, hole 5): a sign-in ends after CWTT_IDLE_MINUTES without anything a
person did. The requests pages make by themselves (the school dashboard's refresh every minute,
the offline page's session check) do not count, so a page left open does not keep a sign-in
alive for ever. Cora (coordinator) reads Sunrise's dashboard; Fiona (field worker) works
offline."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

import cwtt
from cwtt.access.idle import AUTOMATIC_HEADER
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

# What the dashboard's htmx refresh sends: htmx's own headers and the page's marker.
POLL = {"HX-Request": "true", "HX-Trigger": "dashboard", AUTOMATIC_HEADER: "1"}
# What the offline page's session check sends.
CHECK = {AUTOMATIC_HEADER: "1"}


def minutes(clock, n):
    clock.shift(dt.timedelta(minutes=n))


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_sign_in_kept_alive_only_by_the_dashboard_refresh_ends_after_the_idle_time(
    client, clock, people, sunrise
):
    assert settings.IDLE_MINUTES == 30
    sign_in(client, people["cora"])
    url = reverse("school_dashboard", args=[sunrise.pk])
    assert client.get(url).status_code == 200  # Cora opens the dashboard and walks away
    for _ in range(5):
        minutes(clock, 5)
        refresh = client.get(url, headers={**POLL, "HX-Current-URL": "http://testserver" + url})
        assert refresh.status_code == 200 and "Assessments" in refresh.content.decode()
    minutes(clock, 6)  # 31 minutes since Cora last did anything
    refresh = client.get(url, headers={**POLL, "HX-Current-URL": "http://testserver" + url})
    # htmx sends the whole page to the sign-in page, rather than swapping it into the figures.
    assert refresh["HX-Redirect"] == reverse("login") + "?next=" + url.replace("/", "%2F")
    assert "Assessments" not in refresh.content.decode()
    assert not signed_in(client)
    assert AuditEntry.objects.filter(action="sign_out", actor=people["cora"]).count() == 1
    # The next page she opens asks her to sign in again, and says why.
    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("login"))
    assert "30 minutes without activity" in page.content.decode()


def test_a_person_clicking_keeps_the_sign_in(client, clock, people, sunrise):
    sign_in(client, people["cora"])
    url = reverse("school_dashboard", args=[sunrise.pk])
    for _ in range(4):  # two hours, a click every 25 minutes, the refresh in between
        minutes(clock, 20)
        assert client.get(url, headers=POLL).status_code == 200
        minutes(clock, 5)
        assert client.get(url).status_code == 200
    assert signed_in(client)
    # The idle time counts from the last click, not from the last refresh.
    minutes(clock, 29)
    assert client.get(url, headers=POLL).status_code == 200
    minutes(clock, 2)
    assert "HX-Redirect" in client.get(url, headers=POLL)
    assert not signed_in(client)


def test_the_offline_session_check_does_not_extend_the_sign_in(client, clock, people):
    sign_in(client, people["fiona"])
    assert client.get(reverse("offline")).status_code == 200
    check = reverse("offline_session")
    for _ in range(3):  # checks at 9, 18 and 27 minutes
        minutes(clock, 9)
        answer = client.get(check, headers=CHECK)
        assert answer.status_code == 200 and answer.json()["user"] == people["fiona"].pk
    minutes(clock, 4)
    answer = client.get(check, headers=CHECK)
    assert answer.status_code == 401
    assert answer.json()["errors"]["session"] == (
        "Your sign-in ended after 30 minutes without activity. Sign in again."
    )
    # Only the sign-in ends: the phone is not told to forget its store of unsent work.
    assert "Clear-Site-Data" not in answer
    assert not signed_in(client)


def test_work_sent_by_itself_after_the_idle_time_is_refused_and_nothing_is_written(
    client, clock, people, child, wave
):
    sign_in(client, people["fiona"])
    client.get(reverse("offline"))
    minutes(clock, 31)
    answer = client.post(
        reverse("offline_sync"),
        data={"uuid": "0b7c0c52-4a53-4d3c-9d55-0d5c8b0f0b1e", "child": child.pk},
        content_type="application/json",
        headers=CHECK,
    )
    assert answer.status_code == 401 and "Sign in again" in answer.json()["errors"]["session"]
    assert Assessment.objects.count() == 0
    assert not signed_in(client)


def test_a_page_the_person_opens_after_the_idle_time_asks_them_to_sign_in(client, clock, people):
    sign_in(client, people["tumi"])
    client.get(reverse("home"))
    minutes(clock, 31)
    page = client.get(reverse("home"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert not signed_in(client)


def test_the_idle_time_is_a_setting(client, clock, people, settings):
    settings.IDLE_MINUTES = 5
    sign_in(client, people["tumi"])
    client.get(reverse("home"))
    minutes(clock, 4)
    assert client.get(reverse("home")).status_code == 200
    minutes(clock, 6)
    assert client.get(reverse("home")).status_code == 302


def test_a_refresh_does_not_push_back_the_session_or_its_cookie(client, clock, people, sunrise):
    sign_in(client, people["cora"])
    url = reverse("school_dashboard", args=[sunrise.pk])
    clicked = client.get(url)
    # The cookie lasts longer than the idle time, so that the server, not the browser, ends
    # the sign-in and can say why (and htmx can be sent to the sign-in page).
    assert clicked.cookies["sessionid"]["max-age"] > settings.IDLE_MINUTES * 60
    session = Session.objects.get(session_key=client.session.session_key)
    minutes(clock, 10)
    refresh = client.get(url, headers=POLL)
    assert refresh.status_code == 200 and "sessionid" not in refresh.cookies
    assert Session.objects.get(pk=session.pk).expire_date == session.expire_date


def test_an_htmx_request_without_a_sign_in_sends_the_page_to_the_sign_in_page(client, sunrise):
    # A browser that kept no session cookie (it expired while the computer slept): htmx must
    # not swap the sign-in page into the dashboard.
    url = reverse("school_dashboard", args=[sunrise.pk])
    refresh = client.get(url, headers={**POLL, "HX-Current-URL": "http://testserver" + url})
    assert refresh["HX-Redirect"].startswith(reverse("login") + "?next=")
    assert refresh.content == b""


def test_every_page_that_refreshes_itself_marks_its_refresh_as_automatic():
    root = Path(cwtt.__file__).parent
    polling = []
    for template in root.glob("**/templates/**/*.html"):
        for tag in re.findall(r"<[^>]*hx-trigger=\"[^\"]*every [^>]*>", template.read_text()):
            polling.append(template.name)
            assert AUTOMATIC_HEADER in tag and "hx-headers" in tag, template
    assert polling  # the school dashboard refreshes itself
