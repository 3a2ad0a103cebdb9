"""Fixtures for the child's rights: a scored child with a free-text answer, and models "added
later" by another app, which the record and the anonymisation must find without being told."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Wave
from cwtt.instruments.actions import instrument_publish
from cwtt.registry.models import Caregiver, Child

FIXTURES = Path(__file__).parent.parent / "fixtures"
COMMENT_ROW = (
    "| | integer | cg_meals | Meals yesterday |",
    "| | text | cg_comment | Anything else the family wants us to know? | | | | | | | | |\n"
    "| | integer | cg_meals | Meals yesterday |",
)


@pytest.fixture
def text_version(db):
    """The mini instrument with one free-text question for the caregiver."""
    source = (FIXTURES / "mini.md").read_text()
    source = source.replace(
        "| | mini | Mini test instrument | t1 |", "| | mini_text | Mini with text | t1 |"
    )
    source = source.replace(*COMMENT_ROW, 1)
    assert "cg_comment" in source
    return instrument_publish(data=source.encode(), filename="mini_text.md").version


@pytest.fixture
def text_wave(text_version, sunrise, hilltop):
    wave = Wave.objects.create(
        name="Wave T",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=text_version,
    )
    wave.schools.set([sunrise, hilltop])
    return wave


def assess(child: Child, wave: Wave, comment: str = "Lwazi's uncle Sipho drinks") -> None:
    """A caregiver (named as the informant) and a nurse assessment: nutrition and protection
    high, with a free-text comment."""
    caregiver = child.caregivers.first()
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no", "cg_comment": comment},
        assessed_on=dt.date(2026, 3, 2),
        informant_caregiver=caregiver,
    )
    assessment_save(
        child=child,
        wave=wave,
        respondent="nurse",
        answers={"ns_abuse": "yes"},
        assessed_on=dt.date(2026, 3, 3),
    )


@pytest.fixture
def assessed_child(child, text_wave):
    assess(child, text_wave)
    child.refresh_from_db()
    return child


@pytest.fixture
def later_models(db):
    """Models another app might add later: a note with free text (its relation hidden with
    related_name="+"), a consent-like record with a caregiver link and no free text, and
    meeting minutes shared by several children. Their tables live inside the test's
    transaction and go with its rollback."""

    class LaterNote(models.Model):
        child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
        text = models.TextField("what was noted")

        class Meta:
            app_label = "rights"

        def __str__(self) -> str:
            return f"Note {self.pk}"

    class LaterConsent(models.Model):
        child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="later_consents")
        caregiver = models.ForeignKey(
            Caregiver, null=True, on_delete=models.SET_NULL, related_name="+"
        )
        agreed = models.BooleanField("agreed to take part")

        class Meta:
            app_label = "rights"
            verbose_name_plural = "later consents"

        def __str__(self) -> str:
            return f"Consent {self.pk}"

    class LaterMeeting(models.Model):
        children = models.ManyToManyField(Child, related_name="+")
        minutes = models.TextField("minutes")

        class Meta:
            app_label = "rights"

        def __str__(self) -> str:
            return f"Meeting {self.pk}"

    # Not entered as a context manager: SQLite refuses that inside a transaction, and the
    # deferred statements (indexes) are not needed here.
    editor = connection.schema_editor()
    editor.deferred_sql = []
    editor.create_model(LaterNote)
    editor.create_model(LaterConsent)
    editor.create_model(LaterMeeting)  # and its table of links to children
    yield LaterNote, LaterConsent, LaterMeeting
    through = LaterMeeting.children.through
    for model in (LaterNote, LaterConsent, LaterMeeting, through):
        del apps.all_models["rights"][model._meta.model_name]
    apps.clear_cache()


def run(*args: str) -> tuple[str, int]:
    """Run a `cwtt` command: its output and exit status (a CommandError is status 1)."""
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=out)
    except CommandError as error:
        return out.getvalue() + str(error), 1
    return out.getvalue(), 0
