"""What every bulk import shares: reading a file into rows, checking rows, the report, the two
modes (all-or-nothing, or the good rows with a rejects file) and the export layouts of
KoboToolbox and ODK Central. docs/imports.md describes it for users; decision 0045 says why.

`read_table(path)` turns a .csv (UTF-8 with or without a byte-order mark; comma, semicolon or
tab separated) or an .xlsx (first sheet, streamed) into one dict per data row, keyed by the
header names in lower_snake_case ("Date of Birth" -> "date_of_birth"). Blank rows inside the
table are kept as all-blank dicts so row numbers stay those of the spreadsheet (header = row 1,
first data row = row 2); the importers skip them. A file that cannot be read safely (wrong
encoding, damaged or encrypted workbook, more than CWTT_IMPORT_MAX_ROWS rows, ...) raises
TableError with a plain message: cwtt/tabular/reading.py, decision 0029. So does a file whose
first row lacks a required column, or that has no rows below it.

Export layouts: a column named with its group path, `group/question` (KoboToolbox) or
`group-question` (ODK Central), is read as `question` when that is a column the import knows;
the submission's own columns (`_id`, `_uuid`, `_submission_time`, `meta-instanceID`, `KEY`,
`SubmissionDate`, `SubmitterName`, ...) are read where an import uses them and otherwise
skipped without a warning.

`run_planned` is the driver of the imports that plan all their rows before writing (schools,
classes, children, caregivers): every row is checked first; all-or-nothing (the default) writes
only when no row has an error, in one transaction; with `keep_good` the rows with an error are
set aside (the report's `rejected_rows`, written back with `write_rejects`) and the others are
imported. A dry run checks and reports exactly as the import would, and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from openpyxl.utils import get_column_letter

from cwtt.instruments.engine.definition import gettext_noop, marked
from cwtt.tabular import Grid, TableError, csv_writer, read_grid, xlsx_row
from cwtt.tabular.reading import cell_text as _cell_text

# Below SQLite's default limit of 999 parameters per query.
CHUNK = 900
BATCH_SIZE = 1000
# bulk_update writes one CASE WHEN per field holding every row of the batch, which each updated
# row then scans; small batches keep that from growing with the square of the batch.
UPDATE_BATCH_SIZE = 100

# The column a rejects file adds; an import reads past it, so the fixed file goes back as it is.
ERROR_COLUMN = "error"

# Columns KoboToolbox and ODK Central add to every export, skipped without a warning unless an
# import reads them (the assessments read the instance id and the submission date).
# KoboToolbox starts its own with "_" (_id, _uuid, _submission_time, _validation_status, _notes,
# _status, _submitted_by, __version__, _tags, _index) and adds formhub/uuid and meta/instanceID.
ODK_CENTRAL_COLUMNS = frozenset(
    {
        "SubmissionDate",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    }
)
# Metadata questions XLSForms often carry (type start, end, today, deviceid, ...).
METADATA_QUESTIONS = frozenset(
    {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid", "phonenumber"}
)


def is_submission_column(raw: str) -> bool:
    """Whether a column (as the file names it) is one an export tool adds to every form."""
    raw = raw.strip()
    return (
        raw.startswith("_")
        or raw in ODK_CENTRAL_COLUMNS
        or raw.lower().startswith(("meta/", "meta-", "formhub/", "formhub-"))
        or normalise_header(raw) in METADATA_QUESTIONS
    )


# --- Reports ------------------------------------------------------------------------------

# Told how far an import has got: progress(done, total). The command line draws a bar with it.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    """A problem with one cell: `row` is the spreadsheet row number (the header is row 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


def _as_written(text: str) -> str:
    return text


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


@dataclass
class ImportReport:
    """What an import did, or (dry run, or any error in all-or-nothing mode) would do.

    `created`, `updated` and `unchanged` count rows: made, changed, and matched to a stored
    record that already held what the row says. They are 0 when an error stopped an
    all-or-nothing import, because then nothing is written. `also_created` counts the other
    records made on the way, such as {"locations": 2} or {"classes": 4, "caregivers": 30}.
    With `keep_good`, `rejected_rows` lists the rows set aside for their errors.
    """

    kind: str
    dry_run: bool
    keep_good: bool = False
    file: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    also_created: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rejected_rows: list[int] = field(default_factory=list)
    # What happened to each row without an error: "created", "updated" or "unchanged".
    outcomes: dict[int, str] = field(default_factory=dict)
    # What the person importing should do next, in plain words (shown after the summary).
    next_steps: list[str] = field(default_factory=list)
    # Told of each row planned (imports that plan before writing); see run_planned.
    progress: Progress | None = field(default=None, repr=False, compare=False)

    @property
    def written(self) -> bool:
        """Whether this run wrote (or, in a dry run, would write) the rows it kept."""
        return not self.dry_run and (not self.errors or self.keep_good)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or any(self.also_created.values()))

    def row_by_row(self, gettext: Callable[[str], str] = _as_written) -> list[tuple[int, str]]:
        """Each row's number and what happened to it (or would, in a dry run), in order; in
        English for the command line, in the reader's language when the import page passes
        Django's `gettext` (named so, so that makemessages collects the text)."""
        done = {
            "created": gettext("created"),
            "updated": gettext("updated"),
            "unchanged": gettext("unchanged"),
        }
        would = {
            "created": gettext("would be created"),
            "updated": gettext("would be updated"),
            "unchanged": gettext("unchanged"),
        }
        once_fixed = {
            "created": gettext("would be created once the errors are fixed"),
            "updated": gettext("would be updated once the errors are fixed"),
            "unchanged": gettext("unchanged once the errors are fixed"),
        }
        stopped = self.errors and not self.keep_good
        said: dict[int, str] = {}
        for number, outcome in self.outcomes.items():
            table = once_fixed if stopped else would if self.dry_run else done
            said[number] = table.get(outcome, outcome)
        for error in self.errors:
            said[error.row] = (
                (gettext("would be set aside") if self.dry_run else gettext("set aside"))
                if self.keep_good
                else gettext("has an error")
            )
        return sorted(said.items())

    def report_lines(self, *, every_row: bool = False) -> list[str]:
        """What an import command prints: each error, each warning, with `every_row` what
        happened to each row, then the summary. Each line about a row starts with the file's
        name when the report knows it."""
        where = f"{self.file}: " if self.file else ""
        lines: list[str] = []
        if every_row:
            lines.append("Row by row:")
            lines.extend(f"{where}row {number}: {said}" for number, said in self.row_by_row())
        if self.errors:
            if self.keep_good:
                lines.append("Errors (these rows are set aside; the other rows are imported):")
            else:
                lines.append("Errors (nothing is written while any remain):")
            lines.extend(where + str(error) for error in self.errors)
        if self.warnings:
            lines.append("Warnings (worth a look; they do not stop the import):")
            lines.extend(where + str(warning) for warning in self.warnings)
        lines.append(self.summary())
        lines.extend(self.next_steps)
        return lines

    def summary(self, gettext: Callable[[str], str] = _as_written, ngettext=_english_plural) -> str:
        """What the import did, in English for the command line; the import page passes
        Django's `gettext` and `ngettext` to have it in the reader's language (decision 0062).
        The calls are named so, so that makemessages collects their text."""
        counted = _Counted(ngettext)
        parts = [gettext("%(rows)s checked") % {"rows": counted("row", self.rows)}]
        stopped = self.errors and not self.keep_good
        if self.errors:
            bad_rows = len({error.row for error in self.errors})
            parts.append(
                gettext("%(errors)s in %(rows)s")
                % {"errors": counted("error", len(self.errors)), "rows": counted("row", bad_rows)}
            )
        if self.keep_good and self.rejected_rows:
            rejected = len(self.rejected_rows)
            if self.dry_run:
                parts.append(
                    ngettext(
                        "%(n)s row would be set aside", "%(n)s rows would be set aside", rejected
                    )
                    % {"n": rejected}
                )
            else:
                parts.append(
                    ngettext("%(n)s row set aside", "%(n)s rows set aside", rejected)
                    % {"n": rejected}
                )
        if not stopped:
            if self.dry_run:
                parts.append(gettext("%(n)s would be created") % {"n": self.created})
            else:
                parts.append(gettext("%(n)s created") % {"n": self.created})
            parts.append(gettext("%(n)s updated") % {"n": self.updated})
            extras = [counted(noun, n) for noun, n in self.also_created.items() if n]
            if extras:
                parts[-1] = gettext("%(counts)s, plus %(extras)s") % {
                    "counts": parts[-1],
                    "extras": ", ".join(extras),
                }
            if self.unchanged:
                parts.append(gettext("%(n)s unchanged") % {"n": self.unchanged})
        if self.warnings:
            parts.append(counted("warning", len(self.warnings)))
        counts = ", ".join(parts)
        if self.dry_run and stopped:
            said = gettext(
                "Dry run: %(counts)s; fix the errors and check again. Nothing was written."
            )
        elif self.dry_run:
            said = gettext("Dry run: %(counts)s; nothing was written.")
        elif stopped:
            said = gettext(
                "Not imported: %(counts)s; nothing was written. Fix the errors and import again."
            )
        elif not self.changed_anything:
            said = gettext(
                "Imported: %(counts)s; nothing needed changing, CWTT already holds every row."
            )
        elif self.keep_good and self.rejected_rows:
            said = gettext("Imported the rows without errors: %(counts)s.")
        else:
            said = gettext("Imported: %(counts)s.")
        return said % {"counts": counts}


class _Counted:
    """'1 row', '3 rows', ... for the nouns of a summary, through the `ngettext` given."""

    def __init__(self, ngettext) -> None:
        self.ngettext = ngettext

    def __call__(self, noun: str, n: int) -> str:
        ngettext = self.ngettext
        forms = {
            "row": lambda: ngettext("%(n)s row", "%(n)s rows", n),
            "error": lambda: ngettext("%(n)s error", "%(n)s errors", n),
            "warning": lambda: ngettext("%(n)s warning", "%(n)s warnings", n),
            "locations": lambda: ngettext("%(n)s location", "%(n)s locations", n),
            "classes": lambda: ngettext("%(n)s class", "%(n)s classes", n),
            "households": lambda: ngettext("%(n)s household", "%(n)s households", n),
            "caregivers": lambda: ngettext("%(n)s caregiver", "%(n)s caregivers", n),
            "links": lambda: ngettext("%(n)s link", "%(n)s links", n),
            "assignments": lambda: ngettext(
                "%(n)s school assignment", "%(n)s school assignments", n
            ),
            "possible_duplicates": lambda: ngettext(
                "%(n)s possible duplicate", "%(n)s possible duplicates", n
            ),
        }
        if noun not in forms:
            return _count(n, _SINGULAR.get(noun, noun))
        return forms[noun]() % {"n": n}


_SINGULAR = {
    "locations": "location",
    "classes": "class",
    "households": "household",
    "caregivers": "caregiver",
    "links": "link",
    "assignments": "school assignment",
    "possible_duplicates": "possible duplicate",
}


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun}es" if noun.endswith(("s", "ss")) else f"{n} {noun}s"


class MissingColumnsError(TableError):
    def __init__(self, missing: Sequence[str], required: Sequence[str]) -> None:
        self.missing = list(missing)
        template = (
            gettext_noop(
                "the first row has no column named %(missing)s. Required columns: %(required)s."
            )
            if len(missing) == 1
            else gettext_noop(
                "the first row has no columns named %(missing)s. Required columns: %(required)s."
            )
        )
        super().__init__(marked(template, missing=", ".join(missing), required=", ".join(required)))


class NoRowsError(TableError):
    def __init__(self) -> None:
        super().__init__(
            marked(
                gettext_noop(
                    "the file has column names but no rows below them; there is nothing to import."
                )
            )
        )


# --- Reading files ------------------------------------------------------------------------


class Table(list):
    """The rows of a file as dicts, `columns`: the names in its first row (so that a file with
    a header and no rows is still checked for missing columns), and `grid`: the file as read,
    with its own column names, for a rejects file that goes back in the file's layout."""

    def __init__(
        self,
        rows: Iterable[dict[str, str]],
        columns: Sequence[str],
        *,
        raw_columns: Mapping[str, str] | None = None,
        grid: Grid | None = None,
    ) -> None:
        super().__init__(rows)
        self.columns = tuple(columns)
        self.raw_columns = dict(raw_columns or {})  # normalised name -> the file's own
        self.grid = grid


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
    raw: dict[str, str] = {}
    for index, cell in enumerate(grid.header):
        name = normalise_header(cell)
        if not name:
            continue  # an unnamed column (often a stray empty one in a spreadsheet)
        if name in columns:
            raise TableError(
                marked(
                    gettext_noop(
                        "columns %(first)s and %(second)s are both named %(name)s; rename or remove one."
                    ),
                    first=get_column_letter(columns[name] + 1),
                    second=get_column_letter(index + 1),
                    name=name,
                )
            )
        columns[name] = index
        raw[name] = cell.strip()
    rows = (
        {
            name: (cells[index].strip() if index < len(cells) else "")
            for name, index in columns.items()
        }
        for cells in grid.rows
    )
    return Table(rows, columns, raw_columns=raw, grid=grid)


def layout_names(raw_names: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """For each column name of a file, the import's own name it stands for: itself when known;
    else the longest ending after a group path's / (KoboToolbox) or - (ODK Central) that is
    known ('child/first_name' and 'child-first_name' -> 'first_name'); else itself. An export
    tool's own columns keep their whole name ('formhub/uuid' is not 'uuid')."""
    known = set(known)
    names: dict[str, str] = {}
    for raw in raw_names:
        name = normalise_header(raw)
        if name not in known and not is_submission_column(raw):
            for match in re.finditer(r"[/-]", raw):
                ending = normalise_header(raw[match.end() :])
                if ending in known:
                    name = ending
                    break
        names[raw] = name
    return names


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

    def done(self, outcome: str) -> None:
        """What the import does with this row: "created", "updated" or "unchanged"."""
        self.report.outcomes[self.number] = outcome
        if self.report.progress is not None:
            self.report.progress(len(self.report.outcomes), self.report.rows)

    def text(self, column: str, max_length: int, *, required: bool = True) -> str:
        """The cell with runs of spaces collapsed; '' (after an error if required) when blank."""
        value = " ".join(self.get(column).split())
        if not value:
            if required:
                self.error(
                    column,
                    marked(
                        gettext_noop("%(column)s is blank; every row needs one."), column=column
                    ),
                )
            return ""
        if len(value) > max_length:
            self.error(
                column,
                marked(
                    gettext_noop(
                        "%(column)s '%(start)s...' is %(length)s characters long; the most CWTT "
                        "keeps is %(most)s."
                    ),
                    column=column,
                    start=value[:30],
                    length=len(value),
                    most=max_length,
                ),
            )
            return ""
        return value


def _numbered_rows(
    rows: Iterable[Mapping[str, Any]],
    required: Sequence[str],
    optional: Sequence[str],
    report: ImportReport,
    *,
    also_read: Iterable[str] = (),
) -> list[_Row]:
    """The file's non-blank rows, with their spreadsheet numbers, keyed by the import's own
    column names (group paths of an export resolved by `layout_names`). Refuses a file that
    lacks a required column or has no rows; warns once for each column nobody reads."""
    given = list(rows)
    raw_columns = getattr(rows, "raw_columns", None) or {}
    columns = getattr(rows, "columns", None)  # a Table knows its header even with no rows
    keys = list(dict.fromkeys([*(columns or ()), *(key for row in given for key in row if key)]))
    names = layout_names(
        [raw_columns.get(key, key) for key in keys], [*required, *optional, *also_read]
    )
    own = {key: names[raw_columns.get(key, key)] for key in keys}
    first_with: dict[str, str] = {}
    for key in keys:
        other = first_with.setdefault(own[key], key)
        if other != key:
            raise TableError(
                marked(
                    gettext_noop(
                        "the columns %(first)s and %(second)s both stand for %(name)s; rename or "
                        "remove one."
                    ),
                    first=raw_columns.get(other, other),
                    second=raw_columns.get(key, key),
                    name=own[key],
                )
            )
    rows = [
        {own[key]: _cell_text(value).strip() for key, value in row.items() if key} for row in given
    ]
    header = list(dict.fromkeys(own[key] for key in keys))
    missing = [column for column in required if column not in header]
    if missing:
        raise MissingColumnsError(missing, required)
    skipped = {*required, *optional, *also_read, ERROR_COLUMN}
    known = {*required, *optional, *also_read}
    exported = {
        own[key]
        for key in keys
        if is_submission_column(raw := raw_columns.get(key, key))
        # KoboToolbox adds a 0/1 column per choice of a multiple choice: question/choice.
        or ("/" in raw and layout_names([parent := raw.rsplit("/", 1)[0]], known)[parent] in known)
    }
    for column in header:
        if column not in skipped and column not in exported:
            report.warnings.append(
                RowError(
                    1,
                    column,
                    marked(
                        gettext_noop(
                            "CWTT does not read a column named %(column)s; it was ignored."
                        ),
                        column=column,
                    ),
                )
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
    if report.errors and not report.keep_good:
        report.created = report.updated = report.unchanged = 0
        report.also_created = {}
    return report


# --- Running an import --------------------------------------------------------------------


class Plan(Protocol):
    """What an import of checked rows will write, worked out before any of it is written."""

    created: int
    updated: int
    unchanged: int
    also_created: dict[str, int]

    def write(self) -> None: ...


def run_planned(
    report: ImportReport,
    rows: list[_Row],
    plan_rows: Callable[[list[_Row]], Plan],
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Plan every row, then write the plan in one transaction unless this is a dry run or
    (all-or-nothing) any row has an error. With `report.keep_good` the rows with an error are
    set aside and the others planned again on their own, until a plan has no error (a plan
    without some rows can differ: a class first planned by a rejected row)."""
    report.progress = progress
    with transaction.atomic():
        plan: Plan | None = plan_rows(rows)
        if report.errors and report.keep_good:
            rejected = {error.row for error in report.errors}
            while True:  # each round sets aside at least one more row, so this ends
                scratch = ImportReport(kind=report.kind, dry_run=report.dry_run)
                kept = [_Row(r.number, r.cells, scratch) for r in rows if r.number not in rejected]
                plan = plan_rows(kept) if kept else None
                if not scratch.errors:
                    report.outcomes = scratch.outcomes
                    break
                report.errors.extend(scratch.errors)
                rejected |= {error.row for error in scratch.errors}
            report.rejected_rows = sorted(rejected)
        if progress is not None:
            progress(len(rows), len(rows))
        if plan is not None:
            report.created, report.updated = plan.created, plan.updated
            report.unchanged = plan.unchanged
            report.also_created = dict(plan.also_created)
        if report.dry_run or plan is None or (report.errors and not report.keep_good):
            return _finish(report)
        plan.write()
        report.also_created = dict(plan.also_created)  # writing may add some (duplicates)
    return _finish(report)


def write_rejects(
    path: str | Path, table: Sequence[Mapping[str, str]], report: ImportReport
) -> int:
    """Write the rows `report` set aside to `path` (.csv or .xlsx), each with its own cells in
    the file's own columns and an `error` column saying what to fix; returns how many.

    The file goes back through the same import once fixed: the `error` column is ignored, and
    rows already imported are matched, not doubled. Text cells that could run as a formula are
    neutralised (decision 0029)."""
    path = Path(path)
    problems: dict[int, list[str]] = {}
    for error in report.errors:
        problems.setdefault(error.row, []).append(f"{error.column}: {error.message}")
    grid = getattr(table, "grid", None)
    if grid is not None:
        header = [cell for cell in grid.header]
        cut = len(header)
        error_at = next(
            (i for i, name in enumerate(header) if normalise_header(name) == ERROR_COLUMN), None
        )
        if error_at is None:
            header.append(ERROR_COLUMN)
            error_at = cut
        lines = []
        for number in report.rejected_rows:
            cells = list(grid.rows[number - 2])[:cut] if number - 2 < len(grid.rows) else []
            cells += [""] * (len(header) - len(cells))
            cells[error_at] = " | ".join(problems.get(number, []))
            lines.append(cells)
    else:  # rows given as dicts (tests, the web upload's own reading)
        header = list(dict.fromkeys(key for row in table for key in row if key != ERROR_COLUMN))
        header.append(ERROR_COLUMN)
        by_number = {index + 2: row for index, row in enumerate(table)}
        lines = [
            [str(by_number[number].get(name, "")) for name in header[:-1]]
            + [" | ".join(problems.get(number, []))]
            for number in report.rejected_rows
        ]
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "rejected rows"
        sheet.append(xlsx_row(sheet, header))
        for cells in lines:
            sheet.append(xlsx_row(sheet, cells))
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv_writer(out)
            writer.writerow(header)
            writer.writerows(lines)
    return len(lines)


class _Rollback(Exception):
    """Leaves the import's transaction without writing (a dry run, or a stopped import)."""


class _RowFailed(Exception):
    """Undoes one row's savepoint after its error was recorded."""


def run_row_by_row(
    report: ImportReport,
    rows: list[_Row],
    handle: Callable[[_Row], str | None],
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """For imports that write each row through an action (staff, assessments): `handle(row)`
    writes one row and says "created", "updated" or "unchanged", or records the row's error
    and returns None. Each row runs in its own savepoint inside one transaction, so a failed
    row leaves nothing; a dry run, or an all-or-nothing import with any error, rolls the whole
    transaction back, so what was checked is exactly what an import would do."""
    try:
        with transaction.atomic():
            for done, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        outcome = handle(row)
                        if row.failed or outcome is None:
                            raise _RowFailed
                except _RowFailed:
                    pass
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
                    report.outcomes[row.number] = outcome
                if progress is not None:
                    progress(done, len(rows))
            if report.keep_good:
                report.rejected_rows = sorted({error.row for error in report.errors})
            if report.dry_run or (report.errors and not report.keep_good):
                raise _Rollback
    except _Rollback:
        pass
    return _finish(report)
