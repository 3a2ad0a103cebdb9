"""Import classes: one row per class of a school year (`cwtt import classes FILE`).

Columns: school_emis, class_name, grade, year. A class is (school, year, name ignoring case):
a stored one with another grade takes the file's grade; one with the same grade is unchanged.
A class list (`cwtt import children`) also creates the classes it names; this import is for
setting up a school year before the learners are known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cwtt.instruments.engine.definition import gettext_noop, marked

from ..models import School, SchoolClass
from .children import GRADES, _choice, _grade_key, _year, school_of
from .common import (
    BATCH_SIZE,
    UPDATE_BATCH_SIZE,
    ImportReport,
    Progress,
    _chunks,
    _fold,
    _numbered_rows,
    _Row,
    run_planned,
)

CLASS_COLUMNS = ("school_emis", "class_name", "grade", "year")


def import_classes(
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool,
    keep_good: bool = False,
    progress: Progress | None = None,
    file: str = "",
) -> ImportReport:
    """Create classes, or set the grade of stored ones, by school, year and name."""
    report = ImportReport(kind="classes", dry_run=dry_run, keep_good=keep_good, file=file)
    numbered = _numbered_rows(rows, CLASS_COLUMNS, (), report)
    return run_planned(report, numbered, _ClassesPlan, progress=progress)


class _ClassesPlan:
    def __init__(self, rows: list[_Row]) -> None:
        schools = School.objects.in_bulk(
            {row.get("school_emis") for row in rows}, field_name="emis_number"
        )
        stored: dict[tuple[int, int, str], SchoolClass] = {}
        for chunk in _chunks(sorted({school.pk for school in schools.values()})):
            for klass in SchoolClass.objects.filter(school_id__in=chunk):
                stored.setdefault((klass.school_id, klass.year, _fold(klass.name)), klass)
        self.new: list[SchoolClass] = []
        self.changed: list[SchoolClass] = []
        self.unchanged = 0
        first_row: dict[tuple[int, int, str], int] = {}
        for row in rows:
            school = school_of(row, schools)
            name = row.text("class_name", SchoolClass._meta.get_field("name").max_length)
            grade = _choice(
                row, "grade", GRADES, _grade_key, marked(gettext_noop("use one of R, 1, 2, 3"))
            )
            year = _year(row)
            if row.failed or school is None:
                continue
            key = (school.pk, year, _fold(name))
            if key in first_row:
                row.error(
                    "class_name",
                    marked(
                        gettext_noop(
                            "class %(name)s of %(year)s at school %(emis)s appears again on row "
                            "%(row)s; it is already on row %(first)s. Give each class one row."
                        ),
                        name=name,
                        year=year,
                        emis=school.emis_number,
                        row=row.number,
                        first=first_row[key],
                    ),
                )
                continue
            first_row[key] = row.number
            klass = stored.get(key)
            if klass is None:
                self.new.append(SchoolClass(school=school, year=year, name=name, grade=grade))
                row.done("created")
            elif klass.grade != grade:
                klass.grade = grade
                self.changed.append(klass)
                row.done("updated")
            else:
                self.unchanged += 1
                row.done("unchanged")
        self.created, self.updated = len(self.new), len(self.changed)
        self.also_created: dict[str, int] = {}

    def write(self) -> None:
        SchoolClass.objects.bulk_create(self.new, batch_size=BATCH_SIZE)
        SchoolClass.objects.bulk_update(self.changed, ["grade"], batch_size=UPDATE_BATCH_SIZE)
