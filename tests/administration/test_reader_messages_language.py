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
        # Over a limit.
        (
            "zip bomb",
            "the workbook unpacks to more than 50 MB; an instrument is far smaller",
            "ifayela le-Excel liba likhulu kuno-50 MB uma livulwa",
        ),
        (
            "50,000-term sum",
            "the cell is longer than 10,000 characters",
            "iseli linezinhlamvu ezingaphezu kuka-10,000",
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


BROKEN_CLASS_LIST = (
    b"school_emis,class_name,grade,year,first_name,last_name,date_of_birth,sex,"
    b"caregiver_first_name,caregiver_last_name,caregiver_phone\n"
    b"700999999,2A,Z,1999,Thandi,Test,2018-02-30,X,Nomsa,Test,12ab\n"
)


def test_a_broken_class_list_is_explained_in_isizulu(manager, people, district):
    choose(people, "zu")
    page = page_of(upload(manager, BROKEN_CLASS_LIST, name="children.csv", kind="children"))
    assert "i-grade 'Z' ayamukelwa; sebenzisa okukodwa kwalokhu: R, 1, 2, 3." in page
    assert "i-school_emis '700999999' akusona isikole esikhona ku-CWTT" in page
    assert "unyaka (year) '1999' akuwona unyaka wesikole" in page
    assert "i-date_of_birth '2018-02-30' akulona usuku olukhona." in page
    assert "i-sex 'X' ayamukelwa; sebenzisa u-M noma u-F" in page
    assert "i-caregiver_phone '12ab' akuyona inombolo yefoni" in page
    assert "is not accepted" not in page and "is not a real date" not in page
    choose(people, "en")
    page = page_of(upload(manager, BROKEN_CLASS_LIST, name="children.csv", kind="children"))
    assert "grade 'Z' is not accepted; use one of R, 1, 2, 3." in page
    assert "school_emis '700999999' is not a school in CWTT" in page
    assert "date_of_birth '2018-02-30' is not a real date." in page


def test_a_broken_classes_file_and_table_are_explained_in_isizulu(manager, people, district):
    choose(people, "zu")
    twice = b"school_emis,class_name,grade,grade,year\n"
    page = page_of(upload(manager, twice, name="classes.csv", kind="classes", action="check"))
    assert "amakholomu C no-D womabili abizwa ngokuthi grade" in page
    page = page_of(upload(manager, b"\n\n", name="classes.csv", kind="classes", action="check"))
    assert "ifayela alinalutho, noma umugqa walo wokuqala awubhalwanga lutho" in page
    latin = "school_emis,class_name,grade,year\n700999999,Caf\xe9,1,2026\n".encode("latin-1")
    page = page_of(upload(manager, latin, name="classes.csv", kind="classes", action="check"))
    assert "ifayela akuwona umbhalo we-UTF-8: umugqa 2 une-byte E9" in page
    # The "Save As" advice inside it is translated too.
    assert "Ku-Excel khetha File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'" in page
    assert "In Excel choose" not in page


def test_broken_staff_and_caregivers_files_are_explained_in_isizulu(manager, people, district):
    choose(people, "zu")
    staff = b"username,first_name,last_name,role,password\nzz,A,B,teacher,secret\n"
    page = page_of(upload(manager, staff, name="staff.csv", kind="staff", action="check"))
    assert "ifayela linekholomu yephasiwedi. I-CWTT ayilokothi ifunde amaphasiwedi" in page
    staff = b"username,first_name,last_name,role\nzz,A,B,teacher\nZZ,C,D,teacher\n"
    page = page_of(upload(manager, staff, name="staff.csv", kind="staff", action="check"))
    assert "igama lokungena ZZ liphinde livele emugqeni 3; selivele lisemugqeni 2." in page
    carers = (
        b"child_id,caregiver_first_name,caregiver_last_name,caregiver_relation\n"
        b"999999999,Nomsa,Test,neighbour\n"
    )
    page = page_of(upload(manager, carers, name="carers.csv", kind="caregivers", action="check"))
    assert "i-child_id '999999999' akuyona ingane ekhona ku-CWTT" in page
    assert "i-caregiver_relation 'neighbour' ayamukelwa; sebenzisa okukodwa kwalokhu:" in page
    assert "is not a child in CWTT" not in page


def test_the_expression_readers_detail_is_translated_too(manager, people):
    choose(people, "zu")
    page = page_of(send_instrument(manager, "broken constraint"))
    assert "asifundeki: 'and' endaweni 13 akukho okungaphambi kwayo; kushoda inani" in page
    choose(people, "en")
    page = page_of(send_instrument(manager, "broken constraint"))
    assert "cannot be read: 'and' at position 13 has nothing before it; a value is missing" in page


def test_the_import_summary_is_in_the_readers_language(manager, people, district):
    choose(people, "zu")
    page = page_of(upload(manager, BROKEN_CLASS_LIST, name="children.csv", kind="children"))
    assert (
        "Ukuhlola kuphela: kuhlolwe: umugqa ongu-1, amaphutha angu-6 (imigqa enamaphutha: "
        "umugqa ongu-1), umugqa ongu-1 ungabekwa eceleni, okusha okungu-0 kungenziwa, "
        "okungu-0 kubuyekeziwe; akukho okugciniwe."
    ) in page
    assert "Dry run" not in page
    choose(people, "en")
    page = page_of(upload(manager, BROKEN_CLASS_LIST, name="children.csv", kind="children"))
    assert (
        "Dry run: 1 row checked, 6 errors in 1 row, 1 row would be set aside, 0 would be "
        "created, 0 updated; nothing was written."
    ) in page
