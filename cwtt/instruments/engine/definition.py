"""What an instrument is, once read: questions, answer lists, measures and risk rules.

Plain dataclasses with no Django import. A definition is stored with each published version as
JSON (`to_dict` / `from_dict`), so scoring never needs the original spreadsheet again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DOMAINS: tuple[str, ...] = (
    "health",
    "nutrition",
    "economic",
    "education",
    "protection",
    "psychosocial",
)


def gettext_noop(text: str) -> str:
    """Marks text for the interface's translation catalogues (`makemessages` finds it by this
    name) without importing Django; the Django layer translates it where it is shown
    (cwtt/instruments/labels.py)."""
    return text


class Marked(str):
    """A message in English (what the command line, logs and files get), carrying its marked
    template and named values so a page can show it in the reader's language
    (cwtt/web/answer_messages.py, decision 0062). The template is marked with `gettext_noop`
    where it is written: `marked(gettext_noop("%(name)s is wrong."), name=name)`."""

    template: str
    params: dict

    def __new__(cls, template: str, params: dict) -> Marked:
        made = super().__new__(cls, template % params if params else template)
        made.template = template
        made.params = params
        return made

    def __reduce__(self):
        return (Marked, (self.template, self.params))


def marked(template: str, **params: object) -> Marked:
    return Marked(template, params)


DOMAIN_LABELS: dict[str, str] = {
    "health": gettext_noop("Good health"),
    "nutrition": gettext_noop("Food and nutrition"),
    "economic": gettext_noop("Money and living conditions"),
    "education": gettext_noop("Education and learning"),
    "protection": gettext_noop("Protection and care"),
    "psychosocial": gettext_noop("Feelings and behaviour"),
}
LEVELS: tuple[str, ...] = ("low", "moderate", "high")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
RULE_LEVELS: tuple[str, ...] = ("moderate", "high")
RESPONDENTS: tuple[str, ...] = ("caregiver", "teacher", "nurse", "child", "social_worker")
SENSITIVITIES: tuple[str, ...] = ("general", "education", "health", "protection")

# Facts about the child that the server supplies to every assessment's values.
CHILD_FACTS: tuple[str, ...] = ("child_age_months", "child_sex", "child_csg")
# Names a domain rule may use, filled from the combined result.
DOMAIN_RULE_NAMES: tuple[str, ...] = ("moderate_count", "high_count")

# XLSForm types the server validates answers for; anything else (notes, groups, calculate,
# metadata such as start/end/deviceid) carries no answer to check.
ANSWER_TYPES: frozenset[str] = frozenset(
    {
        "integer",
        "decimal",
        "text",
        "date",
        "select_one",
        "select_multiple",
        "range",
    }
)


@dataclass(slots=True)
class Choice:
    name: str
    label: dict[str, str]
    # The choices sheet's other columns (e.g. `province` for a district), which a question's
    # `choice_filter` reads.
    columns: dict[str, str] = field(default_factory=dict)

    def filter_values(self) -> dict[str, str]:
        """The choice as a `choice_filter` reads it (see CHOICE_PREFIX)."""
        return {CHOICE_PREFIX + "name": self.name} | {
            CHOICE_PREFIX + k: v for k, v in self.columns.items()
        }


# A `choice_filter` reads the choice's own columns by bare name (`province = ${prov}`); the
# reader writes them as `${__choice_province}`, so the expression language reads them as
# values. A question named so would clash; the reader refuses one (check_names).
CHOICE_PREFIX = "__choice_"


@dataclass(slots=True)
class Question:
    name: str
    type: str  # base type: integer, decimal, select_one, note, begin_group, ...
    row: int
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    list_name: str | None = None
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    # A `calculate` row's expression, when the server can evaluate it; its value may be read
    # by relevant and constraint expressions (validation.py, web/static/web/capture.js).
    calculation: str | None = None
    # A select's `choice_filter`, rewritten for the server (its choice columns as
    # ${__choice_COLUMN}), when the server can evaluate it.
    choice_filter: str | None = None
    constraint_message: str | None = None  # in the default language
    # Every language's constraint message, like `label`: {"default": ..., "zu": ...}.
    constraint_messages: dict[str, str] = field(default_factory=dict)
    domain: str | None = None
    indicator: str | None = None
    respondent: str | None = None
    sensitivity: str = "general"
    group: str | None = None  # name of the innermost enclosing group
    # The repeat the question is asked in, once per row (its answers are kept under the
    # repeat's name as a list of rows; see Repeat). None for a question asked once.
    repeat: str | None = None

    @property
    def takes_answer(self) -> bool:
        return self.type in ANSWER_TYPES

    def constraint_text(self, language: str | None = None) -> str | None:
        """The constraint message in `language` if the instrument has it, else the default."""
        if self.constraint_messages:
            return label_text(self.constraint_messages, language) or self.constraint_message
        return self.constraint_message


# The most rows a repeat takes (docs/decisions/0053-repeat-groups.md): a form, a draft or a
# submission with more is refused, so one answer set stays a size a page can show.
MAX_REPEAT_ROWS = 50


@dataclass(slots=True)
class Repeat:
    """A `begin repeat` group: its questions are asked once per row, and its answers are kept
    under its name as a list of rows, each a dict of question name → answer (like the
    top-level answers). Answers outside repeats stay exactly as they are."""

    name: str
    row: int
    label: dict[str, str] = field(default_factory=dict)
    # `repeat_count`: a whole number, or an expression over the answers asked once, that fixes
    # the number of rows (ODK's rule); None lets the person add and remove rows.
    count: str | None = None
    respondent: str | None = None


@dataclass(slots=True)
class MeasureSpec:
    name: str
    kind: str
    respondent: str | None
    inputs: dict[str, str]  # parameter → expression
    row: int


@dataclass(slots=True)
class Rule:
    code: str
    domain: str
    indicator: str | None  # None: a domain rule over the combined result
    level: str
    when: str
    reason: str
    row: int
    urgent: bool = False
    source: str = ""
    respondent: str | None = None  # inferred from what `when` reads

    @property
    def is_domain_rule(self) -> bool:
        return self.indicator is None


@dataclass(slots=True)
class InstrumentDefinition:
    code: str
    title: str
    version_label: str
    questions: list[Question]
    choices: dict[str, list[Choice]]
    measures: list[MeasureSpec] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    indicator_labels: dict[str, str] = field(default_factory=dict)  # "domain.indicator" → label
    languages: list[str] = field(default_factory=list)  # codes of the translations, e.g. ["zu"]
    # Code → the name the author gave it ("zu" → "isiZulu"); "default" names the plain columns'
    # language when the settings sheet sets `default_language`.
    language_names: dict[str, str] = field(default_factory=dict)
    group_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # group name → label
    repeats: list[Repeat] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return bool(self.rules)

    def answerable(self, respondent: str | None = None) -> list[Question]:
        """The questions asked once, whose answers are kept by their own name (questions in a
        repeat are kept under the repeat's name: see repeat_questions)."""
        return [
            q
            for q in self.questions
            if q.takes_answer
            and q.repeat is None
            and (respondent is None or q.respondent == respondent)
        ]

    def repeat_questions(self, repeat: str, respondent: str | None = None) -> list[Question]:
        """The questions asked in each row of `repeat`."""
        return [
            q
            for q in self.questions
            if q.takes_answer
            and q.repeat == repeat
            and (respondent is None or q.respondent == respondent)
        ]

    def repeats_for(self, respondent: str | None = None) -> list[Repeat]:
        """The repeats with a question for `respondent` (all of them for None)."""
        return [r for r in self.repeats if self.repeat_questions(r.name, respondent)]

    def repeat(self, name: str) -> Repeat | None:
        return next((r for r in self.repeats if r.name == name), None)

    def repeat_sensitivities(self, name: str) -> set[str]:
        """The sensitivity classes of a repeat's questions: its rows may be read only by
        someone who may read all of them."""
        return {q.sensitivity for q in self.repeat_questions(name)}

    def respondents(self) -> list[str]:
        present = {q.respondent for q in self.questions if q.takes_answer and q.respondent}
        return [r for r in RESPONDENTS if r in present]

    def question(self, name: str) -> Question | None:
        for q in self.questions:
            if q.name == name:
                return q
        return None

    def indicators(self) -> dict[str, list[str]]:
        """Domain → indicator codes, in the order they first appear."""
        found: dict[str, list[str]] = {d: [] for d in DOMAINS}
        for item in [*self.questions, *self.rules]:
            if item.domain in found and item.indicator and item.indicator not in found[item.domain]:
                found[item.domain].append(item.indicator)
        return {d: codes for d, codes in found.items() if codes}

    def language_name(self, code: str) -> str:
        """What to call a language: the author's name for it, else its code. The plain columns
        are English unless the settings sheet's `default_language` says otherwise."""
        if code in ("", "default"):
            return self.language_names.get("default", "English")
        return self.language_names.get(code, code)

    def indicator_label(self, domain: str, indicator: str) -> str:
        return self.indicator_labels.get(f"{domain}.{indicator}", indicator.replace("_", " "))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InstrumentDefinition:
        return cls(
            code=data["code"],
            title=data["title"],
            version_label=data.get("version_label", ""),
            questions=[Question(**q) for q in data["questions"]],
            choices={name: [Choice(**c) for c in items] for name, items in data["choices"].items()},
            measures=[MeasureSpec(**m) for m in data.get("measures", [])],
            rules=[Rule(**r) for r in data.get("rules", [])],
            indicator_labels=dict(data.get("indicator_labels", {})),
            languages=list(data.get("languages", [])),
            language_names=dict(data.get("language_names", {})),
            group_labels=dict(data.get("group_labels", {})),
            repeats=[Repeat(**r) for r in data.get("repeats", [])],
        )


def repeat_rows_text(
    definition: InstrumentDefinition, name: str, rows: Any, language: str | None = None
) -> str:
    """A repeat's rows in words, for a page or a message: "1. Name: Thandi; Age: 34 | 2. ..."
    (answers as their choices' labels)."""
    if not isinstance(rows, list) or not rows:
        return ""
    questions = {q.name: q for q in definition.repeat_questions(name)}
    shown = []
    for number, row in enumerate(rows, start=1):
        parts = []
        given = row if isinstance(row, dict) else {}
        # In the form's order, whatever order the database keeps a row's keys in.
        keys = [k for k in questions if k in given] + [k for k in given if k not in questions]
        for key, value in ((k, given[k]) for k in keys):
            question = questions.get(key)
            label = label_text(question.label, language) if question else key
            choices = {
                c.name: label_text(c.label, language) or c.name
                for c in definition.choices.get((question.list_name if question else "") or "", [])
            }
            values = value if isinstance(value, list) else [value]
            parts.append(
                f"{label or key}: {', '.join(choices.get(str(v), str(v)) for v in values)}"
            )
        shown.append(f"{number}. {'; '.join(parts) or '—'}")
    return " | ".join(shown)


def label_text(label: dict[str, str], language: str | None = None) -> str:
    """The label in `language` if the instrument has it, else its default label."""
    if language and language in label:
        return label[language]
    if "default" in label:
        return label["default"]
    return next(iter(label.values()), "")


SENSITIVITY_RANK: dict[str, int] = {"general": 0, "education": 1, "health": 1, "protection": 2}


def rule_sensitivities(definition: InstrumentDefinition) -> dict[str, frozenset[str]]:
    """Rule code → the sensitivity classes of the answers it reads.

    A rule's reason reveals what was answered, so it is as sensitive as its questions: a reason
    drawn from a protection question may be read only by roles that read protection answers.
    Measures pass on the sensitivity of their inputs.
    """
    from .expressions import parse, references
    from .measure_catalogue import output_names

    question_class = {q.name: q.sensitivity for q in definition.answerable()}
    measure_class: dict[str, frozenset[str]] = {}
    for spec in definition.measures:
        read = measure_sensitivity(definition, spec, question_class)
        for name in output_names(spec.name, spec.kind):
            measure_class[name] = read
    found: dict[str, frozenset[str]] = {}
    for rule in definition.rules:
        classes = set()
        for name in references(parse(rule.when)):
            if name in question_class:
                classes.add(question_class[name])
            classes |= measure_class.get(name, frozenset())
        found[rule.code] = frozenset(classes or {"general"})
    return found


def measure_sensitivity(
    definition: InstrumentDefinition,
    spec: MeasureSpec,
    question_class: dict[str, str] | None = None,
) -> frozenset[str]:
    """The sensitivity classes of the answers a measure reads: its results (a z-score, a
    score) tell what was answered, so they are as sensitive as the answers. The registry facts
    it may read (`${child_sex}`) are not answers and add nothing."""
    from .expressions import parse, references

    if question_class is None:
        question_class = {q.name: q.sensitivity for q in definition.answerable()}
    classes: set[str] = set()
    for text in spec.inputs.values():
        classes |= {question_class[n] for n in references(parse(text)) if n in question_class}
    return frozenset(classes)
