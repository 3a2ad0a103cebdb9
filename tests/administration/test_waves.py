"""Waves from the administration pages: the list, opening a wave (name unique, ends on or
after it starts, known schools) and changing its name, dates and schools. Nothing is saved
while a problem remains; each change is audited."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Wave

pytestmark = pytest.mark.django_db


def form(**changes):
    return {
        "name": "Wave 2 (2027)",
        "starts_on": "2027-02-01",
        "ends_on": "2027-11-30",
        "schools": "",
    } | changes


def test_the_list_shows_dates_schools_and_version(manager, wave):
    page = manager.get(reverse("administration_waves")).content.decode()
    row = next(r for r in page.split("<tr>") if "Wave 1" in r)
    assert "1 Feb 2026" in row and "30 Nov 2026" in row
    assert "<td>2</td>" in row  # two schools
    assert "Mini test instrument version 1" in row


def test_a_wave_that_ends_before_it_starts_is_refused(manager, mini_version, wave):
    response = manager.post(
        reverse("administration_wave_new"),
        form(starts_on="2027-05-01", ends_on="2027-04-01", instrument_version=mini_version.pk),
    )
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "The wave ends before it starts." in page and 'id="id_ends_on_error"' in page
    assert Wave.objects.count() == 1


def test_a_taken_name_an_unknown_school_and_a_bad_date_are_refused(manager, mini_version, wave):
    page = manager.post(
        reverse("administration_wave_new"), form(name="Wave 1", instrument_version=mini_version.pk)
    ).content.decode()
    assert "There is already a wave called &#x27;Wave 1&#x27;." in page
    page = manager.post(
        reverse("administration_wave_new"),
        form(schools="700111111 700999999", starts_on="1 Feb", instrument_version=mini_version.pk),
    ).content.decode()
    assert "No school with EMIS number 700999999." in page
    assert "Enter a valid date." in page
    assert Wave.objects.count() == 1


def test_a_wave_is_opened_for_chosen_schools_and_audited(manager, people, mini_version, sunrise):
    response = manager.post(
        reverse("administration_wave_new"),
        form(schools="700111111", instrument_version=mini_version.pk),
    )
    assert response.status_code == 302
    wave = Wave.objects.get(name="Wave 2 (2027)")
    assert (wave.starts_on, wave.ends_on) == (dt.date(2027, 2, 1), dt.date(2027, 11, 30))
    assert list(wave.schools.all()) == [sunrise]
    assert wave.instrument_version == mini_version
    entry = AuditEntry.objects.get(object_type="wave", action="create")
    assert entry.actor == people["dora"] and entry.detail["schools"] == ["700111111"]


def test_no_schools_means_every_school(manager, mini_version, sunrise, hilltop):
    manager.post(reverse("administration_wave_new"), form(instrument_version=mini_version.pk))
    assert Wave.objects.get(name="Wave 2 (2027)").schools.count() == 0
    page = manager.get(reverse("administration_waves")).content.decode()
    assert "<td>All</td>" in page


def test_a_wave_needs_a_published_instrument(manager, people):
    response = manager.get(reverse("administration_wave_new"), follow=True)
    assert "Publish an instrument first" in response.content.decode()


def test_changing_dates_and_schools(manager, people, wave, sunrise):
    url = reverse("administration_wave", args=[wave.pk])
    page = manager.get(url).content.decode()
    assert 'value="2026-02-01"' in page and "700111111 700222222" in page
    assert "instrument_version" not in page  # a wave keeps its version
    refused = manager.post(url, form(name="Wave 1", starts_on="2026-12-01", ends_on="2026-11-30"))
    assert "The wave ends before it starts." in refused.content.decode()
    wave.refresh_from_db()
    assert wave.starts_on == dt.date(2026, 2, 1)
    response = manager.post(
        url, form(name="Wave 1", starts_on="2026-03-01", ends_on="2026-11-30", schools="700111111")
    )
    assert response.status_code == 302
    wave.refresh_from_db()
    assert wave.starts_on == dt.date(2026, 3, 1)
    assert list(wave.schools.all()) == [sunrise]
    entry = AuditEntry.objects.get(object_type="wave", action="change")
    assert entry.detail["changed"] == {
        "starts_on": ["2026-02-01", "2026-03-01"],
        "schools": [["700111111", "700222222"], ["700111111"]],
    }
    assert entry.actor == people["dora"]


def test_an_unknown_wave_is_not_found(manager):
    assert manager.get(reverse("administration_wave", args=[999])).status_code == 404
