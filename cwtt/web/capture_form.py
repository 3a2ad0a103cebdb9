"""The questions of one questionnaire, grouped as the instrument groups them, ready for the
capture form. Shared by the capture page and the offline pack (cwtt/offline/pack.py), which
render the same fragment (web/_questions.html), so both forms look and behave alike."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cwtt.instruments.engine.definition import label_text


def question_groups(
    definition,
    validator,
    respondent: str,
    answers: dict[str, Any],
    errors: dict[str, str],
    language: str = "",
    only: set[str] | None = None,
) -> list[dict[str, Any]]:
    """`only`, when given, keeps just those questions (a correction shows the answers its
    author may read, nothing else)."""
    questions = [
        q for q in validator.questions(respondent) if only is None or q.name in only
    ]
    relevant_to = validator.validate(respondent, answers, partial=True).answers
    groups: list[dict[str, Any]] = []
    for question in questions:
        title = question.group or ""
        if not groups or groups[-1]["name"] != title:
            label = label_text(definition.group_labels.get(title, {}), language)
            label = label or title.replace("_", " ").capitalize()
            groups.append({"name": title, "label": label, "fields": []})
        choices = [
            (c.name, label_text(c.label, language) or c.name)
            for c in definition.choices.get(question.list_name or "", [])
        ]
        value = answers.get(question.name)
        groups[-1]["fields"].append(
            {
                "q": question,
                "label": label_text(question.label, language) or question.name,
                "hint": label_text(question.hint, language),
                "choices": choices,
                "value": "" if value is None else value,
                "values": value if isinstance(value, list) else [],
                "error": errors.get(question.name),
                "relevant": validator.relevance_json.get(question.name, ""),
                "constraint": validator.constraint_json.get(question.name, ""),
                "constraint_message": question.constraint_text(language)
                or _("This answer is outside what is allowed here."),
                "shown": validator.is_relevant(question, relevant_to),
            }
        )
    return groups
