"""Issue 14 item 3: every rule of the default instrument names its source, a rule without one
is warned about, and `cwtt instrument check --against WAVE` prints the shares of children
each rule and domain would flag, as a hand count gives them."""

import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.assessments.models import Assessment
from cwtt.assessments.wave_answers import wave_answers
from cwtt.instruments.engine.reader import read_instrument
from tests.conftest import make_child

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_every_rule_of_the_default_instrument_names_its_source():
    result = read_instrument(settings.CWTT_DEFAULT_INSTRUMENT)
    assert result.ok
    assert result.definition.rules
    unsourced = [r.code for r in result.definition.rules if not r.source.strip()]
    assert unsourced == []
    assert not [w for w in result.warnings if "names no source" in w]


def test_a_rule_without_a_source_is_warned_about_but_accepted(tmp_path):
    text = (FIXTURES / "mini.md").read_text()
    edited = tmp_path / "mini.md"
    edited.write_text(
        text.replace(
            "| Fewer than two meals yesterday | | test |", "| Fewer than two meals yesterday | |  |"
        )
    )
    result = read_instrument(edited)
    assert result.ok
    assert [w for w in result.warnings if "'nut_meals_high' names no source" in w]


def _assess(child, wave, respondent, answers, status="submitted"):
    return Assessment.objects.create(
        uuid=uuid.uuid4(),
        child=child,
        wave=wave,
        respondent=respondent,
        answers=answers,
        assessed_on=dt.date(2026, 3, 2),
        instrument_version=wave.instrument_version,
        status=status,
    )


def _check(*args):
    out = io.StringIO()
    call_command("instrument", "check", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _row(out, first):
    return next(line.split() for line in out.splitlines() if line.split()[:1] == [first])


@pytest.mark.django_db
def test_check_against_a_wave_prints_the_shares_a_hand_count_gives(wave, sunrise, hilltop):
    # Four children. By hand: nut_meals_high fires for A and B (meals < 2), nut_meals_none
    # for B only; prot_hit for A and C, prot_abuse_tc for C; so prot_many (two moderate or
    # higher protection indicators) for C only. Nutrition high: A, B (2 of 4 = 50%);
    # protection high: C (25%), moderate or high: A, C (50%). High anywhere: A, B, C (75%).
    # D's draft is not counted; D's submitted answers flag nothing.
    a, b = make_child(sunrise, first="A"), make_child(sunrise, first="B")
    c, d = make_child(hilltop, first="C"), make_child(hilltop, first="D")
    _assess(a, wave, "caregiver", {"cg_meals": 1, "cg_hit": "yes"})
    _assess(b, wave, "caregiver", {"cg_meals": 0, "cg_hungry": "no", "cg_hit": "no"})
    _assess(c, wave, "caregiver", {"cg_meals": 3, "cg_hit": "yes"})
    _assess(c, wave, "teacher", {"tc_abuse": "yes", "tc_absent": 0})
    _assess(d, wave, "caregiver", {"cg_meals": 3, "cg_hit": "no"})
    _assess(d, wave, "teacher", {"tc_abuse": "yes"}, status="draft")
    out = _check(str(FIXTURES / "mini.md"), "--against", wave.name)
    assert "Shares of 4 children flagged" in out
    assert _row(out, "nutrition")[1:] == ["2", "50.0%", "2", "50.0%"]
    assert _row(out, "protection")[1:] == ["1", "25.0%", "2", "50.0%"]
    assert _row(out, "health")[1:] == ["0", "0.0%", "0", "0.0%"]
    assert _row(out, "any")[2:] == ["3", "75.0%"]
    assert _row(out, "nut_meals_high")[3:5] == ["2", "50.0%"]
    assert _row(out, "nut_meals_none")[3:5] == ["1", "25.0%"]
    assert _row(out, "prot_hit")[3:5] == ["2", "50.0%"]
    assert _row(out, "prot_abuse_tc")[3:5] == ["1", "25.0%"]
    assert _row(out, "prot_many")[3:5] == ["1", "25.0%"]
    assert _row(out, "nut_hungry")[3:5] == ["0", "0.0%"]


@pytest.mark.django_db
def test_check_against_an_unknown_wave_says_which_waves_there_are(wave):
    with pytest.raises(CommandError, match="no wave called Wave 9 \\(waves: Wave 1\\)"):
        _check(str(FIXTURES / "mini.md"), "--against", "Wave 9")


@pytest.mark.django_db
def test_reading_a_wave_costs_the_same_queries_at_two_sizes(wave, sunrise, hilltop):
    """`check --against` and `trim` read a wave in one query, whatever its size."""
    counts = []
    for size in (2, 12):
        while Assessment.objects.filter(wave=wave).count() < size * 2:
            child = make_child(sunrise if size % 2 else hilltop, first="S")
            _assess(child, wave, "caregiver", {"cg_meals": 2})
            _assess(child, wave, "teacher", {"tc_absent": 1})
        with CaptureQueriesContext(connection) as queries:
            read = wave_answers([wave])
        assert len(read) == size
        assert all(len(c.questionnaires) == 2 for c in read)
        counts.append(len(queries))
    assert counts[0] == counts[1] == 1
