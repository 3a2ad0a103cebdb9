"""Bulk imports of the registry from CSV or XLSX: a district's schools and its class lists.

`read_table(path)` turns a .csv (UTF-8 with or without a byte-order mark; comma, semicolon or
tab separated) or an .xlsx (first sheet, streamed) into one dict per data row, keyed by the
header names in lower_snake_case ("Date of Birth" -> "date_of_birth"). Blank rows inside the
table are kept as all-blank dicts so row numbers stay those of the spreadsheet (header = row 1,
first data row = row 2); the importers skip them. A file that cannot be read safely (wrong
encoding, damaged or encrypted workbook, more than CWTT_IMPORT_MAX_ROWS rows, ...) raises
TableError with a plain message: cwtt/tabular/reading.py, decision 0029. So does a file whose
first row lacks a required column, or that has no rows below it.

`import_schools(rows, dry_run=...)` and `import_children(rows, dry_run=...)` check every row
first and write only when no row has an error, in one transaction: a file is imported whole or
not at all. A dry run checks and reports exactly as the import would, and writes nothing. Each
error and warning carries the row, the column and a plain message naming the value.

Matching, so that importing the same file twice updates and never duplicates:
- A school is its EMIS number. Province > district > circuit are found by name (ignoring case)
  or code under their parent; missing ones are created with a generated code.
- A child is an existing child when the SA ID number matches, or when school, first name, last
  name and date of birth match (ignoring case).
- A class is (school, year, name ignoring case); a missing one is created with the row's grade.
- A caregiver is the child's existing caregiver of the same name; else a caregiver of the same
  name at the same address, so siblings share one household; else a new household and caregiver.
- An optional cell left blank keeps what is stored; an import never erases a value.
The report's `updated` counts every row matched to a stored record; only values that differ
are written, so a re-import of an unchanged list leaves each child's `updated_at` alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from openpyxl.utils import get_column_letter

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.tabular import Grid, TableError, read_grid
from cwtt.tabular.reading import cell_text as _cell_text

from . import validation
from .models import (
    Caregiver,
    Child,
    ChildCaregiver,
    ChildSearchKey,
    Household,
    Location,
    School,
    SchoolClass,
)
from .search_keys import needs_new_keys
from .signals import child_school_changed

SCHOOL_COLUMNS = ("emis_number", "name", "quintile", "province", "district", "circuit")
CHILD_COLUMNS = (
    "school_emis",
    "class_name",
    "grade",
    "year",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "caregiver_first_name",
    "caregiver_last_name",
)
CHILD_OPTIONAL_COLUMNS = (
    "sa_id_number",
    "birth_certificate_number",
    "grant_status",
    "caregiver_relation",
    "caregiver_phone",
    "address",
)

# Below SQLite's default limit of 999 parameters per query.
CHUNK = 900
BATCH_SIZE = 1000
# bulk_update writes one CASE WHEN per field holding every row of the batch, which each updated
# row then scans; small batches keep that from growing with the square of the batch.
UPDATE_BATCH_SIZE = 100


# --- Reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem with one cell: `row` is the spreadsheet row number (the header is row 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportReport:
    """What an import did, or (dry run, or any error) would do once the errors are fixed.

    `created` and `updated` count rows (schools or children); they are 0 when there are errors,
    because then nothing is written. `also_created` counts the other records made on the way,
    such as {"locations": 2} or {"classes": 4, "households": 30, "caregivers": 30}.
    """

    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    also_created: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.errors

    def report_lines(self) -> list[str]:
        """What an import command prints: each error, each warning, then the summary."""
        lines: list[str] = []
        if self.errors:
            lines.append("Errors (nothing is written while any remain):")
            lines.extend(str(error) for error in self.errors)
        if self.warnings:
            lines.append("Warnings (worth a look; they do not stop the import):")
            lines.extend(str(warning) for warning in self.warnings)
        lines.append(self.summary())
        return lines

    def summary(self) -> str:
        parts = [_count(self.rows, "row") + " checked"]
        if self.errors:
            bad_rows = len({error.row for error in self.errors})
            parts.append(f"{_count(len(self.errors), 'error')} in {_count(bad_rows, 'row')}")
        else:
            parts.append(f"{self.created} {'would be created' if self.dry_run else 'created'}")
            parts.append(f"{self.updated} updated")
            extras = [_count(n, _SINGULAR[noun]) for noun, n in self.also_created.items() if n]
            if extras:
                parts[-1] += ", plus " + ", ".join(extras)
        if self.warnings:
            parts.append(_count(len(self.warnings), "warning"))
        counts = ", ".join(parts)
        if self.dry_run and self.errors:
            return f"Dry run: {counts}; fix the errors and check again. Nothing was written."
        if self.dry_run:
            return f"Dry run: {counts}; nothing was written."
        if self.errors:
            return f"Not imported: {counts}; nothing was written. Fix the errors and import again."
        return f"Imported: {counts}."


_SINGULAR = {
    "locations": "location",
    "classes": "class",
    "households": "household",
    "caregivers": "caregiver",
}


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun}es" if noun.endswith("s") else f"{n} {noun}s"


class MissingColumnsError(TableError):
    def __init__(self, missing: Sequence[str], required: Sequence[str]) -> None:
        self.missing = list(missing)
        noun = "column" if len(missing) == 1 else "columns"
        super().__init__(
            f"the first row has no {noun} named {', '.join(missing)}. "
            f"Required columns: {', '.join(required)}."
        )


class NoRowsError(TableError):
    def __init__(self) -> None:
        super().__init__(
            "the file has column names but no rows below them; there is nothing to import."
        )


# --- Reading files ------------------------------------------------------------------------


class Table(list):
    """The rows of a file as dicts, and `columns`: the names in its first row, so that a file
    with a header and no rows is still checked for missing columns."""

    def __init__(self, rows: Iterable[dict[str, str]], columns: Sequence[str]) -> None:
        super().__init__(rows)
        self.columns = tuple(columns)


def read_table(path: str | Path, *, max_rows: int | None = None) -> Table:
    """The rows of a .csv or .xlsx file as dicts keyed by lower_snake_case header names.

    Reads at most `max_rows` rows (default: the CWTT_IMPORT_MAX_ROWS setting) and refuses a
    longer file. Raises FileNotFoundError for a missing file and TableError, with a plain
    message, for one that cannot be read (cwtt/tabular/reading.py lists the reasons).
    """
    limit = settings.CWTT_IMPORT_MAX_ROWS if max_rows is None else max_rows
    return _grid_to_rows(read_grid(path, max_rows=limit))


def normalise_header(name: str) -> str:
    """'Date of Birth', 'date-of-birth' and 'dateOfBirth' all become 'date_of_birth'."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip().lstrip("\ufeff"))
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _grid_to_rows(grid: Grid) -> Table:
    columns: dict[str, int] = {}
    for index, cell in enumerate(grid.header):
        name = normalise_header(cell)
        if not name:
            continue  # an unnamed column (often a stray empty one in a spreadsheet)
        if name in columns:
            raise TableError(
                f"columns {get_column_letter(columns[name] + 1)} and "
                f"{get_column_letter(index + 1)} are both named {name}; rename or remove one."
            )
        columns[name] = index
    rows = (
        {
            name: (cells[index].strip() if index < len(cells) else "")
            for name, index in columns.items()
        }
        for cells in grid.rows
    )
    return Table(rows, columns)


# --- Shared row checks --------------------------------------------------------------------


class _Row:
    """One data row being checked; collects its errors and warnings into the report."""

    def __init__(self, number: int, cells: Mapping[str, str], report: ImportReport) -> None:
        self.number = number
        self.cells = cells
        self.report = report
        self.failed = False

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.report.errors.append(RowError(self.number, column, message))

    def warn(self, column: str, message: str) -> None:
        self.report.warnings.append(RowError(self.number, column, message))

    def text(self, column: str, max_length: int, *, required: bool = True) -> str:
        """The cell with runs of spaces collapsed; '' (after an error if required) when blank."""
        value = " ".join(self.get(column).split())
        if not value:
            if required:
                self.error(column, f"{column} is blank; every row needs one.")
            return ""
        if len(value) > max_length:
            self.error(
                column,
                f"{column} '{value[:30]}...' is {len(value)} characters long; "
                f"the most CWTT keeps is {max_length}.",
            )
            return ""
        return value


def _numbered_rows(
    rows: Iterable[Mapping[str, Any]],
    required: Sequence[str],
    optional: Sequence[str],
    report: ImportReport,
) -> list[_Row]:
    given = rows
    rows = [
        {normalise_header(key): _cell_text(value).strip() for key, value in row.items() if key}
        for row in rows
    ]
    columns = getattr(given, "columns", None)  # a Table knows its header even with no rows
    header = [normalise_header(name) for name in columns] if columns is not None else []
    header = list(dict.fromkeys([*header, *(key for row in rows for key in row)]))
    missing = [column for column in required if column not in header]
    if missing:
        raise MissingColumnsError(missing, required)
    for column in header:
        if column not in required and column not in optional:
            report.warnings.append(
                RowError(1, column, f"CWTT does not read a column named {column}; it was ignored.")
            )
    numbered = [_Row(index + 2, row, report) for index, row in enumerate(rows) if any(row.values())]
    if not numbered:
        raise NoRowsError()
    report.rows = len(numbered)
    return numbered


def _fold(text: str) -> str:
    """The form used to compare names: case and runs of spaces ignored."""
    return " ".join(text.split()).casefold()


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _finish(report: ImportReport) -> ImportReport:
    report.errors.sort(key=lambda error: error.row)
    report.warnings.sort(key=lambda warning: warning.row)
    if report.errors:
        report.created = report.updated = 0
        report.also_created = {}
    return report


# --- Schools ------------------------------------------------------------------------------


def import_schools(rows: Iterable[Mapping[str, Any]], *, dry_run: bool) -> ImportReport:
    """Create or update schools by EMIS number, with their province > district > circuit."""
    report = ImportReport(kind="schools", dry_run=dry_run)
    numbered = _numbered_rows(rows, SCHOOL_COLUMNS, (), report)
    with transaction.atomic():
        existing = School.objects.in_bulk(
            {row.get("emis_number") for row in numbered}, field_name="emis_number"
        )
        locations = _LocationPlanner()
        new: list[School] = []
        changed: list[School] = []
        first_row: dict[str, int] = {}
        for row in numbered:
            emis = row.text("emis_number", 40)  # emis_problems explains a wrong length
            for problem in validation.emis_problems(emis) if emis else []:
                row.error("emis_number", f"emis_number '{emis}': {problem}")
            if emis and emis in first_row:
                row.error(
                    "emis_number",
                    f"EMIS number {emis} appears again on row {row.number}; it is already on "
                    f"row {first_row[emis]}. Give each school one row.",
                )
            first_row.setdefault(emis, row.number)
            name = row.text("name", School._meta.get_field("name").max_length)
            quintile = _quintile(row)
            place = [row.text(level, 120) for level in ("province", "district", "circuit")]
            if row.failed:
                continue
            location = locations.find_or_plan(*place)
            school = existing.get(emis)
            if school is None:
                new.append(
                    School(emis_number=emis, name=name, quintile=quintile, location=location)
                )
            else:
                school.name, school.quintile, school.location = name, quintile, location
                changed.append(school)
        report.created, report.updated = len(new), len(changed)
        report.also_created = {"locations": len(locations.new)}
        if report.errors or dry_run:
            return _finish(report)
        for location in locations.new:  # parents come before their children
            location.save()
        School.objects.bulk_create(new, batch_size=BATCH_SIZE)
        School.objects.bulk_update(
            changed, ["name", "quintile", "location"], batch_size=UPDATE_BATCH_SIZE
        )
    return _finish(report)


def _quintile(row: _Row) -> int | None:
    value = row.get("quintile")
    if not value:
        row.error("quintile", "quintile is blank; every row needs one.")
        return None
    match = re.fullmatch(r"(?:q(?:uintile)?\s*)?([1-5])", value.strip(), re.IGNORECASE)
    if match is None:
        row.error("quintile", f"quintile '{value}' is not accepted; use a number from 1 to 5.")
        return None
    return int(match.group(1))


class _LocationPlanner:
    """Finds province > district > circuit by name or code under the parent; plans missing ones.

    Locations are few (hundreds), so all are loaded once. Planned locations are unsaved
    `Location`s with a generated code, listed in `new` parents first.
    """

    def __init__(self) -> None:
        everything = list(Location.objects.all())
        by_pk = {location.pk: location for location in everything}
        self.by_name: dict[tuple[int, str, str], Location] = {}
        self.by_code: dict[tuple[int, str, str], Location] = {}
        self.codes = {location.code.lower() for location in everything}
        self.new: list[Location] = []
        for location in everything:
            parent = by_pk.get(location.parent_id) if location.parent_id else None
            if parent is not None:
                location.parent = parent  # share one instance per row, so id() identifies it
            key = (id(parent) if parent else 0, location.level)
            self.by_name.setdefault((*key, _fold(location.name)), location)
            self.by_code.setdefault((*key, location.code.lower()), location)

    def find_or_plan(self, province: str, district: str, circuit: str) -> Location:
        parent = None
        for level, name in zip(Location.Level, (province, district, circuit), strict=True):
            parent = self._find_or_plan(level, name, parent)
        assert parent is not None
        return parent

    def _find_or_plan(self, level: str, name: str, parent: Location | None) -> Location:
        key = (id(parent) if parent else 0, level)
        found = self.by_name.get((*key, _fold(name))) or self.by_code.get((*key, name.lower()))
        if found is not None:
            return found
        location = Location(name=name, level=level, parent=parent, code=self._code(name, parent))
        self.by_name[(*key, _fold(name))] = location
        self.new.append(location)
        return location

    def _code(self, name: str, parent: Location | None) -> str:
        stem = slugify(name).upper() or "PLACE"
        if parent is not None:
            if len(parent.code) + len(stem) > 26:
                # "Sample Circuit 12" -> "SC12": initials, numbers kept whole.
                words = stem.split("-")
                stem = "".join(word if word.isdigit() else word[0] for word in words)
            stem = f"{parent.code}-{stem}"
        stem = stem[:27].rstrip("-")  # leaves room for "-999" within the 32 characters
        code, number = stem, 1
        while code.lower() in self.codes:
            number += 1
            code = f"{stem}-{number}"
        self.codes.add(code.lower())
        return code


# --- Children -----------------------------------------------------------------------------


SEXES = {"m": "M", "male": "M", "boy": "M", "f": "F", "female": "F", "girl": "F"}
GRADES = {"r": "R", "0": "R", "1": "1", "2": "2", "3": "3"}  # "Grade 0" is an old name for R
GRANT_STATUSES = {value: value for value in Child.GrantStatus.values}
RELATIONS = {
    **{value.replace("_", " "): value for value in ChildCaregiver.Relation.values},
    "aunt or uncle": "aunt_uncle",
    "older brother or sister": "sibling",
    "foster parent": "foster",
    **dict.fromkeys(("mom", "mum", "ma", "mama", "biological mother"), "mother"),
    **dict.fromkeys(("dad", "papa", "biological father"), "father"),
    **dict.fromkeys(
        ("grandmother", "grandfather", "granny", "gran", "grandma", "grandpa", "gogo", "ugogo"),
        "grandparent",
    ),
    **dict.fromkeys(("aunt", "uncle", "auntie", "aunty"), "aunt_uncle"),
    **dict.fromkeys(("sister", "brother", "older sister", "older brother"), "sibling"),
    **dict.fromkeys(("foster mother", "foster father"), "foster"),
    **dict.fromkeys(("guardian", "stepmother", "stepfather", "cousin"), "other"),
}
CHILD_UPDATE_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "school",
    "school_class",
    "household",
    "sa_id_number",
    "birth_certificate_number",
    "grant_status",
]

_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def import_children(rows: Iterable[Mapping[str, Any]], *, dry_run: bool) -> ImportReport:
    """Create or update children from class lists, with their classes, households and caregivers."""
    report = ImportReport(kind="children", dry_run=dry_run)
    numbered = _numbered_rows(rows, CHILD_COLUMNS, CHILD_OPTIONAL_COLUMNS, report)
    with transaction.atomic():
        schools = School.objects.in_bulk(
            {row.get("school_emis") for row in numbered}, field_name="emis_number"
        )
        parsed = [child for row in numbered if (child := _parse_child(row, schools))]
        plan = _ChildrenPlan(parsed)
        report.created, report.updated = len(plan.new_children), len(plan.changed_children)
        report.also_created = {
            "classes": len(plan.new_classes),
            "households": len(plan.new_households),
            "caregivers": len(plan.new_caregivers),
        }
        if report.errors or dry_run:
            return _finish(report)
        plan.write()
    return _finish(report)


@dataclass
class _ChildRow:
    """A row whose cells are each valid on their own; blank optional cells are ''."""

    row: _Row
    school: School
    class_name: str
    grade: str
    year: int
    first_name: str
    last_name: str
    date_of_birth: dt.date
    sex: str
    sa_id_number: str
    birth_certificate_number: str
    grant_status: str
    caregiver_first_name: str
    caregiver_last_name: str
    caregiver_relation: str
    caregiver_phone: str
    address: str

    @property
    def name_key(self) -> tuple[int, str, str, dt.date]:
        return (self.school.pk, _fold(self.first_name), _fold(self.last_name), self.date_of_birth)

    @property
    def caregiver_key(self) -> tuple[str, str, str]:
        return (
            _fold(self.address),
            _fold(self.caregiver_first_name),
            _fold(self.caregiver_last_name),
        )


def _parse_child(row: _Row, schools: Mapping[str, School]) -> _ChildRow | None:
    emis = row.get("school_emis")
    school = schools.get(emis)
    if not emis:
        row.error("school_emis", "school_emis is blank; every row needs one.")
    elif problems := validation.emis_problems(emis):
        for problem in problems:
            row.error("school_emis", f"school_emis '{emis}': {problem}")
    elif school is None:
        row.error(
            "school_emis",
            f"school_emis '{emis}' is not a school in CWTT; import the school list first "
            "(cwtt import_registry schools FILE).",
        )
    class_name = row.text("class_name", SchoolClass._meta.get_field("name").max_length)
    grade = _choice(row, "grade", GRADES, _grade_key, "use one of R, 1, 2, 3")
    year = _year(row)
    first_name = row.text("first_name", 80)
    last_name = row.text("last_name", 80)
    date_of_birth = _date(row, "date_of_birth")
    raw_birth = row.get("date_of_birth")
    if date_of_birth is not None:
        for problem in validation.date_of_birth_problems(date_of_birth):
            row.error("date_of_birth", f"date_of_birth '{raw_birth}': {problem}")
            date_of_birth = None
    if date_of_birth is not None:
        for warning in validation.age_warnings(date_of_birth):
            row.warn("date_of_birth", f"date_of_birth '{raw_birth}': {warning}")
    sex = _choice(
        row, "sex", SEXES, str.lower, "use M or F (male, female, boy and girl are read too)"
    )
    sa_id_number = row.get("sa_id_number").replace(" ", "")
    if sa_id_number:
        for problem in validation.sa_id_problems(sa_id_number, date_of_birth, sex or None):
            row.error("sa_id_number", f"sa_id_number '{row.get('sa_id_number')}': {problem}")
    birth_certificate_number = row.text("birth_certificate_number", 30, required=False)
    grant_status = _choice(
        row,
        "grant_status",
        GRANT_STATUSES,
        lambda value: re.sub(r"[^a-z]+", "_", value.lower()).strip("_"),
        "use one of receives, applied, not_receiving, unknown, or leave it blank",
        required=False,
    )
    caregiver_first_name = row.text("caregiver_first_name", 80, required=False)
    caregiver_last_name = row.text("caregiver_last_name", 80, required=False)
    caregiver_relation = _choice(
        row,
        "caregiver_relation",
        RELATIONS,
        lambda value: re.sub(r"[^a-z]+", " ", value.lower()).strip(),
        "use one of mother, father, grandparent, aunt_uncle, sibling, foster, other, or leave "
        "it blank (words such as grandmother or uncle are read too)",
        required=False,
    )
    caregiver_phone = _phone(row)
    address = row.text("address", Household._meta.get_field("address").max_length, required=False)
    _check_caregiver_given(row)
    if row.failed:
        return None
    assert school is not None and date_of_birth is not None
    return _ChildRow(
        row=row,
        school=school,
        class_name=class_name,
        grade=grade,
        year=year,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        sa_id_number=sa_id_number,
        birth_certificate_number=birth_certificate_number,
        grant_status=grant_status,
        caregiver_first_name=caregiver_first_name,
        caregiver_last_name=caregiver_last_name,
        caregiver_relation=caregiver_relation,
        caregiver_phone=caregiver_phone,
        address=address,
    )


def _check_caregiver_given(row: _Row) -> None:
    first, last = row.get("caregiver_first_name"), row.get("caregiver_last_name")
    if first and not last:
        row.error(
            "caregiver_last_name",
            f"caregiver_last_name is blank but caregiver_first_name is '{first}'; give the "
            "caregiver's first and last name, or neither.",
        )
    elif last and not first:
        row.error(
            "caregiver_first_name",
            f"caregiver_first_name is blank but caregiver_last_name is '{last}'; give the "
            "caregiver's first and last name, or neither.",
        )
    elif not first:
        given = [c for c in ("caregiver_relation", "caregiver_phone") if row.get(c)]
        if given:
            row.error(
                "caregiver_first_name",
                f"the caregiver's name is blank but {' and '.join(given)} is given; give the "
                "caregiver's first and last name too.",
            )
        else:
            row.warn(
                "caregiver_first_name",
                "No caregiver is given; the child is imported without one. Add the caregiver "
                "later so the team can reach the family.",
            )


def _choice(
    row: _Row,
    column: str,
    accepted: Mapping[str, str],
    normalise: Any,
    hint: str,
    *,
    required: bool = True,
) -> str:
    raw = row.get(column)
    if not raw:
        if required:
            row.error(column, f"{column} is blank; every row needs one.")
        return ""
    value = accepted.get(normalise(raw))
    if value is None:
        row.error(column, f"{column} '{raw}' is not accepted; {hint}.")
        return ""
    return value


def _grade_key(value: str) -> str:
    return re.sub(r"^(grade|gr)\.?\s*", "", value.strip().lower())


def _year(row: _Row) -> int:
    raw = row.get("year")
    this_year = timezone.localdate().year
    if not raw:
        row.error("year", "year is blank; every row needs one.")
    elif not re.fullmatch(r"\d{4}", raw) or not 2000 <= int(raw) <= this_year + 1:
        row.error(
            "year",
            f"year '{raw}' is not a school year; write the year the class runs, such as "
            f"{this_year}.",
        )
    else:
        return int(raw)
    return 0


def _date(row: _Row, column: str) -> dt.date | None:
    raw = row.get(column)
    if not raw:
        row.error(column, f"{column} is blank; every row needs one.")
        return None
    if match := _ISO_DATE.fullmatch(raw):
        year, month, day = match.groups()
    elif match := _DAY_FIRST_DATE.fullmatch(raw):
        day, month, year = match.groups()
    else:
        row.error(
            column,
            f"{column} '{raw}' is not a date CWTT can read; write it as YYYY-MM-DD "
            "(2018-03-14) or DD/MM/YYYY (14/03/2018).",
        )
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        hint = ""
        if _DAY_FIRST_DATE.fullmatch(raw) and int(month) > 12:
            hint = " Dates with slashes are read day first, as DD/MM/YYYY."
        row.error(column, f"{column} '{raw}' is not a real date.{hint}")
        return None


def _phone(row: _Row) -> str:
    raw = row.text("caregiver_phone", 20, required=False)
    digits = re.sub(r"\D", "", raw)
    if raw and (re.search(r"[^0-9 +()\-]", raw) or not 10 <= len(digits) <= 15):
        hint = ""
        if len(digits) == 9 and raw[0] not in "0+":
            hint = " A spreadsheet may have dropped the leading 0; format the column as text."
        row.error(
            "caregiver_phone",
            f"caregiver_phone '{raw}' is not a phone number; write 10 digits such as "
            f"082 123 4567, or +27 82 123 4567.{hint}",
        )
        return ""
    return raw


def _child_state(child: Child) -> dict[str, object]:
    """The updatable fields of a child; a related object not yet saved counts by identity."""
    state: dict[str, object] = {}
    for name in CHILD_UPDATE_FIELDS:
        field = Child._meta.get_field(name)
        value = getattr(child, field.attname)
        if field.is_relation and field.is_cached(child):
            related = field.get_cached_value(child)
            if related is not None and related.pk is None:
                value = ("unsaved", id(related))
        state[name] = value
    return state


class _ChildrenPlan:
    """Everything an import of valid child rows will write, worked out before writing any of it.

    Rows that turn out to clash (the same child twice, an ID number of another child, a class
    with two grades) get their errors here. Existing records are loaded once each and shared
    (one Python object per database row), so a household or caregiver met on two rows is
    changed in one place and compared by identity.
    """

    def __init__(self, rows: list[_ChildRow]) -> None:
        self.new_classes: list[SchoolClass] = []
        self.new_households: list[Household] = []
        self.new_caregivers: list[Caregiver] = []
        self.new_children: list[Child] = []
        self.new_links: list[ChildCaregiver] = []
        self.changed_children: list[Child] = []  # every matched child, changed or not
        # Each changed child, the fields that changed, and their values before (for the audit).
        self.child_changes: list[tuple[Child, tuple[str, ...], dict[str, object]]] = []
        self.changed_households: dict[int, Household] = {}
        self.changed_caregivers: dict[int, Caregiver] = {}
        self.changed_links: dict[int, ChildCaregiver] = {}
        # Canonical objects, one per database row (see the class docstring).
        self.households: dict[int, Household] = {}
        self.caregivers: dict[int, Caregiver] = {}
        self.children: dict[int, Child] = {}
        self.links: dict[int, list[ChildCaregiver]] = {}  # by id(child)
        self.at_address: dict[tuple[str, str, str], Caregiver] = {}
        self.classes: dict[tuple[int, int, str], SchoolClass] = {}
        self.class_rows: dict[tuple[int, int, str], int] = {}  # classes first planned on a row

        school_ids = sorted({row.school.pk for row in rows})
        self._load_classes(school_ids, sorted({row.year for row in rows}))
        matches = self._match(rows, school_ids)
        self._load_families(school_ids, sorted({pk for _, pk in matches if pk}))
        for row, child_id in matches:
            self._plan(row, child_id)

    # Loading what is already stored

    def _load_classes(self, school_ids: list[int], years: list[int]) -> None:
        for chunk in _chunks(school_ids):
            for klass in SchoolClass.objects.filter(school_id__in=chunk, year__in=years):
                self.classes.setdefault((klass.school_id, klass.year, _fold(klass.name)), klass)

    def _match(
        self, rows: list[_ChildRow], school_ids: list[int]
    ) -> list[tuple[_ChildRow, int | None]]:
        by_name: dict[tuple[int, str, str, dt.date], int] = {}
        for chunk in _chunks(school_ids):
            stored = Child.objects.filter(school_id__in=chunk).values_list(
                "pk", "school_id", "first_name", "last_name", "date_of_birth"
            )
            for pk, school_id, first, last, born in stored.order_by("pk"):
                by_name.setdefault((school_id, _fold(first), _fold(last), born), pk)
        by_number: dict[str, int] = {}
        for chunk in _chunks(sorted({row.sa_id_number for row in rows if row.sa_id_number})):
            stored = Child.objects.filter(sa_id_number__in=chunk).values_list("pk", "sa_id_number")
            for pk, number in stored.order_by("pk"):
                by_number.setdefault(number, pk)

        name_rows: dict[tuple[int, str, str, dt.date], int] = {}
        number_rows: dict[str, int] = {}
        child_rows: dict[int, int] = {}
        matches: list[tuple[_ChildRow, int | None]] = []
        for child in rows:
            row = child.row
            first = name_rows.setdefault(child.name_key, row.number)
            if first != row.number:
                row.error(
                    "first_name",
                    f"{child.first_name} {child.last_name}, born {child.date_of_birth}, appears "
                    f"again on row {row.number} at the same school; they are already on row "
                    f"{first}. Give each child one row.",
                )
            if child.sa_id_number:
                first = number_rows.setdefault(child.sa_id_number, row.number)
                if first != row.number:
                    row.error(
                        "sa_id_number",
                        f"sa_id_number '{child.sa_id_number}' appears again on row {row.number}; "
                        f"it is already on row {first}.",
                    )
            matched_by_number = by_number.get(child.sa_id_number) if child.sa_id_number else None
            matched_by_name = by_name.get(child.name_key)
            if matched_by_number and matched_by_name and matched_by_number != matched_by_name:
                row.error(
                    "sa_id_number",
                    f"sa_id_number '{child.sa_id_number}' belongs to another registered child, "
                    f"not to the {child.first_name} {child.last_name} born "
                    f"{child.date_of_birth} already at this school; please check the ID number.",
                )
            child_id = matched_by_number or matched_by_name
            if row.failed:
                continue
            if child_id is not None:
                first = child_rows.setdefault(child_id, row.number)
                if first != row.number:
                    row.error(
                        "first_name",
                        f"this row and row {first} are the same registered child (same SA ID "
                        "number, or same name and date of birth); give each child one row.",
                    )
                    continue
            matches.append((child, child_id))
        return matches

    def _load_families(self, school_ids: list[int], child_ids: list[int]) -> None:
        # Caregivers of children at these schools, so a sibling's row finds its household.
        for chunk in _chunks(school_ids):
            stored = Caregiver.objects.filter(child_links__child__school_id__in=chunk)
            for caregiver in stored.select_related("household").distinct().order_by("pk"):
                self._caregiver(caregiver)
        for chunk in _chunks(child_ids):
            for child in Child.objects.filter(pk__in=chunk).select_related("household"):
                if child.household is not None:
                    child.household = self._household(child.household)
                self.children[child.pk] = child
            links = ChildCaregiver.objects.filter(child_id__in=chunk)
            for link in links.select_related("caregiver__household").order_by("pk"):
                link.child = self.children[link.child_id]
                link.caregiver = self._caregiver(link.caregiver)
                self.links.setdefault(id(link.child), []).append(link)

    def _household(self, household: Household) -> Household:
        return self.households.setdefault(household.pk, household)

    def _caregiver(self, caregiver: Caregiver) -> Caregiver:
        if caregiver.pk in self.caregivers:
            return self.caregivers[caregiver.pk]
        caregiver.household = self._household(caregiver.household)
        self.caregivers[caregiver.pk] = caregiver
        if caregiver.household.address.strip():
            key = (
                _fold(caregiver.household.address),
                _fold(caregiver.first_name),
                _fold(caregiver.last_name),
            )
            self.at_address.setdefault(key, caregiver)
        return caregiver

    # Planning each row

    def _plan(self, row: _ChildRow, child_id: int | None) -> None:
        klass = self._class(row)
        if klass is None:
            return
        if child_id is None:
            child = Child(grant_status=row.grant_status or Child.GrantStatus.UNKNOWN)
            self.new_children.append(child)
        else:
            child = self.children[child_id]
            before = _child_state(child)
            if row.sa_id_number and child.sa_id_number not in ("", row.sa_id_number):
                row.row.warn(
                    "sa_id_number",
                    f"sa_id_number '{row.sa_id_number}' replaces the ID number on record for "
                    f"this child ({child.sa_id_number}).",
                )
            if row.grant_status:
                child.grant_status = row.grant_status
            self.changed_children.append(child)
        child.first_name, child.last_name = row.first_name, row.last_name
        child.date_of_birth, child.sex = row.date_of_birth, row.sex
        child.school, child.school_class = row.school, klass
        if row.sa_id_number:
            child.sa_id_number = row.sa_id_number
        if row.birth_certificate_number:
            child.birth_certificate_number = row.birth_certificate_number
        self._plan_family(row, child)
        if child.pk:
            after = _child_state(child)
            changed = tuple(name for name in CHILD_UPDATE_FIELDS if before[name] != after[name])
            if changed:
                child.updated_at = timezone.now()  # bulk_update does not touch auto_now fields
                self.child_changes.append((child, changed, {n: before[n] for n in changed}))

    def _class(self, row: _ChildRow) -> SchoolClass | None:
        key = (row.school.pk, row.year, _fold(row.class_name))
        klass = self.classes.get(key)
        if klass is None:
            klass = SchoolClass(
                school=row.school, year=row.year, name=row.class_name, grade=row.grade
            )
            self.classes[key] = klass
            self.class_rows[key] = row.row.number
            self.new_classes.append(klass)
        elif klass.grade != row.grade:
            where = f"on row {self.class_rows[key]}" if key in self.class_rows else "in CWTT"
            row.row.error(
                "grade",
                f"grade '{row.row.get('grade')}' does not match class {klass.name} of "
                f"{klass.year}, which is Grade {klass.grade} {where}; a class has one grade.",
            )
            return None
        return klass

    def _plan_family(self, row: _ChildRow, child: Child) -> None:
        links = self.links.setdefault(id(child), [])
        if not row.caregiver_first_name:
            if row.address:
                if child.household is None:
                    child.household = self._new_household(row.address)
                else:
                    self._set_address(child.household, row.address)
            return
        names = (_fold(row.caregiver_first_name), _fold(row.caregiver_last_name))
        caregiver = next(
            (
                link.caregiver
                for link in links
                if (_fold(link.caregiver.first_name), _fold(link.caregiver.last_name)) == names
            ),
            None,
        )
        if caregiver is None and row.address:
            caregiver = self.at_address.get(row.caregiver_key)
        if caregiver is None:
            caregiver = Caregiver(
                household=self._new_household(row.address),
                first_name=row.caregiver_first_name,
                last_name=row.caregiver_last_name,
                phone=row.caregiver_phone,
            )
            self.new_caregivers.append(caregiver)
            if row.address:
                self.at_address[row.caregiver_key] = caregiver
        else:
            if row.address:
                self._set_address(caregiver.household, row.address)
            if row.caregiver_phone and caregiver.phone != row.caregiver_phone:
                caregiver.phone = row.caregiver_phone
                if caregiver.pk:
                    self.changed_caregivers[caregiver.pk] = caregiver
        child.household = caregiver.household
        link = next((link for link in links if link.caregiver is caregiver), None)
        if link is None:
            link = ChildCaregiver(
                child=child,
                caregiver=caregiver,
                relation=row.caregiver_relation or ChildCaregiver.Relation.OTHER,
                is_primary=not any(link.is_primary for link in links),
            )
            links.append(link)
            self.new_links.append(link)
        elif row.caregiver_relation and link.relation != row.caregiver_relation:
            link.relation = row.caregiver_relation
            if link.pk:
                self.changed_links[link.pk] = link

    def _new_household(self, address: str) -> Household:
        household = Household(address=address)
        self.new_households.append(household)
        return household

    def _set_address(self, household: Household, address: str) -> None:
        if _fold(household.address) != _fold(address):
            household.address = address
            if household.pk:
                self.changed_households[household.pk] = household

    # Writing

    def write(self) -> None:
        """Write the plan; bulk_create fills each foreign key from the object saved before it."""
        SchoolClass.objects.bulk_create(self.new_classes, batch_size=BATCH_SIZE)
        Household.objects.bulk_create(self.new_households, batch_size=BATCH_SIZE)
        Household.objects.bulk_update(
            list(self.changed_households.values()), ["address"], batch_size=UPDATE_BATCH_SIZE
        )
        Caregiver.objects.bulk_create(self.new_caregivers, batch_size=BATCH_SIZE)
        Caregiver.objects.bulk_update(
            list(self.changed_caregivers.values()), ["phone"], batch_size=UPDATE_BATCH_SIZE
        )
        Child.objects.bulk_create(self.new_children, batch_size=BATCH_SIZE)
        # Only what changed, grouped by the fields changed: a re-import of the same list writes
        # no child, and a new year's list (every class changes) writes two columns, not eleven.
        by_fields: dict[tuple[str, ...], list[Child]] = {}
        for child, fields, _before in self.child_changes:
            by_fields.setdefault(fields, []).append(child)
        for fields, children in by_fields.items():
            Child.objects.bulk_update(
                children, [*fields, "updated_at"], batch_size=UPDATE_BATCH_SIZE
            )
        # New children and those whose name or numbers changed are found by their new keys.
        ChildSearchKey.write_for(
            [*self.new_children]
            + [c for c, fields, _ in self.child_changes if needs_new_keys(fields)]
        )
        ChildCaregiver.objects.bulk_create(self.new_links, batch_size=BATCH_SIZE)
        ChildCaregiver.objects.bulk_update(
            list(self.changed_links.values()), ["relation"], batch_size=UPDATE_BATCH_SIZE
        )
        self._audit()

    def _audit(self) -> None:
        """One entry per child created or changed, with the values before and after, in the
        import's transaction (so a failed import leaves no entries either)."""

        def plain(child: Child, names) -> dict[str, object]:
            return {name: getattr(child, Child._meta.get_field(name).attname) for name in names}

        for child in self.new_children:
            audit_record(
                action=AuditEntry.Action.CREATE,
                actor_name="import",
                object_type="child",
                object_id=child.pk,
                child_id=child.pk,
                detail={"source": "import", "after": plain(child, CHILD_UPDATE_FIELDS)},
            )
        for child, fields, before in self.child_changes:
            if "school" in fields:
                child_school_changed.send(
                    sender=Child,
                    child=child,
                    from_school_id=getattr(before["school"], "pk", before["school"]),
                    to_school_id=child.school_id,
                )
            audit_record(
                action=AuditEntry.Action.CHANGE,
                actor_name="import",
                object_type="child",
                object_id=child.pk,
                child_id=child.pk,
                detail={
                    "source": "import",
                    "before": {name: getattr(value, "pk", value) for name, value in before.items()},
                    "after": plain(child, fields),
                },
            )
