"""No inline styles (decision 0011): the Content-Security-Policy has `style-src 'self'` and
`style-src-elem 'self'`, so a browser refuses a `style=""` attribute or a `<style>` element in
a page. This finds them in the templates before a browser does, naming file and line, and
checks the header itself has no `'unsafe-inline'`.

The PDF templates are left out: WeasyPrint renders them, not a browser, and they keep their
`<style>` blocks.
"""

import re
from pathlib import Path

from django.urls import reverse

import cwtt

APP_DIR = Path(cwtt.__file__).resolve().parent

# Rendered only by WeasyPrint (cwtt/web/printing.py, cwtt/meetings/views.py minutes_pdf,
# cwtt/referrals/letter.py, cwtt/rights/subject_access.py record_pdf).
PDF_TEMPLATES = {
    "web/templates/web/print/child_profile.html",
    "web/templates/web/print/school_report.html",
    "meetings/templates/meetings/minutes_pdf.html",
    "referrals/templates/referrals/letter.html",
    "rights/templates/rights/child_record_pdf.html",
}

INLINE_STYLE = re.compile(r"""((?<=\s)style\s*=\s*["'{]|<style\b)""", re.IGNORECASE)
# Markup built in a script is inserted into the page, so the same rule holds there.
SCRIPT_INLINE_STYLE = re.compile(
    r"""(style\s*=\s*\\?["']|<style\b|setAttribute\(\s*["']style["'])""", re.IGNORECASE
)


def offending_lines(paths, pattern):
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for match in pattern.finditer(text):  # the whole text: an attribute may start a line
            number = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(APP_DIR)}:{number}: {lines[number - 1].strip()[:120]}")
    return found


def test_the_pdf_templates_left_out_still_exist():
    missing = [name for name in PDF_TEMPLATES if not (APP_DIR / name).is_file()]
    assert not missing, missing


def test_no_page_template_has_a_style_attribute_or_element():
    templates = [
        path
        for path in sorted(APP_DIR.rglob("*.html"))
        if path.relative_to(APP_DIR).as_posix() not in PDF_TEMPLATES
    ]
    assert len(templates) > 50  # the scan really looked at the templates
    found = offending_lines(templates, INLINE_STYLE)
    assert not found, "Inline styles (use a class in cwtt.css):\n" + "\n".join(found)


def test_no_script_writes_a_style_attribute_or_element_into_markup():
    scripts = [
        path
        for path in sorted(APP_DIR.rglob("*.js"))
        if "vendor" not in path.parts and not path.name.endswith(".min.js")
    ]
    assert scripts
    found = offending_lines(scripts, SCRIPT_INLINE_STYLE)
    assert not found, "Inline styles in markup (set element.style instead):\n" + "\n".join(found)


def test_the_policy_allows_no_inline_style(client):
    header = client.get(reverse("login"))["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    policy = {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}
    assert policy["style-src"] == ["'self'"]
    assert policy["style-src-elem"] == ["'self'"]
