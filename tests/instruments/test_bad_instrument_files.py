"""`cwtt instrument check|publish` answer every bad file with a message and exit 1, never a
traceback, and publish nothing (issue #10)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings

from cwtt.instruments.models import InstrumentVersion

from .bad_files import NAMED, broken_files


def run(*args) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue(), err.getvalue(), code


@pytest.mark.django_db
@pytest.mark.parametrize("kind", NAMED, ids=list(NAMED))
def test_check_and_publish_refuse_a_bad_file_with_a_message(tmp_path, kind):
    name, data, words = NAMED[kind]
    path = tmp_path / name
    path.write_bytes(data)
    for action in ("check", "publish"):
        _, err, code = run("instrument", action, str(path))
        assert code == 1, (action, err)
        assert words in err, (action, err)
        assert "Traceback" not in err
    assert not InstrumentVersion.objects.exists()


@pytest.mark.parametrize("kind", ["not a workbook", "damaged .xls renamed .xlsx", "zip bomb"])
def test_export_refuses_a_bad_file_with_a_message(tmp_path, kind):
    name, data, words = NAMED[kind]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError, match=words):
        call_command("instrument", "export", str(path), "--output", str(tmp_path / "out.xlsx"))
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=broken_files)
def test_generated_broken_files_get_a_message_and_publish_nothing(tmp_path, file):
    name, data, must_refuse = file
    path = tmp_path / name
    path.write_bytes(data)
    before = InstrumentVersion.objects.count()
    _, err, code = run("instrument", "check", str(path))
    assert code in (0, 1)
    if must_refuse:
        assert code == 1 and "cannot be read" in err, err
    if code == 1:
        assert "problem(s):" in err
        _, _, published = run("instrument", "publish", str(path))
        assert published == 1
        assert InstrumentVersion.objects.count() == before
