"""Import schools: one row per school, matched by EMIS number (`cwtt import schools FILE`).

Columns: emis_number, name, quintile, province, district, circuit; optionally latitude and
longitude (decimal degrees, both or neither; a blank pair keeps what is stored). Province >
district > circuit are found by name (ignoring case) or code under their parent; missing ones
are created with a generated code. A school whose stored values equal the row's is unchanged
and not written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import slugify

from cwtt.instruments.engine.definition import gettext_noop, marked

from .. import validation
from ..models import Location, School
from .common import (
    BATCH_SIZE,
    UPDATE_BATCH_SIZE,
    ImportReport,
    Progress,
    _fold,
    _numbered_rows,
    _Row,
    run_planned,
)

SCHOOL_COLUMNS = ("emis_number", "name", "quintile", "province", "district", "circuit")
SCHOOL_OPTIONAL_COLUMNS = ("latitude", "longitude")
SCHOOL_FIELDS = ["name", "quintile", "location", "latitude", "longitude"]
# South Africa lies within these; a school outside them is most likely a swapped pair.
SOUTH_AFRICA = {"latitude": (-35.0, -22.0), "longitude": (16.0, 33.0)}


def import_schools(
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool,
    keep_good: bool = False,
    progress: Progress | None = None,
    file: str = "",
) -> ImportReport:
    """Create or update schools by EMIS number, with their province > district > circuit."""
    report = ImportReport(kind="schools", dry_run=dry_run, keep_good=keep_good, file=file)
    numbered = _numbered_rows(rows, SCHOOL_COLUMNS, SCHOOL_OPTIONAL_COLUMNS, report)
    return run_planned(report, numbered, _SchoolsPlan, progress=progress)


class _SchoolsPlan:
    def __init__(self, rows: list[_Row]) -> None:
        existing = School.objects.in_bulk(
            {row.get("emis_number") for row in rows}, field_name="emis_number"
        )
        self.locations = _LocationPlanner()
        self.new: list[School] = []
        self.changed: list[School] = []
        self.unchanged = 0
        first_row: dict[str, int] = {}
        for row in rows:
            emis = row.text("emis_number", 40)  # emis_problems explains a wrong length
            for problem in validation.emis_problems(emis) if emis else []:
                row.error(
                    "emis_number",
                    marked(
                        gettext_noop("emis_number '%(emis)s': %(problem)s"),
                        emis=emis,
                        problem=problem,
                    ),
                )
            if emis and emis in first_row:
                row.error(
                    "emis_number",
                    marked(
                        gettext_noop(
                            "EMIS number %(emis)s appears again on row %(row)s; it is already on "
                            "row %(first)s. Give each school one row."
                        ),
                        emis=emis,
                        row=row.number,
                        first=first_row[emis],
                    ),
                )
            first_row.setdefault(emis, row.number)
            name = row.text("name", School._meta.get_field("name").max_length)
            quintile = _quintile(row)
            place = [row.text(level, 120) for level in ("province", "district", "circuit")]
            position = _position(row)
            if row.failed:
                continue
            location = self.locations.find_or_plan(*place)
            school = existing.get(emis)
            if school is None:
                school = School(emis_number=emis, name=name, quintile=quintile, location=location)
                if position:
                    school.latitude, school.longitude = position
                self.new.append(school)
                row.done("created")
                continue
            before = [getattr(school, name) for name in SCHOOL_FIELDS]
            school.name, school.quintile, school.location = name, quintile, location
            if position:
                school.latitude, school.longitude = position
            if [getattr(school, name) for name in SCHOOL_FIELDS] != before:
                self.changed.append(school)
                row.done("updated")
            else:
                self.unchanged += 1
                row.done("unchanged")
        self.created, self.updated = len(self.new), len(self.changed)
        self.also_created = {"locations": len(self.locations.new)}

    def write(self) -> None:
        for location in self.locations.new:  # parents come before their children
            location.save()
        School.objects.bulk_create(self.new, batch_size=BATCH_SIZE)
        School.objects.bulk_update(self.changed, SCHOOL_FIELDS, batch_size=UPDATE_BATCH_SIZE)


def _position(row: _Row) -> tuple[Decimal, Decimal] | None:
    """The school's latitude and longitude, rounded to 6 decimals (about 10 cm), or None."""
    given = {column: row.get(column).replace(",", ".") for column in SOUTH_AFRICA}
    if not any(given.values()):
        return None
    if not all(given.values()):
        blank = next(column for column, value in given.items() if not value)
        other = next(column for column, value in given.items() if value)
        row.error(
            blank,
            marked(
                gettext_noop("%(blank)s is blank but %(other)s is given; give both, or neither."),
                blank=blank,
                other=other,
            ),
        )
        return None
    values: dict[str, Decimal] = {}
    for column, text in given.items():
        limit = 90 if column == "latitude" else 180
        try:
            value = Decimal(text)
        except InvalidOperation:
            row.error(
                column,
                marked(
                    gettext_noop(
                        "%(column)s '%(text)s' is not a number; write decimal degrees such as %(example)s."
                    ),
                    column=column,
                    text=text,
                    example="-26.204100" if column == "latitude" else "28.047300",
                ),
            )
            continue
        if not value.is_finite() or not -limit <= value <= limit:
            row.error(
                column,
                marked(
                    gettext_noop("%(column)s '%(text)s' is not between -%(limit)s and %(limit)s."),
                    column=column,
                    text=text,
                    limit=limit,
                ),
            )
            continue
        values[column] = value.quantize(Decimal("0.000001"))
        low, high = SOUTH_AFRICA[column]
        if not low <= value <= high:
            row.warn(
                column,
                marked(
                    gettext_noop(
                        "%(column)s '%(text)s' is outside South Africa; check that latitude and longitude are not swapped and that the latitude is negative (south)."
                    ),
                    column=column,
                    text=text,
                ),
            )
    if len(values) != 2:
        return None
    return values["latitude"], values["longitude"]


def _quintile(row: _Row) -> int | None:
    value = row.get("quintile")
    if not value:
        row.error("quintile", marked(gettext_noop("quintile is blank; every row needs one.")))
        return None
    match = re.fullmatch(r"(?:q(?:uintile)?\s*)?([1-5])", value.strip(), re.IGNORECASE)
    if match is None:
        row.error(
            "quintile",
            marked(
                gettext_noop("quintile '%(value)s' is not accepted; use a number from 1 to 5."),
                value=value,
            ),
        )
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
