"""Recompute many risk profiles at once: `cwtt rescore`, after a new instrument version.

A run walks the (child, wave) pairs that have a counting assessment or a profile, in
(child id, wave id) order, a batch at a time. Each batch reads its assessments and its stored
profiles as one range of pairs in two plain SQL queries, scores them all at once from the
answers' codes (`CodedScorer`: column by column, the same results as scoring one at a time;
codes are made and stored where missing), writes only the profiles that changed (bulk_create,
one executemany UPDATE or, on PostgreSQL, one UPDATE over arrays; a profile whose assessments
are all gone is deleted) and moves the run's cursor, all in one transaction. So the queries per
batch do not grow with the batch, every profile is computed once, and after a crash the next
run continues after the last committed batch.

Everything takes only a run id, so a background worker can do the work: a task calls
`rescore_run(run_id)` (the whole run; the command line calls the same), or does one
`rescore_batch` and queues itself again until it returns no pairs, then `rescore_finish`.
A task that dies is simply queued again with the same id. A profile is stored with which rules
fired rather than its details written out (`profile_details.py`; read back as the same
details). See docs/decisions/0037-batched-resumable-rescoring.md, 0039-vectorised-rescoring.md,
0060-profiles-store-which-rules-fired.md, 0070-answer-codes.md and
0071-rescore-at-20000-a-cpu-second.md.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from operator import itemgetter

import numpy as np
import orjson
import psycopg
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.instruments.actions import batch_scorer_for
from cwtt.instruments.engine.coded import Codebook, CodedBatch, CodedScorer, CodedSummaries
from cwtt.instruments.engine.definition import DOMAINS, LEVELS
from cwtt.instruments.models import InstrumentVersion
from cwtt.registry.models import Caregiver, Child, Staff

from .actions import CHILD_FACTS, COUNTING, child_age_months
from .models import AnswerTerm, Assessment, RescoreRun, RiskProfile, Wave, respondent_kind
from .profile_details import FiredTexts, details_from_fired, fired_value
from .signals import profile_scored

# Pairs per batch (one transaction): large enough that the work each batch does once (its
# queries, each rule's NumPy steps) is a small part of it (per profile: 4000 took 58 µs, 1000
# took 65), small enough that a batch holds its locks for about a quarter of a second.
BATCH_SIZE = 4000

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
# Which of a profile's columns are indexed: SQLite rewrites an index entry for every column an
# UPDATE sets, changed or not, so a rescore sets these only where they changed.
_INDEXED = [*DOMAINS, "instrument_version", "overall", "urgent"]
_ALWAYS_WRITTEN = [name for name in DERIVED if name not in _INDEXED]

# What a case proposal reads of the child of a profile that is announced.
CHILD_READS = ["date_of_birth", "sex", "grant_status", "status", "school"]


class RescoreRefused(Exception):
    """A rescore cannot start as asked; the message says what to do instead."""


@dataclass(frozen=True)
class BatchOutcome:
    pairs: int
    changed: int
    deleted: int


def _pairs_sql(
    model: type[Assessment] | type[RiskProfile],
    wave_ids: Sequence[int],
    after: tuple[int, int] | None = None,
) -> tuple[str, list]:
    """The (child id, wave id) pairs a rescore recomputes, as they stand in one table: those
    with a counting assessment, or those with a profile; in these waves (none: all), after
    `after`. Read from the table's (child, wave) index alone."""
    where, params = ["1 = 1"], []
    if after is not None:
        where.append("(t.child_id, t.wave_id) > (%s, %s)")
        params += after
    if wave_ids:
        where.append(f"t.wave_id IN ({_placeholders(wave_ids)})")
        params += wave_ids
    if model is Assessment:
        where.append(f"t.status IN ({_placeholders(_COUNTING)})")
        params += _COUNTING
    table = connection.ops.quote_name(model._meta.db_table)
    return (
        f"SELECT DISTINCT t.child_id, t.wave_id FROM {table} t WHERE {' AND '.join(where)}",
        params,
    )


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


# The statuses of a counting assessment, as stored.
_COUNTING = [str(status) for status in COUNTING]


def pairs_to_rescore(wave_ids: Sequence[int] = ()) -> int:
    """How many (child, wave) pairs a rescore of these waves (none: all) would recompute."""
    from_assessments, assessment_params = _pairs_sql(Assessment, wave_ids)
    from_profiles, profile_params = _pairs_sql(RiskProfile, wave_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM ({from_assessments} UNION {from_profiles}) AS pairs",
            [*assessment_params, *profile_params],
        )
        return cursor.fetchone()[0]


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
    with rules.codebook.forgetting_on_failure(), _no_cycle_collection():
        return _rescore_batch(run_id, rules, batch_size)


def _rescore_batch(run_id: int, rules: ScoringRules, batch_size: int) -> BatchOutcome:
    with transaction.atomic():
        # The run's row lock: two workers on one run take batches in turn, never the same one.
        run = RescoreRun.objects.select_for_update().get(pk=run_id)
        if run.status != RescoreRun.Status.RUNNING:
            return BatchOutcome(0, 0, 0)
        pairs = _next_pairs((run.last_child_id, run.last_wave_id), run.wave_ids, batch_size)
        if not pairs:
            return BatchOutcome(0, 0, 0)
        # The batch is every pair after the run's cursor up to its last pair, read as a range.
        between = _Range((run.last_child_id, run.last_wave_id), pairs[-1], run.wave_ids)
        # The lock `assessment_save` takes, so that an assessment sent meanwhile is not
        # overwritten by a profile computed from the answers before it. (SQLite has no row
        # locks: a writer there holds the whole database until it commits.)
        if connection.features.has_select_for_update:
            list(
                Child.objects.select_for_update()
                .filter(pk__gte=pairs[0][0], pk__lte=pairs[-1][0])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        if connection.vendor == "postgresql":
            # Room to sort a batch's assessments in memory (4 MB by default spills to disk).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        rows = _assessment_rows(between)
        stored = {(row[0], row[1]): row[2:] for row in _stored_profiles(between)}
        answered_with = {row[_VERSION] for row in rows}
        if not answered_with <= rules.answered.keys():
            rules = ScoringRules.load()  # a version published during the run
        plan = _plan(pairs, rows, stored, rules)
        if plan.created or plan.announce:
            waves = Wave.objects.in_bulk({pair[1] for pair in pairs})
            for profile in (*plan.created, *plan.announce):
                profile.wave = waves[profile.wave_id]
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


def _next_pairs(
    after: tuple[int, int], wave_ids: Sequence[int], count: int
) -> list[tuple[int, int]]:
    """The next `count` pairs after `after` (`_pairs_sql`), in order, as plain rows (Django's
    work per row was a tenth of a batch)."""
    found: set[tuple[int, int]] = set()
    for model in (Assessment, RiskProfile):
        sql, params = _pairs_sql(model, wave_ids, after)
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} ORDER BY t.child_id, t.wave_id LIMIT %s", [*params, count])
            found.update(cursor.fetchall())
    return sorted(found)[:count]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused during a batch: reading and scoring it make some hundred
    thousand short-lived objects (rows, columns, text) with no reference cycles, and the
    collector's passes over every live object took a tenth of a rescore. Reference counting
    still frees them; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class _Range:
    """The (child id, wave id) pairs after `after` up to and including `last`, in these waves
    (none: all), as SQL over a table's `child_id` and `wave_id` (its index on them)."""

    after: tuple[int, int]
    last: tuple[int, int]
    wave_ids: Sequence[int]

    def sql(self, table: str) -> tuple[str, list]:
        child, wave = f"{table}.child_id", f"{table}.wave_id"
        # Row values: both databases read them as one range of their (child, wave) index.
        where = f"({child}, {wave}) > (%s, %s) AND ({child}, {wave}) <= (%s, %s)"
        params = [*self.after, *self.last]
        if self.wave_ids:
            where += f" AND {wave} IN ({_placeholders(self.wave_ids)})"
            params += list(self.wave_ids)
        return where, params


# An `_assessment_rows` row.
_CHILD, _WAVE, _RESPONDENT, _VERSION, _CODES, _DAYS, _SEX, _GRANT, _NAMED, _ASSESSMENT = range(10)


def _assessment_rows(between: _Range) -> list[tuple]:
    """The batch's counting assessments as scoring reads them (`actions.Questionnaire`): a
    profile's next to one another, in the order `profile_fields` combines them (assessed on,
    respondent, uuid). Written as SQL, one plain row per assessment: Django's models and
    converters took a fifth of a rescore, and the database works out the child's age in days
    and who answered. The answers are read as their codes (docs/decisions/0070-answer-codes.md);
    their JSON only where needed (`_Answers`)."""
    quote = connection.ops.quote_name
    tables = {
        model: quote(model._meta.db_table) for model in (Assessment, Child, Caregiver, Staff, User)
    }
    if connection.vendor == "postgresql":
        days = "(a.assessed_on - c.date_of_birth)"
        respondent_order = 'a.respondent COLLATE "C"'  # Python's order, whatever the locale
    else:
        days = "CAST(julianday(a.assessed_on) - julianday(c.date_of_birth) AS INTEGER)"
        respondent_order = "a.respondent"
    where, params = between.sql("a")
    sql = (
        "SELECT a.child_id, a.wave_id, a.respondent, a.instrument_version_id, a.answer_codes, "
        f"{days}, c.sex, c.grant_status, "
        # Who answered: 'c' and a caregiver's name, or 's' and a staff member's, or nobody.
        "CASE WHEN a.informant_caregiver_id IS NOT NULL "
        "THEN 'c' || g.first_name || ' ' || g.last_name "
        "WHEN a.informant_staff_id IS NOT NULL THEN 's' || u.first_name || ' ' || u.last_name "
        "END, a.id "
        f"FROM {tables[Assessment]} a JOIN {tables[Child]} c ON c.id = a.child_id "
        f"LEFT JOIN {tables[Caregiver]} g ON g.id = a.informant_caregiver_id "
        f"LEFT JOIN {tables[Staff]} s ON s.id = a.informant_staff_id "
        f"LEFT JOIN {tables[User]} u ON u.id = s.user_id "
        f"WHERE {where} AND a.status IN ({_placeholders(_COUNTING)}) "
        f"ORDER BY a.child_id, a.wave_id, a.assessed_on, {respondent_order}, a.uuid"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *_COUNTING])
        return cursor.fetchall()


def _stored_profiles(between: _Range) -> list[tuple]:
    """The batch's stored profiles: (child id, wave id, profile id, its `DERIVED` columns as one
    text, joined by '|', flags as 1 or 0 and the details as the JSON text the database keeps),
    so that a profile is read as one value and compared with fresh columns in one comparison."""
    quote = connection.ops.quote_name
    table = quote(RiskProfile._meta.db_table)
    parts = []
    for name in DERIVED:
        column = f"p.{quote(RiskProfile._meta.get_field(name).column)}"
        if name in {"urgent", "discordant"}:
            parts.append(f"CASE WHEN {column} THEN '1' ELSE '0' END")
        else:
            parts.append(f"CAST({column} AS TEXT)")
    where, params = between.sql("p")
    packed = " || '|' || ".join(parts)
    sql = f"SELECT p.child_id, p.wave_id, p.id, {packed} FROM {table} p WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _unpacked(packed: str) -> list[str]:
    """A stored profile's text split back into its columns (the details may hold a '|')."""
    parts = packed.split("|", len(DERIVED) - 2)
    details, count = parts[-1].rsplit("|", 1)  # the count after the details
    return [*parts[:-1], details, count]


def _plain_rows(queryset) -> list[tuple]:
    """A values_list query's rows as the database driver gives them, without Django's
    per-value converters."""
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


def _update_profiles(updated: Sequence[tuple[int, list[str], tuple[str, ...]]]) -> None:
    """Write these (profile id, fresh `DERIVED` columns as text, which indexed ones changed) back, the
    details as the JSON text already made. Django's bulk_update builds a CASE WHEN per field
    holding every profile, which took three quarters of a rescore's time. On SQLite: one
    UPDATE per set of changed indexed columns, each sent once per profile in a single
    executemany call (the statement is prepared once), an indexed column set only where it
    changed (`_INDEXED`). On PostgreSQL: one UPDATE for the whole batch, its values given as
    arrays (`unnest`): Django's driver sends each executemany statement as text, so the server
    parsed and planned every profile's UPDATE again, half of its time in a rescore.
    (PostgreSQL leaves an index alone when its column's value is the same.)"""
    computed_at = RiskProfile._meta.get_field("computed_at")
    now = computed_at.get_db_prep_save(timezone.now(), connection)
    quote = connection.ops.quote_name
    table, pk_column = quote(RiskProfile._meta.db_table), quote(RiskProfile._meta.pk.column)
    if connection.vendor == "postgresql":
        _update_profiles_postgresql(updated, now)
        return
    by_changed: dict[tuple[str, ...], list[list]] = defaultdict(list)
    for pk, text, changed in updated:
        by_changed[changed].append(
            [*(_written(text, name) for name in (*changed, *_ALWAYS_WRITTEN)), now, pk]
        )
    with connection.cursor() as cursor:
        for changed, rows in by_changed.items():
            assignments = ", ".join(
                f"{quote(RiskProfile._meta.get_field(name).column)} = %s"
                for name in (*changed, *_ALWAYS_WRITTEN, "computed_at")
            )
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s", rows)


def _written(text: list[str], name: str) -> object:
    """A `DERIVED` column's value to write, from the columns' text."""
    value = text[_AT[name]]
    convert = _FROM_TEXT.get(name)
    return value if convert is None else convert(value)


def _update_profiles_postgresql(updated: Sequence[tuple[int, list[str], tuple]], now) -> None:
    fields = [RiskProfile._meta.get_field(name) for name in DERIVED]
    by_column = [[_written(text, f.name) for _pk, text, _c in updated] for f in fields]
    ids = [pk for pk, _columns, _changed in updated]
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
    _execute_with_columns(sql, [now, *by_column, ids])


def _execute_with_columns(sql: str, params: list) -> None:
    """On PostgreSQL: run a statement whose parameters are whole columns (arrays), sent apart
    from the SQL in psycopg's binary format. Django's cursor writes every parameter into the
    SQL text (psycopg's client-side binding), escaping each element of an array with a regular
    expression in Python: for a batch's answers and details, most of a rescore's time. It runs
    on Django's connection, in its transaction (it is not in Django's list of queries)."""
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql.replace("%s", "%b"), params)


@dataclass
class _Plan:
    created: list[RiskProfile] = field(default_factory=list)
    updated: list[tuple[int, list[str], tuple[str, ...]]] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    announce: list[RiskProfile] = field(default_factory=list)


# A level's text by rank, -1 (no level) last: a stored level is "" then; a flag's text.
_LEVEL_TEXT = np.array([*LEVELS, ""], dtype=object)
_FLAG_TEXT = np.array(["0", "1"], dtype=object)


def _plan(
    pairs: Sequence[tuple[int, int]],
    rows: Sequence[tuple],
    stored: dict[tuple[int, int], tuple[int, str]],
    rules: ScoringRules,
) -> _Plan:
    """The profiles to create, update and delete, and to announce. `rows` are the batch's
    counting assessments (`_assessment_rows`), `stored` its stored profiles by pair.

    The whole batch is scored at once from the answers' codes (`CodedScorer`, the same results
    as `profile_fields`), one call per instrument version in force, with which rules fired
    written as JSON text in the database's own form, so that a stored profile is compared as
    text. Queries only where answers have no codes yet (they are stored) or a rule reads an
    answer that has none."""
    plan = _Plan()
    answers = _Answers(rows, rules.codebook)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    start = 0
    for pair, group in groupby(rows, key=itemgetter(_CHILD, _WAVE)):
        end = start + sum(1 for _row in group)
        spans[pair] = (start, end)
        start = end
    versions: dict[frozenset[int], InstrumentVersion] = {}  # answered with -> scored with
    by_version: dict[int, tuple[InstrumentVersion, list, list]] = {}
    for pair in pairs:
        span = spans.get(pair)
        if span is None:
            if pair in stored:
                plan.deleted.append(stored[pair][0])
            continue
        answered_with = frozenset(row[_VERSION] for row in rows[span[0] : span[1]])
        version = versions.get(answered_with)
        if version is None:
            version = versions[answered_with] = rules.version_for(answered_with)
        group = by_version.setdefault(version.pk, (version, [], []))
        group[1].append(pair)
        group[2].append(span)
    texts = FiredTexts(jsonb=connection.vendor == "postgresql")
    informants_known: dict[tuple[str, str | None], str] = {}
    for version, version_pairs, version_spans in by_version.values():
        at = [row for first, end in version_spans for row in range(first, end)]
        group_rows = [rows[row] for row in at]
        counts = [end - first for first, end in version_spans]
        respondents = [row[_RESPONDENT] for row in group_rows]
        informants = [_informant(row, informants_known) for row in group_rows]
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
        records = list(
            map(texts.record, informants, respondents, summaries.fired, summaries.covered)
        )
        levels = _LEVEL_TEXT[summaries.ranks].tolist()
        overall = _LEVEL_TEXT[summaries.overall].tolist()
        urgent = _FLAG_TEXT[summaries.urgent.astype(np.intp)].tolist()
        discordant = _FLAG_TEXT[summaries.discordant.astype(np.intp)].tolist()
        version_text = str(version.pk)
        first = 0
        for number, (pair, count) in enumerate(zip(version_pairs, counts, strict=True)):
            text = [
                *levels[number],
                version_text,
                overall[number],
                urgent[number],
                discordant[number],
                texts.profile(version.pk, records[first : first + count]),
                str(count),
            ]
            found = stored.get(pair)
            if found is None or found[1] != "|".join(text):
                _plan_one(
                    plan,
                    pair,
                    text,
                    found,
                    partial(_records, informants, respondents, summaries, first, count),
                )
            first += count
    return plan


def _plan_one(
    plan: _Plan,
    pair: tuple[int, int],
    text: list[str],
    found: tuple[int, str] | None,
    records: Callable[[], list],
) -> None:
    """A profile that is new, or whose stored columns differ from the fresh ones (`text`, as
    `_stored_profiles` reads them)."""
    if found is None:
        # Stored as which rules fired (Django writes the same text as `fired_text`); the
        # listeners are given the full details, as the profile will be read.
        profile = _profile(pair, text)
        profile.details = fired_value(profile.instrument_version_id, records())
        plan.created.append(profile)
        plan.announce.append(profile)
        return
    profile_id, packed = found
    if packed.startswith(_indexed_prefix(text)):  # only what is not indexed changed
        plan.updated.append((profile_id, text, ()))
        return
    stored = _unpacked(packed)
    plan.updated.append(
        (profile_id, text, tuple(name for at, name in _INDEXED_AT if text[at] != stored[at]))
    )
    if any(text[at] != stored[at] for at in _MOVED_AT):
        profile = _profile(pair, text)
        profile.id, profile.computed_at = profile_id, timezone.now()
        profile.details = _full_details(profile.instrument_version_id, records())
        profile._state.adding, profile._state.db = False, connection.alias
        plan.announce.append(profile)


def _profile(pair: tuple[int, int], text: list[str]) -> RiskProfile:
    """A profile of a pair with these `DERIVED` columns (as text)."""
    columns = {name: _written(text, name) for name in DERIVED}
    return RiskProfile(
        child_id=pair[0],
        wave_id=pair[1],
        instrument_version_id=columns.pop("instrument_version"),
        **columns,
    )


def _records(
    informants: Sequence[str],
    respondents: Sequence[str],
    summaries: CodedSummaries,
    first: int,
    count: int,
) -> list[tuple]:
    """A profile's `ProfileSummary.records` (its questionnaires are `first` and the next)."""
    return [
        (informants[at], respondents[at], summaries.fired[at], summaries.covered[at])
        for at in range(first, first + count)
    ]


def _flag(text: str) -> bool:
    return text == "1"


# What a `DERIVED` column's text is turned into to be written (the others are text).
_FROM_TEXT: dict[str, Callable[[str], object]] = {
    "instrument_version": int,
    "urgent": _flag,
    "discordant": _flag,
    "assessment_count": int,
}


# Where the indexed columns, and the levels other parts react to, are in a `DERIVED` row.
_AT = {name: at for at, name in enumerate(DERIVED)}
_INDEXED_AT = [(DERIVED.index(name), name) for name in _INDEXED]
_MOVED_AT = [DERIVED.index(name) for name in (*DOMAINS, "overall", "urgent")]
assert DERIVED[: len(_INDEXED)] == [*DOMAINS, "instrument_version", "overall", "urgent"]


def _indexed_prefix(text: list[str]) -> str:
    """The start of a stored profile's text that holds its indexed columns (`DERIVED` lists
    them first), the levels among them."""
    return "|".join(text[: len(_INDEXED)]) + "|"


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
        # Terms another worker on the run stored since this codebook was read: read them too.
        highest = np.frombuffer(b"".join(self._codes), dtype="<i4").max(initial=0)
        if highest > codebook.highest:
            codebook.add(
                AnswerTerm.objects.filter(pk__gt=codebook.highest).values_list("id", "text")
            )

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
        table = connection.ops.quote_name(Assessment._meta.db_table)
        # Compared as read: the answers' text (jsonb's `=` takes 1 and 1.0 as the same).
        # PostgreSQL: one statement for the batch (see `_update_profiles`).
        if connection.vendor == "postgresql":
            _execute_with_columns(
                f"UPDATE {table} AS a SET answer_codes = v.codes "
                "FROM unnest(%s::bigint[], %s::bytea[], %s::text[]) AS v(id, codes, answers) "
                "WHERE a.id = v.id AND a.answer_codes IS NULL AND a.answers::text = v.answers",
                [ids, blobs, texts],
            )
        else:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET answer_codes = %s "
                    "WHERE id = %s AND answer_codes IS NULL AND answers = %s",
                    list(zip(blobs, ids, texts, strict=True)),
                )


def _child_facts(rows: Sequence[tuple]) -> dict[str, list]:
    """`child_facts_of` for each row, as columns: each age worked out once per number of
    days."""
    days, index = np.unique(
        np.fromiter((row[_DAYS] for row in rows), dtype=np.int64, count=len(rows)),
        return_inverse=True,
    )
    ages = [child_age_months(number) for number in days.tolist()]
    columns = (
        [ages[at] for at in index.reshape(-1).tolist()],
        [row[_SEX] for row in rows],
        [row[_GRANT] for row in rows],
    )
    return dict(zip(CHILD_FACTS, columns, strict=True))


def _informant(row: tuple, known: dict[tuple[str, str | None], str]) -> str:
    """Who answered an `_assessment_rows` row, as `Questionnaire.of` names them (`known`: the
    batch's informants so far, by respondent and name)."""
    key = (row[_RESPONDENT], row[_NAMED])
    informant = known.get(key)
    if informant is None:
        kind = known.get((key[0], None))
        if kind is None:
            kind = known[key[0], None] = respondent_kind(key[0])
        named = key[1]
        if named is None:
            informant = kind
        elif named[0] == "c":
            informant = f"{kind} ({named[1:]})"  # Caregiver.__str__
        else:
            informant = f"{kind} ({named[1:].strip()})"  # User.get_full_name
        known[key] = informant
    return informant


def _full_details(version_id: int, records: list) -> dict:
    return details_from_fired(
        fired_value(version_id, records), jsonb=connection.vendor == "postgresql"
    )


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
