"""Recompute many risk profiles at once: `cwtt rescore`, after a new instrument version.

A run walks the (child, wave) pairs that have a counting assessment or a profile, in
(child id, wave id) order, a batch at a time. Each batch reads its assessments in one query,
scores them all at once with the pure engine's batch scorer (`BatchScorer`: column by column,
the same results as scoring one at a time), writes only the profiles that changed (bulk_create,
one executemany UPDATE; a profile whose assessments are all gone is deleted) and moves the
run's cursor, all in one transaction. So the queries per batch do not grow with the batch, every profile is
computed once, and after a crash the next run continues after the last committed batch.

Everything takes only a run id, so a background worker can do the work: a task calls
`rescore_run(run_id)` (the whole run; the command line calls the same), or does one
`rescore_batch` and queues itself again until it returns no pairs, then `rescore_finish`.
A task that dies is simply queued again with the same id. A profile is stored with which rules
fired rather than its details written out (`profile_details.py`; read back as the same
details). See docs/decisions/0037-batched-resumable-rescoring.md, 0039-vectorised-rescoring.md,
0060-profiles-store-which-rules-fired.md and 0061-rescore-speed-after-fired-rules.md.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

import numpy as np
import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.instruments.actions import batch_scorer_for
from cwtt.instruments.engine.coded import Codebook, CodedBatch, CodedScorer
from cwtt.instruments.engine.definition import DOMAINS, LEVELS
from cwtt.instruments.models import InstrumentVersion
from cwtt.registry.models import Child

from .actions import COUNTING, child_age_months
from .models import AnswerTerm, Assessment, RescoreRun, RiskProfile, Wave, respondent_kind
from .profile_details import details_from_fired, fired_text, fired_value
from .signals import profile_scored

BATCH_SIZE = 500

# What a rescore writes; `computed_at` too, since bulk_update does not apply auto_now.
DERIVED = [
    *DOMAINS,
    "instrument_version",
    "overall",
    "urgent",
    "discordant",
    "details",
    "assessment_count",
]
# What scoring reads of an assessment (`actions.Questionnaire`), as plain rows: building a
# Django model per assessment took a fifth of a rescore's time. The answers are read as their
# answer codes (docs/decisions/0070-answer-codes.md); their JSON only where the codes are
# missing (they are then made and stored) or a rule reads an answer that has no code.
ASSESSMENT_COLUMNS = [
    "child_id",
    "wave_id",
    Cast("uuid", TextField()),
    "respondent",
    "assessed_on",
    "instrument_version_id",
    "answer_codes",
    "child__date_of_birth",
    "child__sex",
    "child__grant_status",
    "informant_caregiver_id",
    "informant_caregiver__first_name",
    "informant_caregiver__last_name",
    "informant_staff_id",
    "informant_staff__user__first_name",
    "informant_staff__user__last_name",
    "status",
    "id",
]
_CODES, _STATUS, _ASSESSMENT = 6, len(ASSESSMENT_COLUMNS) - 2, len(ASSESSMENT_COLUMNS) - 1
# A profile's questionnaires in the order `profile_fields` combines them: (assessed on,
# respondent, uuid); the uuid is read as text (SQLite keeps it without dashes): the same order
# either way, and SQLite's dates as text sort as the dates do.
_IN_PROFILE_ORDER = itemgetter(0, 1, 4, 3, 2)
_DATE_COLUMNS = {"assessed_on", "child__date_of_birth"}


def _assessment_columns() -> list:
    """`ASSESSMENT_COLUMNS`, with the dates read as text on SQLite: the date converter Django
    gives SQLite is a Python call per value, while `_date` parses each distinct date once.
    (PostgreSQL's driver gives dates itself.)"""
    if connection.vendor != "sqlite":
        return ASSESSMENT_COLUMNS
    return [
        Cast(column, TextField()) if column in _DATE_COLUMNS else column
        for column in ASSESSMENT_COLUMNS
    ]


# What a case proposal reads of the child of a profile that is announced.
CHILD_READS = ["date_of_birth", "sex", "grant_status", "status", "school"]


class RescoreRefused(Exception):
    """A rescore cannot start as asked; the message says what to do instead."""


@dataclass(frozen=True)
class BatchOutcome:
    pairs: int
    changed: int
    deleted: int


def _pair_querysets(wave_ids: Sequence[int], after: Q | None = None):
    """(child id, wave id) pairs with a counting assessment, and pairs with a profile."""
    where = Q(wave_id__in=wave_ids) if wave_ids else Q()
    if after is not None:
        where &= after
    # order_by() first: a default ordering adds its columns to DISTINCT and repeats pairs.
    from_assessments = (
        Assessment.objects.order_by()
        .filter(where, status__in=COUNTING)
        .values_list("child_id", "wave_id")
        .distinct()
    )
    from_profiles = RiskProfile.objects.order_by().filter(where).values_list("child_id", "wave_id")
    return from_assessments, from_profiles


def pairs_to_rescore(wave_ids: Sequence[int] = ()) -> int:
    """How many (child, wave) pairs a rescore of these waves (none: all) would recompute."""
    from_assessments, from_profiles = _pair_querysets(wave_ids)
    return from_assessments.union(from_profiles).count()


@dataclass(frozen=True)
class ScoringRules:
    """Which version scores which assessments, loaded once for a run (one small query) rather
    than per profile: `actions.scoring_version`, the latest version of the instrument of the
    newest version the child's assessments were answered with."""

    in_force: dict[int, InstrumentVersion]  # by instrument id
    answered: dict[int, tuple[int, int]]  # version id -> (instrument id, number)
    # Every answer term stored so far; it grows as a run stores the codes of new answers.
    codebook: Codebook
    _scorers: dict[int, CodedScorer] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ScoringRules:
        versions = list(InstrumentVersion.objects.order_by("number").only("instrument", "number"))
        in_force = {v.instrument_id: v for v in versions}  # the highest number wins
        # The choice names of the versions in force: the texts answers may be coded as.
        choices = {
            choice.name
            for version in in_force.values()
            for options in batch_scorer_for(version.pk).scorer.definition.choices.values()
            for choice in options
        }
        return cls(
            in_force=in_force,
            answered={v.pk: (v.instrument_id, v.number) for v in versions},
            codebook=Codebook(AnswerTerm.objects.values_list("id", "text"), choices),
        )

    def scorer(self, version: InstrumentVersion) -> CodedScorer:
        found = self._scorers.get(version.pk)
        if found is None:
            found = self._scorers[version.pk] = CodedScorer(
                batch_scorer_for(version.pk), self.codebook
            )
        return found

    def version_for(self, answered_with: Iterable[int]) -> InstrumentVersion:
        """The version that scores assessments answered with these version ids."""
        instrument_id, _number = max(self.answered[version_id] for version_id in answered_with)
        return self.in_force[instrument_id]


def rescore_start(*, waves: Iterable[Wave] | None = None, restart: bool = False) -> RescoreRun:
    """The run to work on: the unfinished one for the same waves, or a new one.

    `restart` abandons an unfinished run and starts over. An unfinished run for other waves is
    refused (finish it, or restart), since two runs would write the same profiles. A run
    started before the latest instrument version was published would mix old and new rules,
    so it is abandoned and a new one started.
    """
    wave_ids = sorted({w.pk for w in waves}) if waves is not None else []
    with transaction.atomic():
        unfinished = (
            RescoreRun.objects.select_for_update().filter(status=RescoreRun.Status.RUNNING).first()
        )
        if unfinished is not None:
            published_since = InstrumentVersion.objects.filter(
                published_at__gt=unfinished.started_at
            ).exists()
            if not restart and not published_since and unfinished.wave_ids != wave_ids:
                raise RescoreRefused(
                    _(
                        "A rescore of %(waves)s started on %(started)s and did not finish. Run "
                        "it again with the same waves to finish it, or add --restart to start "
                        "over with these waves. Nothing was changed."
                    )
                    % {
                        "waves": _wave_names(unfinished.wave_ids),
                        "started": timezone.localtime(unfinished.started_at).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    }
                )
            if restart or published_since:
                unfinished.status = RescoreRun.Status.ABANDONED
                unfinished.finished_at = timezone.now()
                unfinished.save(update_fields=["status", "finished_at"])
            else:
                return unfinished
        try:
            with transaction.atomic():
                return RescoreRun.objects.create(
                    wave_ids=wave_ids, total=pairs_to_rescore(wave_ids)
                )
        except IntegrityError:  # another one started at the same moment
            raise RescoreRefused(
                _("Another rescore has just started. Wait for it to finish. Nothing was changed.")
            ) from None


def _wave_names(wave_ids: Sequence[int]) -> str:
    if not wave_ids:
        return _("every wave")
    return ", ".join(Wave.objects.filter(pk__in=wave_ids).values_list("name", flat=True))


def rescore_batch(
    run_id: int, *, rules: ScoringRules, batch_size: int = BATCH_SIZE
) -> BatchOutcome:
    """Recompute the next `batch_size` pairs of the run, in one transaction, and move its
    cursor past them. Returns what was done; no pairs means the run has nothing left."""
    with rules.codebook.forgetting_on_failure():
        return _rescore_batch(run_id, rules, batch_size)


def _rescore_batch(run_id: int, rules: ScoringRules, batch_size: int) -> BatchOutcome:
    with transaction.atomic():
        # The run's row lock: two workers on one run take batches in turn, never the same one.
        run = RescoreRun.objects.select_for_update().get(pk=run_id)
        if run.status != RescoreRun.Status.RUNNING:
            return BatchOutcome(0, 0, 0)
        after = Q(child_id__gt=run.last_child_id) | Q(
            child_id=run.last_child_id, wave_id__gt=run.last_wave_id
        )
        from_assessments, from_profiles = _pair_querysets(run.wave_ids, after)
        in_order = ("child_id", "wave_id")
        pairs = sorted(
            {
                *from_assessments.order_by(*in_order)[:batch_size],
                *from_profiles.order_by(*in_order)[:batch_size],
            }
        )[:batch_size]
        if not pairs:
            return BatchOutcome(0, 0, 0)
        child_ids = sorted({child_id for child_id, _wave_id in pairs})
        wave_ids = sorted({wave_id for _child_id, wave_id in pairs})
        # The lock `assessment_save` takes, so that an assessment sent meanwhile is not
        # overwritten by a profile computed from the answers before it. (SQLite has no row
        # locks: a writer there holds the whole database until it commits.)
        if connection.features.has_select_for_update:
            list(
                Child.objects.select_for_update()
                .filter(pk__in=child_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        wanted = set(pairs)
        # By the batch's child ids, not by status: SQLite then reads them through the
        # (child, wave) index rather than every assessment of the wave (a range of ids, or the
        # status, made it pick the (wave, status) index: a whole wave read for every batch).
        # The child's other waves may lie outside the batch: read them, then drop them.
        in_batch = Q(child_id__in=child_ids, wave_id__in=wave_ids)
        rows = _plain_rows(
            Assessment.objects.order_by().filter(in_batch).values_list(*_assessment_columns())
        )
        counting = {str(status) for status in COUNTING}
        rows = [row for row in rows if (row[0], row[1]) in wanted and row[_STATUS] in counting]
        rows.sort(key=_IN_PROFILE_ORDER)
        existing = {
            (row[_CHILD], row[_WAVE]): row
            for row in _plain_rows(
                RiskProfile.objects.order_by().filter(in_batch).values_list(*PROFILE_READS)
            )
        }
        waves = {w.pk: w for w in Wave.objects.filter(pk__in=wave_ids)}
        answered_with = {row[5] for row in rows}
        if not answered_with <= rules.answered.keys():
            rules = ScoringRules.load()  # a version published during the run
        with _no_cycle_collection():
            plan = _plan(pairs, rows, existing, waves, rules)
        if plan.created:
            RiskProfile.objects.bulk_create(plan.created)
            for profile in plan.created:  # as it will be read
                _mark, version_id, records = profile.details
                profile.details = _full_details(version_id, records)
        if plan.updated:
            _update_profiles(plan.updated)
        if plan.deleted:
            RiskProfile.objects.filter(pk__in=plan.deleted).delete()
        run.last_child_id, run.last_wave_id = pairs[-1]
        run.done += len(pairs)
        run.changed += len(plan.created) + len(plan.updated)
        run.deleted += len(plan.deleted)
        run.save(update_fields=["last_child_id", "last_wave_id", "done", "changed", "deleted"])
        # Only profiles that are new or whose levels moved: an unchanged one gives a listener
        # nothing new to act on (cases proposes a case when a profile turns high or urgent).
        if plan.announce:
            children = Child.objects.only(*CHILD_READS).in_bulk(
                {profile.child_id for profile in plan.announce}
            )
            for profile in plan.announce:
                profile.child = children[profile.child_id]
                profile_scored.send(sender=RiskProfile, profile=profile)
    return BatchOutcome(len(pairs), len(plan.created) + len(plan.updated), len(plan.deleted))


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a batch is scored: scoring makes some hundred
    thousand short-lived objects (answers, columns, text) with no reference cycles, and the
    collector's passes over every live object took a tenth of a rescore. Reference counting
    still frees them; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain_rows(queryset) -> list[tuple]:
    """A values_list query's rows as the database driver gives them, without Django's
    per-value converters (a fifth of the time of reading a batch): ids, text, numbers and
    booleans (0/1 on SQLite, which compare equal to False/True) need none, and `_entry` reads
    the two dates itself."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _decode_answers(texts: list[str]) -> list[dict]:
    """Every answer of a batch decoded in one call (a quarter faster than one call per row),
    with orjson (three times faster than the standard library's decoder). orjson refuses
    what the standard library reads (NaN, whole numbers beyond 64 bits, lone surrogates);
    such a batch is decoded by the standard library, as Django would have."""
    joined = "[" + ",".join(texts) + "]"
    try:
        return orjson.loads(joined)
    except orjson.JSONDecodeError:
        return json.loads(joined)


_DATES: dict[str, dt.date] = {}


def _date(value: dt.date | str) -> dt.date:
    """A date column's value: a date (PostgreSQL), or its ISO text (SQLite)."""
    if isinstance(value, str):
        found = _DATES.get(value)
        if found is None:
            if len(_DATES) > 100_000:
                _DATES.clear()
            found = _DATES[value] = dt.date.fromisoformat(value)
        return found
    return value


# A stored profile as read for comparing: the cheap columns, and the details as the JSON text
# the database holds (decoding it took a sixth of a rescore; text is compared as it is).
PROFILE_READS = [
    "id",
    "child_id",
    "wave_id",
    "instrument_version_id",
    *DOMAINS,
    "overall",
    "urgent",
    "discordant",
    "assessment_count",
    Cast("details", TextField()),
]
_ID, _CHILD, _WAVE, _VERSION = 0, 1, 2, 3
_COMPARED = [(4 + index, name) for index, name in enumerate([*DOMAINS, "overall", "urgent"])]
# The stored levels and urgent flag as one slice, and the same fresh columns as one tuple.
_STORED_LEVELS = slice(_COMPARED[0][0], _COMPARED[-1][0] + 1)
_FRESH_LEVELS = itemgetter(*(name for _index, name in _COMPARED))
_DISCORDANT, _COUNT, _DETAILS = 4 + len(DOMAINS) + 2, 4 + len(DOMAINS) + 3, 4 + len(DOMAINS) + 4


def _update_profiles(updated: Sequence[tuple[tuple, dict]]) -> None:
    """Write the derived columns of these (stored row, fresh columns) back, the details as the
    JSON text already made. Django's bulk_update builds a CASE WHEN per field holding every
    profile, which took three quarters of a rescore's time and, on SQLite, 8 statements per
    batch of 500. On SQLite: one UPDATE per set of changed indexed columns, each sent once per
    profile in a single executemany call (the statement is prepared once); a level column is
    set only where it changed, since SQLite rewrites an index entry for every column a
    statement sets, changed or not (half the cost of a write). On PostgreSQL: one UPDATE for
    the whole batch, its values given as arrays (`unnest`): Django's driver sends each
    executemany statement as text, so the server parsed and planned every profile's UPDATE
    again, half of its time in a rescore. (PostgreSQL leaves an index alone when its column's
    value is the same.)"""
    computed_at = RiskProfile._meta.get_field("computed_at")
    now = computed_at.get_db_prep_save(timezone.now(), connection)
    if connection.vendor == "postgresql":
        _update_profiles_postgresql(updated, now)
        return
    quote = connection.ops.quote_name
    table, pk_column = quote(RiskProfile._meta.db_table), quote(RiskProfile._meta.pk.column)
    by_changed: dict[tuple[str, ...], list[list]] = defaultdict(list)
    for stored, columns in updated:
        fresh = {name: _stored_form(name, columns[name]) for name in DERIVED}
        changed = tuple(name for index, name in _INDEXED if stored[index] != fresh[name])
        by_changed[changed].append(
            [*(fresh[name] for name in (*changed, *_ALWAYS_WRITTEN)), now, stored[_ID]]
        )
    with connection.cursor() as cursor:
        for changed, rows in by_changed.items():
            assignments = ", ".join(
                f"{quote(RiskProfile._meta.get_field(name).column)} = %s"
                for name in (*changed, *_ALWAYS_WRITTEN, "computed_at")
            )
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s", rows)


# The indexed columns a rescore may change, by their place in a `PROFILE_READS` row; the rest
# of `DERIVED` is written every time.
_INDEXED = [(_VERSION, "instrument_version"), *_COMPARED]
_ALWAYS_WRITTEN = tuple(name for name in DERIVED if name not in dict(map(reversed, _INDEXED)))


def _stored_form(name: str, value):
    """A fresh column's value as it is written (the version as its id)."""
    return value.pk if name == "instrument_version" else value


def _update_profiles_postgresql(updated: Sequence[tuple[tuple, dict]], now) -> None:
    fields = [RiskProfile._meta.get_field(name) for name in DERIVED]
    by_column = [
        [_stored_form(f.name, columns[f.name]) for _stored, columns in updated] for f in fields
    ]
    ids = [stored[_ID] for stored, _columns in updated]
    quote = connection.ops.quote_name
    table, pk_column = quote(RiskProfile._meta.db_table), quote(RiskProfile._meta.pk.column)
    computed_at = RiskProfile._meta.get_field("computed_at")
    types = ["text" if f.name == "details" else f.db_type(connection) for f in fields]
    assignments = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}{'::jsonb' if f.name == 'details' else ''}"
        for f in fields
    )
    arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
    aliases = ", ".join(quote(f.column) for f in fields)
    sql = (
        f"UPDATE {table} AS p SET {assignments}, {quote(computed_at.column)} = %s "
        f"FROM unnest({arrays}, %s::bigint[]) AS v({aliases}, id) WHERE p.{pk_column} = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *by_column, ids])


@dataclass
class _Plan:
    created: list[RiskProfile] = field(default_factory=list)
    updated: list[tuple[tuple, dict]] = field(default_factory=list)  # (stored row, columns)
    deleted: list[int] = field(default_factory=list)
    announce: list[RiskProfile] = field(default_factory=list)


def _plan(
    pairs: Sequence[tuple[int, int]],
    rows: Sequence[tuple],
    existing: dict[tuple[int, int], tuple],
    waves: dict[int, Wave],
    rules: ScoringRules,
) -> _Plan:
    """The profiles to create, update and delete, and to announce. `rows` are the batch's
    counting assessments, a profile's next to one another in the order they are combined.

    The whole batch is scored at once from the answers' codes (`CodedScorer`, the same results
    as `profile_fields`), one call per instrument version in force, with which rules fired
    written as JSON text in the database's own form, so that a stored profile is compared as
    text. Queries only where answers have no codes yet (they are stored) or a rule reads an
    answer that has none."""
    plan = _Plan()
    answers = _Answers(rows, rules.codebook)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    start = 0
    for pair, group in groupby(rows, key=itemgetter(0, 1)):
        end = start + sum(1 for _row in group)
        spans[pair] = (start, end)
        start = end
    versions: dict[frozenset[int], InstrumentVersion] = {}  # answered with -> scored with
    by_version: dict[int, tuple[InstrumentVersion, list, list]] = {}
    for pair in pairs:
        span = spans.get(pair)
        if span is None:
            if pair in existing:
                plan.deleted.append(existing[pair][_ID])
            continue
        answered_with = frozenset(row[5] for row in rows[span[0] : span[1]])
        version = versions.get(answered_with)
        if version is None:
            version = versions[answered_with] = rules.version_for(answered_with)
        group = by_version.setdefault(version.pk, (version, [], []))
        group[1].append(pair)
        group[2].append(span)
    jsonb = connection.vendor == "postgresql"
    kinds: dict[str, str] = {}  # respondent -> its translated kind, looked up once a batch
    for version, version_pairs, version_spans in by_version.values():
        at = [row for first, end in version_spans for row in range(first, end)]
        group_rows = [rows[row] for row in at]
        counts = [end - first for first, end in version_spans]
        respondents = [row[3] for row in group_rows]
        informants = [_informant(row, kinds) for row in group_rows]
        summaries = rules.scorer(version).summarise(
            CodedBatch(
                profile_of=np.repeat(np.arange(len(counts)), counts),
                profiles=len(counts),
                respondents=respondents,
                informants=informants,
                codes=answers.codes(at),
                contexts=_child_facts(group_rows),
                answers_of=lambda within, at=at: answers.of([at[row] for row in within.tolist()]),
            )
        )
        ranks, overall = summaries.ranks.tolist(), summaries.overall.tolist()
        urgent, discordant = summaries.urgent.tolist(), summaries.discordant.tolist()
        first = 0
        for number, (pair, count) in enumerate(zip(version_pairs, counts, strict=True)):
            records = [
                (informants[row], respondents[row], summaries.fired[row], summaries.covered[row])
                for row in range(first, first + count)
            ]
            first += count
            columns = {
                domain: LEVELS[rank] if rank >= 0 else ""
                for domain, rank in zip(DOMAINS, ranks[number], strict=True)
            }
            columns.update(
                instrument_version=version,
                overall=LEVELS[overall[number]] if overall[number] >= 0 else "",
                urgent=urgent[number],
                discordant=discordant[number],
                details=fired_text(version.pk, records, jsonb=jsonb),
                assessment_count=count,
            )
            _plan_one(plan, pair, columns, existing, waves, records)
    return plan


class _Answers:
    """A batch's answers: their codes, made and stored where an assessment has none yet, and
    their JSON, read only where it is needed."""

    def __init__(self, rows: Sequence[tuple], codebook: Codebook) -> None:
        self._rows = rows
        self._codebook = codebook
        self._decoded: dict[int, dict] = {}  # by assessment id
        self._codes: list[bytes] = [row[_CODES] for row in rows]
        missing = [at for at, row in enumerate(rows) if row[_CODES] is None]
        if missing:
            self._make_codes(missing)

    def codes(self, at: Sequence[int]) -> list[bytes]:
        return [self._codes[row] for row in at]

    def of(self, at: Sequence[int]) -> list[dict]:
        """The answers of these rows, read in one query where they are not read yet."""
        ids = [self._rows[row][_ASSESSMENT] for row in at]
        unread = [pk for pk in ids if pk not in self._decoded]
        if unread:
            self._read(unread)
        return [self._decoded[pk] for pk in ids]

    def _read(self, ids: Sequence[int]) -> list[str]:
        texts = dict(
            _plain_rows(
                Assessment.objects.order_by()
                .filter(pk__in=ids)
                .values_list("id", Cast("answers", TextField()))
            )
        )
        ordered = [texts[pk] for pk in ids]
        self._decoded.update(zip(ids, _decode_answers(ordered), strict=True))
        return ordered

    def _make_codes(self, missing: Sequence[int]) -> None:
        """Code the answers of these rows, storing new terms first, and store the codes. The
        codes are stored only where the answers are still those read (another writer may have
        changed them since; their codes are then made again next time)."""
        ids = [self._rows[row][_ASSESSMENT] for row in missing]
        texts = self._read(ids)
        decoded = [self._decoded[pk] for pk in ids]
        new = self._codebook.missing(decoded)
        if new:
            AnswerTerm.objects.bulk_create(
                [AnswerTerm(text=text) for text in sorted(new)], ignore_conflicts=True
            )
            self._codebook.add(AnswerTerm.objects.filter(text__in=new).values_list("id", "text"))
        blobs = [self._codebook.encode(answers) for answers in decoded]
        for row, blob in zip(missing, blobs, strict=True):
            self._codes[row] = blob
        quote = connection.ops.quote_name
        # As read: the text of the answers (jsonb's `=` would take 1 and 1.0 as the same).
        answers = "answers::text" if connection.vendor == "postgresql" else quote("answers")
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(Assessment._meta.db_table)} SET {quote('answer_codes')} = %s "
                f"WHERE {quote('id')} = %s AND {quote('answer_codes')} IS NULL "
                f"AND {answers} = %s",
                list(zip(blobs, ids, texts, strict=True)),
            )


def _child_facts(rows: Sequence[tuple]) -> dict[str, list]:
    """`child_facts_of` for each row, as columns: the ages worked out once per number of
    days."""
    born = np.array([row[7] for row in rows], dtype="datetime64[D]")
    assessed = np.array([row[4] for row in rows], dtype="datetime64[D]")
    days, index = np.unique((assessed - born).astype(np.int64), return_inverse=True)
    ages = [child_age_months(number) for number in days.tolist()]
    return {
        "child_age_months": [ages[at] for at in index.reshape(-1).tolist()],
        "child_sex": [row[8] for row in rows],
        "child_csg": [row[9] for row in rows],
    }


def _informant(row: tuple, kinds: dict[str, str]) -> str:
    """Who answered an `ASSESSMENT_COLUMNS` row, as `Questionnaire.of` names them."""
    respondent = row[3]
    kind = kinds.get(respondent)
    if kind is None:
        kind = kinds[respondent] = respondent_kind(respondent)
    caregiver_id, caregiver_first, caregiver_last = row[10:13]
    staff_id, staff_first, staff_last = row[13:16]
    if caregiver_id:
        return f"{kind} ({caregiver_first} {caregiver_last})"  # Caregiver.__str__
    if staff_id:
        return f"{kind} ({f'{staff_first} {staff_last}'.strip()})"  # User.get_full_name
    return kind


def _plan_one(
    plan: _Plan,
    pair: tuple[int, int],
    columns: dict,
    existing: dict[tuple[int, int], tuple],
    waves: dict[int, Wave],
    records: list,
) -> None:
    stored = existing.get(pair)
    if stored is None:
        # Stored as which rules fired (Django writes the same text as `fired_text`); the
        # listeners are given the full details, as the profile will be read.
        version_id = columns["instrument_version"].pk
        profile = RiskProfile(
            child_id=pair[0],
            wave=waves[pair[1]],
            **{**columns, "details": fired_value(version_id, records)},
        )
        plan.created.append(profile)
        plan.announce.append(profile)
        return
    if not _differs(stored, columns):
        return
    plan.updated.append((stored, columns))
    if stored[_STORED_LEVELS] != _FRESH_LEVELS(columns):
        profile = RiskProfile(
            id=stored[_ID],
            child_id=pair[0],
            wave=waves[pair[1]],
            computed_at=timezone.now(),
            **{**columns, "details": None},
        )
        profile.details = _full_details(columns["instrument_version"].pk, records)
        profile._state.adding, profile._state.db = False, connection.alias
        plan.announce.append(profile)


def _full_details(version_id: int, records: list) -> dict:
    return details_from_fired(
        fired_value(version_id, records), jsonb=connection.vendor == "postgresql"
    )


def _differs(stored: tuple, columns: dict) -> bool:
    """Whether a stored profile's row differs from freshly computed columns; the cheap
    columns first, then the details' JSON text (made in the form the database keeps)."""
    if stored[_VERSION] != columns["instrument_version"].pk:
        return True
    if stored[_COUNT] != columns["assessment_count"]:
        return True
    if stored[_DISCORDANT] != columns["discordant"]:
        return True
    if stored[_STORED_LEVELS] != _FRESH_LEVELS(columns):  # 0/1 equal False/True, as on SQLite
        return True
    return stored[_DETAILS] != columns["details"]


ProgressReport = Callable[[RescoreRun], None]


def rescore_run(
    run_id: int, *, batch_size: int = BATCH_SIZE, progress: ProgressReport | None = None
) -> RescoreRun:
    """Work through a run to its end, batch by batch (the function a worker task calls).
    `progress` is told the run after every batch. Returns the finished run."""
    rules = ScoringRules.load()
    while rescore_batch(run_id, rules=rules, batch_size=batch_size).pairs:
        if progress is not None:
            progress(RescoreRun.objects.get(pk=run_id))
    return rescore_finish(run_id)


def rescore_finish(run_id: int) -> RescoreRun:
    """Mark a run whose batches are all done as finished, with one audit entry (once: a run
    already finished or abandoned is returned as it is)."""
    with transaction.atomic():
        run = RescoreRun.objects.select_for_update().get(pk=run_id)
        if run.status == RescoreRun.Status.RUNNING:
            run.status, run.finished_at = RescoreRun.Status.FINISHED, timezone.now()
            run.save(update_fields=["status", "finished_at"])
            audit_record(
                action=AuditEntry.Action.CHANGE,
                actor_name="rescore",
                object_type="risk_profiles",
                object_id=run.pk,
                detail={
                    "waves": run.wave_ids or "all",
                    "recomputed": run.done,
                    "changed": run.changed,
                    "deleted": run.deleted,
                },
            )
    return run


def rescore(*, waves: Iterable[Wave] | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Recompute every profile of these waves (none: all) from start to end, continuing an
    unfinished run for the same waves; returns how many profiles exist for them afterwards."""
    run = rescore_run(rescore_start(waves=waves).pk, batch_size=batch_size)
    return run.done - run.deleted
