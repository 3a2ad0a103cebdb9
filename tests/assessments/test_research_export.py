"""`cwtt export research`: de-identified rows a researcher may hold, and nothing that names a child.

Lwazi (Sunrise Primary) and Ayanda (Hilltop Primary) are assessed by caregiver, teacher and
nurse with an instrument that also asks a free-text and a date question; the export must carry
neither, nor any protection answer, nor anything that identifies them or their families.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cwtt.access.models import AuditEntry
from cwtt.assessments import research_export as export_module
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Wave
from cwtt.assessments.research_export import age_in_months, pseudonym
from cwtt.consent.models import ConsentDecision, ConsentText
from cwtt.instruments.actions import instrument_publish

from ..conftest import FIXTURES  # noqa: TID252 - shared test constant

pytestmark = pytest.mark.django_db

EXTRA_QUESTIONS = (
    "| | text | cg_note | Anything else the caregiver told you | | | | | | | | |\n"
    "| | date | cg_clinic | Date of the last clinic visit | | | | | | | | |\n"
)
FREE_TEXT = "Lwazi sleeps at gogo Thembi's house on Msimang Road"


@pytest.fixture
def research_wave(sunrise, hilltop):
    source = (FIXTURES / "mini.md").read_text()
    anchor = "| | end group | | | | | | | | | | |\n"
    with_text = source.replace(anchor, EXTRA_QUESTIONS + anchor, 1)
    version = instrument_publish(data=with_text.encode(), filename="mini.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise, hilltop])
    return wave


def assess(child, wave, on=dt.date(2026, 3, 2)):
    answers = {
        "caregiver": {
            "cg_meals": 1,
            "cg_hungry": "yes",
            "cg_hit": "yes",
            "cg_worries": ["dark", "school"],
            "cg_dep9": "0",
            "cg_note": FREE_TEXT,
            "cg_clinic": "2026-01-17",
        },
        "teacher": {"tc_abuse": "yes", "tc_absent": 6},
        "nurse": {"ns_height": 118.5, "ns_weight": 21.3, "ns_abuse": "no"},
    }
    for respondent, given in answers.items():
        assessment_save(
            child=child, wave=wave, respondent=respondent, answers=given, assessed_on=on
        )


@pytest.fixture
def assessed(child, other_child, research_wave):
    for someone, sa_id in [(child, "1803145123087"), (other_child, "1805020456081")]:
        someone.sa_id_number = sa_id
        someone.birth_certificate_number = f"BC-{sa_id[:6]}-77"
        someone.save()
        someone.caregivers.update(phone="0829997777")
        assess(someone, research_wave)
    return [child, other_child]


def export(tmp_path, name="research.csv", **options) -> tuple[list[str], list[dict[str, str]]]:
    output = tmp_path / name
    call_command("export", "research", output=str(output), **options)
    with output.open(encoding="utf-8") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or []), list(reader)


def test_each_child_gets_one_row_per_wave_with_levels_and_answers(tmp_path, assessed):
    header, rows = export(tmp_path)
    assert header[:16] == [
        "pseudonym",
        "wave",
        "age_months",
        "sex",
        "quintile",
        "district",
        "health",
        "nutrition",
        "economic",
        "education",
        "protection",
        "psychosocial",
        "overall",
        "urgent",
        "discordant",
        "caregiver.cg_meals",
    ]
    assert header[16:] == [
        "caregiver.cg_hungry",
        "caregiver.cg_worries",
        "caregiver.cg_dep9",
        "teacher.tc_absent",
        "nurse.ns_height",
        "nurse.ns_weight",
    ]
    assert len(rows) == 2
    lwazi = next(r for r in rows if r["sex"] == "M")
    assert lwazi["wave"] == "Wave 1" and lwazi["quintile"] == "1"
    assert lwazi["district"] == "Test District"
    assert lwazi["nutrition"] == "high" and lwazi["protection"] == "high"
    assert lwazi["caregiver.cg_worries"] == "dark school"
    assert lwazi["teacher.tc_absent"] == "6" and lwazi["nurse.ns_height"] == "118.5"


def test_nothing_in_the_file_identifies_a_child(tmp_path, assessed):
    output = tmp_path / "research.csv"
    call_command("export", "research", output=str(output))
    text = output.read_text(encoding="utf-8")
    for someone in assessed:
        school = someone.school
        household = someone.household
        identifying = [
            someone.first_name,
            someone.last_name,
            someone.sa_id_number,
            someone.birth_certificate_number,
            someone.date_of_birth.isoformat(),
            someone.date_of_birth.strftime("%d/%m/%Y"),
            school.name,
            school.emis_number,
            household.address,
            *(c.first_name for c in someone.caregivers.all()),
            *(c.phone for c in someone.caregivers.all()),
        ]
        for value in identifying:
            assert value and value not in text, value
    assert FREE_TEXT not in text and "gogo" not in text  # free text
    assert "2026-01-17" not in text  # a date answer
    assert "Circuit 1" not in text  # only the district, never the circuit or school


def test_protection_answers_are_left_out(tmp_path, assessed):
    header, _ = export(tmp_path)
    for question in ["cg_hit", "tc_abuse", "ns_abuse", "cg_note", "cg_clinic"]:
        assert not any(column.endswith(f".{question}") for column in header)


def test_a_pseudonym_is_stable_per_child_and_changes_with_the_key(tmp_path, assessed, settings):
    _, first = export(tmp_path, "one.csv")
    _, second = export(tmp_path, "two.csv")
    by_sex = {row["sex"]: row["pseudonym"] for row in first}
    assert {row["sex"]: row["pseudonym"] for row in second} == by_sex
    assert by_sex["M"] != by_sex["F"]
    assert all(p.startswith("C-") and len(p) == 18 for p in by_sex.values())
    lwazi, ayanda = assessed
    assert by_sex["M"] == pseudonym(lwazi.pk, settings.CWTT_PSEUDONYM_KEY)

    settings.CWTT_PSEUDONYM_KEY = "another-installation-entirely"
    _, third = export(tmp_path, "three.csv")
    other = {row["sex"]: row["pseudonym"] for row in third}
    assert other["M"] != by_sex["M"] and other["F"] != by_sex["F"]


def test_age_is_whole_months_at_the_start_of_the_wave(tmp_path, assessed):
    _, rows = export(tmp_path)
    # Born 14 March 2018; the wave starts on 1 February 2026: 7 years and 10 months.
    assert {row["age_months"] for row in rows} == {"94"}
    assert age_in_months(dt.date(2018, 3, 14), dt.date(2026, 3, 14)) == 96
    assert age_in_months(dt.date(2018, 3, 14), dt.date(2026, 3, 13)) == 95
    assert age_in_months(dt.date(2020, 1, 31), dt.date(2020, 2, 29)) == 0
    assert age_in_months(dt.date(2020, 1, 31), dt.date(2020, 3, 1)) == 1


def test_children_without_research_consent_are_left_out(tmp_path, assessed):
    lwazi, _ = assessed
    ConsentDecision.objects.create(
        child=lwazi,
        purpose="research",
        decision="withdrawn",
        caregiver=lwazi.caregivers.first(),
        text=ConsentText.objects.filter(purpose="research").first(),
        decided_on=dt.date(2026, 4, 1),
    )
    _, rows = export(tmp_path)
    assert [row["sex"] for row in rows] == ["F"]


def test_one_wave_can_be_exported_alone(tmp_path, assessed, research_wave):
    later = Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2026, 8, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=research_wave.instrument_version,
    )
    assess(assessed[0], later, on=dt.date(2026, 8, 3))
    _, everything = export(tmp_path, "all.csv")
    assert sorted(row["wave"] for row in everything) == ["Wave 1", "Wave 1", "Wave 2"]
    _, alone = export(tmp_path, "wave2.csv", wave="Wave 2")
    assert [(row["wave"], row["age_months"]) for row in alone] == [("Wave 2", "100")]
    with pytest.raises(CommandError, match="No wave is called 'Wave 9'"):
        export(tmp_path, "none.csv", wave="Wave 9")


def test_the_export_is_recorded_in_the_audit_trail(tmp_path, assessed):
    output = tmp_path / "research.csv"
    call_command("export", "research", output=str(output))
    entry = AuditEntry.objects.get(object_type="research_export")
    assert entry.action == AuditEntry.Action.EXPORT and entry.actor_name == "command line"
    assert entry.detail["rows"] == 2 and entry.detail["file"] == str(output)


def test_a_missing_folder_is_refused_clearly(tmp_path, assessed):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export", "research", output=str(tmp_path / "nowhere" / "r.csv"))
    assert not AuditEntry.objects.filter(object_type="research_export").exists()


def test_a_failure_half_way_leaves_no_file_and_no_audit_entry(tmp_path, assessed, monkeypatch):
    def failing_rows(**_):
        def rows():
            yield ["C-0000000000000000"]
            raise RuntimeError("disk full")

        return export_module.FIXED[:1], rows()

    monkeypatch.setattr(export_module, "research_table", failing_rows)
    target = tmp_path / "research.csv"
    with pytest.raises(RuntimeError, match="disk full"):
        call_command("export", "research", output=str(target))
    assert list(Path(tmp_path).iterdir()) == []
    assert not AuditEntry.objects.filter(object_type="research_export").exists()
