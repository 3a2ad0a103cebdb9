"""The XForm that ODK Collect fills in for one questionnaire of one instrument version, built by
pyxform from the version's stored source (decision 0042).

The survey keeps only the rows of that questionnaire (the `respondent` column, inherited from
the enclosing group as the instrument reader does) and gains two rows at the top: `child_id`,
chosen from the class list the manifest sends with the form (`select_one_from_file
children.csv`), and `assessed_on`, the day the form was filled in. pyxform adds
`meta/instanceID`, which becomes the assessment's id. The form's `version` is the version's
number, so a newly published version reaches Collect as an update of the same form.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyxform.builder import create_survey_element_from_dict
from pyxform.xls2json import workbook_to_json
from pyxform.xls2xform import get_xlsform

from cwtt.assessments.models import Respondent
from cwtt.instruments.models import InstrumentVersion

CHILD_FIELD = "child_id"
DATE_FIELD = "assessed_on"
CLASS_LIST = "children.csv"
ROOT = "data"
# Settings that would send the form elsewhere or encrypt it out of the server's reach.
DROPPED_SETTINGS = {"submission_url", "public_key"}


def form_id(code: str, respondent: str) -> str:
    return f"{code}_{respondent}"


def split_form_id(value: str) -> tuple[str, str] | None:
    """(instrument code, respondent) of a formID, or None when it names no questionnaire."""
    for respondent in Respondent.values:
        suffix = f"_{respondent}"
        if value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)], respondent
    return None


@dataclass(frozen=True)
class XForm:
    form_id: str
    title: str
    version: str
    xml: str

    @property
    def md5(self) -> str:
        return "md5:" + hashlib.md5(self.xml.encode()).hexdigest()  # noqa: S324 - OpenRosa's hash


def _lower(row: dict[str, Any]) -> dict[str, str]:
    return {str(k).strip().lower(): str(v).strip() for k, v in row.items()}


def _kind(row: dict[str, Any]) -> str:
    kind = " ".join(_lower(row).get("type", "").replace("_", " ").split()).lower()
    if kind in {"begin group", "begin repeat"}:
        return "begin"
    if kind in {"end group", "end repeat"}:
        return "end"
    return "row"


def _only_respondent(rows: list[dict[str, Any]], respondent: str) -> list[dict[str, Any]]:
    """The rows whose respondent (own, or the enclosing group's) is `respondent`, with the
    groups around them."""

    def walk(index: int, inherited: str) -> tuple[list[dict[str, Any]], int]:
        kept: list[dict[str, Any]] = []
        while index < len(rows):
            row = rows[index]
            kind = _kind(row)
            own = _lower(row).get("respondent", "") or inherited
            if kind == "end":
                return kept, index
            if kind == "begin":
                inside, index = walk(index + 1, own)
                if inside or own == respondent:
                    kept.append(row)
                    kept.extend(inside)
                    if index < len(rows):
                        kept.append(rows[index])
            elif own == respondent:
                kept.append(row)
            index += 1
        return kept, index

    return walk(0, "")[0]


@lru_cache(maxsize=64)
def _build(source: bytes, source_name: str, code: str, respondent: str, title: str, number: int):
    # Keyed by the source itself, not the version's id: a published version never changes, and
    # ids restart in every test database.
    workbook = get_xlsform(xlsform=io.BytesIO(source), file_type=Path(source_name).suffix.lower())
    questions = _only_respondent(list(workbook.survey), respondent)
    workbook.survey = [
        {
            "type": f"select_one_from_file {CLASS_LIST}",
            "name": CHILD_FIELD,
            "label": "Child",
            "hint": "Your class list. A child missing here is not yours to assess, or their "
            "caregiver's consent is not on record yet.",
            "required": "yes",
        },
        {"type": "today", "name": DATE_FIELD},
        *questions,
    ]
    settings = {
        k: v for k, v in (workbook.settings or [{}])[0].items() if k not in DROPPED_SETTINGS
    }
    settings.update(
        {"form_id": form_id(code, respondent), "form_title": title, "version": str(number)}
    )
    workbook.settings = [settings]
    # pyxform reads each sheet's columns from its header row: add the ones our rows bring.
    for sheet, rows in (("survey", workbook.survey), ("settings", workbook.settings)):
        header = dict.fromkeys(k for row in rows for k in row)
        old = getattr(workbook, f"{sheet}_header") or [{}]
        setattr(workbook, f"{sheet}_header", [{**old[0], **header}])
    warnings: list[str] = []
    data = workbook_to_json(
        workbook_dict=workbook,
        form_name=ROOT,
        fallback_form_name=workbook.fallback_form_name,
        warnings=warnings,
    )
    return create_survey_element_from_dict(data).to_xml(pretty_print=False, warnings=warnings)


def xform_for(version: InstrumentVersion, respondent: str) -> XForm:
    """The XForm of one questionnaire of `version` (its instrument loaded)."""
    code = version.instrument.code
    title = f"{version.instrument.title}: {Respondent(respondent).label}"
    xml = _build(
        bytes(version.source), version.source_name, code, respondent, title, version.number
    )
    return XForm(form_id(code, respondent), title, str(version.number), xml)
