"""Read an instrument file (XLSForm plus CWTT columns) into a definition, or list its problems.

pyxform reads the XLSForm (`xlsform.py`): the file, the survey sheet, its types, names, labels,
binds, choice lists, groups and repeats, and the XForm. This module interprets pyxform's JSON
form and reads what pyxform leaves to us: the CWTT columns on survey rows (`domain`,
`indicator`, `respondent`, `sensitivity`) and the CWTT sheets (`measures`, `scoring`,
`indicators`). A form pyxform refuses is refused with pyxform's message. Every problem names the
sheet, the spreadsheet row and the column, so an author can find it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .definition import (
    CHILD_FACTS,
    CHOICE_PREFIX,
    DOMAIN_RULE_NAMES,
    DOMAINS,
    MAX_REPEAT_ROWS,
    RESPONDENTS,
    RULE_LEVELS,
    SENSITIVITIES,
    Choice,
    InstrumentDefinition,
    Marked,
    MeasureSpec,
    Question,
    Repeat,
    Rule,
    gettext_noop,
    marked,
)
from .expressions import MAX_LENGTH, SELF, ExpressionError, check_xpath, parse, references
from .measure_catalogue import MEASURE_KINDS, output_names
from .xlsform import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    ROW_KEY,
    SUPPORTED_SUFFIXES,
    InstrumentFileError,
    Sheet,
    Workbook,
    form_json,
    read_sheets,
    read_workbook,
    with_version,
    xform_from_json,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "SUPPORTED_SUFFIXES",
    "InstrumentFileError",
    "Problem",
    "ReadResult",
    "Sheet",
    "read_instrument",
    "read_sheets",
]

CWTT_COLUMNS = ("domain", "indicator", "respondent", "sensitivity")
# Survey columns that hold XPath, by where pyxform's JSON keeps them in an element's `bind`
# (`choice_filter` and `repeat_count` are elsewhere; see check_syntax). A syntax error in any
# of them is an error, whatever evaluates it, so that a form is never published without one
# of its checks.
_BIND_COLUMNS = {
    "relevant": "relevant",
    "constraint": "constraint",
    "calculate": "calculation",
    "required": "required",
}
_NOT_EXPRESSIONS = {"", "yes", "no", "true", "false", "true()", "false()", "1", "0"}
_YES = {"yes", "true", "true()", "1"}


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
    # pyxform's JSON form and the XForm built from it, when pyxform converted the file.
    form: dict[str, Any] | None = None
    xform: str | None = None

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.problems

    def xform_for_version(self, version: str) -> str:
        """The XForm with `version` as the form's version attribute."""
        if self.xform is None:
            raise ValueError("the file was not converted, so it has no XForm")
        return with_version(self.xform, version)


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


# The column a pyxform row message is about, when its words say so.
_PYXFORM_COLUMNS = (
    ("List name not in choices sheet", "type"),
    ("Unknown question type", "type"),
    ("Question with no type", "type"),
    ("Missing calculation", "calculation"),
    ("Invalid question name", "name"),
    ("Question or group with no name", "name"),
    ("Names must begin with", "name"),
)


def _pyxform_problem(error: Exception) -> Problem:
    message = str(error)
    match = _PYXFORM_ROW.search(message)
    row = int(match.group(1)) if match else None
    clean = " ".join(_PYXFORM_ROW.sub("", message).split())
    sheet = _pyxform_sheet(message, row)
    column = next(
        (c for words, c in _PYXFORM_COLUMNS if words in message and sheet == "survey" and row),
        None,
    )
    return Problem(sheet, row, column, f"XLSForm: {clean}")


def _convert(
    workbook: Workbook,
) -> tuple[dict[str, Any] | None, str | None, list[Problem], list[str]]:
    """pyxform's JSON form and XForm, or the problem pyxform found."""
    from pyxform.errors import PyXFormError

    warnings: list[str] = []
    form: dict[str, Any] | None = None
    try:
        form = form_json(workbook, warnings)
        xform = xform_from_json(form)
    except PyXFormError as error:
        return None, None, [_pyxform_problem(_with_row(workbook, form, error))], []
    except RecursionError:
        return (
            None,
            None,
            [
                Problem(
                    "survey",
                    None,
                    None,
                    marked(
                        gettext_noop("XLSForm: an expression is nested too deeply"),
                    ),
                )
            ],
            [],
        )
    except Exception as error:  # pyxform can fail deep inside on odd input
        return (
            None,
            None,
            [Problem("survey", None, None, f"XLSForm could not be converted: {error}")],
            [],
        )
    return form, xform, [], [f"XLSForm: {w}" for w in warnings]


_UNKNOWN_TYPE = re.compile(r"Unknown question type '(.+)'")


def _with_row(workbook: Workbook, form: dict[str, Any] | None, error: Exception) -> Exception:
    """pyxform's error, with the row when pyxform does not say it. An unknown type is found
    when the XForm is built, from the JSON form, whose elements carry their rows. A select
    question in a file with no choices sheet at all: converting again with a choices sheet
    that holds no list of the form's makes pyxform name the row of the first missing list."""
    from pyxform.errors import PyXFormError

    unknown = _UNKNOWN_TYPE.search(str(error))
    if unknown and form is not None and not _PYXFORM_ROW.search(str(error)):
        row = _row_of_type(form.get("children") or [], unknown.group(1))
        if row is not None:
            return PyXFormError(f"[row : {row}] {error}")
    if "There should be a choices sheet" not in str(error) or workbook.data.choices:
        return error
    placeholder = {"list_name": "-", "name": "-", "label": "-"}
    again = Workbook(copy.copy(workbook.data), workbook.cwtt_sheets)
    again.data.choices = [placeholder]
    again.data.choices_header = [dict.fromkeys(placeholder)]
    try:
        form_json(again, [])
    except PyXFormError as with_row:
        if _PYXFORM_ROW.search(str(with_row)):
            return PyXFormError(f"{with_row} (the file has no choices sheet)")
    return error


def _row_of_type(children: list[dict[str, Any]], kind: str) -> str | None:
    for element in children:
        if element.get("type") == kind and element.get(ROW_KEY):
            return str(element[ROW_KEY])
        found = _row_of_type(element.get("children") or [], kind)
        if found:
            return found
    return None


# --- interpreting pyxform's JSON --------------------------------------------------------------

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
    "start_geopoint",
}
# pyxform's JSON keeps a type as the author spelt it, less its list name: "select one",
# "select all that apply", "int", "string" ... ; the definition uses one name for each.
_TYPE_NAMES = {
    "int": "integer",
    "integer": "integer",
    "decimal": "decimal",
    "string": "text",
    "text": "text",
    "date": "date",
    "range": "range",
    "note": "note",
    "calculate": "calculate",
    "select one": "select_one",
    "select_one": "select_one",
    "select1": "select_one",
    "select all that apply": "select_multiple",
    "select_multiple": "select_multiple",
}
_GROUPS = {"group": "begin_group", "repeat": "begin_repeat", "loop": "begin_repeat"}
# Types a plain XLSForm may hold that carry no answer the capture page asks for.
# `in_repeat` while walking a repeat inside a repeat, whose questions only ODK collects (not a
# name: pyxform's names cannot hold a space).
_NESTED_REPEAT = "nested repeat"
_QUIET_TYPES = {"note", "calculate", "meta", "hidden", "xml-external", "csv-external"}


def _base_type(kind: str) -> str:
    lowered = " ".join(kind.split()).lower()
    if lowered in _TYPE_NAMES:
        return _TYPE_NAMES[lowered]
    if lowered in _META_TYPES:
        return "meta"
    if "external" in lowered:
        # select_one_external: answers from the external_choices sheet, which ODK clients
        # read as a CSV file beside the form; the capture page does not offer them.
        return lowered.replace(" ", "_")
    if lowered.startswith("select one") or lowered.startswith("select_one"):
        return "select_one"
    if lowered.startswith("select all that apply") or lowered.startswith("select_multiple"):
        return "select_multiple"
    return lowered.replace(" ", "_")


_CHOICE_KEYS = {"name", "label", "media", "list_name", "__row"}
_FILTER_TOKEN = re.compile(
    r"""(?P<string>'[^']*'|"[^"]*")|(?P<ref>\$\{[^}]*\})|(?P<word>[A-Za-z_][\w.\-]*)(?P<call>\s*\()?"""
)
_XPATH_WORDS = {"and", "or", "div", "mod"}


def _choice_columns_as_values(text: str) -> str:
    """`province = ${prov}` → `${__choice_province} = ${prov}`: in a choice filter, a bare name
    is a column of the choice being filtered."""

    def replace(match: re.Match[str]) -> str:
        word = match.group("word")
        if not word or match.group("call") or word in _XPATH_WORDS:
            return match.group(0)
        return "${" + CHOICE_PREFIX + word + "}"

    return _FILTER_TOKEN.sub(replace, text)


_LANGUAGE_CODE = re.compile(r"\(([A-Za-z-]{2,8})\)\s*$")


def _language_code(language: str) -> str:
    """`isiZulu (zu)` → `zu`; a language without a code in brackets keeps its name."""
    match = _LANGUAGE_CODE.search(language)
    return match.group(1).lower() if match else language.strip()


def _language_name(language: str) -> str:
    """`isiZulu (zu)` → `isiZulu`."""
    return _LANGUAGE_CODE.sub("", language).strip() or language.strip()


def _cwtt_value(element: dict[str, Any], column: str) -> str | None:
    """A CWTT column's value on an element: pyxform keeps columns it does not know under the
    header as the author wrote it (`Respondent`, `DOMAIN`)."""
    for key, value in element.items():
        if isinstance(key, str) and key.strip().lower() == column and isinstance(value, str):
            return value.strip() or None
    return None


class _Reader:
    def __init__(self, form: dict[str, Any], workbook: Workbook, filename: str) -> None:
        self.form = form
        self.sheets = workbook.cwtt_sheets
        self.survey_headers = [
            str(h).strip().lower() for h in (workbook.data.survey_header or [{}])[0] if h
        ]
        self.filename = filename
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.group_labels: dict[str, dict[str, str]] = {}
        self.default_language = str(form.get("default_language") or "default")
        self.language_names: dict[str, str] = {}
        self.has_cwtt_columns = any(c in self.survey_headers for c in CWTT_COLUMNS)
        self.element_names: set[str] = set()  # every element pyxform made, for references
        self.repeats: list[Repeat] = []
        self.repeat_members: dict[str, str] = {}  # question in a repeat → the repeat
        # pyxform's own calculate for an expression in `repeat_count` (`${NAME_count}`) → the
        # author's expression, which the server evaluates instead.
        self.repeat_counts: dict[str, str] = {}
        # False when pyxform refused the survey: the CWTT sheets are still checked, so that an
        # author sees every problem at once, but not against the survey's questions.
        self.survey_read = True

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
            self.problem(
                sheet,
                row,
                column,
                marked(
                    gettext_noop("%(value)s is not one of: %(allowed)s"),
                    value=repr(value),
                    allowed=", ".join(allowed),
                ),
            )
            return None
        return normalised

    def labels(self, value: Any) -> dict[str, str]:
        """pyxform's label (a text, or language → text) as the definition keeps it: the plain
        column (or the settings' default language) under "default", others by their code."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            return {"default": str(value)}
        found: dict[str, str] = {}
        for language, text in value.items():
            if language in ("default", self.default_language):
                found["default"] = str(text)
            else:
                code = _language_code(language)
                self.language_names.setdefault(code, _language_name(language))
                found[code] = str(text)
        return found

    def read(self) -> InstrumentDefinition:
        form = self.form
        choices = self.read_choices(form.get("choices") or {})
        questions = self.read_questions(choices)
        if self.default_language != "default":
            self.language_names["default"] = _language_name(self.default_language)
        definition = InstrumentDefinition(
            code=str(form.get("id_string") or Path(self.filename).stem),
            title=str(form.get("title") or form.get("id_string") or Path(self.filename).stem),
            version_label=str(form.get("version") or ""),
            questions=questions,
            choices=choices,
            languages=sorted({lang for q in questions for lang in q.label if lang != "default"}),
            language_names=self.language_names,
        )
        definition.group_labels = self.group_labels
        definition.repeats = self.repeats
        definition.indicator_labels = self.read_indicator_labels()
        definition.measures = self.read_measures(definition)
        definition.rules = self.read_rules(definition)
        if not self.has_cwtt_columns and not definition.rules:
            self.warnings.append(
                marked(
                    gettext_noop(
                        "This is a plain XLSForm without the CWTT columns (domain, indicator, respondent, sensitivity) or a scoring sheet: it can collect answers, but nothing in it is scored."
                    ),
                )
            )
        elif not definition.rules:
            self.warnings.append(
                marked(
                    gettext_noop("The instrument has no scoring sheet: nothing in it is scored."),
                )
            )
        return definition

    def read_cwtt_sheets(self) -> None:
        """Check the CWTT sheets of a file whose survey pyxform refused."""
        self.survey_read = False
        definition = InstrumentDefinition(
            code=Path(self.filename).stem,
            title=Path(self.filename).stem,
            version_label="",
            questions=[],
            choices={},
        )
        self.read_indicator_labels()
        definition.measures = self.read_measures(definition)
        self.read_rules(definition)

    def read_choices(self, lists: dict[str, Any]) -> dict[str, list[Choice]]:
        return {
            str(list_name): [
                Choice(
                    name=str(item["name"]),
                    label=self.labels(item.get("label")),
                    columns={
                        str(k): str(v)
                        for k, v in item.items()
                        if isinstance(v, str) and k not in _CHOICE_KEYS
                    },
                )
                for item in items
                if isinstance(item, dict) and item.get("name") is not None
            ]
            for list_name, items in lists.items()
        }

    def read_questions(self, choices: dict[str, list[Choice]]) -> list[Question]:
        questions: list[Question] = []
        self.walk(self.form.get("children") or [], {}, None, None, questions)
        self.check_names(questions)
        # What an expression may read: the answers asked once and the calculations over them;
        # inside a repeat, also the same row's answers (ODK reads `${q}` there as the row's own).
        known = {q.name for q in questions if q.takes_answer and q.repeat is None} | {SELF}
        in_row = {
            repeat.name: known | {q.name for q in questions if q.repeat == repeat.name}
            for repeat in self.repeats
        }
        for question in questions:
            if question.calculation:
                if question.repeat is not None:
                    # Worked out per row by ODK only: the server keeps one value per name.
                    self.warnings.append(
                        marked(
                            gettext_noop(
                                "survey row %(row)s: the calculation '%(name)s' is inside the repeat; ODK clients work it out, the server and the capture page do not"
                            ),
                            row=question.row,
                            name=question.name,
                        )
                    )
                    question.calculation = None
                # A calculation the server evaluates reads answers and earlier calculations;
                # relevant and constraint expressions may then read its value.
                elif self.server_evaluates(question, "calculation", question.calculation, known):
                    known.add(question.name)
                    for names in in_row.values():
                        names.add(question.name)
                else:
                    question.calculation = None
        for repeat in self.repeats:
            if repeat.count and not repeat.count.isdigit():
                count = Question(repeat.name, "begin_repeat", repeat.row)
                if not self.server_evaluates(count, "repeat_count", repeat.count, known):
                    repeat.count = None
        for question in questions:
            scope = known if question.repeat is None else in_row[question.repeat]
            self.check_question(question, choices, scope)
            if question.choice_filter and question.takes_answer:
                question.choice_filter = self.server_choice_filter(question, choices, scope)
            else:
                question.choice_filter = None
        return questions

    def server_choice_filter(
        self, question: Question, choices: dict[str, list[Choice]], known: set[str]
    ) -> str | None:
        """The `choice_filter` as the server evaluates it, or None (with a warning) when it
        cannot: bare names of the choices' columns become ${__choice_COLUMN}."""
        text = _choice_columns_as_values(question.choice_filter or "")
        columns = {"name"} | {
            column
            for choice in choices.get(question.list_name or "", [])
            for column in choice.columns
        }
        own = {CHOICE_PREFIX + column for column in columns}
        if self.server_evaluates(question, "choice_filter", text, known | own):
            return text
        return None

    def walk(
        self,
        children: list[dict[str, Any]],
        inherited: dict[str, str | None],
        group: str | None,
        in_repeat: str | None,
        questions: list[Question],
    ) -> None:
        """Questions in form order. Group rows pass their CWTT values down. Questions inside a
        repeat carry its name (`in_repeat`) and are asked once per row; a repeat inside a
        repeat is collected by ODK only (a warning says so), and `in_repeat` is then
        _NESTED_REPEAT, which keeps its questions out."""
        previous: Question | None = None
        for index, element in enumerate(children):
            name = str(element.get("name", ""))
            self.element_names.add(name)
            row_text = element.get(ROW_KEY)
            if row_text is None:
                # pyxform made it: the text box of an `or_other` select, a repeat's count, the
                # meta group. Only the first is a question the capture page asks.
                other = self.or_other_question(element, previous)
                if other is not None and in_repeat != _NESTED_REPEAT:
                    other.repeat = in_repeat
                    questions.append(other)
                continue
            row = int(row_text)
            own = {
                "domain": self.check_choice(
                    "survey", row, "domain", _cwtt_value(element, "domain"), DOMAINS
                ),
                "indicator": _cwtt_value(element, "indicator"),
                "respondent": self.check_choice(
                    "survey", row, "respondent", _cwtt_value(element, "respondent"), RESPONDENTS
                ),
                "sensitivity": self.check_choice(
                    "survey",
                    row,
                    "sensitivity",
                    _cwtt_value(element, "sensitivity"),
                    SENSITIVITIES,
                ),
            }
            values = {k: own[k] or inherited.get(k) for k in own}
            self.check_syntax(element, row, children[index - 1] if index else None)
            kind = str(element.get("type", ""))
            if kind in _GROUPS:
                inner = in_repeat
                if _GROUPS[kind] == "begin_repeat":
                    inner = self.read_repeat(element, name, row, values, in_repeat)
                self.group_labels[name] = self.labels(element.get("label"))
                self.walk(element.get("children") or [], values, name, inner, questions)
                previous = None
                continue
            bind = element.get("bind") or {}
            messages = self.labels(bind.get("jr:constraintMsg"))
            question = Question(
                name=name,
                type=_base_type(kind),
                row=row,
                label=self.labels(element.get("label")),
                hint=self.labels(element.get("hint")),
                list_name=str(element.get("list_name") or element.get("itemset") or "") or None,
                required=str(bind.get("required", "")).strip().lower() in _YES,
                relevant=bind.get("relevant") or None,
                constraint=bind.get("constraint") or None,
                constraint_message=messages.get("default"),
                constraint_messages=messages,
                domain=values["domain"],
                indicator=values["indicator"],
                respondent=values["respondent"],
                sensitivity=values["sensitivity"] or "general",
                group=group,
            )
            if question.type not in {"select_one", "select_multiple"}:
                question.list_name = None
            if question.type == "calculate":
                question.calculation = bind.get("calculate") or None
            if question.list_name and element.get("choice_filter"):
                question.choice_filter = str(element["choice_filter"])
            previous = question
            if in_repeat == _NESTED_REPEAT:
                continue
            question.repeat = in_repeat
            if in_repeat is not None:
                self.repeat_members[name] = in_repeat
            if not question.takes_answer and question.type not in _QUIET_TYPES:
                self.warnings.append(
                    marked(
                        gettext_noop(
                            "survey row %(row)s: question '%(name)s' (%(kind)s) is collected by ODK clients only; the capture page does not ask it and the server does not check it"
                        ),
                        row=row,
                        name=name,
                        kind=kind,
                    )
                )
            questions.append(question)

    def read_repeat(
        self,
        element: dict[str, Any],
        name: str,
        row: int,
        values: dict[str, str | None],
        in_repeat: str | None,
    ) -> str:
        """A `begin repeat` row: its questions are asked once per row (the repeat's name is
        returned for them), unless it sits inside another repeat, which only ODK collects."""
        if in_repeat is not None:
            if in_repeat != _NESTED_REPEAT:
                self.warnings.append(
                    marked(
                        gettext_noop(
                            "survey row %(row)s: repeat '%(name)s' is inside the repeat '%(outer)s'; it is collected by ODK clients only (the capture page asks one level of repeats) and the server does not check it"
                        ),
                        row=row,
                        name=name,
                        outer=in_repeat,
                    )
                )
            return _NESTED_REPEAT
        count = (element.get("control") or {}).get("jr:count")
        if isinstance(count, str) and count.strip():
            count = self.repeat_counts.get(count.strip(), count.strip())
        else:
            count = None
        if count is not None and count.isdigit() and int(count) > MAX_REPEAT_ROWS:
            self.problem(
                "survey",
                row,
                "repeat_count",
                marked(
                    gettext_noop(
                        "a repeat may have at most %(most)s rows here; %(count)s is too many"
                    ),
                    most=MAX_REPEAT_ROWS,
                    count=count,
                ),
            )
        self.repeats.append(
            Repeat(
                name=name,
                row=row,
                label=self.labels(element.get("label")),
                count=count,
                respondent=values.get("respondent"),
            )
        )
        self.warnings.append(
            marked(
                gettext_noop(
                    "survey row %(row)s: repeat '%(name)s' is asked and checked, but answers inside repeats are not scored (a scoring rule or measure cannot read them)"
                ),
                row=row,
                name=name,
            )
        )
        return name

    def or_other_question(
        self, element: dict[str, Any], previous: Question | None
    ) -> Question | None:
        """`select_one colors or_other` adds an "other" answer and, after the select, a text
        question `NAME_other` asked when "other" is chosen."""
        if previous is None or previous.type not in {"select_one", "select_multiple"}:
            return None
        if element.get("name") != f"{previous.name}_other" or element.get("type") != "text":
            return None
        return Question(
            name=f"{previous.name}_other",
            type="text",
            row=previous.row,
            label=self.labels(element.get("label")),
            relevant=f"selected(${{{previous.name}}}, 'other')",
            domain=previous.domain,
            indicator=previous.indicator,
            respondent=previous.respondent,
            sensitivity=previous.sensitivity,
            group=previous.group,
        )

    def check_syntax(
        self, element: dict[str, Any], row: int, before: dict[str, Any] | None
    ) -> None:
        """A syntax error in any expression column is a problem, whatever evaluates it."""
        texts: list[tuple[str, Any]] = [
            (column, (element.get("bind") or {}).get(key)) for key, column in _BIND_COLUMNS.items()
        ]
        texts.append(("choice_filter", element.get("choice_filter")))
        count = (element.get("control") or {}).get("jr:count")
        if count:
            # pyxform moves an expression in `repeat_count` into a calculate it adds just
            # before the repeat; check the author's text, under the repeat's row.
            made = before if before is not None and before.get(ROW_KEY) is None else None
            if made is not None and f"${{{made.get('name')}}}" == count:
                made_count = (made.get("bind") or {}).get("calculate", count)
                self.repeat_counts[count.strip()] = str(made_count).strip()
                count = made_count
            texts.append(("repeat_count", count))
        for column, text in texts:
            if not isinstance(text, str) or text.strip().lower() in _NOT_EXPRESSIONS:
                continue
            self.is_xpath("survey", row, column, text)

    def check_names(self, questions: list[Question]) -> None:
        """Answers are kept by question name, so a name may be used once in the form, even in
        different groups (which pyxform allows)."""
        first: dict[str, Question] = {}
        for repeat in self.repeats:
            first[repeat.name] = Question(repeat.name, "begin_repeat", repeat.row)
        for question in questions:
            if question.name.startswith(CHOICE_PREFIX):
                self.problem(
                    "survey",
                    question.row,
                    "name",
                    marked(
                        gettext_noop(
                            "names beginning with '%(prefix)s' are kept for choice filters"
                        ),
                        prefix=CHOICE_PREFIX,
                    ),
                )
            earlier = first.setdefault(question.name, question)
            if earlier is not question:
                self.problem(
                    "survey",
                    question.row,
                    "name",
                    marked(
                        gettext_noop(
                            "the name '%(name)s' is also used on row %(row)s (in another group); CWTT keeps answers by question name, so each name must be used once"
                        ),
                        name=question.name,
                        row=earlier.row,
                    ),
                )

    def check_question(
        self, question: Question, choices: dict[str, list[Choice]], answers: set[str]
    ) -> None:
        for column in ("relevant", "constraint"):
            text = getattr(question, column)
            if text and not self.server_evaluates(question, column, text, answers):
                setattr(question, column, None)
        if not question.takes_answer:
            return
        if question.list_name and question.list_name not in choices:
            if not question.list_name.endswith((".csv", ".xml", ".geojson")):
                self.problem(
                    "survey",
                    question.row,
                    "type",
                    marked(
                        gettext_noop("the answer list '%(name)s' is not on the choices sheet"),
                        name=question.list_name,
                    ),
                )
        if self.has_cwtt_columns and not question.respondent:
            self.problem(
                "survey",
                question.row,
                "respondent",
                marked(
                    gettext_noop(
                        "question '%(name)s' has no respondent; set it on the row or its group"
                    ),
                    name=question.name,
                ),
            )
        if question.indicator and not question.domain:
            self.problem(
                "survey",
                question.row,
                "domain",
                marked(
                    gettext_noop("question '%(name)s' has an indicator but no domain"),
                    name=question.name,
                ),
            )

    def server_evaluates(self, question: Question, column: str, text: str, known: set[str]) -> bool:
        """Whether the server can evaluate a question's `relevant` or `constraint`. One it
        cannot (a function or path outside its language, a value only ODK computes) does not
        stop a form that pyxform converts from loading: the server skips that check, and a
        warning says so. A syntax error was reported already."""
        try:
            names = references(parse(text))
        except ExpressionError as error:
            if self.well_formed(text):
                self.warnings.append(
                    marked(
                        gettext_noop(
                            "survey row %(row)s, column %(column)s: the server cannot evaluate '%(expression)s' (%(why)s); it will not check this on submission"
                        ),
                        row=question.row,
                        column=column,
                        expression=_shown(text),
                        why=_said(error),
                    )
                )
            return False
        unknown = sorted(names - known)
        if not unknown:
            return True
        not_elements = [n for n in unknown if n not in self.element_names]
        if not_elements:
            listed = ", ".join("${" + n + "}" for n in not_elements)
            self.problem(
                "survey",
                question.row,
                column,
                marked(gettext_noop("%(listed)s is not a question or value here"), listed=listed),
            )
            return False
        listed = ", ".join("${" + n + "}" for n in unknown)
        self.warnings.append(
            marked(
                gettext_noop(
                    "survey row %(row)s, column %(column)s: the server cannot evaluate '%(expression)s' (%(listed)s is computed or collected by ODK only); it will not check this on submission"
                ),
                row=question.row,
                column=column,
                expression=_shown(text),
                listed=listed,
            )
        )
        return False

    @staticmethod
    def well_formed(text: str) -> bool:
        try:
            check_xpath(text)
        except ExpressionError:
            return False
        return True

    def check_expression(
        self, sheet: str, row: int, column: str, text: str, known: set[str]
    ) -> set[str] | None:
        """Parse an expression of a CWTT sheet; report problems; return the names it reads
        (None if it failed)."""
        try:
            names = references(parse(text))
        except ExpressionError as error:
            self.problem(sheet, row, column, _unreadable(text, error))
            return None
        unknown = sorted(names - known)
        if unknown and self.survey_read:
            repeated = self.repeated_names()
            in_repeats = [n for n in unknown if n in repeated]
            if in_repeats:
                self.problem(
                    sheet,
                    row,
                    column,
                    marked(
                        gettext_noop(
                            "%(name)s is asked in the repeat '%(repeat)s'; answers inside repeats are not scored in this version, so a measure or rule cannot read them"
                        ),
                        name="${" + in_repeats[0] + "}",
                        repeat=repeated[in_repeats[0]],
                    ),
                )
                return None
            listed = ", ".join("${" + n + "}" if n != SELF else "." for n in unknown)
            self.problem(
                sheet,
                row,
                column,
                marked(gettext_noop("%(listed)s is not a question or value here"), listed=listed),
            )
            return None
        return names

    def repeated_names(self) -> dict[str, str]:
        """Repeats and the questions in them → the repeat's name."""
        found = {r.name: r.name for r in self.repeats}
        found.update({q: r for q, r in self.repeat_members.items()})
        return found

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
                    self.problem(
                        "indicators",
                        number,
                        "domain",
                        marked(gettext_noop("the row has no domain")),
                    )
                if not indicator:
                    self.problem(
                        "indicators",
                        number,
                        "indicator",
                        marked(gettext_noop("the row has no indicator")),
                    )
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
                self.problem(
                    "measures",
                    number,
                    "name",
                    marked(gettext_noop("%(name)s is not a valid measure name"), name=repr(name)),
                )
                continue
            if name in taken or name in questions:
                self.problem(
                    "measures",
                    number,
                    "name",
                    marked(gettext_noop("the name '%(name)s' is already used"), name=name),
                )
                continue
            if kind not in MEASURE_KINDS:
                self.problem(
                    "measures",
                    number,
                    "measure",
                    marked(
                        gettext_noop("%(kind)s is not a known measure; use one of %(known)s"),
                        kind=repr(kind),
                        known=", ".join(MEASURE_KINDS),
                    ),
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
                        marked(
                            gettext_noop(
                                "the inputs mix respondents (%(respondents)s); a measure reads one respondent's answers"
                            ),
                            respondents=", ".join(sorted(readers)),
                        ),
                    )
                    continue
                inferred = next(iter(readers), None)
                if respondent and inferred and respondent != inferred:
                    self.problem(
                        "measures",
                        number,
                        "respondent",
                        marked(
                            gettext_noop(
                                "the inputs are %(inferred)s questions, not %(respondent)s"
                            ),
                            inferred=inferred,
                            respondent=respondent,
                        ),
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
                    "measures",
                    number,
                    "inputs",
                    marked(
                        gettext_noop("'%(part)s' should read parameter=expression"),
                        part=part,
                    ),
                )
                return None
            if parameter not in expected:
                self.problem(
                    "measures",
                    number,
                    "inputs",
                    marked(
                        gettext_noop(
                            "'%(parameter)s' is not an input of %(kind)s; it takes %(expected)s"
                        ),
                        parameter=parameter,
                        kind=kind,
                        expected=", ".join(expected),
                    ),
                )
                return None
            inputs[parameter] = expression.strip()
        missing = [p for p in expected if p not in inputs]
        if missing:
            self.problem(
                "measures",
                number,
                "inputs",
                marked(
                    gettext_noop("%(kind)s needs inputs for %(missing)s"),
                    kind=kind,
                    missing=", ".join(missing),
                ),
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
                self.problem(
                    "scoring", number, "rule", marked(gettext_noop("the rule has no code"))
                )
                continue
            if code in codes:
                self.problem(
                    "scoring",
                    number,
                    "rule",
                    marked(gettext_noop("the rule code '%(code)s' is used twice"), code=code),
                )
                continue
            codes.add(code)
            domain = self.check_choice("scoring", number, "domain", row.get("domain"), DOMAINS)
            if not row.get("domain"):
                self.problem(
                    "scoring", number, "domain", marked(gettext_noop("the rule has no domain"))
                )
            level = self.check_choice("scoring", number, "level", row.get("level"), RULE_LEVELS)
            if not row.get("level"):
                self.problem(
                    "scoring",
                    number,
                    "level",
                    marked(gettext_noop("the rule has no level (moderate or high)")),
                )
            reason = row.get("reason", "")
            if not reason:
                self.problem(
                    "scoring",
                    number,
                    "reason",
                    marked(gettext_noop("the rule has no plain-language reason")),
                )
            when = row.get("when", "")
            if not when:
                self.problem(
                    "scoring", number, "when", marked(gettext_noop("the rule has no condition"))
                )
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
                    marked(
                        gettext_noop(
                            "the condition mixes respondents (%(respondents)s); a rule is checked against one informant's answers"
                        ),
                        respondents=", ".join(sorted(respondents)),  # type: ignore[arg-type]
                    ),
                )
                continue
            if indicator and not respondents and self.survey_read:
                self.problem(
                    "scoring",
                    number,
                    "when",
                    marked(
                        gettext_noop(
                            "the condition reads no question or measure, so no informant's answers can make it fire"
                        ),
                    ),
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
            if not row.get("source", "").strip():
                # A threshold nobody can trace cannot be defended to a department (issue 14).
                self.warnings.append(
                    marked(
                        gettext_noop(
                            "scoring row %(row)s: the rule '%(code)s' names no source; write the published cut-off it follows, or 'CoP judgement', in the source column"
                        ),
                        row=number,
                        code=code,
                    )
                )
        return rules


def _long_cells(workbook: Workbook) -> tuple[bool, list[Problem]]:
    """Whether any cell is longer than an expression may be, and a problem for each such cell.
    pyxform takes minutes over a cell with tens of thousands of ${name} references, so a file
    with such a cell is refused on that alone, before pyxform converts it."""
    data = workbook.data
    tables: list[tuple[str, Iterable[tuple[int, dict[str, Any]]]]] = [
        (name, enumerate(rows or [], start=2))
        for name, rows in (
            ("survey", data.survey),
            ("choices", data.choices),
            ("settings", data.settings),
        )
    ]
    tables += [(sheet.name, sheet.rows) for sheet in workbook.cwtt_sheets.values()]
    problems: list[Problem] = []
    for sheet_name, rows in tables:
        for number, row in rows:
            for column, text in row.items():
                if isinstance(text, str) and len(text) > MAX_LENGTH:
                    problems.append(
                        Problem(
                            sheet_name,
                            number,
                            column,
                            marked(
                                gettext_noop("the cell is longer than %(most)s characters"),
                                most=f"{MAX_LENGTH:,}",
                            ),
                        )
                    )
    return bool(problems), problems


def _said(error: Exception) -> str:
    """The error's message, kept marked for translation when it was (decision 0062)."""
    said = error.args[0] if len(error.args) == 1 else None
    return said if isinstance(said, Marked) else str(error)


def _too_big() -> str:
    return marked(
        gettext_noop(
            "the file is larger than %(megabytes)s MB; an instrument file is far smaller, so it "
            "is not read"
        ),
        megabytes=MAX_FILE_BYTES // (1024 * 1024),
    )


def _shown(text: str) -> str:
    """An expression as quoted in a message: a huge one is cut short."""
    return text if len(text) <= 80 else text[:60] + "…"


def _unreadable(text: str, error: ExpressionError) -> str:
    return marked(
        gettext_noop("the expression '%(expression)s' cannot be read: %(why)s"),
        expression=_shown(text),
        why=_said(error),
    )


def _no_survey(workbook: Workbook) -> Problem | None:
    data = workbook.data
    if data.survey or data.survey_header:
        return None
    from pyxform.validators.pyxform.sheet_misspellings import find_sheet_misspellings

    similar = find_sheet_misspellings(key="survey", keys=list(data.sheet_names or []))
    if similar:  # pyxform's own suggestion, in English
        message = marked(
            gettext_noop("the file has no 'survey' sheet (%(similar)s)"), similar=similar
        )
    else:
        message = marked(gettext_noop("the file has no 'survey' sheet"))
    return Problem("survey", None, None, message)


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
                None,
                [
                    Problem(
                        path.name,
                        None,
                        None,
                        marked(
                            gettext_noop("cannot read file: %(why)s"),
                            why=error.strerror,
                        ),
                    )
                ],
            )
    else:
        data = source
        if filename is None:
            raise ValueError("filename is needed to tell the file's type")
    if len(data) > MAX_FILE_BYTES:
        return ReadResult(None, [Problem(filename, None, None, _too_big())])
    try:
        workbook = read_workbook(data, filename)
    except InstrumentFileError as error:
        return ReadResult(None, [Problem(filename, None, None, _said(error))])
    missing = _no_survey(workbook)
    if missing is not None:
        return ReadResult(None, [missing])
    too_long, long_cells = _long_cells(workbook)
    if too_long:
        return ReadResult(None, long_cells)
    form, xform, problems, warnings = _convert(workbook)
    if form is None:
        reader = _Reader({}, workbook, filename)
        reader.read_cwtt_sheets()
        return ReadResult(None, problems + reader.problems, warnings)
    reader = _Reader(form, workbook, filename)
    definition = reader.read()
    problems = reader.problems
    return ReadResult(
        definition if not problems else None,
        problems,
        warnings + reader.warnings,
        form=form,
        xform=xform,
    )
