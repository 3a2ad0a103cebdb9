import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cwtt.assessments.models import Wave

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_wave_is_created_for_chosen_schools_with_the_latest_version(
    mini_version, sunrise, hilltop
):
    out = run(
        "wave",
        "create",
        "Wave 2",
        "--starts",
        "2027-02-01",
        "--ends",
        "2027-11-30",
        "--school",
        sunrise.emis_number,
        "--instrument",
        "mini",
    )
    assert "Created Wave 2" in out
    wave = Wave.objects.get(name="Wave 2")
    assert list(wave.schools.all()) == [sunrise]
    assert wave.instrument_version == mini_version
    assert "Wave 2: 2027-02-01 to 2027-11-30, schools: 1" in run("wave", "list")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--starts", "2027-13-01", "--ends", "2027-11-30"], "'2027-13-01' is not a date"),
        (["--starts", "2027-11-01", "--ends", "2027-02-01"], "The wave ends before it starts."),
        (
            ["--starts", "2027-02-01", "--ends", "2027-11-30", "--school", "999999"],
            "No school with EMIS number 999999",
        ),
        (
            ["--starts", "2027-02-01", "--ends", "2027-11-30", "--instrument", "nope"],
            "No instrument 'nope' is published",
        ),
    ],
)
def test_bad_wave_details_are_explained(mini_version, sunrise, args, message):
    with pytest.raises(CommandError, match=message):
        run("wave", "create", "Wave X", "--instrument", "mini", *args)
    assert not Wave.objects.filter(name="Wave X").exists()


def test_a_duplicate_wave_name_is_refused(wave):
    with pytest.raises(CommandError, match="There is already a wave called 'Wave 1'"):
        run(
            "wave",
            "create",
            "Wave 1",
            "--starts",
            "2027-02-01",
            "--ends",
            "2027-11-30",
            "--instrument",
            "mini",
        )
