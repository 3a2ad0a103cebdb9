"""The XForm of a published instrument version: what ODK Collect, KoboCollect and Enketo fill.

pyxform builds it when the version is published (`actions.instrument_publish`), from the same
reading of the file that gave the version's definition; the form's `version` attribute is the
version's number, so a submission names the version it was filled with.
"""

from __future__ import annotations

from .models import InstrumentVersion


def xform_of(version: InstrumentVersion) -> str:
    """The version's XForm (XML text), as stored when it was published."""
    if not version.xform:
        raise ValueError(f"{version} has no XForm; run the instruments migrations")
    return version.xform
