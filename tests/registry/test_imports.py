"""Registry imports: a data manager loads schools and class lists; bad input is explained row by
row and never leaves half-written data."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from cwtt.registry.imports import (
    MissingColumnsError,
    RowError,
    import_children,
    import_schools,
    read_table,
)
from cwtt.registry.models import (
    Caregiver,
    Child,
    ChildCaregiver,
    Household,
    Location,
    School,
    SchoolClass,
    Staff,
)
from cwtt.registry.validation import luhn_ok, sa_id_problems

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
THIS_YEAR = timezone.localdate().year
# Seven years old this year: inside Foundation Phase age whenever the tests run.
BORN = dt.date(THIS_YEAR - 7, 3, 14)


def sa_id(born: dt.date, sequence: int) -> str:
    """A generated ID number (citizen); sequence 0000-4999 is a girl, 5000-9999 a boy."""
    stem = f"{born:%y%m%d}{sequence:04d}08"
    return next(stem + digit for digit in "0123456789" if luhn_ok(stem + digit))


def school_row(**changes: str) -> dict[str, str]:
    row = {
        "emis_number": "700333333",
        "name": "Valley Primary",
        "quintile": "3",
        "province": "Gauteng (test)",
        "district": "Test District",
        "circuit": "Circuit 1",
    }
    return row | changes


def child_row(**changes: str) -> dict[str, str]:
    row = {
        "school_emis": "700111111",
        "class_name": "1A",
        "grade": "1",
        "year": str(THIS_YEAR),
        "first_name": "Naledi",
        "last_name": "Khumalo",
        "date_of_birth": BORN.isoformat(),
        "sex": "F",
        "sa_id_number": sa_id(BORN, 1234),
        "birth_certificate_number": "",
        "grant_status": "receives",
        "caregiver_first_name": "Precious",
        "caregiver_last_name": "Khumalo",
        "caregiver_relation": "mother",
        "caregiver_phone": "060 555 0103",
        "address": "8 Placeholder Lane",
    }
    return row | changes


def registry_counts() -> dict[str, int]:
    models = [Location, School, SchoolClass, Household, Caregiver, Child, ChildCaregiver]
    return {model.__name__: model.objects.count() for model in models}


def errors_in(report, column: str) -> list[str]:
    return [error.message for error in report.errors if error.column == column]


# --- Schools ------------------------------------------------------------------------------


def test_a_clean_school_import_creates_the_schools_and_only_the_missing_locations(district):
    report = import_schools(
        [
            school_row(circuit="circuit 1"),  # an existing circuit, whatever the case
            school_row(emis_number="700444444", name="River Primary", circuit="Circuit 9"),
            school_row(
                emis_number="700555555",
                name="Hill Primary",
                province="Limpopo",
                district="Vhembe",
                circuit="Vhembe Circuit 12",
            ),
        ],
        dry_run=False,
    )

    assert report.errors == []
    assert (report.created, report.updated) == (3, 0)
    assert report.also_created == {"locations": 4}
    valley = School.objects.get(emis_number="700333333")
    assert (valley.name, valley.quintile, valley.location) == (
        "Valley Primary",
        3,
        district["circuit"],
    )
    river = School.objects.get(emis_number="700444444")
    assert river.location.parent == district["district"]
    hill = School.objects.get(emis_number="700555555")
    assert [hill.location.name, hill.location.parent.name, hill.location.parent.parent.name] == [
        "Vhembe Circuit 12",
        "Vhembe",
        "Limpopo",
    ]
    assert hill.location.parent.parent.parent is None
    codes = list(Location.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 7
    assert all(len(code) <= 32 for code in codes)


def test_a_province_can_be_given_by_its_code(district):
    report = import_schools([school_row(province="gp")], dry_run=False)

    assert report.errors == []
    assert School.objects.get(emis_number="700333333").location == district["circuit"]
    assert Location.objects.count() == 3


def test_importing_the_same_schools_twice_updates_and_does_not_duplicate(district):
    rows = [school_row(), school_row(emis_number="700444444", circuit="Circuit 9")]
    import_schools(rows, dry_run=False)
    before = registry_counts()

    report = import_schools(rows, dry_run=False)

    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 2, [])
    assert report.also_created == {"locations": 0}
    assert registry_counts() == before


def test_an_existing_emis_number_updates_the_school_name_quintile_and_location(sunrise):
    report = import_schools(
        [
            school_row(
                emis_number=sunrise.emis_number,
                name="Sunrise Primary School",
                quintile="Q2",
                circuit="Circuit 2",
            )
        ],
        dry_run=False,
    )

    assert (report.created, report.updated, report.errors) == (0, 1, [])
    sunrise.refresh_from_db()
    assert (sunrise.name, sunrise.quintile, sunrise.location.name) == (
        "Sunrise Primary School",
        2,
        "Circuit 2",
    )
    assert School.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"name": "  "}, "name", "name is blank; every row needs one."),
        ({"circuit": ""}, "circuit", "circuit is blank; every row needs one."),
        ({"emis_number": ""}, "emis_number", "emis_number is blank; every row needs one."),
        (
            {"emis_number": "12AB"},
            "emis_number",
            "emis_number '12AB': An EMIS number is 6 to 12 digits.",
        ),
        (
            {"emis_number": "12345"},
            "emis_number",
            "emis_number '12345': An EMIS number is 6 to 12 digits.",
        ),
        (
            {"emis_number": "7001111111111"},
            "emis_number",
            "emis_number '7001111111111': An EMIS number is 6 to 12 digits.",
        ),
        ({"quintile": "7"}, "quintile", "quintile '7' is not accepted; use a number from 1 to 5."),
        (
            {"quintile": "poor"},
            "quintile",
            "quintile 'poor' is not accepted; use a number from 1 to 5.",
        ),
    ],
)
def test_a_bad_school_value_is_reported_with_its_row_and_column(district, changes, column, message):
    report = import_schools(
        [school_row(emis_number="700444444"), school_row(**changes)], dry_run=False
    )

    assert report.errors == [RowError(3, column, message)]
    assert not report.written


def test_the_same_emis_number_twice_in_a_file_is_an_error_on_the_later_row(district):
    report = import_schools([school_row(), school_row(name="Valley Primary Again")], dry_run=False)

    assert report.errors == [
        RowError(
            3,
            "emis_number",
            "EMIS number 700333333 appears again on row 3; it is already on row 2. "
            "Give each school one row.",
        )
    ]
    assert School.objects.count() == 0


def test_one_bad_school_row_means_nothing_is_written(district, sunrise):
    before = registry_counts()

    report = import_schools(
        [
            school_row(province="Limpopo", district="Vhembe", circuit="New Circuit"),
            school_row(emis_number=sunrise.emis_number, name="Renamed"),
            school_row(emis_number="700444444", quintile="9"),
        ],
        dry_run=False,
    )

    assert [(error.row, error.column) for error in report.errors] == [(4, "quintile")]
    assert (report.created, report.updated) == (0, 0)
    assert registry_counts() == before
    sunrise.refresh_from_db()
    assert sunrise.name == "Sunrise Primary"


def test_a_school_dry_run_reports_what_would_happen_and_writes_nothing(district, sunrise):
    before = registry_counts()

    report = import_schools(
        [school_row(circuit="Circuit 9"), school_row(emis_number=sunrise.emis_number)],
        dry_run=True,
    )

    assert (report.created, report.updated, report.errors) == (1, 1, [])
    assert report.summary() == (
        "Dry run: 2 rows checked, 1 would be created, 1 updated, plus 1 location; "
        "nothing was written."
    )
    assert registry_counts() == before


def test_missing_required_columns_are_named():
    with pytest.raises(MissingColumnsError) as raised:
        import_schools([{"emis_number": "700333333", "name": "Valley"}], dry_run=False)

    assert raised.value.missing == ["quintile", "province", "district", "circuit"]
    assert "no columns named quintile, province, district, circuit" in str(raised.value)


def test_an_unknown_column_is_a_warning_on_the_header_row(district):
    report = import_schools([school_row(notes="new building")], dry_run=False)

    assert report.errors == []
    assert report.warnings == [
        RowError(1, "notes", "CWTT does not read a column named notes; it was ignored.")
    ]
    assert School.objects.count() == 1


# --- Children -----------------------------------------------------------------------------


def test_a_clean_class_list_import_creates_children_classes_households_and_caregivers(sunrise):
    report = import_children(
        [
            child_row(),
            child_row(
                first_name="Thabo",
                last_name="Nkosi",
                sex="M",
                class_name="RB",
                grade="R",
                sa_id_number="",
                birth_certificate_number="B-0001",
                grant_status="",
                caregiver_first_name="Johannes",
                caregiver_last_name="Nkosi",
                caregiver_relation="",
                caregiver_phone="",
                address="",
            ),
        ],
        dry_run=False,
    )

    assert (report.errors, report.warnings) == ([], [])
    assert (report.created, report.updated) == (2, 0)
    assert report.also_created == {"classes": 2, "households": 2, "caregivers": 2}
    assert report.summary() == (
        "Imported: 2 rows checked, 2 created, 0 updated, plus 2 classes, 2 households, "
        "2 caregivers."
    )
    naledi = Child.objects.get(first_name="Naledi")
    assert (naledi.school, naledi.date_of_birth, naledi.sex) == (sunrise, BORN, "F")
    assert (naledi.sa_id_number, naledi.grant_status) == (sa_id(BORN, 1234), "receives")
    assert (naledi.school_class.name, naledi.school_class.grade) == ("1A", "1")
    assert naledi.school_class.year == THIS_YEAR
    assert naledi.household.address == "8 Placeholder Lane"
    link = ChildCaregiver.objects.get(child=naledi)
    assert (link.caregiver.first_name, link.caregiver.phone) == ("Precious", "060 555 0103")
    assert (link.relation, link.is_primary) == ("mother", True)
    assert link.caregiver.household == naledi.household
    thabo = Child.objects.get(first_name="Thabo")
    assert (thabo.grant_status, thabo.birth_certificate_number) == ("unknown", "B-0001")
    assert thabo.caregiver_links.get().relation == "other"


def test_importing_the_same_class_list_twice_updates_and_does_not_duplicate(sunrise, hilltop):
    rows = [
        child_row(),
        child_row(first_name="Sipho", sex="M", sa_id_number=sa_id(BORN, 5678)),
        child_row(school_emis=hilltop.emis_number, first_name="Ayanda", sa_id_number=""),
    ]
    import_children(rows, dry_run=False)
    before = registry_counts()
    stamps = dict(Child.objects.values_list("pk", "updated_at"))

    report = import_children(rows, dry_run=False)

    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 3, [])
    assert report.also_created == {"classes": 0, "households": 0, "caregivers": 0}
    assert registry_counts() == before
    # Nothing changed, so no child was written again.
    assert dict(Child.objects.values_list("pk", "updated_at")) == stamps


def test_an_existing_child_is_matched_by_school_name_and_birth_date(child):
    report = import_children(
        [
            child_row(
                first_name="lwazi",
                last_name="MOKOENA",
                date_of_birth="2018-03-14",
                sex="M",
                sa_id_number="",
                class_name="3A",
                grade="3",
                grant_status="applied",
                caregiver_first_name="Grace",
                caregiver_last_name="Mokoena",
                caregiver_relation="",
                caregiver_phone="082 555 0199",
                address="",
            )
        ],
        dry_run=False,
    )

    assert (report.created, report.updated, report.errors) == (0, 1, [])
    child.refresh_from_db()
    assert (child.school_class.name, child.grant_status) == ("3A", "applied")
    assert Child.objects.count() == Caregiver.objects.count() == Household.objects.count() == 1
    link = child.caregiver_links.get()
    # A blank optional cell keeps what is stored: the relation stays "mother".
    assert (link.relation, link.caregiver.phone) == ("mother", "082 555 0199")
    assert child.household.address == "12 Test Street"


def test_an_existing_child_is_matched_by_sa_id_number_even_at_another_school(child, hilltop):
    number = sa_id(child.date_of_birth, 5001)
    child.sa_id_number = number
    child.save()

    report = import_children(
        [
            child_row(
                school_emis=hilltop.emis_number,
                first_name="Lwazi Junior",
                last_name="Mokoena",
                date_of_birth="2018-03-14",
                sex="M",
                sa_id_number=number,
            )
        ],
        dry_run=False,
    )

    assert (report.created, report.updated, report.errors) == (0, 1, [])
    child.refresh_from_db()
    assert (child.school, child.first_name, child.school_class.school) == (
        hilltop,
        "Lwazi Junior",
        hilltop,
    )
    assert Child.objects.count() == 1


def test_siblings_with_the_same_caregiver_and_address_share_one_household(sunrise):
    report = import_children(
        [
            child_row(),
            child_row(
                first_name="Sipho",
                sex="M",
                sa_id_number="",
                class_name="RA",
                grade="R",
                address="8  placeholder lane",
                caregiver_relation="Mom",
            ),
        ],
        dry_run=False,
    )

    assert report.errors == []
    assert report.also_created == {"classes": 2, "households": 1, "caregivers": 1}
    naledi, sipho = Child.objects.get(first_name="Naledi"), Child.objects.get(first_name="Sipho")
    assert naledi.household == sipho.household
    assert list(naledi.caregivers.all()) == list(sipho.caregivers.all())


def test_a_later_file_finds_a_sibling_household_already_stored(child):
    report = import_children(
        [
            child_row(
                first_name="Palesa",
                last_name="Mokoena",
                sa_id_number="",
                caregiver_first_name="Grace",
                caregiver_last_name="Mokoena",
                address="12 test street",
            )
        ],
        dry_run=False,
    )

    assert report.also_created == {"classes": 1, "households": 0, "caregivers": 0}
    assert Child.objects.get(first_name="Palesa").household == child.household


def test_other_accepted_spellings_are_read(sunrise):
    born = dt.date(THIS_YEAR - 6, 11, 2)
    report = import_children(
        [
            child_row(
                date_of_birth=f"{born:%d/%m/%Y}",
                sex="Girl",
                sa_id_number=sa_id(born, 4321),
                grade="Grade R",
                class_name="R1",
                grant_status="Not receiving",
                caregiver_relation="Grandmother",
            )
        ],
        dry_run=False,
    )

    assert report.errors == []
    naledi = Child.objects.get()
    assert (naledi.date_of_birth, naledi.sex, naledi.grant_status) == (born, "F", "not_receiving")
    assert naledi.school_class.grade == "R"
    assert naledi.caregiver_links.get().relation == "grandparent"


FUTURE = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"school_emis": "700999999"},
            "school_emis",
            "school_emis '700999999' is not a school in CWTT; import the school list first "
            "(cwtt import schools FILE).",
        ),
        (
            {"date_of_birth": "31/02/2018", "sa_id_number": ""},
            "date_of_birth",
            "date_of_birth '31/02/2018' is not a real date.",
        ),
        (
            {"date_of_birth": "03/14/2018", "sa_id_number": ""},
            "date_of_birth",
            "date_of_birth '03/14/2018' is not a real date. Dates with slashes are read day "
            "first, as DD/MM/YYYY.",
        ),
        (
            {"date_of_birth": "March 2018", "sa_id_number": ""},
            "date_of_birth",
            "date_of_birth 'March 2018' is not a date CWTT can read; write it as YYYY-MM-DD "
            "(2018-03-14) or DD/MM/YYYY (14/03/2018).",
        ),
        (
            {"date_of_birth": FUTURE, "sa_id_number": ""},
            "date_of_birth",
            f"date_of_birth '{FUTURE}': The date of birth is in the future.",
        ),
        (
            {"sex": "X"},
            "sex",
            "sex 'X' is not accepted; use M or F (male, female, boy and girl are read too).",
        ),
        ({"grade": "4"}, "grade", "grade '4' is not accepted; use one of R, 1, 2, 3."),
        (
            {"grant_status": "yes"},
            "grant_status",
            "grant_status 'yes' is not accepted; use one of receives, applied, not_receiving, "
            "unknown, or leave it blank.",
        ),
        (
            {"caregiver_relation": "neighbour"},
            "caregiver_relation",
            "caregiver_relation 'neighbour' is not accepted; use one of mother, father, "
            "grandparent, aunt_uncle, sibling, foster, other, or leave it blank (words such as "
            "grandmother or uncle are read too).",
        ),
        (
            {"year": "26"},
            "year",
            f"year '26' is not a school year; write the year the class runs, such as {THIS_YEAR}.",
        ),
        ({"first_name": ""}, "first_name", "first_name is blank; every row needs one."),
        (
            {"caregiver_last_name": ""},
            "caregiver_last_name",
            "caregiver_last_name is blank but caregiver_first_name is 'Precious'; give the "
            "caregiver's first and last name, or neither.",
        ),
        (
            {"caregiver_phone": "821234567"},
            "caregiver_phone",
            "caregiver_phone '821234567' is not a phone number; write 10 digits such as "
            "082 123 4567, or +27 82 123 4567. A spreadsheet may have dropped the leading 0; "
            "format the column as text.",
        ),
        (
            {"sa_id_number": "12345"},
            "sa_id_number",
            "sa_id_number '12345': An SA ID number has exactly 13 digits.",
        ),
        (
            {"sex": "M"},
            "sa_id_number",
            f"sa_id_number '{sa_id(BORN, 1234)}': The ID number does not match the child's sex.",
        ),
    ],
)
def test_a_bad_child_value_is_reported_with_its_row_and_column(sunrise, changes, column, message):
    report = import_children(
        [child_row(first_name="Sipho", sa_id_number=""), child_row(**changes)], dry_run=False
    )

    assert report.errors == [RowError(3, column, message)]
    assert Child.objects.count() == 0


def test_each_sa_id_problem_gets_its_own_message(sunrise):
    number = sa_id(BORN, 1234)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)  # check digit off by one
    other_day = BORN + dt.timedelta(days=1)

    report = import_children(
        [child_row(sa_id_number=wrong, date_of_birth=other_day.isoformat())], dry_run=False
    )

    problems = sa_id_problems(wrong, other_day, "F")
    assert len(problems) == 2
    assert errors_in(report, "sa_id_number") == [f"sa_id_number '{wrong}': {p}" for p in problems]
    assert "The ID number's check digit is wrong" in problems[0]
    assert problems[1] == "The ID number does not match the date of birth."


def test_a_child_listed_twice_in_one_file_is_an_error(sunrise):
    report = import_children(
        [
            child_row(),
            child_row(first_name="Sipho", sa_id_number=""),
            child_row(first_name="NALEDI", class_name="1B"),
        ],
        dry_run=False,
    )

    assert [(e.row, e.column) for e in report.errors] == [(4, "first_name"), (4, "sa_id_number")]
    assert "appears again on row 4 at the same school; they are already on row 2" in (
        report.errors[0].message
    )
    assert Child.objects.count() == 0


def test_an_id_number_of_another_registered_child_is_an_error(child, other_child):
    number = sa_id(other_child.date_of_birth, 1111)
    other_child.sa_id_number = number
    other_child.save()

    report = import_children(
        [
            child_row(
                first_name="Lwazi",
                last_name="Mokoena",
                date_of_birth="2018-03-14",
                sex="F",
                sa_id_number=number,
            )
        ],
        dry_run=False,
    )

    assert errors_in(report, "sa_id_number") == [
        f"sa_id_number '{number}' belongs to another registered child, not to the Lwazi "
        "Mokoena born 2018-03-14 already at this school; please check the ID number."
    ]


def test_a_class_given_two_grades_is_an_error(child):
    report = import_children(
        [
            child_row(class_name="2a", grade="3", year="2026"),  # the fixture's 2A is Grade 2
            child_row(first_name="Sipho", sa_id_number="", class_name="1C"),
            child_row(first_name="Zodwa", sa_id_number="", class_name="1C", grade="2"),
        ],
        dry_run=False,
    )

    assert report.errors == [
        RowError(
            2,
            "grade",
            "grade '3' does not match class 2A of 2026, which is Grade 2 in CWTT; "
            "a class has one grade.",
        ),
        RowError(
            4,
            "grade",
            f"grade '2' does not match class 1C of {THIS_YEAR}, which is Grade 1 on row 3; "
            "a class has one grade.",
        ),
    ]


def test_one_bad_child_row_means_nothing_is_written(child, hilltop):
    before = registry_counts()

    report = import_children(
        [
            child_row(),
            child_row(
                first_name="Lwazi",
                last_name="Mokoena",
                date_of_birth="2018-03-14",
                sex="M",
                sa_id_number="",
                class_name="9Z",
                grade="3",
            ),
            child_row(school_emis=hilltop.emis_number, first_name="Ayanda", sa_id_number=""),
            child_row(first_name="Zodwa", sa_id_number="", date_of_birth="31/02/2018"),
        ],
        dry_run=False,
    )

    assert [(e.row, e.column) for e in report.errors] == [(5, "date_of_birth")]
    assert (report.created, report.updated, report.written) == (0, 0, False)
    assert registry_counts() == before
    child.refresh_from_db()
    assert child.school_class.name == "2A"


def test_a_children_dry_run_reports_what_would_happen_and_writes_nothing(child):
    before = registry_counts()

    report = import_children(
        [
            child_row(),
            child_row(
                first_name="Lwazi",
                last_name="Mokoena",
                date_of_birth="2018-03-14",
                sex="M",
                sa_id_number="",
            ),
        ],
        dry_run=True,
    )

    assert (report.created, report.updated, report.errors) == (1, 1, [])
    assert report.summary().startswith("Dry run: 2 rows checked, 1 would be created, 1 updated")
    assert report.summary().endswith("nothing was written.")
    assert registry_counts() == before


def test_warnings_do_not_block_the_import(sunrise):
    toddler = dt.date(THIS_YEAR - 2, 1, 5)
    report = import_children(
        [
            child_row(date_of_birth=toddler.isoformat(), sa_id_number=""),
            child_row(
                first_name="Sipho",
                sa_id_number="",
                caregiver_first_name="",
                caregiver_last_name="",
                caregiver_relation="",
                caregiver_phone="",
                address="",
            ),
        ],
        dry_run=False,
    )

    assert report.errors == []
    assert [(w.row, w.column) for w in report.warnings] == [
        (2, "date_of_birth"),
        (3, "caregiver_first_name"),
    ]
    assert "far outside Foundation Phase age" in report.warnings[0].message
    assert report.warnings[1].message.startswith("No caregiver is given")
    assert report.created == Child.objects.count() == 2
    sipho = Child.objects.get(first_name="Sipho")
    assert sipho.household is None and not sipho.caregivers.exists()


# --- Files and the command ----------------------------------------------------------------


def test_a_csv_with_a_byte_order_mark_and_title_case_headers_is_read(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(
        "\ufeffEMIS Number,Name,Quintile,Province,District,Circuit\r\n"
        '700333333,"Valley Primary, Soweto",3,Gauteng,Test District,Circuit 1\r\n'
        "\r\n"
        "700444444,River Primary,2,Gauteng,Test District,Circuit 1\r\n"
        ",,,,,\r\n".encode()
    )

    rows = read_table(path)

    assert len(rows) == 3  # the blank row inside is kept, so row numbers stay right
    assert rows[0]["emis_number"] == "700333333"
    assert rows[0]["name"] == "Valley Primary, Soweto"
    report = import_schools(rows, dry_run=False)
    assert (report.rows, report.created, report.errors) == (2, 2, [])


def test_a_semicolon_separated_csv_is_read(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text("emis_number;name;quintile\n700333333;Valley;3\n", encoding="utf-8")

    assert read_table(path) == [{"emis_number": "700333333", "name": "Valley", "quintile": "3"}]


def test_an_xlsx_file_is_read_with_numbers_and_dates_as_cells(tmp_path, sunrise):
    path = tmp_path / "children.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = list(child_row())
    sheet.append([name.replace("_", " ").title() for name in header])
    values = child_row() | {
        "school_emis": 700111111,
        "year": THIS_YEAR,
        "date_of_birth": dt.datetime(BORN.year, BORN.month, BORN.day),
        "sa_id_number": int(sa_id(BORN, 1234)),
    }
    sheet.append([values[name] for name in header])
    workbook.save(path)

    rows = read_table(path)

    assert rows == [child_row()]
    report = import_children(rows, dry_run=False)
    assert (report.created, report.errors) == (1, [])
    assert Child.objects.get().date_of_birth == BORN


def test_a_file_that_is_not_a_workbook_is_refused_clearly(tmp_path):
    path = tmp_path / "schools.xlsx"
    path.write_text("not a workbook")

    with pytest.raises(CommandError, match="not an .xlsx workbook"):
        call_command("import_registry", "schools", str(path))


def run(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("import_registry", *args, stdout=out)
    except SystemExit as exit:
        return out.getvalue(), int(exit.code)
    return out.getvalue(), 0


def test_the_sample_files_import_cleanly_through_the_command():
    output, status = run("schools", str(SAMPLES / "schools.csv"))
    assert (output, status) == (
        "Imported: 3 rows checked, 3 created, 0 updated, plus 4 locations.\n",
        0,
    )

    output, status = run("children", str(SAMPLES / "children.csv"), "--dry-run")
    assert status == 0
    assert "Dry run: 10 rows checked, 10 would be created, 0 updated" in output
    assert Child.objects.count() == 0

    output, status = run("children", str(SAMPLES / "children.csv"))
    assert status == 0 and "Errors" not in output
    assert "Imported: 10 rows checked, 10 created, 0 updated" in output
    assert Child.objects.count() == 10
    assert School.objects.count() == 3
    assert all(
        sa_id_problems(c.sa_id_number, c.date_of_birth, c.sex) == []
        for c in Child.objects.exclude(sa_id_number="")
    )

    output, status = run("children", str(SAMPLES / "children.csv"))
    assert "10 rows checked, 0 created, 0 updated, 10 unchanged; nothing needed changing" in output
    assert Child.objects.count() == 10


def test_the_command_prints_each_error_with_row_and_column_and_exits_1(sunrise, tmp_path):
    path = tmp_path / "children.csv"
    header = list(child_row())
    lines = [",".join(header)]
    for row in [child_row(), child_row(first_name="Sipho", sex="X", sa_id_number="")]:
        lines.append(",".join(row[name] for name in header))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    output, status = run("children", str(path))

    assert status == 1
    assert output.splitlines() == [
        "Errors (nothing is written while any remain):",
        f"{path}: row 3, column sex: sex 'X' is not accepted; use M or F (male, female, boy and girl "
        "are read too).",
        "Not imported: 2 rows checked, 1 error in 1 row; nothing was written. Fix the errors "
        "and import again.",
    ]
    assert Child.objects.count() == 0


def test_the_command_names_missing_columns_and_missing_files(tmp_path):
    path = tmp_path / "children.csv"
    path.write_text("school_emis,first_name\n700111111,Naledi\n", encoding="utf-8")

    with pytest.raises(CommandError, match="no columns named class_name, grade, year, last_name"):
        call_command("import_registry", "children", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_registry", "children", str(tmp_path / "missing.csv"))


def test_every_child_created_or_changed_by_an_import_is_audited_with_before_and_after(sunrise):
    from cwtt.access.audit import verify_chain
    from cwtt.access.models import AuditEntry

    import_children([child_row()], dry_run=False)
    naledi = Child.objects.get()
    created = AuditEntry.objects.get(object_type="child", action="create")
    assert created.child_id == naledi.pk and created.actor_name == "import"
    assert created.detail["after"]["first_name"] == "Naledi"

    import_children([child_row(class_name="2A", grade="2")], dry_run=False)
    changed = AuditEntry.objects.get(object_type="child", action="change")
    assert changed.child_id == naledi.pk
    assert set(changed.detail["after"]) == {"school_class"}
    assert changed.detail["before"]["school_class"] != changed.detail["after"]["school_class"]
    assert list(verify_chain()) == []


def test_a_failed_or_dry_run_import_leaves_no_audit_entries(sunrise):
    from cwtt.access.models import AuditEntry

    import_children([child_row(), child_row(first_name="", sa_id_number="")], dry_run=False)
    import_children([child_row()], dry_run=True)
    assert not AuditEntry.objects.filter(object_type="child").exists()


def test_a_child_moved_to_another_school_by_an_import_takes_the_open_case_along(
    child, hilltop, people
):
    from cwtt.cases.models import Case

    number = sa_id(child.date_of_birth, 5001)
    child.sa_id_number = number
    child.save()
    case = Case.objects.create(
        child=child, school=child.school, status="implementation", lead=people["sam"].staff
    )
    hilda = get_user_model().objects.create_user("hilda")
    Staff.objects.create(
        user=hilda,
        organisation=people["cora"].staff.organisation,
        role="coordinator",
    ).schools.add(hilltop)
    import_children(
        [
            child_row(
                school_emis=hilltop.emis_number,
                first_name="Lwazi",
                last_name="Mokoena",
                date_of_birth="2018-03-14",
                sex="M",
                sa_id_number=number,
            )
        ],
        dry_run=False,
    )
    case.refresh_from_db()
    assert case.school == hilltop
    assert case.lead is None  # Sam does not work at Hilltop
    assert case.events.last().comment == "Moved from Sunrise Primary to Hilltop Primary."
    assert hilda.notifications.exists()
