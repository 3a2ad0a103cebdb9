"""Import staff accounts: one row per person (`cwtt import staff FILE`).

Columns: username, first_name, last_name, role (as in docs/access.md, e.g. field_worker,
teacher, social_worker); optionally schools (EMIS numbers separated by ; or spaces; needed for
school roles), location (district or province code; needed for area roles), organisation,
phone, supervisor (a username, earlier in the file or already in CWTT).

A new username becomes an account through `cwtt.access.actions.user_add` with no password: a
file never carries passwords, and a file with a password column is refused. The person gets
their first password from a one-time link a data manager makes on their page in
administration ("Make a set-password link"), as for an account added there. A username already
in CWTT with the same role is matched: schools in the row that the person does not have yet are
added (`staff_schools_add`), none are taken away; a different role is an error, and other
differences are reported and left as stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model

from cwtt.access.actions import ProvisioningError, staff_schools_add, user_add
from cwtt.access.roles import Role
from cwtt.instruments.engine.definition import gettext_noop, marked
from cwtt.tabular import TableError

from ..models import Staff
from .common import ImportReport, Progress, _numbered_rows, _Row, run_row_by_row

STAFF_COLUMNS = ("username", "first_name", "last_name", "role")
STAFF_OPTIONAL_COLUMNS = ("schools", "location", "organisation", "phone", "supervisor")
# Which column each of user_add's problems is about.
PROBLEM_COLUMNS = {
    "username": "username",
    "role": "role",
    "schools": "schools",
    "location": "location",
    "supervisor": "supervisor",
}


def import_staff(
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool,
    keep_good: bool = False,
    progress: Progress | None = None,
    file: str = "",
    by=None,
) -> ImportReport:
    """Create staff accounts (without passwords) with their roles and schools; `by` is the
    person importing, for the audit trail (None: the command line)."""
    report = ImportReport(kind="staff", dry_run=dry_run, keep_good=keep_good, file=file)
    numbered = _numbered_rows(rows, STAFF_COLUMNS, STAFF_OPTIONAL_COLUMNS, report)
    if any("password" in column for row in numbered for column in row.cells):
        raise TableError(
            marked(
                gettext_noop(
                    "the file has a password column. CWTT never reads passwords from a file: "
                    "remove the column; each person chooses their own password through a "
                    "set-password link."
                )
            )
        )
    first_row: dict[str, int] = {}

    def handle(row: _Row) -> str | None:
        username = row.text("username", 150)
        if username and username.casefold() in first_row:
            row.error(
                "username",
                marked(
                    gettext_noop(
                        "username %(username)s appears again on row %(row)s; it is already on "
                        "row %(first)s. Give each person one row."
                    ),
                    username=username,
                    row=row.number,
                    first=first_row[username.casefold()],
                ),
            )
            return None
        first_row.setdefault(username.casefold(), row.number)
        role = row.get("role").strip().lower().replace(" ", "_")
        schools = [emis for emis in re.split(r"[;,\s]+", row.get("schools")) if emis]
        existing = Staff.objects.filter(user__username=username).select_related("user").first()
        if (
            username
            and existing is None
            and get_user_model().objects.filter(username=username).exists()
        ):
            row.error(
                "username",
                marked(
                    gettext_noop("username %(username)s is an account with no staff record."),
                    username=username,
                ),
            )
            return None
        if existing is not None:
            return _match_existing(row, existing, role, schools, by)
        try:
            user_add(
                username=username,
                role=role,
                password=None,
                schools=schools,
                location=row.get("location") or None,
                organisation=row.get("organisation") or None,
                first_name=row.text("first_name", 150, required=False),
                last_name=row.text("last_name", 150, required=False),
                supervisor=row.get("supervisor") or None,
                phone=row.text("phone", 20, required=False),
                by=by,
            )
        except ProvisioningError as error:
            for problem in error.details:
                column = PROBLEM_COLUMNS.get(problem.field, "username")
                message = problem.message.replace("--school", "school in the schools column")
                message = message.replace("--location", "location")
                row.error(column, message)
            return None
        return "created"

    run_row_by_row(report, numbered, handle, progress=progress)
    if report.created and report.written:
        report.next_steps.append(
            marked(
                gettext_noop(
                    "1 new person has no password yet. Make a set-password link on their page "
                    '(Administration > People > the person > "Make a set-password link") and send '
                    "it to them only."
                )
            )
            if report.created == 1
            else marked(
                gettext_noop(
                    "%(n)s new people have no password yet. Make each a set-password link on "
                    'their page (Administration > People > the person > "Make a set-password '
                    'link") and send it to them only.'
                ),
                n=report.created,
            )
        )
    return report


def _match_existing(row: _Row, staff: Staff, role: str, schools: list[str], by) -> str | None:
    if role != staff.role:
        shown = Role(staff.role).label if staff.role in Role.values else staff.role
        row.error(
            "role",
            marked(
                gettext_noop(
                    "%(username)s is already in CWTT as %(shown)s (%(stored)s), not %(role)s; an "
                    "import does not change a person's role. Fix the row or remove it."
                ),
                username=staff.user.username,
                shown=shown,
                stored=staff.role,
                role=role,
            ),
        )
        return None
    for column, stored in (
        ("first_name", staff.user.first_name),
        ("last_name", staff.user.last_name),
    ):
        given = " ".join(row.get(column).split())
        if given and given != stored:
            row.warn(
                column,
                marked(
                    gettext_noop(
                        "%(column)s '%(given)s' differs from the stored '%(stored)s'; an import "
                        "leaves an existing account's name as it is."
                    ),
                    column=column,
                    given=given,
                    stored=stored,
                ),
            )
    try:
        added = staff_schools_add(username=staff.user.username, schools=schools, by=by)
    except ProvisioningError as error:
        for problem in error.details:
            row.error("schools", problem.message)
        return None
    return "updated" if added else "unchanged"
