"""Import caregivers of children already in CWTT: one row per child and caregiver
(`cwtt import caregivers FILE`).

The child is named by `child_id` (the number in the address of the child's page), or by
`school_emis`, `child_first_name`, `child_last_name` and `child_date_of_birth` together.
Columns: caregiver_first_name, caregiver_last_name; optionally caregiver_relation,
caregiver_phone, address. The caregiver is matched as in a class list (children.py): the
child's caregiver of the same name, else one of the same name at the same address (siblings
share a household), else a new household and caregiver. A blank optional cell keeps what is
stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cwtt.instruments.engine.definition import gettext_noop, marked

from ..models import Child, Household, School
from .children import (
    CHILD_UPDATE_FIELDS,
    RELATIONS,
    _child_state,
    _ChildrenPlan,
    _choice,
    _date,
    _phone,
    school_of,
)
from .common import (
    ImportReport,
    MissingColumnsError,
    Progress,
    _chunks,
    _fold,
    _numbered_rows,
    _Row,
    run_planned,
)

CAREGIVER_COLUMNS = ("caregiver_first_name", "caregiver_last_name")
CHILD_BY_NAME = ("school_emis", "child_first_name", "child_last_name", "child_date_of_birth")
CAREGIVER_OPTIONAL_COLUMNS = (
    "child_id",
    *CHILD_BY_NAME,
    "caregiver_relation",
    "caregiver_phone",
    "address",
)


def import_caregivers(
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool,
    keep_good: bool = False,
    progress: Progress | None = None,
    file: str = "",
) -> ImportReport:
    """Add caregivers to children in CWTT, or update their phone, relation and address."""
    report = ImportReport(kind="caregivers", dry_run=dry_run, keep_good=keep_good, file=file)
    numbered = _numbered_rows(rows, CAREGIVER_COLUMNS, CAREGIVER_OPTIONAL_COLUMNS, report)
    given = {column for row in numbered for column, value in row.cells.items()}
    if "child_id" not in given and not set(CHILD_BY_NAME) <= given:
        raise MissingColumnsError(
            ["child_id (or " + ", ".join(CHILD_BY_NAME) + ")"],
            [*CAREGIVER_COLUMNS, "child_id or " + ", ".join(CHILD_BY_NAME)],
        )
    return run_planned(report, numbered, _CaregiversPlan, progress=progress)


@dataclass
class _CaregiverRow:
    """What _ChildrenPlan._plan_family reads of a row."""

    row: _Row
    caregiver_first_name: str
    caregiver_last_name: str
    caregiver_relation: str
    caregiver_phone: str
    address: str

    @property
    def caregiver_key(self) -> tuple[str, str, str]:
        return (
            _fold(self.address),
            _fold(self.caregiver_first_name),
            _fold(self.caregiver_last_name),
        )


class _CaregiversPlan(_ChildrenPlan):
    def __init__(self, rows: list[_Row]) -> None:  # noqa: PLR0912 - one check per column
        self._start()
        found = _children_named(rows)
        parsed: list[tuple[_CaregiverRow, int]] = []
        first_row: dict[tuple[int, str, str], int] = {}
        for row in rows:
            child_id = found.get(row.number)
            first = row.text("caregiver_first_name", 80)
            last = row.text("caregiver_last_name", 80)
            relation = _choice(
                row,
                "caregiver_relation",
                RELATIONS,
                lambda value: re.sub(r"[^a-z]+", " ", value.lower()).strip(),
                marked(
                    gettext_noop(
                        "use one of mother, father, grandparent, aunt_uncle, sibling, foster, "
                        "other, or leave it blank"
                    )
                ),
                required=False,
            )
            phone = _phone(row)
            address = row.text(
                "address", Household._meta.get_field("address").max_length, required=False
            )
            if row.failed or child_id is None:
                continue
            key = (child_id, _fold(first), _fold(last))
            if key in first_row:
                row.error(
                    "caregiver_first_name",
                    marked(
                        gettext_noop(
                            "%(first)s %(last)s is given again for the same child on row "
                            "%(row)s; they are already on row %(earlier)s. Give each caregiver "
                            "of a child one row."
                        ),
                        first=first,
                        last=last,
                        row=row.number,
                        earlier=first_row[key],
                    ),
                )
                continue
            first_row[key] = row.number
            parsed.append((_CaregiverRow(row, first, last, relation, phone, address), child_id))
        child_ids = sorted({child_id for _, child_id in parsed})
        school_ids = (
            sorted(set(Child.objects.filter(pk__in=child_ids).values_list("school_id", flat=True)))
            if child_ids
            else []
        )
        self._load_families(school_ids, child_ids)
        links_before = len(self.new_links)
        for caregiver_row, child_id in parsed:
            child = self.children[child_id]
            before = _child_state(child)
            writes = self._family_writes()
            made = len(self.new_links)
            household = child.household
            self._plan_family(caregiver_row, child)
            if household is not None:
                child.household = household  # one child, several caregivers: the home stays
            after = _child_state(child)
            changed = tuple(name for name in CHILD_UPDATE_FIELDS if before[name] != after[name])
            if changed:
                self.child_changes.append((child, changed, {n: before[n] for n in changed}))
            if len(self.new_links) != made:
                caregiver_row.row.done("created")  # counted below
            elif changed or self._family_writes() != writes:
                self.updated += 1
                caregiver_row.row.done("updated")
            else:
                self.unchanged += 1
                caregiver_row.row.done("unchanged")
        self.created = len(self.new_links) - links_before
        self.also_created = {
            "households": len(self.new_households),
            "caregivers": len(self.new_caregivers),
        }

    def _household_for_new_caregiver(self, row, child: Child):
        """A new caregiver lives with the child unless the row gives another address."""
        if child.household is not None and (
            not row.address or _fold(row.address) == _fold(child.household.address)
        ):
            return child.household
        return self._new_household(row.address)


def _children_named(rows: list[_Row]) -> dict[int, int]:
    """The stored child each row names (row number -> child id); an error on the others."""
    by_id: dict[int, int] = {}
    wanted = {row.get("child_id") for row in rows if row.get("child_id").isdigit()}
    known: set[int] = set()
    for chunk in _chunks(sorted(int(value) for value in wanted)):
        known |= set(Child.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    schools = School.objects.in_bulk(
        {row.get("school_emis") for row in rows if not row.get("child_id")},
        field_name="emis_number",
    )
    by_name: dict[tuple[int, str, str, dt.date], int] = {}
    for chunk in _chunks(sorted(school.pk for school in schools.values())):
        stored = Child.objects.filter(school_id__in=chunk).values_list(
            "pk", "school_id", "first_name", "last_name", "date_of_birth"
        )
        for pk, school_id, first, last, born in stored.order_by("pk"):
            by_name.setdefault((school_id, _fold(first), _fold(last), born), pk)
    for row in rows:
        raw = row.get("child_id")
        if raw:
            if not raw.isdigit() or int(raw) not in known:
                row.error(
                    "child_id",
                    marked(
                        gettext_noop(
                            "child_id '%(value)s' is not a child in CWTT; it is the number at the "
                            "end of the address of the child's page."
                        ),
                        value=raw,
                    ),
                )
            else:
                by_id[row.number] = int(raw)
            continue
        school = school_of(row, schools)
        first = row.text("child_first_name", 80)
        last = row.text("child_last_name", 80)
        born = _date(row, "child_date_of_birth")
        if school is None or not first or not last or born is None:
            continue
        child_id = by_name.get((school.pk, _fold(first), _fold(last), born))
        if child_id is None:
            row.error(
                "child_first_name",
                marked(
                    gettext_noop(
                        "no child %(first)s %(last)s born %(born)s at school %(emis)s is in CWTT; "
                        "import the class list first, or give the child_id."
                    ),
                    first=first,
                    last=last,
                    born=born,
                    emis=school.emis_number,
                ),
            )
        else:
            by_id[row.number] = child_id
    return by_id
