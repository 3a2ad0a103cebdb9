"""Read an instrument file (XLSForm plus CWTT columns) into a definition, or list its problems.

The XLSForm itself is checked by pyxform, the reference converter, so any form ODK would accept
loads here. On top of that we read the CWTT columns and sheets ourselves, because pyxform drops
sheets it does not know (`measures`, `scoring`, `indicators`) and columns it does not use.
Every problem names the sheet, the spreadsheet row and the column, so an author can find it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .definition import (
    CHILD_FACTS,
    DOMAIN_RULE_NAMES,
    DOMAINS,
    RESPONDENTS,
    RULE_LEVELS,
    SENSITIVITIES,
    Choice,
    InstrumentDefinition,
    MeasureSpec,
    Question,
    Rule,
)
from .expressions import MAX_LENGTH, SELF, ExpressionError, check_xpath, parse, references
from .measure_catalogue import MEASURE_KINDS, output_names

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".md")
CWTT_COLUMNS = ("domain", "indicator", "respondent", "sensitivity")
# Survey columns that hold XPath. The server evaluates `relevant` and `constraint` of the
# questions it checks; the rest only ODK evaluates, but a syntax error in any of them is an
# error, so that a form is never published without one of its checks.
EXPRESSION_COLUMNS = (
    "relevant",
    "constraint",
    "calculation",
    "required",
    "choice_filter",
    "repeat_count",
)
_NOT_EXPRESSIONS = {"", "yes", "no", "true", "false", "true()", "false()", "1", "0"}

# An instrument is a few hundred rows; these bound the work a hostile or broken file can cause
# (a "zip bomb" workbook is a few kilobytes that unpack to gigabytes).
MAX_FILE_BYTES = 5 * 1024 * 1024  # the default instrument is under 100 KB
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class ReadResult:
    definition: InstrumentDefinition | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.problems


@dataclass(slots=True)
class Sheet:
    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, column → text)


class InstrumentFileError(ValueError):
    """The file could not be read at all (wrong type, not a spreadsheet)."""


# --- reading sheets ---------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet_from_rows(name: str, raw_rows: Iterable[tuple[int, list[str]]]) -> Sheet | None:
    headers: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in raw_rows:
        if headers is None:
            if not any(cells):
                continue
            headers = [c.strip() for c in cells]
            continue
        row = {headers[i]: c for i, c in enumerate(cells) if i < len(headers) and headers[i] and c}
        if row:
            rows.append((number, row))
    if headers is None:
        return None
    return Sheet(name=name, headers=[h for h in headers if h], rows=rows)


def _xlsx_refusal(data: bytes) -> str | None:
    """Why these bytes are not a workbook we can open, in words an author can act on."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            return (
                "the workbook is protected with a password; save a copy without the password "
                "and upload that"
            )
        return (
            "this is an old-style Excel file (.xls); open it in Excel or LibreOffice and save "
            "it as an Excel Workbook (.xlsx)"
        )
    if not data.startswith(b"PK"):
        return (
            "the file is not an Excel workbook (.xlsx), although its name says so; it may be a "
            "CSV or another kind of file renamed. Save it from Excel or LibreOffice as .xlsx"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return (
            "the workbook is damaged or incomplete (perhaps the upload was cut short); "
            "save it again from Excel or LibreOffice"
        )
    if unpacked > MAX_UNPACKED_BYTES:
        return (
            f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB; "
            "an instrument is far smaller, so this file is not read"
        )
    return None


def _read_xlsx(data: bytes) -> dict[str, Sheet]:
    from openpyxl import load_workbook

    refusal = _xlsx_refusal(data)
    if refusal:
        raise InstrumentFileError(refusal)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise InstrumentFileError(
            "the workbook could not be opened; save it again from Excel or LibreOffice as "
            f".xlsx ({error})"
        ) from None
    sheets: dict[str, Sheet] = {}
    try:
        for worksheet in workbook.worksheets:
            # A read-only workbook parses each sheet as it is read, so a damaged sheet fails
            # here rather than when the workbook is opened.
            sheet = _sheet_from_rows(worksheet.title, _limited_rows(worksheet))
            if sheet is not None:
                sheets[worksheet.title.strip().lower()] = sheet
    except InstrumentFileError:
        raise
    except Exception as error:
        raise InstrumentFileError(
            f"the workbook could not be read; a sheet in it is damaged ({error})"
        ) from None
    finally:
        workbook.close()
    if not sheets:
        raise InstrumentFileError("the workbook is empty: no sheet has anything in it")
    return sheets


def _limited_rows(worksheet: Any) -> Iterable[tuple[int, list[str]]]:
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise InstrumentFileError(
                f"the {worksheet.title} sheet has more than {MAX_ROWS:,} rows; "
                "an instrument is far smaller, so this file is not read"
            )
        yield number, [_cell_text(v) for v in values]


def _read_markdown(text: str) -> dict[str, Sheet]:
    """pyxform's Markdown tables: a line `| sheet |` starts a sheet, `| | a | b |` is a row.

    Row numbers count as a spreadsheet would: the sheet's header line is row 1.
    """
    grouped: dict[str, list[list[str]]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if cells and cells[0]:
            current = cells[0]
            grouped.setdefault(current, [])
            continue
        if current is not None:
            grouped[current].append(cells[1:])
    sheets: dict[str, Sheet] = {}
    for name, raw_rows in grouped.items():
        sheet = _sheet_from_rows(name, ((i, r) for i, r in enumerate(raw_rows, start=1)))
        if sheet is not None:
            sheets[name.lower()] = sheet
    return sheets


def read_sheets(data: bytes, filename: str) -> dict[str, Sheet]:
    """The file's sheets by lower-case name; InstrumentFileError says why it cannot be read."""
    suffix = Path(filename).suffix.lower()
    if not data:
        raise InstrumentFileError("the file is empty")
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(data)
    if suffix == ".md":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InstrumentFileError(
                "the Markdown file is not UTF-8 text; save it with the UTF-8 encoding"
            ) from None
        if "\x00" in text:
            raise InstrumentFileError("the Markdown file is not plain text (it holds NUL bytes)")
        sheets = _read_markdown(text)
        too_long = next((s for s in sheets.values() if len(s.rows) > MAX_ROWS), None)
        if too_long is not None:
            raise InstrumentFileError(
                f"the {too_long.name} sheet has more than {MAX_ROWS:,} rows; "
                "an instrument is far smaller, so this file is not read"
            )
        return sheets
    if suffix == ".xls":
        raise InstrumentFileError(
            "this is an old-style Excel file (.xls); open it in Excel or LibreOffice and save "
            "it as an Excel Workbook (.xlsx)"
        )
    raise InstrumentFileError(
        f"{filename!r} is not an instrument file; use {', '.join(SUPPORTED_SUFFIXES)}"
    )


# --- pyxform ----------------------------------------------------------------------------------

_PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_PYXFORM_SHEET = re.compile(r"On the '([\w-]+)' sheet")


def _pyxform_sheet(message: str, row: int | None) -> str:
    """The sheet a pyxform message is about. It names it ("On the 'choices' sheet") in most
    row messages; a row message that does not is about a survey row, even when it mentions
    another sheet ("List name not in choices sheet"); a sheet-wide one may name settings."""
    named = _PYXFORM_SHEET.search(message)
    if named:
        return named.group(1)
    if row is None:
        for name in ("settings", "choices"):
            if f"{name} sheet" in message:
                return name
    return "survey"


def _pyxform_problems(data: bytes, filename: str) -> tuple[list[Problem], list[str]]:
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    suffix = Path(filename).suffix.lower()
    try:
        result = convert(xlsform=io.BytesIO(data), file_type=suffix, validate=False)
    except PyXFormError as error:
        message = str(error)
        match = _PYXFORM_ROW.search(message)
        row = int(match.group(1)) if match else None
        clean = _PYXFORM_ROW.sub("", message).strip()
        return [Problem(_pyxform_sheet(message, row), row, None, f"XLSForm: {clean}")], []
    except RecursionError:
        return [Problem("survey", None, None, "XLSForm: an expression is nested too deeply")], []
    except Exception as error:  # pyxform can fail deep inside on odd input
        return [Problem("survey", None, None, f"XLSForm could not be converted: {error}")], []
    return [], [f"XLSForm: {w}" for w in result.warnings]


# --- interpreting the sheets ------------------------------------------------------------------

_META_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "username",
    "email",
    "audit",
    "simserial",
    "subscriberid",
    "start-geopoint",
}
_TYPE_ALIASES = {
    "int": "integer",
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "select multiple": "select_multiple",
    "begin group": "begin_group",
    "end group": "end_group",
    "begin repeat": "begin_repeat",
    "end repeat": "end_repeat",
    "string": "text",
}
_YES = {"yes", "true", "true()", "1"}


def _split_type(raw: str) -> tuple[str, str | None]:
    text = " ".join(raw.split())
    lowered = text.lower()
    for alias, canonical in _TYPE_ALIASES.items():
        if lowered == alias or lowered.startswith(alias + " "):
            rest = text[len(alias) :].strip()
            return canonical, rest or None
    head, _, rest = text.partition(" ")
    base = head.lower()
    base = _TYPE_ALIASES.get(base, base)
    if base in {"select_one", "select_multiple"}:
        return base, rest.strip() or None
    if base in _META_TYPES:
        return "meta", None
    return base, rest.strip() or None


def _labels(row: dict[str, str], column: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in row.items():
        if key == column:
            found["default"] = value
        elif key.startswith(column + "::"):
            found[_language_code(key.split("::", 1)[1])] = value
    return found


_LANGUAGE_CODE = re.compile(r"\(([A-Za-z-]{2,8})\)\s*$")


def _language_code(language: str) -> str:
    """`isiZulu (zu)` → `zu`; a language without a code in brackets keeps its name."""
    match = _LANGUAGE_CODE.search(language)
    return match.group(1).lower() if match else language.strip()


def _language_names(sheets: dict[str, Sheet], settings: dict[str, str]) -> dict[str, str]:
    """Code → name for every language column (`label::isiZulu (zu)` → `zu` → `isiZulu`), and
    `default` → the name of the settings sheet's `default_language`, when it is set."""
    names: dict[str, str] = {}
    for sheet_name in ("survey", "choices"):
        sheet = sheets.get(sheet_name)
        for header in sheet.headers if sheet else []:
            _, sep, language = header.rpartition("::")
            if sep and language.strip():
                names.setdefault(_language_code(language), _language_name(language))
    if settings.get("default_language"):
        names["default"] = _language_name(settings["default_language"])
    return names


def _language_name(language: str) -> str:
    """`isiZulu (zu)` → `isiZulu`."""
    return _LANGUAGE_CODE.sub("", language).strip() or language.strip()


class _Reader:
    def __init__(self, sheets: dict[str, Sheet], filename: str) -> None:
        self.sheets = sheets
        self.filename = filename
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.group_labels: dict[str, dict[str, str]] = {}

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message))

    def check_choice(
        self, sheet: str, row: int, column: str, value: str | None, allowed: Iterable[str]
    ) -> str | None:
        if not value:
            return None
        normalised = value.strip().lower()
        allowed = tuple(allowed)
        if normalised not in allowed:
            self.problem(sheet, row, column, f"{value!r} is not one of: {', '.join(allowed)}")
            return None
        return normalised

    def read(self) -> InstrumentDefinition | None:
        survey = self.sheets.get("survey")
        if survey is None:
            self.problem("survey", None, None, "the file has no 'survey' sheet")
            return None
        for column in ("type", "name"):
            if column not in survey.headers:
                self.problem("survey", 1, column, f"the survey sheet has no '{column}' column")
        if self.problems:
            return None
        has_cwtt_columns = any(c in survey.headers for c in CWTT_COLUMNS)
        choices = self.read_choices()
        questions = self.read_questions(survey, choices, has_cwtt_columns)
        settings = self.read_settings()
        definition = InstrumentDefinition(
            code=settings.get("form_id") or Path(self.filename).stem,
            title=settings.get("form_title") or settings.get("form_id") or Path(self.filename).stem,
            version_label=settings.get("version", ""),
            questions=questions,
            choices=choices,
            languages=sorted({lang for q in questions for lang in q.label if lang != "default"}),
            language_names=_language_names(self.sheets, settings),
        )
        definition.group_labels = self.group_labels
        definition.indicator_labels = self.read_indicator_labels()
        definition.measures = self.read_measures(definition)
        definition.rules = self.read_rules(definition)
        if not has_cwtt_columns and not definition.rules:
            self.warnings.append(
                "This is a plain XLSForm without the CWTT columns (domain, indicator, "
                "respondent, sensitivity) or a scoring sheet: it can collect answers, "
                "but nothing in it is scored."
            )
        elif not definition.rules:
            self.warnings.append("The instrument has no scoring sheet: nothing in it is scored.")
        return definition

    def read_settings(self) -> dict[str, str]:
        sheet = self.sheets.get("settings")
        if sheet is None or not sheet.rows:
            return {}
        return dict(sheet.rows[0][1])

    def read_choices(self) -> dict[str, list[Choice]]:
        sheet = self.sheets.get("choices")
        lists: dict[str, list[Choice]] = {}
        if sheet is None:
            return lists
        list_column = "list_name" if "list_name" in sheet.headers else "list name"
        for _, row in sheet.rows:
            list_name, name = row.get(list_column), row.get("name")
            if not list_name or not name:
                continue  # pyxform reports incomplete choice rows
            lists.setdefault(list_name, []).append(Choice(name=name, label=_labels(row, "label")))
        return lists

    def read_questions(
        self, survey: Sheet, choices: dict[str, list[Choice]], has_cwtt_columns: bool
    ) -> list[Question]:
        questions: list[Question] = []
        # Each open group: (name, inherited CWTT values, is a repeat)
        stack: list[tuple[str, dict[str, str | None], bool]] = []
        seen: set[str] = set()
        broken: set[tuple[int, str]] = set()  # (row, column) whose XPath is not well formed
        for number, row in survey.rows:
            raw_type = row.get("type", "")
            if not raw_type:
                continue
            for column in EXPRESSION_COLUMNS:
                text = row.get(column, "")
                if text.strip().lower() in _NOT_EXPRESSIONS:
                    continue
                if not self.is_xpath("survey", number, column, text):
                    broken.add((number, column))
            base, argument = _split_type(raw_type)
            inherited: dict[str, str | None] = dict(stack[-1][1]) if stack else {}
            own = {
                "domain": self.check_choice("survey", number, "domain", row.get("domain"), DOMAINS),
                "indicator": row.get("indicator") or None,
                "respondent": self.check_choice(
                    "survey", number, "respondent", row.get("respondent"), RESPONDENTS
                ),
                "sensitivity": self.check_choice(
                    "survey", number, "sensitivity", row.get("sensitivity"), SENSITIVITIES
                ),
            }
            values = {k: own[k] or inherited.get(k) for k in own}
            if base in {"end_group", "end_repeat"}:
                if stack:
                    stack.pop()
                continue
            name = row.get("name", "")
            if base in {"begin_group", "begin_repeat"}:
                if base == "begin_repeat":
                    self.warnings.append(
                        f"survey row {number}: repeat '{name}' is collected but its answers "
                        "are not checked or scored by the server"
                    )
                stack.append((name, values, base == "begin_repeat"))
                self.group_labels[name] = _labels(row, "label")
                continue
            if name in seen:
                continue  # pyxform reports duplicate names
            seen.add(name)
            question = Question(
                name=name,
                type=base,
                row=number,
                label=_labels(row, "label"),
                hint=_labels(row, "hint"),
                list_name=argument if base in {"select_one", "select_multiple"} else None,
                required=row.get("required", "").strip().lower() in _YES,
                relevant=row.get("relevant") or None,
                constraint=row.get("constraint") or None,
                constraint_message=_labels(row, "constraint_message").get("default")
                or row.get("constraint_message")
                or None,
                constraint_messages=_labels(row, "constraint_message"),
                domain=values["domain"],
                indicator=values["indicator"],
                respondent=values["respondent"],
                sensitivity=values["sensitivity"] or "general",
                group=stack[-1][0] if stack else None,
            )
            if any(is_repeat for _, _, is_repeat in stack):
                continue  # answers inside a repeat are lists of rows; see the warning above
            questions.append(question)
            self.check_question(question, choices, has_cwtt_columns)
        names = {q.name for q in questions}
        for question in questions:
            for column in ("relevant", "constraint"):
                text = getattr(question, column)
                if text and (question.row, column) not in broken:
                    self.check_expression(
                        "survey", question.row, column, text, names | {SELF}, lenient=True
                    )
        return questions

    def check_question(
        self, question: Question, choices: dict[str, list[Choice]], has_cwtt_columns: bool
    ) -> None:
        if not question.takes_answer:
            return
        if question.list_name and question.list_name not in choices:
            if not question.list_name.endswith((".csv", ".xml", ".geojson")):
                self.problem(
                    "survey",
                    question.row,
                    "type",
                    f"the answer list '{question.list_name}' is not on the choices sheet",
                )
        if has_cwtt_columns and not question.respondent:
            self.problem(
                "survey",
                question.row,
                "respondent",
                f"question '{question.name}' has no respondent; set it on the row or its group",
            )
        if question.indicator and not question.domain:
            self.problem(
                "survey",
                question.row,
                "domain",
                f"question '{question.name}' has an indicator but no domain",
            )

    def check_expression(
        self,
        sheet: str,
        row: int,
        column: str,
        text: str,
        known: set[str],
        lenient: bool = False,
    ) -> set[str] | None:
        """Parse `text`; report problems; return the names it reads (None if it failed).

        `lenient` is for a plain XLSForm's own relevance and constraints: a function or a path
        the server does not evaluate must not stop a well-formed form loading — the server then
        skips that check, and says so. A syntax error is an error either way.
        """
        try:
            names = references(parse(text))
        except ExpressionError as error:
            if lenient and self.is_xpath(sheet, row, column, text):
                self.warnings.append(
                    f"{sheet} row {row}, column {column}: the server cannot evaluate "
                    f"'{_shown(text)}' ({error}); it will not check this on submission"
                )
                return None
            if not lenient:
                self.problem(sheet, row, column, _unreadable(text, error))
            return None
        unknown = sorted(names - known)
        if unknown:
            listed = ", ".join("${" + n + "}" if n != SELF else "." for n in unknown)
            self.problem(sheet, row, column, f"{listed} is not a question or value here")
            return None
        return names

    def is_xpath(self, sheet: str, row: int, column: str, text: str) -> bool:
        """Whether `text` is well-formed XPath; if not, report it as a problem."""
        try:
            check_xpath(text)
        except ExpressionError as error:
            self.problem(sheet, row, column, _unreadable(text, error))
            return False
        return True

    def read_indicator_labels(self) -> dict[str, str]:
        sheet = self.sheets.get("indicators")
        labels: dict[str, str] = {}
        if sheet is None:
            return labels
        for number, row in sheet.rows:
            domain = self.check_choice("indicators", number, "domain", row.get("domain"), DOMAINS)
            indicator = row.get("indicator")
            if not domain or not indicator:
                if not row.get("domain"):
                    self.problem("indicators", number, "domain", "the row has no domain")
                if not indicator:
                    self.problem("indicators", number, "indicator", "the row has no indicator")
                continue
            labels[f"{domain}.{indicator}"] = row.get("label", indicator)
        return labels

    def read_measures(self, definition: InstrumentDefinition) -> list[MeasureSpec]:
        sheet = self.sheets.get("measures")
        if sheet is None:
            return []
        questions = {q.name: q for q in definition.answerable()}
        measures: list[MeasureSpec] = []
        taken: set[str] = set()
        for number, row in sheet.rows:
            name, kind = row.get("name", ""), row.get("measure", "").strip().lower()
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                self.problem("measures", number, "name", f"{name!r} is not a valid measure name")
                continue
            if name in taken or name in questions:
                self.problem("measures", number, "name", f"the name '{name}' is already used")
                continue
            if kind not in MEASURE_KINDS:
                self.problem(
                    "measures",
                    number,
                    "measure",
                    f"{kind!r} is not a known measure; use one of {', '.join(MEASURE_KINDS)}",
                )
                continue
            respondent = self.check_choice(
                "measures", number, "respondent", row.get("respondent"), RESPONDENTS
            )
            inputs = self.parse_inputs(number, row.get("inputs", ""), kind)
            if inputs is None:
                continue
            readers: set[str] = set()
            for text in inputs.values():
                used = self.check_expression(
                    "measures", number, "inputs", text, set(questions) | set(CHILD_FACTS)
                )
                if used is None:
                    break
                readers |= {questions[n].respondent for n in used if n in questions}  # type: ignore[misc]
            else:
                readers.discard(None)  # type: ignore[arg-type]
                if len(readers) > 1:
                    self.problem(
                        "measures",
                        number,
                        "inputs",
                        f"the inputs mix respondents ({', '.join(sorted(readers))}); "
                        "a measure reads one respondent's answers",
                    )
                    continue
                inferred = next(iter(readers), None)
                if respondent and inferred and respondent != inferred:
                    self.problem(
                        "measures",
                        number,
                        "respondent",
                        f"the inputs are {inferred} questions, not {respondent}",
                    )
                    continue
                taken.add(name)
                measures.append(MeasureSpec(name, kind, respondent or inferred, inputs, number))
        return measures

    def parse_inputs(self, number: int, text: str, kind: str) -> dict[str, str] | None:
        expected = MEASURE_KINDS[kind]
        inputs: dict[str, str] = {}
        for part in [p.strip() for p in text.split(";") if p.strip()]:
            parameter, sep, expression = part.partition("=")
            parameter = parameter.strip()
            if not sep or not expression.strip():
                self.problem(
                    "measures", number, "inputs", f"'{part}' should read parameter=expression"
                )
                return None
            if parameter not in expected:
                self.problem(
                    "measures",
                    number,
                    "inputs",
                    f"'{parameter}' is not an input of {kind}; it takes {', '.join(expected)}",
                )
                return None
            inputs[parameter] = expression.strip()
        missing = [p for p in expected if p not in inputs]
        if missing:
            self.problem(
                "measures", number, "inputs", f"{kind} needs inputs for {', '.join(missing)}"
            )
            return None
        return inputs

    def read_rules(self, definition: InstrumentDefinition) -> list[Rule]:
        sheet = self.sheets.get("scoring")
        if sheet is None:
            return []
        questions = {q.name: q for q in definition.answerable()}
        measure_outputs = {
            out: m for m in definition.measures for out in output_names(m.name, m.kind)
        }
        indicator_names = set(questions) | set(measure_outputs) | set(CHILD_FACTS)
        rules: list[Rule] = []
        codes: set[str] = set()
        for number, row in sheet.rows:
            code = row.get("rule", "")
            if not code:
                self.problem("scoring", number, "rule", "the rule has no code")
                continue
            if code in codes:
                self.problem("scoring", number, "rule", f"the rule code '{code}' is used twice")
                continue
            codes.add(code)
            domain = self.check_choice("scoring", number, "domain", row.get("domain"), DOMAINS)
            if not row.get("domain"):
                self.problem("scoring", number, "domain", "the rule has no domain")
            level = self.check_choice("scoring", number, "level", row.get("level"), RULE_LEVELS)
            if not row.get("level"):
                self.problem("scoring", number, "level", "the rule has no level (moderate or high)")
            reason = row.get("reason", "")
            if not reason:
                self.problem("scoring", number, "reason", "the rule has no plain-language reason")
            when = row.get("when", "")
            if not when:
                self.problem("scoring", number, "when", "the rule has no condition")
                continue
            indicator = row.get("indicator") or None
            known = indicator_names if indicator else set(DOMAIN_RULE_NAMES)
            used = self.check_expression("scoring", number, "when", when, known)
            if used is None or domain is None or level is None or not reason:
                continue
            respondents = {questions[n].respondent for n in used if n in questions}
            respondents |= {measure_outputs[n].respondent for n in used if n in measure_outputs}
            respondents.discard(None)
            if indicator and len(respondents) > 1:
                self.problem(
                    "scoring",
                    number,
                    "when",
                    f"the condition mixes respondents ({', '.join(sorted(respondents))}); "  # type: ignore[arg-type]
                    "a rule is checked against one informant's answers",
                )
                continue
            if indicator and not respondents:
                self.problem(
                    "scoring",
                    number,
                    "when",
                    "the condition reads no question or measure, so no informant's answers "
                    "can make it fire",
                )
                continue
            rules.append(
                Rule(
                    code=code,
                    domain=domain,
                    indicator=indicator,
                    level=level,
                    when=when,
                    reason=reason,
                    row=number,
                    urgent=row.get("urgent", "").strip().lower() in _YES,
                    source=row.get("source", ""),
                    respondent=next(iter(respondents), None),  # type: ignore[arg-type]
                )
            )
        return rules


def _long_cells(sheets: dict[str, Sheet]) -> tuple[bool, list[Problem]]:
    """Whether any cell is longer than an expression may be, and a problem for each such cell
    that the reader does not report itself (it reports survey expressions in its own words)."""
    found = False
    problems: list[Problem] = []
    for key, sheet in sheets.items():
        for number, row in sheet.rows:
            for column, text in row.items():
                if len(text) <= MAX_LENGTH:
                    continue
                found = True
                if not (key == "survey" and column in EXPRESSION_COLUMNS):
                    problems.append(
                        Problem(
                            sheet.name,
                            number,
                            column,
                            f"the cell is longer than {MAX_LENGTH:,} characters",
                        )
                    )
    return found, problems


def _too_big() -> str:
    return (
        f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; an instrument file is "
        "far smaller, so it is not read"
    )


def _shown(text: str) -> str:
    """An expression as quoted in a message: a huge one is cut short."""
    return text if len(text) <= 80 else text[:60] + "…"


def _unreadable(text: str, error: ExpressionError) -> str:
    return f"the expression '{_shown(text)}' cannot be read: {error}"


def read_instrument(source: str | Path | bytes, filename: str | None = None) -> ReadResult:
    """Read and check an instrument file. `source` is a path, or the file's bytes with its name."""
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return ReadResult(None, [Problem(path.name, None, None, _too_big())])
            data = path.read_bytes()
        except OSError as error:
            return ReadResult(
                None, [Problem(path.name, None, None, f"cannot read file: {error.strerror}")]
            )
    else:
        data = source
        if filename is None:
            raise ValueError("filename is needed to tell the file's type")
    if len(data) > MAX_FILE_BYTES:
        return ReadResult(None, [Problem(filename, None, None, _too_big())])
    try:
        sheets = read_sheets(data, filename)
    except InstrumentFileError as error:
        return ReadResult(None, [Problem(filename, None, None, str(error))])
    # Without a survey sheet pyxform's message only repeats ours, less plainly; and pyxform
    # takes minutes over a cell with tens of thousands of ${name} references, so a file with a
    # cell beyond the limit is refused on that alone.
    too_long, long_cells = _long_cells(sheets)
    if "survey" in sheets and not too_long:
        problems, warnings = _pyxform_problems(data, filename)
    else:
        problems, warnings = [], []
    reader = _Reader(sheets, filename)
    definition = reader.read()
    problems = problems + long_cells + reader.problems
    return ReadResult(definition if not problems else None, problems, warnings + reader.warnings)
