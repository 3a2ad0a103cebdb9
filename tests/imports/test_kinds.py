"""Each kind of import, from a .csv and from an .xlsx file: what a clean file creates, that a
dry run writes nothing, that importing the same file again changes nothing and says so, and the
broken rows each kind refuses (missing columns, bad dates, an unknown school, rows twice)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.registry.imports import TableError
from cwtt.registry.models import Caregiver, Child, ChildCaregiver, School, SchoolClass, Staff

from ..attacks import unchanged  # noqa: TID252 - shared test helpers
from ..conftest import make_child  # noqa: TID252
from .sheets import run_import, write_table

pytestmark = pytest.mark.django_db

FORMATS = pytest.mark.parametrize("suffix", [".csv", ".xlsx"])


def lines_of(output: str) -> list[str]:
    return output.strip().splitlines()


# --- Schools, with latitude and longitude --------------------------------------------------

SCHOOL_HEADER = [
    "emis_number",
    "name",
    "quintile",
    "province",
    "district",
    "circuit",
    "latitude",
    "longitude",
]
SCHOOLS = [
    ["700333333", "Valley Primary", "3", "Gauteng (test)", "Test District", "Circuit 1",
     "-26.204100", "28.047300"],
    ["700444444", "River Primary", "2", "Gauteng (test)", "Test District", "Circuit 2", "", ""],
]  # fmt: skip


@FORMATS
def test_schools_import_with_their_position_and_a_second_run_changes_nothing(
    district, tmp_path, suffix
):
    path = write_table(tmp_path, "schools" + suffix, SCHOOL_HEADER, SCHOOLS)

    with unchanged():
        output, status = run_import("schools", str(path), "--dry-run")
    assert status == 0
    assert "Dry run: 2 rows checked, 2 would be created" in output

    output, status = run_import("schools", str(path))
    assert status == 0 and "Imported: 2 rows checked, 2 created" in output
    valley = School.objects.get(emis_number="700333333")
    assert (valley.latitude, valley.longitude) == (Decimal("-26.204100"), Decimal("28.047300"))
    assert School.objects.get(emis_number="700444444").latitude is None

    with unchanged():
        output, status = run_import("schools", str(path))
    assert status == 0
    assert lines_of(output)[-1] == (
        "Imported: 2 rows checked, 0 created, 0 updated, 2 unchanged; nothing needed changing, "
        "CWTT already holds every row."
    )


def test_a_school_position_must_be_a_pair_of_numbers_in_range(district, tmp_path):
    rows = [
        [*SCHOOLS[0][:6], "-26.2", ""],
        [*SCHOOLS[1][:6], "south", "28.0"],
        ["700555555", "Hill Primary", "1", "Gauteng (test)", "Test District", "Circuit 1",
         "-126.2", "28.0"],
    ]  # fmt: skip
    path = write_table(tmp_path, "schools.csv", SCHOOL_HEADER, rows)
    with unchanged():
        output, status = run_import("schools", str(path))
    assert status == 1
    assert f"{path}: row 2, column longitude: longitude is blank but latitude is given; " in output
    assert f"{path}: row 3, column latitude: latitude 'south' is not a number" in output
    assert f"{path}: row 4, column latitude: latitude '-126.2' is not between -90 and 90." in output


def test_a_swapped_position_is_imported_with_a_warning(district, tmp_path):
    row = [*SCHOOLS[0][:6], "28.047300", "-26.204100"]
    path = write_table(tmp_path, "schools.csv", SCHOOL_HEADER, [row])
    output, status = run_import("schools", str(path))
    assert status == 0
    assert "row 2, column latitude: latitude '28.047300' is outside South Africa" in output


# --- Classes -------------------------------------------------------------------------------

CLASS_HEADER = ["school_emis", "class_name", "grade", "year"]


@FORMATS
def test_classes_import_and_a_changed_grade_is_updated(sunrise, tmp_path, suffix):
    rows = [["700111111", "1A", "1", "2026"], ["700111111", "RA", "Grade R", "2026"]]
    path = write_table(tmp_path, "classes" + suffix, CLASS_HEADER, rows)
    output, status = run_import("classes", str(path))
    assert status == 0 and "2 created" in output
    assert set(SchoolClass.objects.values_list("name", "grade")) == {("1A", "1"), ("RA", "R")}

    with unchanged():
        output, _ = run_import("classes", str(path))
    assert "0 created, 0 updated, 2 unchanged" in output

    rows[0][2] = "2"
    path = write_table(tmp_path, "classes" + suffix, CLASS_HEADER, rows)
    output, _ = run_import("classes", str(path))
    assert "0 created, 1 updated, 1 unchanged" in output
    assert SchoolClass.objects.get(name="1A").grade == "2"


def test_a_class_of_an_unknown_school_or_twice_in_the_file_is_an_error(sunrise, tmp_path):
    rows = [
        ["700111111", "1A", "1", "2026"],
        ["700999999", "1A", "1", "2026"],
        ["700111111", "1a", "1", "2026"],
    ]
    path = write_table(tmp_path, "classes.csv", CLASS_HEADER, rows)
    with unchanged():
        output, status = run_import("classes", str(path))
    assert status == 1
    assert "row 3, column school_emis: school_emis '700999999' is not a school in CWTT" in output
    assert "row 4, column class_name: class 1a of 2026 at school 700111111 appears again on " \
        "row 4; it is already on row 2." in output  # fmt: skip


# --- Children ------------------------------------------------------------------------------


def test_a_class_list_workbook_imports_too(sunrise, tmp_path):
    header = [
        "school_emis", "class_name", "grade", "year", "first_name", "last_name",
        "date_of_birth", "sex", "caregiver_first_name", "caregiver_last_name",
    ]  # fmt: skip
    rows = [["700111111", "2A", "2", "2026", "Naledi", "Khumalo", "2018-12-01", "F", "Precious",
             "Khumalo"]]  # fmt: skip
    path = write_table(tmp_path, "children.xlsx", header, rows)
    output, status = run_import("children", str(path))
    assert status == 0 and "1 created" in output
    assert Child.objects.get(first_name="Naledi").date_of_birth == dt.date(2018, 12, 1)
    with unchanged():
        output, _ = run_import("children", str(path))
    assert "1 unchanged; nothing needed changing" in output


def test_a_bad_date_of_birth_names_its_file_row_and_column(sunrise, tmp_path):
    header = [
        "school_emis", "class_name", "grade", "year", "first_name", "last_name",
        "date_of_birth", "sex", "caregiver_first_name", "caregiver_last_name",
    ]  # fmt: skip
    rows = [["700111111", "2A", "2", "2026", "Naledi", "Khumalo", "31/02/2018", "F", "", ""]]
    path = write_table(tmp_path, "children.csv", header, rows)
    with unchanged():
        output, status = run_import("children", str(path))
    assert status == 1
    assert f"{path}: row 2, column date_of_birth: date_of_birth '31/02/2018' is not a real date." \
        in output  # fmt: skip


# --- Caregivers ----------------------------------------------------------------------------

CAREGIVER_HEADER = [
    "child_id",
    "caregiver_first_name",
    "caregiver_last_name",
    "caregiver_relation",
    "caregiver_phone",
]


@FORMATS
def test_caregivers_are_added_to_children_by_id_or_by_name_and_a_rerun_changes_nothing(
    sunrise, tmp_path, suffix
):
    child = make_child(sunrise, consent=False)  # has Grace Mokoena, mother
    header = [*CAREGIVER_HEADER, "school_emis", "child_first_name", "child_last_name",
              "child_date_of_birth"]  # fmt: skip
    rows = [
        [str(child.pk), "Johannes", "Mokoena", "father", "071 555 0102", "", "", "", ""],
        ["", "Martha", "Mokoena", "gogo", "", "700111111", "lwazi", "MOKOENA", "2018-03-14"],
        [str(child.pk), "Grace", "Mokoena", "mother", "082 555 0101", "", "", "", ""],
    ]
    path = write_table(tmp_path, "caregivers" + suffix, header, rows)
    output, status = run_import("caregivers", str(path))
    assert status == 0, output
    assert "2 created, 1 updated" in output  # Grace's phone is new
    relations = dict(
        ChildCaregiver.objects.filter(child=child).values_list("caregiver__first_name", "relation")
    )
    assert relations == {"Grace": "mother", "Johannes": "father", "Martha": "grandparent"}
    assert Caregiver.objects.get(first_name="Grace").phone == "082 555 0101"
    child.refresh_from_db()  # a new caregiver without an address joins the child's home
    assert Caregiver.objects.get(first_name="Johannes").household == child.household

    with unchanged():
        output, _ = run_import("caregivers", str(path))
    assert "0 created, 0 updated, plus" not in output
    assert "3 unchanged; nothing needed changing" in output


def test_a_caregiver_of_an_unknown_child_or_twice_is_an_error(sunrise, tmp_path):
    child = make_child(sunrise, consent=False)
    rows = [
        ["999999", "Johannes", "Mokoena", "father", ""],
        [str(child.pk), "Johannes", "Mokoena", "father", ""],
        [str(child.pk), "johannes", "mokoena", "", ""],
    ]
    path = write_table(tmp_path, "caregivers.csv", CAREGIVER_HEADER, rows)
    with unchanged():
        output, status = run_import("caregivers", str(path))
    assert status == 1
    assert "row 2, column child_id: child_id '999999' is not a child in CWTT" in output
    assert "row 4, column caregiver_first_name: johannes mokoena is given again for the same " \
        "child on row 4; they are already on row 3." in output  # fmt: skip


def test_a_caregivers_file_needs_a_way_to_find_the_child(sunrise, tmp_path):
    path = write_table(tmp_path, "caregivers.csv", CAREGIVER_HEADER[1:], [["A", "B", "", ""]])
    with pytest.raises(CommandError, match=r"no column named child_id \(or school_emis, "):
        run_import("caregivers", str(path))


# --- Staff ---------------------------------------------------------------------------------

STAFF_HEADER = ["username", "first_name", "last_name", "role", "schools", "location",
                "organisation", "supervisor"]  # fmt: skip


@FORMATS
def test_staff_become_accounts_without_passwords_with_roles_and_schools(
    sunrise, hilltop, district, tmp_path, suffix
):
    rows = [
        ["thandi.sw", "Thandi", "Nkosi", "social_worker", "700111111; 700222222", "", "DSD", ""],
        ["sipho.fw", "Sipho", "Dube", "field_worker", "700111111", "", "", "thandi.sw"],
        ["dineo.do", "Dineo", "Molefe", "district_official", "", "GP-TD", "", ""],
    ]
    path = write_table(tmp_path, "staff" + suffix, STAFF_HEADER, rows)
    with unchanged():
        output, status = run_import("staff", str(path), "--dry-run")
    assert status == 0 and "Dry run: 3 rows checked, 3 would be created" in output

    output, status = run_import("staff", str(path))
    assert status == 0, output
    thandi = Staff.objects.get(user__username="thandi.sw")
    assert thandi.role == Role.SOCIAL_WORKER
    assert set(thandi.schools.values_list("emis_number", flat=True)) == {"700111111", "700222222"}
    assert Staff.objects.get(user__username="sipho.fw").supervisor == thandi
    assert Staff.objects.get(user__username="dineo.do").location == district["district"]
    # Nobody can sign in with a password from a file: each chooses one through a link.
    assert not any(u.has_usable_password() for u in get_user_model().objects.all())
    assert "3 new people have no password yet. Make each a set-password link" in output
    assert AuditEntry.objects.filter(object_type="user", action="create").count() == 3

    with unchanged():
        output, _ = run_import("staff", str(path))
    assert "3 unchanged; nothing needed changing" in output


def test_an_existing_person_gets_new_schools_but_never_a_new_role(sunrise, hilltop, tmp_path):
    rows = [["thandi.sw", "Thandi", "Nkosi", "social_worker", "700111111", "", "", ""]]
    run_import("staff", str(write_table(tmp_path, "a.csv", STAFF_HEADER, rows)))
    rows = [
        ["thandi.sw", "Thandi", "Nkosi-Dube", "social_worker", "700222222", "", "", ""],
    ]
    output, status = run_import("staff", str(write_table(tmp_path, "b.csv", STAFF_HEADER, rows)))
    assert status == 0 and "1 updated" in output
    assert (
        "row 2, column last_name: last_name 'Nkosi-Dube' differs from the stored 'Nkosi'" in output
    )
    assert Staff.objects.get(user__username="thandi.sw").user.last_name == "Nkosi"
    thandi = Staff.objects.get(user__username="thandi.sw")
    assert set(thandi.schools.values_list("emis_number", flat=True)) == {"700111111", "700222222"}

    rows[0][3] = "teacher"
    with unchanged():
        output, status = run_import(
            "staff", str(write_table(tmp_path, "c.csv", STAFF_HEADER, rows))
        )
    assert status == 1
    assert "row 2, column role: thandi.sw is already in CWTT as Social worker or case worker " \
        "(social_worker), not teacher" in output  # fmt: skip


def test_staff_rows_with_problems_name_the_column_and_nothing_is_written(sunrise, tmp_path):
    rows = [
        ["ok.person", "Ok", "Person", "teacher", "700111111", "", "", ""],
        ["no.school", "No", "School", "teacher", "", "", "", ""],
        ["bad.school", "Bad", "School", "nurse", "700999999", "", "", ""],
        ["bad role", "Bad", "Role", "wizard", "700111111", "", "", ""],
        ["ok.person", "Ok", "Again", "teacher", "700111111", "", "", ""],
    ]
    path = write_table(tmp_path, "staff.csv", STAFF_HEADER, rows)
    with unchanged():
        output, status = run_import("staff", str(path))
    assert status == 1
    assert "row 3, column schools: A teacher or sbst member needs at least one school in the " \
        "schools column." in output  # fmt: skip
    assert "row 4, column schools: No school with EMIS number 700999999." in output
    assert "row 5, column role: 'wizard' is not a role" in output
    assert "row 6, column username: username ok.person appears again on row 6" in output
    assert not get_user_model().objects.filter(username="ok.person").exists()


def test_a_staff_file_with_passwords_is_refused_whole(sunrise, tmp_path):
    header = [*STAFF_HEADER, "password"]
    rows = [["ok.person", "Ok", "Person", "teacher", "700111111", "", "", "", "secret-123"]]
    path = write_table(tmp_path, "staff.csv", header, rows)
    with unchanged(), pytest.raises(Exception, match="never reads passwords from a file"):
        run_import("staff", str(path))


def test_a_file_missing_a_required_column_is_refused_before_reading_rows(sunrise, tmp_path):
    path = write_table(tmp_path, "staff.csv", ["username", "role"], [["a", "teacher"]])
    with pytest.raises(Exception, match="no columns named first_name, last_name"):
        run_import("staff", str(path))
    with pytest.raises(TableError):
        from cwtt.registry.imports import import_staff

        import_staff([{"username": "a", "role": "teacher"}], dry_run=True)


# --- The command's progress bar ------------------------------------------------------------


def test_the_progress_bar_moves_row_by_row_and_ends_on_its_own_line(sunrise):
    import importlib

    from cwtt.interop.imports import KINDS

    bar_class = importlib.import_module("cwtt.interop.management.commands.import").ProgressBar
    out = io.StringIO()
    bar = bar_class(out, "Importing")
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        bar(done, total)

    rows = [
        {"username": f"p{i}", "first_name": "P", "last_name": "Q", "role": "teacher",
         "schools": "700111111"}
        for i in range(3)
    ]  # fmt: skip
    KINDS["staff"].run(rows, dry_run=True, progress=progress)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert out.getvalue().endswith("[" + "#" * 30 + "] 3/3 rows\n")
    assert "\rImporting [" + "#" * 9 + "." * 21 + "] 1/3 rows" in out.getvalue()


def test_without_a_terminal_no_bar_is_drawn(sunrise, tmp_path, capsys):
    path = write_table(tmp_path, "classes.csv", CLASS_HEADER, [["700111111", "1A", "1", "2026"]])
    run_import("classes", str(path))
    assert capsys.readouterr().err == ""


# --- Files refused whole, whatever the kind ------------------------------------------------


@pytest.mark.parametrize("kind", ["schools", "classes", "children", "caregivers", "staff",
                                  "assessments"])  # fmt: skip
def test_every_kind_refuses_too_many_rows_and_the_wrong_encoding(kind, wave, tmp_path, settings):
    from cwtt.interop.imports import KINDS

    settings.CWTT_IMPORT_MAX_ROWS = 2
    header = list(KINDS[kind].required)
    path = write_table(tmp_path, "big.csv", header, [["x"] * len(header)] * 3)
    with unchanged(), pytest.raises(CommandError, match="CWTT reads at most 2 at a time"):
        run_import(kind, str(path))
    latin = tmp_path / "latin.csv"
    latin.write_bytes((",".join(header) + "\n" + "Zo\xeb," * len(header) + "\n").encode("cp1252"))
    with unchanged(), pytest.raises(CommandError, match="is not UTF-8 text: line 2"):
        run_import(kind, str(latin))


def test_with_v2_the_report_says_what_happens_to_every_row(district, tmp_path):
    path = write_table(tmp_path, "schools.csv", SCHOOL_HEADER, SCHOOLS)
    run_import("schools", str(write_table(tmp_path, "one.csv", SCHOOL_HEADER, SCHOOLS[:1])))
    bad = [*SCHOOLS[1][:2], "9", *SCHOOLS[1][3:]]
    path = write_table(tmp_path, "schools.csv", SCHOOL_HEADER, [SCHOOLS[0], SCHOOLS[1], bad])
    output, _ = run_import("schools", str(path), "--dry-run", "-v", "2")
    assert [line for line in lines_of(output) if ": row " in line and "column" not in line] == [
        f"{path}: row 2: unchanged once the errors are fixed",
        f"{path}: row 3: would be created once the errors are fixed",
        f"{path}: row 4: has an error",
    ]
    output, _ = run_import(
        "schools", str(path), "--rejects", str(tmp_path / "r.csv"), "--verbosity", "2"
    )
    assert f"{path}: row 3: created" in output and f"{path}: row 4: set aside" in output


def test_the_progress_of_a_planned_import_moves_as_rows_are_checked(district):
    seen: list[tuple[int, int]] = []
    rows = [dict(zip(SCHOOL_HEADER, row, strict=True)) for row in SCHOOLS]
    from cwtt.registry.imports import import_schools

    import_schools(rows, dry_run=True, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2), (2, 2)]
