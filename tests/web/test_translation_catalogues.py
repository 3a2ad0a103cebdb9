"""The interface catalogues in cwtt/locale (decision 0062).

- Every language offered in the header's switch (settings.LANGUAGES) has a complete catalogue:
  every entry translated, none fuzzy, every placeholder and HTML tag of the English kept.
- Every language has both catalogues (django and djangojs), even the ones not yet offered.
- The compiled .mo files committed next to the .po files say exactly what the .po files say, so
  a fresh clone needs no compile step and a translator who forgets to compile is caught.
- The catalogues are up to date with the code: every text marked for translation in the
  templates, Python and scripts is in them (a translator's `makemessages` run adds nothing).
"""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.LOCALE_PATHS[0])
DOMAINS = ("django", "djangojs")
ALL_LANGUAGES = [
    code
    for code, _ in [*settings.LANGUAGES, *settings.CWTT_DRAFT_LANGUAGES]
    if code != settings.LANGUAGE_CODE
]
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# What must survive translation unchanged: Python placeholders, a literal %, HTML tags.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdf]|%%|%[sd]|</?[a-zA-Z][^>]*>")


def catalogue(language: str, domain: str):
    with (LOCALE / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        return read_po(po, locale=None)


def _forms(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _translations(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.mark.parametrize("language", ALL_LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_language_has_both_catalogues_with_its_plural_rule(language, domain):
    po = catalogue(language, domain)
    assert po.locale_identifier == language or str(po.locale) == language
    assert po.plural_forms.startswith("nplurals=2;"), po.plural_forms
    assert len([m for m in po if m.id]) > (1000 if domain == "django" else 40)


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_an_offered_language_has_every_entry_translated_and_none_fuzzy(language, domain):
    po = catalogue(language, domain)
    untranslated = [m.id for m in po if m.id and not all(_translations(m))]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:3]}"


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_every_placeholder_and_html_tag(language, domain):
    wrong = []
    for message in catalogue(language, domain):
        if not message.id:
            continue
        forms = _forms(message)
        for index, text in enumerate(_translations(message)):
            source = forms[min(index, len(forms) - 1)]
            # A singular may name the number in words ("one row") instead of the placeholder.
            allowed = set(PLACEHOLDER.findall(" ".join(forms)))
            found = PLACEHOLDER.findall(text)
            if len(forms) == 1 or index > 0:
                if sorted(found) != sorted(PLACEHOLDER.findall(source)):
                    wrong.append((source, text))
            elif not set(found) <= allowed:
                wrong.append((source, text))
    assert wrong == []


def test_only_languages_with_a_complete_catalogue_are_offered():
    """The rule for the switch: a language joins settings.LANGUAGES only when both of its
    catalogues are complete; the ones still being translated wait in CWTT_DRAFT_LANGUAGES."""
    offered = {code for code, _ in settings.LANGUAGES}
    assert settings.LANGUAGE_CODE in offered
    for code in offered - {settings.LANGUAGE_CODE}:
        for domain in DOMAINS:
            assert all(all(_translations(m)) for m in catalogue(code, domain) if m.id), code
    assert offered.isdisjoint(code for code, _ in settings.CWTT_DRAFT_LANGUAGES)


def _expected_catalogue(po) -> dict:
    """What a compiled .mo file holds for this .po: each translated, not fuzzy entry, keyed as
    Python's gettext keys it (context, then \x04, then the English; plurals by form number)."""
    found: dict = {}
    for message in po:
        if not message.id or message.fuzzy or not all(_translations(message)):
            continue
        prefix = f"{message.context}\x04" if message.context else ""
        if isinstance(message.id, tuple):
            for index, text in enumerate(message.string):
                found[(prefix + message.id[0], index)] = text
        else:
            found[prefix + message.id] = message.string
    return found


@pytest.mark.parametrize("language", ALL_LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_mo_file_matches_its_po_file(language, domain):
    """The .mo files are compiled by `cwtt compilemessages` (or `pybabel compile`) and
    committed; here each is read with Python's gettext and compared with its .po entry by
    entry, so the check needs no GNU gettext."""
    with (LOCALE / language / "LC_MESSAGES" / f"{domain}.mo").open("rb") as mo:
        committed = dict(gettext.GNUTranslations(mo)._catalog)
    committed.pop("", None)  # the header, with the date it was made
    expected = _expected_catalogue(catalogue(language, domain))
    stale = sorted(map(str, set(committed) ^ set(expected)))[:5]
    assert set(committed) == set(expected), f"run cwtt compilemessages: {stale}"
    changed = [k for k in expected if committed[k] != expected[k]][:5]
    assert changed == [], f"run cwtt compilemessages: {changed}"


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="makemessages needs GNU gettext",
)
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalogues_hold_every_text_marked_in_the_code(domain, tmp_path, settings, monkeypatch):
    """makemessages, run on a copy of the code and of the isiZulu catalogue, finds nothing new
    to translate and nothing gone. (A copy: makemessages writes next to the code it reads.)"""
    root = Path(__file__).resolve().parents[2]
    copy = tmp_path / "cwtt"
    shutil.copytree(
        root / "cwtt",
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "st", "tn", "af", "xh", "vendor"),
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zu"], domain=domain, no_obsolete=True, verbosity=0)
    with (copy / "locale" / "zu" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        now = {(m.context, _forms(m)[0]) for m in read_po(po) if m.id}
    before = {(m.context, _forms(m)[0]) for m in catalogue("zu", domain) if m.id}
    assert sorted(map(str, now - before)) == [], "run makemessages (cwtt/locale/README.md)"
    assert sorted(map(str, before - now)) == [], "run makemessages --no-obsolete"
