"""The file readers' and checkers' messages on the data manager's pages come out in the
reader's language (decision 0062): a data manager who chose isiZulu sees them in isiZulu, one
in English sees the same English as before, and the command line's text stays English."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwtt.instruments.engine.reader import read_instrument
from cwtt.registry.models import School, Staff

from ..instruments.bad_files import NAMED  # noqa: TID252 - shared test helpers
from .test_schools import HEADER, upload

pytestmark = pytest.mark.django_db

BROKEN_SCHOOLS = (
    HEADER
    + "700333333,Valley Primary,3,Gauteng (test),Test District,Circuit 1\n"
    + "700444444,River Primary,9,Gauteng (test),Test District,New Circuit\n"
    + "700555555,Hill Primary,,Gauteng (test),Test District,Circuit 1\n"
    + "12ab,Bad Primary,2,Gauteng (test),Test District,Circuit 1\n"
).encode()


def choose(people, language: str) -> None:
    Staff.objects.filter(user=people["dora"]).update(language=language)


def page_of(response) -> str:
    return html.unescape(response.content.decode())


def send_instrument(manager, kind: str):
    name, data, _ = NAMED[kind]
    return manager.post(
        reverse("administration_instrument_upload"),
        {"action": "check", "file": SimpleUploadedFile(name, data)},
    )


def test_a_broken_school_list_is_explained_in_isizulu(manager, people, district):
    choose(people, "zu")
    schools = School.objects.count()
    page = page_of(upload(manager, BROKEN_SCHOOLS, action="check"))
    assert "izinga (quintile) '9' alamukelwa; sebenzisa inombolo esuka ku-1 kuya ku-5." in page
    assert "izinga (quintile) alibhalwanga; umugqa ngamunye uyalidinga." in page
    assert "is not accepted" not in page and "every row needs one" not in page
    # A marked message inside a marked message is translated too.
    assert "emis_number '12ab': Inombolo ye-EMIS inezinombolo ezisuka ku-6 kuya ku-12." in page
    page = page_of(upload(manager, b"emis,name\n1,x\n", action="check"))
    assert "umugqa wokuqala awunawo amakholomu abizwa ngokuthi" in page
    assert "Amakholomu adingekayo: emis_number, name, quintile" in page
    page = page_of(upload(manager, b"not a workbook", name="schools.xlsx", action="check"))
    assert "I-CWTT ayikwazi ukufunda leli fayela: ifayela akulona elase-Excel (.xlsx)" in page
    assert School.objects.count() == schools


def test_a_broken_school_list_is_explained_in_english_as_before(manager, people, district):
    choose(people, "en")
    page = page_of(upload(manager, BROKEN_SCHOOLS, action="check"))
    assert "quintile '9' is not accepted; use a number from 1 to 5." in page
    assert "quintile is blank; every row needs one." in page
    assert "emis_number '12ab': An EMIS number is 6 to 12 digits." in page
    page = page_of(upload(manager, b"emis,name\n1,x\n", action="check"))
    assert "the first row has no columns named" in page and "Required columns:" in page
    page = page_of(upload(manager, b"not a workbook", name="schools.xlsx", action="check"))
    assert (
        "CWTT cannot read this file: the file is not an .xlsx workbook that CWTT can open" in page
    )


@pytest.mark.parametrize(
    ("kind", "english", "isizulu"),
    [
        (
            "not a workbook",
            "the file is not an Excel workbook (.xlsx), although its name says so",
            "ifayela akulona elase-Excel (.xlsx), nakuba igama lalo lisho kanjalo",
        ),
        (
            "encrypted",
            "the workbook is protected with a password",
            "ifayela le-Excel livikelwe ngephasiwedi",
        ),
        (
            "Markdown in UTF-16",
            "the Markdown file is not UTF-8 text; save it with the UTF-8 encoding",
            "ifayela le-Markdown akuwona umbhalo we-UTF-8; ligcine nge-UTF-8",
        ),
        (
            "empty workbook",
            "the workbook is empty: no sheet has anything in it",
            "ifayela le-Excel alinalutho: alikho ishidi elinokuthile",
        ),
    ],
)
def test_a_broken_instrument_is_explained_in_the_readers_language(
    manager, people, kind, english, isizulu
):
    choose(people, "zu")
    page = page_of(send_instrument(manager, kind))
    assert isizulu in page and english not in page
    choose(people, "en")
    page = page_of(send_instrument(manager, kind))
    assert english in page and isizulu not in page


def test_a_checker_message_keeps_the_expression_parsers_detail(manager, people):
    choose(people, "zu")
    page = page_of(send_instrument(manager, "broken constraint"))
    assert "isisho (expression) '. >= 80 and and . <= 170' asifundeki:" in page
    choose(people, "en")
    page = page_of(send_instrument(manager, "broken constraint"))
    assert "the expression '. >= 80 and and . <= 170' cannot be read:" in page


def test_the_reader_itself_still_writes_english():
    """The command line and files get the English text, unchanged."""
    name, data, _ = NAMED["not a workbook"]
    problems = read_instrument(data, filename=name).problems
    assert str(problems[0].message).startswith("the file is not an Excel workbook (.xlsx)")
    assert type(str(problems[0])) is str and "not an Excel workbook" in str(problems[0])
