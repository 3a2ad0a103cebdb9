"""What each column of a wave export holds: the codebook rows (cwtt/tabular/writing.py `Column`).

Answer columns are described from the instrument versions that produced the answers: the
question's label and type, its choices with their labels, its sensitivity class, and which
question of which instrument version it comes from. Where several versions asked a question,
the newest version's label and choices are given and every version is named as the source.
"""

from __future__ import annotations

from collections.abc import Iterable

from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import (
    DOMAIN_LABELS,
    DOMAINS,
    SENSITIVITY_RANK,
    Question,
    label_text,
)
from cwtt.tabular.writing import Column

from .models import Level

LEVEL_CHOICES = tuple((str(level.value), str(level.label)) for level in Level) + (
    ("", "not assessed in this domain"),
)
TRUE_FALSE = (("true", "yes"), ("false", "no"))
PROFILE_SOURCE = "risk profile (worked out from the wave's assessments)"


def level_columns() -> list[Column]:
    """The six domain levels, overall, urgent and discordant of a risk profile."""
    levels = [
        Column(
            name=domain,
            label=f"Risk level: {DOMAIN_LABELS[domain]}",
            type="level",
            choices=LEVEL_CHOICES,
            source=PROFILE_SOURCE,
        )
        for domain in DOMAINS
    ]
    return [
        *levels,
        Column(
            "overall",
            "Highest risk level in any domain",
            "level",
            LEVEL_CHOICES,
            "general",
            PROFILE_SOURCE,
        ),
        Column(
            "urgent",
            "An answer needs action today (for example PHQ-9 item 9 above 0)",
            "boolean",
            TRUE_FALSE,
            "general",
            PROFILE_SOURCE,
        ),
        Column(
            "discordant",
            "Informants disagree on the level in at least one domain",
            "boolean",
            TRUE_FALSE,
            "general",
            PROFILE_SOURCE,
        ),
    ]


def _version_name(version_id: int) -> str:
    definition = validator_for(version_id).definition
    label = definition.version_label or f"#{version_id}"
    return f"{definition.code} version {label}"


def question_column(
    name: str, version_ids: Iterable[int], *, question: str, respondent: str | None = None
) -> Column:
    """The codebook row of `question` exported as column `name`, from the versions (newest
    first) that ask it."""
    versions = sorted(set(version_ids), reverse=True)
    found: Question | None = None
    asked_in: list[str] = []
    choices: tuple[tuple[str, str], ...] = ()
    for version_id in versions:
        definition = validator_for(version_id).definition
        q = definition.question(question)
        if q is None:
            continue
        asked_in.append(_version_name(version_id))
        if found is None:
            found = q
            listed = definition.choices.get(q.list_name or "", []) if q.list_name else []
            choices = tuple((c.name, label_text(c.label)) for c in listed)
    if found is None:
        return Column(name, "", "unknown", source=f"question {question} (no longer asked)")
    kind = found.type
    if found.list_name:
        kind = f"{found.type} {found.list_name}"
    asked_by = f", answered by the {respondent.replace('_', ' ')}" if respondent else ""
    return Column(
        name=name,
        label=label_text(found.label),
        type=kind,
        choices=choices,
        sensitivity=found.sensitivity,
        source=f"question {question} of {', '.join(asked_in)}{asked_by}",
    )


def repeat_columns(name: str, version_ids: Iterable[int]) -> list[Column]:
    """The two columns of a repeat (decision 0053): its number of rows, and its rows as JSON
    text, whose codebook row names the questions a row holds."""
    versions = sorted(set(version_ids), reverse=True)
    asked_in = []
    label = ""
    questions: list[str] = []
    sensitivity = "general"
    for version_id in versions:
        definition = validator_for(version_id).definition
        repeat = definition.repeat(name)
        if repeat is None:
            continue
        asked_in.append(_version_name(version_id))
        if not questions:
            label = label_text(repeat.label) or name
            questions = [
                f"{q.name} ({label_text(q.label) or q.name})"
                for q in definition.repeat_questions(name)
            ]
            classes = definition.repeat_sensitivities(name) or {"general"}
            sensitivity = max(classes, key=lambda c: SENSITIVITY_RANK.get(c, 0))
    source = f"repeat {name} of {', '.join(asked_in)}"
    return [
        Column(f"{name}_rows", f"{label}: number of rows", "integer", (), sensitivity, source),
        Column(
            name,
            f"{label}: the rows as JSON, a list of {{question: answer}} with the questions "
            + ", ".join(questions),
            "json",
            (),
            sensitivity,
            source,
        ),
    ]
