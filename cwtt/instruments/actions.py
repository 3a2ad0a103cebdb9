"""Writes for instruments: publishing a new version. The only place versions are created."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import transaction

from .engine.batch import BatchScorer
from .engine.definition import rule_sensitivities
from .engine.reader import Problem, ReadResult, read_instrument
from .engine.scoring import Scorer
from .engine.validation import AnswerValidator
from .models import Instrument, InstrumentVersion


class InstrumentRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the instrument")
        self.problems = problems


@dataclass
class PublishOutcome:
    version: InstrumentVersion
    created: bool
    warnings: list[str] = field(default_factory=list)


def instrument_check(*, data: bytes, filename: str) -> ReadResult:
    """Read and check an instrument file, saving nothing: its problems (sheet, row, column and
    message), its warnings and, when there are no problems, the definition that publishing it
    would store. Publishing runs exactly this check first."""
    return read_instrument(data, filename)


def instrument_publish(*, data: bytes, filename: str, by=None) -> PublishOutcome:
    """Check the file and add it as the next version of its instrument, with its XForm (the
    form's `version` attribute is the new version's number).

    A file identical to the latest version is not published twice (so set-up can run again).
    """
    result = instrument_check(data=data, filename=filename)
    if not result.ok or result.definition is None:
        raise InstrumentRejected(result.problems)
    definition = result.definition
    checksum = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        instrument, _created = Instrument.objects.select_for_update().get_or_create(
            code=definition.code, defaults={"title": definition.title}
        )
        latest = instrument.latest_version()
        if latest is not None and latest.checksum == checksum:
            return PublishOutcome(latest, False, result.warnings)
        if instrument.title != definition.title:
            instrument.title = definition.title
            instrument.save(update_fields=["title"])
        number = (latest.number + 1) if latest else 1
        version = InstrumentVersion.objects.create(
            instrument=instrument,
            number=number,
            version_label=definition.version_label,
            source_name=filename,
            source=data,
            checksum=checksum,
            definition=definition.to_dict(),
            xform=result.xform_for_version(str(number)),
            published_by=by if getattr(by, "pk", None) else None,
        )
    return PublishOutcome(version, True, result.warnings)


# Versions never change once published, so their compiled forms can be cached by primary key.
@lru_cache(maxsize=32)
def scorer_for(version_id: int) -> Scorer:
    return Scorer(InstrumentVersion.objects.get(pk=version_id).parsed())


@lru_cache(maxsize=8)
def batch_scorer_for(version_id: int) -> BatchScorer:
    """`scorer_for`, column by column (`cwtt rescore`): its rules compiled once per process."""
    return BatchScorer(scorer_for(version_id))


@lru_cache(maxsize=32)
def validator_for(version_id: int) -> AnswerValidator:
    return AnswerValidator(InstrumentVersion.objects.get(pk=version_id).parsed())


@lru_cache(maxsize=32)
def rule_sensitivities_for(version_id: int) -> dict[str, frozenset[str]]:
    return rule_sensitivities(validator_for(version_id).definition)
