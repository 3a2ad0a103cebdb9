"""The questions of one questionnaire, grouped as the instrument groups them, ready for the
capture form. Shared by the capture page and the offline pack (cwtt/offline/pack.py), which
render the same fragment (web/_questions.html), so both forms look and behave alike.

A repeat is a group of its own whose questions are shown once per row. Each row's boxes are
named `REPEAT-INDEX-QUESTION` (`household_members-0-hm_age`), so the form works without
JavaScript: "Add another" and "Remove" are submit buttons that show the form again with a row
more or less, saving nothing (web/views.py, repeat_rows_from_post); with JavaScript the page
adds and removes rows itself from the row template (web/static/web/capture.js)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from cwtt.instruments.engine.definition import MAX_REPEAT_ROWS, label_text

# The index written in the row template, which the browser replaces with the new row's.
ROW_PLACEHOLDER = "__row__"


def _field(definition, validator, question, value, error, language, shown, key) -> dict[str, Any]:
    # (code, text, what a choice filter reads of it)
    choices = [
        (
            c.name,
            label_text(c.label, language) or c.name,
            json.dumps(c.filter_values()) if question.choice_filter else "",
        )
        for c in definition.choices.get(question.list_name or "", [])
    ]
    return {
        "q": question,
        "key": key,  # the box's name: the question's, or REPEAT-INDEX-QUESTION in a row
        "label": label_text(question.label, language) or question.name,
        "hint": label_text(question.hint, language),
        "choices": choices,
        "value": "" if value is None else value,
        "values": value if isinstance(value, list) else [],
        "error": error,
        "relevant": validator.relevance_json.get(question.name, ""),
        "constraint": validator.constraint_json.get(question.name, ""),
        "choice_filter": validator.choice_filter_json.get(question.name, ""),
        "constraint_message": question.constraint_text(language)
        or _("This answer is outside what is allowed here."),
        "shown": shown,
    }


def question_groups(
    definition,
    validator,
    respondent: str,
    answers: dict[str, Any],
    errors: dict[str, str],
    language: str = "",
    only: set[str] | None = None,
) -> list[dict[str, Any]]:
    """`only`, when given, keeps just those questions and repeats (a correction shows the
    answers its author may read, nothing else)."""
    asked = {q.name for q in validator.questions(respondent) if only is None or q.name in only}
    repeats = {r.name: r for r in validator.repeats(respondent) if only is None or r.name in only}
    checked = validator.validate(respondent, answers, partial=True)
    relevant_to = checked.answers
    groups: list[dict[str, Any]] = []
    for question in definition.questions:
        if question.repeat is not None:
            repeat = repeats.pop(question.repeat, None)
            if repeat is not None:
                groups.append(
                    _repeat_group(
                        definition,
                        validator,
                        respondent,
                        repeat,
                        answers,
                        checked,
                        errors,
                        language,
                    )
                )
            continue
        if question.name not in asked:
            continue
        title = question.group or ""
        if not groups or groups[-1]["name"] != title or groups[-1]["repeat"]:
            label = label_text(definition.group_labels.get(title, {}), language)
            label = label or title.replace("_", " ").capitalize()
            groups.append({"name": title, "label": label, "fields": [], "repeat": None})
        groups[-1]["fields"].append(
            _field(
                definition,
                validator,
                question,
                answers.get(question.name),
                errors.get(question.name),
                language,
                validator.is_relevant(question, relevant_to),
                question.name,
            )
        )
    if groups:
        # The calculations the browser works out as answers are given, so that a question
        # whose relevance or constraint reads one shows and checks as the server will.
        groups[0]["calculations"] = list(validator.calculation_json.items())
    return groups


def _repeat_group(
    definition, validator, respondent, repeat, answers, checked, errors, language
) -> dict[str, Any]:
    """A repeat's rows as the form shows them: the rows given, else one empty row (or as many
    as `repeat_count` asks for), and an empty row for the browser to copy."""
    questions = validator.row_questions(repeat, respondent)
    given = answers.get(repeat.name)
    rows = [r for r in given if isinstance(r, dict)] if isinstance(given, list) else []
    rows = rows[:MAX_REPEAT_ROWS]
    count = validator.row_count(repeat, checked.answers)
    if count is not None:
        rows = (rows + [{}] * count)[:count]
    elif not rows:
        rows = [{}]
    clean_rows = checked.answers.get(repeat.name) or []
    once = {k: v for k, v in checked.answers.items() if k != repeat.name}
    label = label_text(repeat.label, language) or repeat.name.replace("_", " ").capitalize()

    def row_fields(index, row: dict[str, Any]) -> list[dict[str, Any]]:
        clean = clean_rows[index] if isinstance(index, int) and index < len(clean_rows) else {}
        known = validator.with_calculations(once) | clean
        return [
            _field(
                definition,
                validator,
                q,
                row.get(q.name),
                errors.get(f"{repeat.name}-{index}-{q.name}"),
                language,
                validator.is_relevant(q, known),
                f"{repeat.name}-{index}-{q.name}",
            )
            for q in questions
        ]

    return {
        "name": repeat.name,
        "label": label,
        "fields": [],
        "repeat": {
            "name": repeat.name,
            "label": label,
            "error": errors.get(repeat.name),
            "count": validator.count_json.get(repeat.name, ""),
            "max": MAX_REPEAT_ROWS,
            "rows": [
                {"index": i, "number": i + 1, "fields": row_fields(i, row)}
                for i, row in enumerate(rows)
            ],
            "template": {
                "index": ROW_PLACEHOLDER,
                "number": ROW_PLACEHOLDER,
                "fields": row_fields(ROW_PLACEHOLDER, {}),
            },
        },
    }


def repeat_rows_from_post(request: HttpRequest, validator, respondent: str) -> dict[str, Any]:
    """Each repeat's rows from the boxes named REPEAT-INDEX-QUESTION, in index order (the
    browser may leave gaps when a row is removed). The "Add another" and "Remove" buttons of a
    page without JavaScript add an empty row or leave one out."""
    found: dict[str, Any] = {}
    add = request.POST.get("add_row", "")
    remove = request.POST.get("remove_row", "")
    for repeat in validator.repeats(respondent):
        questions = validator.row_questions(repeat, respondent)
        prefix = repeat.name + "-"
        indexes: set[int] = set()
        for key in request.POST:
            if key.startswith(prefix):
                index = key[len(prefix) :].split("-", 1)[0]
                # A bounded number: the row count is checked by the validator, which refuses
                # more than MAX_REPEAT_ROWS with a message.
                if index.isdigit() and len(index) <= 6:
                    indexes.add(int(index))
        rows: list[dict[str, Any]] = []
        for index in sorted(indexes):
            if remove == f"{repeat.name}-{index}":
                continue
            row: dict[str, Any] = {}
            for q in questions:
                key = f"{prefix}{index}-{q.name}"
                if q.type == "select_multiple":
                    picked = request.POST.getlist(key)
                    if picked:
                        row[q.name] = picked
                else:
                    value = request.POST.get(key, "").strip()
                    if value:
                        row[q.name] = value
            rows.append(row)
        if add == repeat.name and len(rows) < MAX_REPEAT_ROWS:
            rows.append({})
        if rows:
            found[repeat.name] = rows
    return found
