"""Import class lists: children with their classes, households and caregivers
(`cwtt import children FILE`).

Matching, so that importing the same file twice changes nothing and never duplicates:
- A child is an existing child when the SA ID number matches, or when school, first name, last
  name and date of birth match (ignoring case). Finding likely duplicates beyond that (typos,
  other spellings) is not this module's job: every child an import creates is made by
  `children_create`, the one place such a check belongs.
- A class is (school, year, name ignoring case); a missing one is created with the row's grade.
- A caregiver is the child's existing caregiver of the same name; else a caregiver of the same
  name at the same address, so siblings share one household; else a new household and caregiver.
- An optional cell left blank keeps what is stored; an import never erases a value.
The report's `updated` counts rows that changed something stored and `unchanged` the matched
rows that did not; only values that differ are written, so a re-import of an unchanged list
writes nothing and leaves each child's `updated_at` alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cwtt.access.audit import audit_record_each
from cwtt.access.models import AuditEntry
from cwtt.instruments.engine.definition import gettext_noop, marked

from .. import validation
from ..actions import queue_possible_duplicates
from ..models import (
    Caregiver,
    Child,
    ChildCaregiver,
    ChildSearchKey,
    Household,
    School,
    SchoolClass,
)
from ..search_keys import needs_new_keys
from ..signals import child_school_changed
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


def import_children(
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool,
    keep_good: bool = False,
    progress: Progress | None = None,
    file: str = "",
) -> ImportReport:
    """Create or update children from class lists, with their classes, households and caregivers."""
    report = ImportReport(kind="children", dry_run=dry_run, keep_good=keep_good, file=file)
    numbered = _numbered_rows(rows, CHILD_COLUMNS, CHILD_OPTIONAL_COLUMNS, report)
    return run_planned(report, numbered, _plan_children, progress=progress)


def _plan_children(rows: list[_Row]) -> _ChildrenPlan:
    schools = School.objects.in_bulk(
        {row.get("school_emis") for row in rows}, field_name="emis_number"
    )
    return _ChildrenPlan([child for row in rows if (child := _parse_child(row, schools))])


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


def school_of(
    row: _Row, schools: Mapping[str, School], column: str = "school_emis"
) -> School | None:
    """The school a row names by EMIS number (`schools` holds those found), or None after an
    error saying what is wrong with the cell."""
    emis = row.get(column)
    school = schools.get(emis)
    if not emis:
        row.error(
            column, marked(gettext_noop("%(column)s is blank; every row needs one."), column=column)
        )
    elif problems := validation.emis_problems(emis):
        for problem in problems:
            row.error(
                column,
                marked(
                    gettext_noop("%(column)s '%(value)s': %(problem)s"),
                    column=column,
                    value=emis,
                    problem=problem,
                ),
            )
    elif school is None:
        row.error(
            column,
            marked(
                gettext_noop(
                    "%(column)s '%(value)s' is not a school in CWTT; import the school list "
                    "first (cwtt import schools FILE)."
                ),
                column=column,
                value=emis,
            ),
        )
    return school


def _parse_child(row: _Row, schools: Mapping[str, School]) -> _ChildRow | None:
    school = school_of(row, schools)
    class_name = row.text("class_name", SchoolClass._meta.get_field("name").max_length)
    grade = _choice(row, "grade", GRADES, _grade_key, marked(gettext_noop("use one of R, 1, 2, 3")))
    year = _year(row)
    first_name = row.text("first_name", 80)
    last_name = row.text("last_name", 80)
    date_of_birth = _date(row, "date_of_birth")
    raw_birth = row.get("date_of_birth")
    if date_of_birth is not None:
        for problem in validation.date_of_birth_problems(date_of_birth):
            row.error(
                "date_of_birth",
                marked(
                    gettext_noop("%(column)s '%(value)s': %(problem)s"),
                    column="date_of_birth",
                    value=raw_birth,
                    problem=problem,
                ),
            )
            date_of_birth = None
    if date_of_birth is not None:
        for warning in validation.age_warnings(date_of_birth):
            row.warn(
                "date_of_birth",
                marked(
                    gettext_noop("%(column)s '%(value)s': %(problem)s"),
                    column="date_of_birth",
                    value=raw_birth,
                    problem=warning,
                ),
            )
    sex = _choice(
        row,
        "sex",
        SEXES,
        str.lower,
        marked(gettext_noop("use M or F (male, female, boy and girl are read too)")),
    )
    sa_id_number = row.get("sa_id_number").replace(" ", "")
    if sa_id_number:
        for problem in validation.sa_id_problems(sa_id_number, date_of_birth, sex or None):
            row.error(
                "sa_id_number",
                marked(
                    gettext_noop("%(column)s '%(value)s': %(problem)s"),
                    column="sa_id_number",
                    value=row.get("sa_id_number"),
                    problem=problem,
                ),
            )
    birth_certificate_number = row.text("birth_certificate_number", 30, required=False)
    grant_status = _choice(
        row,
        "grant_status",
        GRANT_STATUSES,
        lambda value: re.sub(r"[^a-z]+", "_", value.lower()).strip("_"),
        marked(
            gettext_noop("use one of receives, applied, not_receiving, unknown, or leave it blank")
        ),
        required=False,
    )
    caregiver_first_name = row.text("caregiver_first_name", 80, required=False)
    caregiver_last_name = row.text("caregiver_last_name", 80, required=False)
    caregiver_relation = _choice(
        row,
        "caregiver_relation",
        RELATIONS,
        lambda value: re.sub(r"[^a-z]+", " ", value.lower()).strip(),
        marked(
            gettext_noop(
                "use one of mother, father, grandparent, aunt_uncle, sibling, foster, other, or "
                "leave it blank (words such as grandmother or uncle are read too)"
            )
        ),
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
            marked(
                gettext_noop(
                    "caregiver_last_name is blank but caregiver_first_name is '%(first)s'; give the caregiver's first and last name, or neither."
                ),
                first=first,
            ),
        )
    elif last and not first:
        row.error(
            "caregiver_first_name",
            marked(
                gettext_noop(
                    "caregiver_first_name is blank but caregiver_last_name is '%(last)s'; give the caregiver's first and last name, or neither."
                ),
                last=last,
            ),
        )
    elif not first:
        given = [c for c in ("caregiver_relation", "caregiver_phone") if row.get(c)]
        if given:
            row.error(
                "caregiver_first_name",
                marked(
                    gettext_noop(
                        "the caregiver's name is blank but %(given)s is given; give the caregiver's first and last name too."
                    ),
                    given=" and ".join(given),
                ),
            )
        else:
            row.warn(
                "caregiver_first_name",
                marked(
                    gettext_noop(
                        "No caregiver is given; the child is imported without one. Add the "
                        "caregiver later so the team can reach the family."
                    )
                ),
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
            row.error(
                column,
                marked(gettext_noop("%(column)s is blank; every row needs one."), column=column),
            )
        return ""
    value = accepted.get(normalise(raw))
    if value is None:
        row.error(
            column,
            marked(
                gettext_noop("%(column)s '%(value)s' is not accepted; %(hint)s."),
                column=column,
                value=raw,
                hint=hint,
            ),
        )
        return ""
    return value


def _grade_key(value: str) -> str:
    return re.sub(r"^(grade|gr)\.?\s*", "", value.strip().lower())


def _year(row: _Row) -> int:
    raw = row.get("year")
    this_year = timezone.localdate().year
    if not raw:
        row.error("year", marked(gettext_noop("year is blank; every row needs one.")))
    elif not re.fullmatch(r"\d{4}", raw) or not 2000 <= int(raw) <= this_year + 1:
        row.error(
            "year",
            marked(
                gettext_noop(
                    "year '%(value)s' is not a school year; write the year the class runs, such "
                    "as %(year)s."
                ),
                value=raw,
                year=this_year,
            ),
        )
    else:
        return int(raw)
    return 0


def _date(row: _Row, column: str) -> dt.date | None:
    raw = row.get(column)
    if not raw:
        row.error(
            column, marked(gettext_noop("%(column)s is blank; every row needs one."), column=column)
        )
        return None
    if match := _ISO_DATE.fullmatch(raw):
        year, month, day = match.groups()
    elif match := _DAY_FIRST_DATE.fullmatch(raw):
        day, month, year = match.groups()
    else:
        row.error(
            column,
            marked(
                gettext_noop(
                    "%(column)s '%(value)s' is not a date CWTT can read; write it as YYYY-MM-DD "
                    "(2018-03-14) or DD/MM/YYYY (14/03/2018)."
                ),
                column=column,
                value=raw,
            ),
        )
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        if _DAY_FIRST_DATE.fullmatch(raw) and int(month) > 12:
            template = gettext_noop(
                "%(column)s '%(value)s' is not a real date. Dates with slashes are read day "
                "first, as DD/MM/YYYY."
            )
        else:
            template = gettext_noop("%(column)s '%(value)s' is not a real date.")
        row.error(column, marked(template, column=column, value=raw))
        return None


def _phone(row: _Row) -> str:
    raw = row.text("caregiver_phone", 20, required=False)
    digits = re.sub(r"\D", "", raw)
    if raw and (re.search(r"[^0-9 +()\-]", raw) or not 10 <= len(digits) <= 15):
        if len(digits) == 9 and raw[0] not in "0+":
            template = gettext_noop(
                "caregiver_phone '%(value)s' is not a phone number; write 10 digits such as "
                "082 123 4567, or +27 82 123 4567. A spreadsheet may have dropped the leading 0; "
                "format the column as text."
            )
        else:
            template = gettext_noop(
                "caregiver_phone '%(value)s' is not a phone number; write 10 digits such as "
                "082 123 4567, or +27 82 123 4567."
            )
        row.error("caregiver_phone", marked(template, value=raw))
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
        self._start()
        school_ids = sorted({row.school.pk for row in rows})
        self._load_classes(school_ids, sorted({row.year for row in rows}))
        matches = self._match(rows, school_ids)
        self._load_families(school_ids, sorted({pk for _, pk in matches if pk}))
        for row, child_id in matches:
            self._plan(row, child_id)
        self.created = len(self.new_children)
        self.also_created = {
            "classes": len(self.new_classes),
            "households": len(self.new_households),
            "caregivers": len(self.new_caregivers),
        }

    def _start(self) -> None:
        self.updated = self.unchanged = 0
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

    def _family_writes(self) -> int:
        return sum(
            map(
                len,
                (
                    self.new_households,
                    self.new_caregivers,
                    self.new_links,
                    self.changed_households,
                    self.changed_caregivers,
                    self.changed_links,
                ),
            )
        )

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
                    marked(
                        gettext_noop(
                            "%(first_name)s %(last_name)s, born %(born)s, appears again on row %(row)s at the same school; they are already on row %(first)s. Give each child one row."
                        ),
                        first_name=child.first_name,
                        last_name=child.last_name,
                        born=child.date_of_birth,
                        row=row.number,
                        first=first,
                    ),
                )
            if child.sa_id_number:
                first = number_rows.setdefault(child.sa_id_number, row.number)
                if first != row.number:
                    row.error(
                        "sa_id_number",
                        marked(
                            gettext_noop(
                                "sa_id_number '%(number)s' appears again on row %(row)s; it is already on row %(first)s."
                            ),
                            number=child.sa_id_number,
                            row=row.number,
                            first=first,
                        ),
                    )
            matched_by_number = by_number.get(child.sa_id_number) if child.sa_id_number else None
            matched_by_name = by_name.get(child.name_key)
            if matched_by_number and matched_by_name and matched_by_number != matched_by_name:
                row.error(
                    "sa_id_number",
                    marked(
                        gettext_noop(
                            "sa_id_number '%(number)s' belongs to another registered child, not to the %(first_name)s %(last_name)s born %(born)s already at this school; please check the ID number."
                        ),
                        number=child.sa_id_number,
                        first_name=child.first_name,
                        last_name=child.last_name,
                        born=child.date_of_birth,
                    ),
                )
            child_id = matched_by_number or matched_by_name
            if row.failed:
                continue
            if child_id is not None:
                first = child_rows.setdefault(child_id, row.number)
                if first != row.number:
                    row.error(
                        "first_name",
                        marked(
                            gettext_noop(
                                "this row and row %(first)s are the same registered child (same SA ID number, or same name and date of birth); give each child one row."
                            ),
                            first=first,
                        ),
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
            row.row.done("created")
        else:
            child = self.children[child_id]
            before = _child_state(child)
            if row.sa_id_number and child.sa_id_number not in ("", row.sa_id_number):
                row.row.warn(
                    "sa_id_number",
                    marked(
                        gettext_noop(
                            "sa_id_number '%(number)s' replaces the ID number on record for this child (%(stored)s)."
                        ),
                        number=row.sa_id_number,
                        stored=child.sa_id_number,
                    ),
                )
            if row.grant_status:
                child.grant_status = row.grant_status
            self.changed_children.append(child)
        family_writes = self._family_writes()
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
            if changed or self._family_writes() != family_writes:
                self.updated += 1
                row.row.done("updated")
            else:
                self.unchanged += 1
                row.row.done("unchanged")

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
            if key in self.class_rows:
                template = gettext_noop(
                    "grade '%(given)s' does not match class %(name)s of %(year)s, which is Grade "
                    "%(grade)s on row %(first)s; a class has one grade."
                )
            else:
                template = gettext_noop(
                    "grade '%(given)s' does not match class %(name)s of %(year)s, which is Grade "
                    "%(grade)s in CWTT; a class has one grade."
                )
            row.row.error(
                "grade",
                marked(
                    template,
                    given=row.row.get("grade"),
                    name=klass.name,
                    year=klass.year,
                    grade=klass.grade,
                    first=self.class_rows.get(key),
                ),
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
                household=self._household_for_new_caregiver(row, child),
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

    def _household_for_new_caregiver(self, row: _ChildRow, child: Child) -> Household:
        return self._new_household(row.address)

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
        children_create(self.new_children)
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
        # Children who may be registered twice wait for a person's review (docs/duplicates.md);
        # looked for once the caregiver links exist, since a shared caregiver is one of the clues.
        queued = queue_possible_duplicates(children=self.new_children, found_by="import")
        if queued:
            self.also_created["possible_duplicates"] = queued

    def _audit(self) -> None:
        """One entry per child changed, with the values before and after, in the import's
        transaction (so a failed import leaves no entries either)."""

        for child, fields, before in self.child_changes:
            if "school" in fields:
                child_school_changed.send(
                    sender=Child,
                    child=child,
                    from_school_id=getattr(before["school"], "pk", before["school"]),
                    to_school_id=child.school_id,
                )
        audit_record_each(
            {
                "action": AuditEntry.Action.CHANGE,
                "actor_name": "import",
                "object_type": "child",
                "object_id": child.pk,
                "child_id": child.pk,
                "detail": {
                    "source": "import",
                    "before": {name: getattr(value, "pk", value) for name, value in before.items()},
                    "after": _plain(child, fields),
                },
            }
            for child, fields, before in self.child_changes
        )


def _plain(child: Child, names: Iterable[str]) -> dict[str, object]:
    return {name: getattr(child, Child._meta.get_field(name).attname) for name in names}


def children_create(children: Sequence[Child]) -> None:
    """Save new children (their class and household already saved), each with its audit entry.

    The one place an import creates children. Likely duplicates are looked for at the end of
    the plan's `write`, once the caregivers are linked."""
    Child.objects.bulk_create(children, batch_size=BATCH_SIZE)
    audit_record_each(
        {
            "action": AuditEntry.Action.CREATE,
            "actor_name": "import",
            "object_type": "child",
            "object_id": child.pk,
            "child_id": child.pk,
            "detail": {"source": "import", "after": _plain(child, CHILD_UPDATE_FIELDS)},
        }
        for child in children
    )
