"""The published figures as a DHIS2 dataValueSets document (https://docs.dhis2.org, "Data
values": `POST /api/dataValueSets`):

    {"dataSet": "...", "completeDate": "2026-11-30",
     "dataValues": [{"dataElement": "...", "period": "2026", "orgUnit": "...",
                     "categoryOptionCombo": "...", "value": "25"}, ...]}

`dataSet` and `completeDate` only when the mapping asks for them. Values are strings, as DHIS2
writes them. A hidden count, an indicator mapped to null and an org unit mapped to null are
left out.
"""

from __future__ import annotations

from typing import Any

from cwtt.assessments.models import Wave

from .figures import Published
from .mapping import INDICATORS, Mapping


def data_value_set(wave: Wave, mapping: Mapping, published: Published) -> dict[str, Any]:
    period = mapping.period_of(wave.starts_on, wave.ends_on)
    values: list[dict[str, str]] = []
    for i, place in enumerate(published.places):
        org_unit = mapping.org_units.get(place.key)
        if org_unit is None:
            continue
        shown = published.values(i)
        for code in INDICATORS:
            target = mapping.indicators.get(code)
            if target is None or shown[code] is None:
                continue
            values.append(
                {
                    "dataElement": target.data_element,
                    "period": period,
                    "orgUnit": org_unit,
                    "categoryOptionCombo": target.category_option_combo,
                    "value": str(shown[code]),
                }
            )
    document: dict[str, Any] = {}
    if mapping.data_set is not None:
        document["dataSet"] = mapping.data_set
    if mapping.complete:
        document["completeDate"] = wave.ends_on.isoformat()
    document["dataValues"] = values
    return document
