"""Every piece of interface text in a template is marked for translation (issue #5, item 5).

The check reads each template of the apps in CHECKED_APPS with Django's own template lexer and
reports, as file:line, any text outside {% translate %} / {% blocktranslate %} that a person
would see: words between the HTML tags, and the text of the attributes that are shown or read
out (title, aria-label, placeholder, alt, and the value of a button input). What is not
interface is left alone: template comments, HTML comments, <script> and <style> contents,
<code> (commands, column names and other text to be typed as it is), variables ({{ ... }}) and
tags ({% ... %}).

To check one more app, add its folder name under cwtt/ to CHECKED_APPS.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2] / "cwtt"

# The apps under cwtt/ whose templates must be fully marked. One line per app.
CHECKED_APPS = [
    "access",
    "administration",
    "analytics",
    "cases",
    "consent",
    "dashboards",
    "meetings",
    "notes",
    "notifications",
    "offline",
    "planning",
    "quality",
    "referrals",
    "rights",
    "services",
    "web",
    "worklists",
]

# Apps whose templates are still being marked; each moves up to CHECKED_APPS when it is done.
# Every app under cwtt/ that has templates must be in one of the two lists.
NOT_YET_CHECKED: list[str] = []

# Words that are the same in every language: the tool's name and codes shown as they are.
# Numbers and signs ("·", "—", "›", "#") never count as words, so they need no entry here.
ALLOWED_WORDS = frozenset({"CWTT", "EMIS"})
# Template files (relative to cwtt/) that are not interface, with the reason. Only *.html files
# are read at all, so e.g. the service worker offline/templates/offline/sw.js is never checked.
ALLOWED_FILES: dict[str, str] = {}

# Attributes whose text is shown or read out by a screen reader.
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

# Stands for a {{ variable }} or a {% tag %}: no letters, so never taken for a word.
HOLE = "\x00"
_WORD = re.compile(r"[^\W\d_]{2,}")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_RAW_ELEMENT = re.compile(r"<(script|style|code)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[!/?a-zA-Z][^>]*>")
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);")
_ATTRIBUTE = re.compile(r"""([a-zA-Z][\w:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_BUTTON_INPUT = re.compile(r"""\btype\s*=\s*["']?(?:submit|button|reset)\b""", re.IGNORECASE)

_TRANSLATE_START = {"blocktranslate", "blocktrans"}
_TRANSLATE_END = {"endblocktranslate", "endblocktrans"}


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w not in ALLOWED_WORDS]


def _skeleton(source: str) -> str:
    """The template with every piece of template language, and everything inside a
    blocktranslate or a comment block, replaced by HOLE; line breaks are kept so that
    offsets still give line numbers."""
    parts: list[str] = []
    in_translation = False
    in_comment = False
    for token in Lexer(source).tokenize():
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK else ""
        if in_comment:
            in_comment = name != "endcomment"
            parts.append(HOLE + "\n" * token.contents.count("\n"))
        elif name == "comment":
            in_comment = True
            parts.append(HOLE)
        elif name in _TRANSLATE_START:
            in_translation = True
            parts.append(HOLE)
        elif name in _TRANSLATE_END:
            in_translation = False
            parts.append(HOLE)
        elif token.token_type == TokenType.TEXT and not in_translation:
            parts.append(token.contents)
        else:
            parts.append(HOLE + "\n" * token.contents.count("\n"))
    return "".join(parts)


def _blank(match: re.Match) -> str:
    """What a removed piece leaves behind: a space, and its line breaks."""
    return " " + "\n" * match.group(0).count("\n")


def untranslated(source: str) -> list[tuple[int, str]]:
    """(line, text) for each piece of interface text in the template source that is not marked
    for translation."""
    text = _skeleton(source)
    text = _HTML_COMMENT.sub(_blank, text)
    text = _RAW_ELEMENT.sub(_blank, text)
    found: list[tuple[int, str]] = []
    for tag in _TAG.finditer(text):
        for attribute in _ATTRIBUTE.finditer(tag.group(0)):
            name = attribute.group(1).lower()
            value = attribute.group(2) if attribute.group(2) is not None else attribute.group(3)
            shown = name in VISIBLE_ATTRIBUTES or (
                name == "value"
                and tag.group(0).lower().startswith("<input")
                and _BUTTON_INPUT.search(tag.group(0))
            )
            if shown and _words(_ENTITY.sub(" ", value)):
                line = text.count("\n", 0, tag.start() + attribute.start()) + 1
                found.append((line, f'{name}="{value}"'.replace(HOLE, "…")))
    text = _ENTITY.sub(" ", _TAG.sub(_blank, text))
    for number, line in enumerate(text.split("\n"), start=1):
        if _words(line):
            found.append((number, " ".join(line.replace(HOLE, "…").split())))
    return sorted(found)


def _templates() -> list[Path]:
    files = []
    for app in CHECKED_APPS:
        for path in sorted((ROOT / app).rglob("templates/**/*.html")):
            if path.relative_to(ROOT).as_posix() not in ALLOWED_FILES:
                files.append(path)
    return files


def test_every_app_with_templates_is_listed():
    with_templates = {
        path.relative_to(ROOT).parts[0] for path in ROOT.glob("*/templates/**/*.html")
    }
    assert with_templates <= {*CHECKED_APPS, *NOT_YET_CHECKED}, (
        "Add these apps to CHECKED_APPS: "
        + ", ".join(sorted(with_templates - {*CHECKED_APPS, *NOT_YET_CHECKED}))
    )
    assert not set(CHECKED_APPS) & set(NOT_YET_CHECKED)
    for app in CHECKED_APPS:
        assert (ROOT / app).is_dir(), app


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_interface_text_is_marked_for_translation(path: Path):
    problems = untranslated(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT.parent).as_posix()
    assert not problems, "Text not marked for translation:\n" + "\n".join(
        f"{where}:{line}: {text}" for line, text in problems
    )


# --- the checker itself ------------------------------------------------------------------------


def test_the_checker_finds_plain_text_with_its_line():
    source = (
        '{% load i18n %}\n<h1>{% translate "Cases" %}</h1>\n<p class="muted">No cases yet.</p>\n'
    )
    assert untranslated(source) == [(3, "No cases yet.")]


def test_the_checker_finds_text_around_variables_and_a_word_made_plural_by_a_filter():
    source = "<h2>{{ n }} place{{ n|pluralize }} serving {{ school.name }}</h2>"
    assert untranslated(source) == [(1, "… place… serving …")]


def test_the_checker_finds_visible_attributes():
    source = (
        '<section aria-label="Review of {{ day }}"></section>\n'
        '<img src="x.png" alt="A map">\n'
        '<input type="submit" value="Save">\n'
        '<input type="hidden" name="step" value="done">\n'
    )
    assert [line for line, _ in untranslated(source)] == [1, 2, 3]


def test_the_checker_accepts_marked_text():
    source = """{% extends "web/base.html" %}{% load i18n %}
{% block title %}{% blocktranslate with name=school.name %}Cases · {{ name }}{% endblocktranslate %}{% endblock %}
<p>{% blocktranslate count n=rows|length %}{{ n }} place{% plural %}{{ n }} places{% endblocktranslate %}</p>
<p>{% blocktrans trimmed %}
  Old-style tag, over
  several lines.
{% endblocktrans %}</p>
<section aria-label="{% translate 'Choose what to check' %}">{% trans "Old style" %}</section>
<option value="{{ v }}"{% if v == chosen %} selected{% endif %}>{{ label }}</option>
<td>{{ row.name|default:"—" }}</td><td>CWTT · EMIS {{ school.emis_number }} — 12 &amp; 3</td>
<input type="hidden" name="step" value="done"><input type="date" name="held_on" required>
"""
    assert untranslated(source) == []


def test_the_checker_skips_comments_scripts_and_styles():
    source = """{# A comment about the page #}
{% comment %}
A longer comment
{% endcomment %}
<!-- An HTML comment -->
<style>
  @page { @bottom-center { content: "Page " counter(page); } }
</style>
<script src="x.js" defer></script><script>const words = "not shown";</script>
<p>Shown text</p>
<p>{% translate "Columns:" %} <code>first_name, last_name</code></p>
"""
    assert untranslated(source) == [(10, "Shown text")]
