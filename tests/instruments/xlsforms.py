"""Small XLSForms written as each file type pyxform reads: `.xlsx`, legacy `.xls`, pyxform's
Markdown and CSV layouts. A form is a dict of sheets, each a list of rows (the header first)."""

from __future__ import annotations

import csv
import io

import xlwt
from openpyxl import Workbook

Sheets = dict[str, list[list[str]]]
FORMATS = (".xlsx", ".xls", ".md", ".csv")


def as_xlsx(sheets: Sheets) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_xls(sheets: Sheets) -> bytes:
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value != "":
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_md(sheets: Sheets) -> bytes:
    lines = []
    for name, rows in sheets.items():
        lines.append(f"| {name} |")
        lines += ["| | " + " | ".join(row) + " |" for row in rows]
    return ("\n".join(lines) + "\n").encode()


def as_csv(sheets: Sheets) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for name, rows in sheets.items():
        writer.writerow([name])
        for row in rows:
            writer.writerow(["", *row])
    return buffer.getvalue().encode()


WRITERS = {".xlsx": as_xlsx, ".xls": as_xls, ".md": as_md, ".csv": as_csv}


def write(sheets: Sheets, suffix: str) -> bytes:
    return WRITERS[suffix](sheets)


YES_NO = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]

# name → (sheets, the answerable questions the definition must hold, in order)
CORPUS: dict[str, tuple[Sheets, list[str]]] = {
    "plain questions": (
        {"survey": [["type", "name", "label"], ["integer", "age", "Age"], ["text", "nm", "Name"]]},
        ["age", "nm"],
    ),
    "headers capitalised": (
        {"survey": [["Type", "Name", "Label"], ["integer", "age", "Age"]]},
        ["age"],
    ),
    "headers in capitals": (
        {"survey": [["TYPE", "NAME", "LABEL"], ["decimal", "height", "Height"]]},
        ["height"],
    ),
    "select_one with or_other": (
        {
            "survey": [
                ["type", "name", "label"],
                ["select_one colors or_other", "color", "Colour"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["colors", "red", "Red"],
                ["colors", "blue", "Blue"],
            ],
        },
        ["color", "color_other"],
    ),
    "select_multiple with or_other": (
        {
            "survey": [
                ["type", "name", "label"],
                ["select_multiple colors or_other", "cols", "Colours"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["colors", "red", "Red"],
                ["colors", "blue", "Blue"],
            ],
        },
        ["cols", "cols_other"],
    ),
    "select one from": (
        {
            "survey": [["type", "name", "label"], ["select one from yes_or_no", "ok", "OK?"]],
            "choices": [
                ["list_name", "name", "label"],
                ["yes_or_no", "yes", "Yes"],
                ["yes_or_no", "no", "No"],
            ],
        },
        ["ok"],
    ),
    "select all that apply from": (
        {
            "survey": [
                ["type", "name", "label"],
                ["select all that apply from yn", "both", "Both"],
            ],
            "choices": YES_NO,
        },
        ["both"],
    ),
    "select_multiple": (
        {
            "survey": [["type", "name", "label"], ["select_multiple yn", "many", "Many"]],
            "choices": YES_NO,
        },
        ["many"],
    ),
    "sheet names capitalised": (
        {
            "Survey": [["type", "name", "label"], ["select_one yn", "q", "Q"]],
            "Choices": YES_NO,
            "Settings": [["form_id", "form_title"], ["caps", "Capitals"]],
        },
        ["q"],
    ),
    "one sheet with another name": (
        {"Sheet1": [["type", "name", "label"], ["integer", "age", "Age"]]},
        ["age"],
    ),
    "nested groups": (
        {
            "survey": [
                ["type", "name", "label"],
                ["begin group", "outer", "Outer"],
                ["integer", "a", "A"],
                ["begin_group", "inner", "Inner"],
                ["integer", "b", "B"],
                ["end_group", "", ""],
                ["end group", "", ""],
            ]
        },
        ["a", "b"],
    ),
    "repeat": (
        {
            "survey": [
                ["type", "name", "label"],
                ["integer", "kids", "Children"],
                ["begin repeat", "kid", "Child"],
                ["text", "kid_name", "Name"],
                ["end repeat", "", ""],
            ]
        },
        ["kids"],
    ),
    "repeat with a count": (
        {
            "survey": [
                ["type", "name", "label", "repeat_count"],
                ["integer", "kids", "Children", ""],
                ["begin_repeat", "kid", "Child", "${kids} + 0"],
                ["integer", "kid_age", "Age", ""],
                ["end_repeat", "", "", ""],
            ]
        },
        ["kids"],
    ),
    "choice_filter": (
        {
            "survey": [
                ["type", "name", "label", "choice_filter"],
                ["select_one province", "prov", "Province", ""],
                ["select_one district", "dist", "District", "province=${prov}"],
            ],
            "choices": [
                ["list_name", "name", "label", "province"],
                ["province", "gp", "Gauteng", ""],
                ["province", "kzn", "KwaZulu-Natal", ""],
                ["district", "jhb", "Johannesburg", "gp"],
                ["district", "eth", "eThekwini", "kzn"],
            ],
        },
        ["prov", "dist"],
    ),
    "calculate used by relevant": (
        {
            "survey": [
                ["type", "name", "label", "calculation", "relevant"],
                ["integer", "a", "A", "", ""],
                ["calculate", "double", "", "${a} * 2", ""],
                ["integer", "b", "B", "", "${double} > 4"],
            ]
        },
        ["a", "b"],
    ),
    "relevant and constraint": (
        {
            "survey": [
                ["type", "name", "label", "relevant", "constraint", "constraint_message"],
                ["select_one yn", "ill", "Ill?", "", "", ""],
                ["integer", "days", "Days", "${ill} = 'yes'", ". >= 0 and . <= 14", "0 to 14"],
            ],
            "choices": YES_NO,
        },
        ["ill", "days"],
    ),
    "languages with codes": (
        {
            "survey": [
                ["type", "name", "label::English (en)", "label::isiZulu (zu)"],
                ["select_one yn", "q", "Hungry?", "Ulambile?"],
            ],
            "choices": [
                ["list_name", "name", "label::English (en)", "label::isiZulu (zu)"],
                ["yn", "yes", "Yes", "Yebo"],
                ["yn", "no", "No", "Cha"],
            ],
            "settings": [["default_language"], ["English (en)"]],
        },
        ["q"],
    ),
    "languages without codes": (
        {
            "survey": [
                ["type", "name", "label", "label::French"],
                ["integer", "age", "Age", "Âge"],
            ],
        },
        ["age"],
    ),
    "hints and required": (
        {
            "survey": [
                ["type", "name", "label", "hint", "required"],
                ["integer", "age", "Age", "In years", "yes"],
                ["text", "why", "Why", "", "true()"],
            ]
        },
        ["age", "why"],
    ),
    "notes dates decimals and ranges": (
        {
            "survey": [
                ["type", "name", "label", "parameters"],
                ["note", "intro", "Hello", ""],
                ["date", "born", "Born", ""],
                ["decimal", "weight", "Weight", ""],
                ["range", "score", "Score", "start=0 end=10 step=1"],
            ]
        },
        ["born", "weight", "score"],
    ),
    "types only ODK collects": (
        {
            "survey": [
                ["type", "name", "label"],
                ["geopoint", "where", "Where"],
                ["image", "photo", "Photo"],
                ["barcode", "code", "Code"],
                ["integer", "age", "Age"],
            ]
        },
        ["age"],
    ),
    "metadata": (
        {
            "survey": [
                ["type", "name", "label"],
                ["start", "start", ""],
                ["end", "end", ""],
                ["today", "today", ""],
                ["deviceid", "deviceid", ""],
                ["integer", "age", "Age"],
            ]
        },
        ["age"],
    ),
    "settings with a version": (
        {
            "survey": [["type", "name", "label"], ["integer", "age", "Age"]],
            "settings": [["form_title", "form_id", "version"], ["A form", "a_form", "2026-11"]],
        },
        ["age"],
    ),
    "type aliases": (
        {"survey": [["type", "name", "label"], ["int", "n", "N"], ["string", "s", "S"]]},
        ["n", "s"],
    ),
    "field-list group": (
        {
            "survey": [
                ["type", "name", "label", "appearance"],
                ["begin group", "page", "Page", "field-list"],
                ["integer", "a", "A", ""],
                ["integer", "b", "B", ""],
                ["end group", "", "", ""],
            ]
        },
        ["a", "b"],
    ),
    "select from a file": (
        {
            "survey": [
                ["type", "name", "label"],
                ["select_one_from_file fruits.csv", "fruit", "Fruit"],
            ]
        },
        ["fruit"],
    ),
    "defaults and other columns": (
        {
            "survey": [
                ["type", "name", "label", "default", "notes for authors"],
                ["integer", "n", "N", "3", "keep"],
            ]
        },
        ["n"],
    ),
    "relevance column alias": (
        {
            "survey": [
                ["type", "name", "label", "relevance"],
                ["integer", "a", "A", ""],
                ["integer", "b", "B", "${a} > 1"],
            ]
        },
        ["a", "b"],
    ),
    "disabled row": (
        {
            "survey": [
                ["type", "name", "label", "disabled"],
                ["integer", "a", "A", ""],
                ["integer", "b", "B", "yes"],
            ]
        },
        ["a"],
    ),
    "CWTT columns in a group, with scoring": (
        {
            "survey": [
                ["type", "name", "label", "Respondent", "DOMAIN", "indicator"],
                ["begin group", "cg", "Caregiver", "caregiver", "", ""],
                ["integer", "meals", "Meals", "", "nutrition", "food_quantity"],
                ["end group", "", "", "", "", ""],
            ],
            "Scoring": [
                ["Rule", "domain", "indicator", "level", "when", "reason"],
                ["few", "nutrition", "food_quantity", "high", "${meals} < 2", "Few meals"],
            ],
        },
        ["meals"],
    ),
    "blank rows between questions": (
        {
            "survey": [
                ["type", "name", "label"],
                ["integer", "a", "A"],
                ["", "", ""],
                ["integer", "b", "B"],
            ]
        },
        ["a", "b"],
    ),
    "labels in the default language only on choices": (
        {
            "survey": [
                ["type", "name", "label", "label::Sesotho (st)"],
                ["select_one yn", "q", "Q", "Potso"],
            ],
            "choices": [
                ["list_name", "name", "label", "label::Sesotho (st)"],
                ["yn", "yes", "Yes", "E"],
                ["yn", "no", "No", "Tjhe"],
            ],
        },
        ["q"],
    ),
    "select_one_external with a filter": (
        {
            "survey": [
                ["type", "name", "label", "choice_filter"],
                ["select_one prov", "p", "Province", ""],
                ["select_one_external city", "c", "City", "prov=${p}"],
            ],
            "choices": [["list_name", "name", "label"], ["prov", "gp", "Gauteng"]],
            "external_choices": [
                ["list_name", "name", "label", "prov"],
                ["city", "jhb", "Johannesburg", "gp"],
            ],
        },
        ["p"],
    ),
    "entities": (
        {
            "survey": [["type", "name", "label", "save_to"], ["text", "tree", "Tree", "species"]],
            "entities": [["list_name", "label"], ["trees", "${tree}"]],
        },
        ["tree"],
    ),
    "trigger and audit": (
        {
            "survey": [
                ["type", "name", "label", "trigger", "calculation"],
                ["audit", "audit", "", "", ""],
                ["integer", "a", "A", "", ""],
                ["calculate", "b", "", "${a}", "${a} * 2"],
            ]
        },
        ["a"],
    ),
    "rank": (
        {"survey": [["type", "name", "label"], ["rank yn", "r", "Rank"]], "choices": YES_NO},
        [],
    ),
    "media, output in a note, required_message": (
        {
            "survey": [
                ["type", "name", "label", "required", "required_message", "image"],
                ["integer", "a", "A", "yes", "Please answer", "a.png"],
                ["note", "n", "You said ${a}", "", "", ""],
            ]
        },
        ["a"],
    ),
    "every type only ODK collects": (
        {
            "survey": [
                ["type", "name", "label"],
                ["geotrace", "t", "T"],
                ["geoshape", "s", "S"],
                ["time", "tm", "Tm"],
                ["dateTime", "dt", "Dt"],
                ["acknowledge", "ak", "Ak"],
                ["audio", "au", "Au"],
                ["video", "v", "V"],
                ["file", "f", "F"],
                ["hidden", "h", ""],
                ["select_one_from_file places.xml", "p", "P"],
            ]
        },
        ["p"],
    ),
    "repeats nested, counted, in a CWTT group": (
        {
            "survey": [
                ["type", "name", "label", "repeat_count", "respondent", "domain", "indicator"],
                ["begin group", "g", "G", "", "caregiver", "", ""],
                ["integer", "n", "N", "", "", "health", "morbidity"],
                ["begin repeat", "r", "R", "${n}", "", "", ""],
                ["begin repeat", "r2", "R2", "2", "", "", ""],
                ["integer", "x", "X", "", "", "health", "morbidity"],
                ["end repeat", "", "", "", "", "", ""],
                ["end repeat", "", "", "", "", "", ""],
                ["end group", "", "", "", "", "", ""],
            ]
        },
        ["n"],
    ),
    "expressions reading other answers": (
        {
            "survey": [
                ["type", "name", "label", "required", "constraint"],
                ["integer", "a", "A", "", ""],
                ["integer", "b", "B", "${a} > 1", ". > ${a}"],
            ]
        },
        ["a", "b"],
    ),
    "more settings": (
        {
            "survey": [["type", "name", "label"], ["text", "a", "A"]],
            "settings": [
                ["instance_name", "form_id", "style", "allow_choice_duplicates"],
                ["concat(${a})", "more", "pages", "yes"],
            ],
        },
        ["a"],
    ),
}

# Forms pyxform refuses: name → sheets.
REFUSED: dict[str, Sheets] = {
    "a name with a space": {"survey": [["type", "name", "label"], ["integer", "bad name", "Q"]]},
    "a group never closed": {
        "survey": [["type", "name", "label"], ["begin group", "g", "G"], ["integer", "a", "A"]]
    },
    "a calculate without its calculation": {
        "survey": [["type", "name", "label"], ["calculate", "c", ""]]
    },
    "no type column": {"survey": [["kind", "name", "label"], ["integer", "a", "A"]]},
    "a list missing from choices": {
        "survey": [["type", "name", "label"], ["select_one nope", "q", "Q"]],
        "choices": YES_NO,
    },
    "a reference to no question": {
        "survey": [["type", "name", "label", "relevant"], ["integer", "a", "A", "${zzz} > 1"]]
    },
    "an unknown type": {"survey": [["type", "name", "label"], ["intger", "a", "A"]]},
    "the same name twice": {
        "survey": [["type", "name", "label"], ["integer", "a", "A"], ["integer", "a", "A again"]]
    },
}
