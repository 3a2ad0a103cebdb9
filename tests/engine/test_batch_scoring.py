"""The batch scorer gives exactly what `Scorer` gives, questionnaire by questionnaire.

`cwtt rescore` scores with `BatchScorer` (columns and NumPy); a child's profile page, an import
and a sent assessment score with `Scorer` (one questionnaire at a time). Both must say the same
thing, word for word: the levels, the reasons and their order, who said what (informant
levels), discordance, the urgent findings, and the details' JSON text in both forms a database
keeps. These tests compare them on the default instrument, with answers of every kind the
engine may meet: unanswered or skipped questions (no key, null, ""), answers of the wrong kind
(a number as text, 1.0 for 1, true, a list where one answer is expected), invalid measure
inputs, several informants (the same person twice, names with accents or quotes) and
informants who disagree.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwtt.instruments.engine.batch import BatchScorer, Entry, jsonb_text
from cwtt.instruments.engine.coded import Codebook, CodedBatch, CodedScorer
from cwtt.instruments.engine.definition import DOMAINS, LEVELS
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.scoring import Scorer

DEFAULT = Path(__file__).parents[2] / "cwtt" / "instruments" / "data" / "cwtt_default.md"
RESPONDENTS = ["caregiver", "teacher", "nurse", "child", "nobody_we_know"]
INFORMANTS = [
    "Caregiver (Grace Williams)",
    "Teacher (Sindisiwe Letsoalo)",
    "Nurse (Thandiwe ǃXóõ-Müller)",
    'Caregiver (Nomsa "Mama" Dlamini)',
    "Teacher",
    "Caregiver (Zoë Ndlovu)\ttab",
]


@pytest.fixture(scope="module")
def definition():
    result = read_instrument(DEFAULT)
    assert result.ok, result.problems
    return result.definition


@pytest.fixture(scope="module")
def scorer(definition):
    return Scorer(definition)


@pytest.fixture(scope="module")
def batch(scorer):
    return BatchScorer(scorer)


def scalar(scorer, profiles):
    return [
        scorer.combine(
            [scorer.score(e.respondent, e.answers, e.context, informant=e.informant) for e in p]
        )
        for p in profiles
    ]


def assert_same(scorer, profiles, batch=None):
    """Every way the batch scorer gives a profile equals `Scorer`'s, for every profile."""
    batch = batch or BatchScorer(scorer)
    expected = scalar(scorer, profiles)
    assert batch.score_profiles(profiles) == expected
    for jsonb, render in ((False, json.dumps), (True, jsonb_text)):
        rows = batch.profile_rows(profiles, jsonb=jsonb)
        for row, result in zip(rows, expected, strict=True):
            assert row.details == render(result.to_dict())
            assert row.levels == {d: r.level for d, r in result.domains.items()}
            assert row.overall == result.overall
            assert row.urgent == result.urgent
            assert row.discordant == bool(result.discordant_domains)
    # What a rescore stores (which rules fired) and the details written from it when read.
    summaries = batch.profile_summaries(profiles)
    for summary, result in zip(summaries, expected, strict=True):
        assert summary.levels == {d: r.level for d, r in result.domains.items()}
        assert summary.overall == result.overall
        assert summary.urgent == result.urgent
        assert summary.discordant == bool(result.discordant_domains)
        stored = json.loads(json.dumps(summary.records))  # as read back: lists, not tuples
        assert batch.render_details(stored, jsonb=False) == json.dumps(result.to_dict())
        assert batch.render_details(stored, jsonb=True) == jsonb_text(result.to_dict())
    assert coded_summaries(batch, profiles) == [
        (s.levels, s.overall, s.urgent, s.discordant, s.records) for s in summaries
    ]
    return expected


def coded_summaries(batch, profiles):
    """What `CodedScorer` gives for the profiles' answers stored as answer codes, in the form
    of `profile_summaries`: (levels, overall, urgent, discordant, records) per profile."""
    definition = batch.scorer.definition
    choices = {choice.name for options in definition.choices.values() for choice in options}
    codebook = Codebook(choice_names=choices)
    entries = [entry for profile in profiles for entry in profile]
    missing = sorted(codebook.missing(entry.answers for entry in entries))
    codebook.add(enumerate(missing, start=1))
    names = sorted({name for entry in entries for name in entry.context})
    asked = []
    coded_batch = CodedBatch(
        profile_of=np.repeat(np.arange(len(profiles)), [len(p) for p in profiles]),
        profiles=len(profiles),
        respondents=[entry.respondent for entry in entries],
        informants=[entry.informant for entry in entries],
        codes=[codebook.encode(entry.answers) for entry in entries],
        contexts={name: [entry.context.get(name) for entry in entries] for name in names},
        answers_of=lambda rows: asked.extend(rows.tolist()) or [entries[r].answers for r in rows],
    )
    result = CodedScorer(batch, codebook).summarise(coded_batch)
    out, start = [], 0
    for index, profile in enumerate(profiles):
        rows = range(start, start + len(profile))
        start += len(profile)
        ranks = result.ranks[index].tolist()
        records = [
            (
                entries[row].informant,
                entries[row].respondent,
                result.fired[row],
                result.covered[row],
            )
            for row in rows
        ]
        out.append(
            (
                {d: LEVELS[r] if r >= 0 else None for d, r in zip(DOMAINS, ranks, strict=True)},
                LEVELS[int(result.overall[index])] if result.overall[index] >= 0 else None,
                bool(result.urgent[index]),
                bool(result.discordant[index]),
                records,
            )
        )
    # Only questionnaires with an answer that has no code are read as answers.
    for row in asked:
        assert any(codebook.text(value) is None for value in entries[row].answers.values())
    return out


def plausible_answer(question, choices, rng: random.Random):
    """An answer as a questionnaire stores it, now and then left out or odd."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.1:
        return ""
    names = [c.name for c in choices.get(question.list_name or "", [])]
    if question.type == "select_one" and names:
        return rng.choice(names)
    if question.type == "select_multiple" and names:
        return rng.sample(names, rng.randint(0, min(3, len(names))))
    if question.type == "integer":
        return rng.randint(0, 12)
    if question.type == "decimal":
        return round(rng.uniform(5, 160), 1)
    return rng.choice(["yes", "no", "0", "1", "2", "3"])


def facts(rng: random.Random):
    return {
        "child_age_months": round(rng.uniform(48, 130), 2),
        "child_sex": rng.choice(["F", "M"]),
        "child_csg": rng.choice(["receives", "eligible_not_receiving", "not_eligible"]),
    }


def test_a_generated_district_scores_the_same_either_way(definition, scorer):
    rng = random.Random(11)
    by_respondent = {r: definition.answerable(r) for r in ("caregiver", "teacher", "nurse")}
    profiles = []
    for child in range(1500):
        entries = []
        for respondent in rng.sample(["caregiver", "teacher", "nurse"], rng.randint(1, 3)):
            answers = {}
            for question in by_respondent[respondent]:
                if rng.random() < 0.05:
                    continue  # skipped: no key at all
                answers[question.name] = plausible_answer(question, definition.choices, rng)
            informant = f"{respondent.title()} (Person {child % 97})"
            entries.append(Entry(respondent, answers, facts(rng), informant))
        profiles.append(entries)
    batch = BatchScorer(scorer)
    expected = []
    for start in range(0, len(profiles), 500):  # batches, as a rescore sends them
        expected += assert_same(scorer, profiles[start : start + 500], batch)
    # The comparison means something: the district has every level, urgent findings and
    # informants who disagree.
    levels = {d.level for r in expected for d in r.domains.values()}
    assert levels == {None, "low", "moderate", "high"}
    assert any(r.urgent for r in expected)
    assert any(r.discordant_domains for r in expected)


# Answers of every kind, most of them plausible, some the engine has to cope with.
ODD_VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.booleans(),
    st.integers(-2, 30),
    st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, -1.0, 1e9]),
    st.sampled_from(["0", "1", "2", "3", "4", "01", " 1", "2.0", "x", "yes", "no", "none"]),
    st.lists(st.sampled_from(["none", "wages", "shake", "hit_object", "1", "2"]), max_size=3),
    st.lists(st.integers(0, 3), max_size=2),
    st.just({"nested": 1}),
)


@st.composite
def profiles(draw, definition):
    questions = {r: definition.answerable(r) for r in ("caregiver", "teacher", "nurse")}
    result = []
    for _ in range(draw(st.integers(1, 4))):
        entries = []
        for _ in range(draw(st.integers(1, 3))):
            respondent = draw(st.sampled_from(RESPONDENTS))
            names = [q for q in questions.get(respondent, [])]
            answers = {}
            for question in names:
                kind = draw(st.integers(0, 9))
                if kind == 0:
                    continue  # not asked
                if kind <= 6:
                    choices = [c.name for c in definition.choices.get(question.list_name or "", [])]
                    answers[question.name] = (
                        draw(st.sampled_from(choices)) if choices else draw(st.integers(0, 7))
                    )
                else:
                    answers[question.name] = draw(ODD_VALUES)
            context = {
                "child_age_months": draw(st.sampled_from([50.5, 61.0, 84.25, 119.9, None])),
                "child_sex": draw(st.sampled_from(["F", "M", "", None])),
                "child_csg": draw(st.sampled_from(["receives", "not_eligible"])),
            }
            entries.append(Entry(respondent, answers, context, draw(st.sampled_from(INFORMANTS))))
        result.append(entries)
    return result


def test_odd_answers_score_the_same_either_way(definition, scorer, batch):
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(batch_of_profiles=profiles(definition))
    def check(batch_of_profiles):
        assert_same(scorer, batch_of_profiles, batch)

    check()


def test_the_same_answers_under_two_informants_keep_both_levels_and_disagree(scorer):
    worried = {"cg_abuse_concern": "yes"}  # high in protection
    calm = {"cg_abuse_concern": "no", "cg_trusted_adult": "yes"}  # answered, nothing found: low
    context = {"child_age_months": 80.0, "child_sex": "F", "child_csg": "receives"}
    profile = [
        Entry("caregiver", worried, context, "Caregiver (A)"),
        Entry("caregiver", calm, context, "Caregiver (B)"),
        Entry("caregiver", calm, context, "Caregiver (A)"),  # A's highest level stays
    ]
    [result] = assert_same(scorer, [profile])
    protection = result.domains["protection"]
    assert protection.informant_levels == {"Caregiver (A)": "high", "Caregiver (B)": "low"}
    assert protection.discordant is True


def test_a_profile_nobody_answered_has_no_levels(scorer):
    [result] = assert_same(scorer, [[Entry("caregiver", {}, {}, "Caregiver")]])
    assert result.overall is None
    assert all(domain.level is None for domain in result.domains.values())


CHILD = {"child_age_months": 80.0, "child_sex": "F", "child_csg": "receives"}


def test_answers_python_would_mix_up_are_told_apart(scorer, batch):
    # 1, 1.0 and true are one key to a dict, but not to the engine: `${cg_child_hungry} = 3`
    # is true for true (a comparison with a boolean compares truth) and false for 1.
    # Lists too, in a batch of their own (a column with lists takes another way).
    for column in (
        [1, True, 1.0, "1", 3, 3.0, "3", "none", None, "", False, 0],
        [1, True, 1.0, [3], ["none"], [1, "1"], ["1.0"], [1.0], [True], [], "none"],
    ):
        profiles = [
            [Entry("caregiver", {"cg_child_hungry": v, "cg_income_source": v}, CHILD, "C")]
            for v in column
        ]
        expected = assert_same(scorer, profiles, batch)
        fired = [{f.rule for f in r.domains["nutrition"].findings} for r in expected]
        assert "nut_child_hungry_often_cg" in fired[1]  # true = 3
        assert "nut_child_hungry_often_cg" not in fired[0]  # 1 = 3


def test_a_measure_with_an_answer_out_of_range_has_no_value(scorer, batch):
    hfias_items = [
        "cg_fs_worry",
        "cg_fs_preferred",
        "cg_fs_variety",
        "cg_fs_unwanted",
        "cg_fs_smaller",
        "cg_fs_fewer",
        "cg_fs_nofood",
        "cg_fs_sleephungry",
        "cg_fs_wholeday",
    ]
    psc_items = [q.name for q in scorer.definition.answerable("caregiver") if "_psc_" in q.name]
    phq_items = [q.name for q in scorer.definition.answerable("caregiver") if "_phq_" in q.name]
    profiles = []
    for bad in ["4", 4, "3.0", 3.0, True, "-1", None, "", "x", "2"]:  # the last one is valid
        for items in (hfias_items, psc_items, phq_items):
            for position in (0, len(items) - 1, 6):
                answers = dict.fromkeys(hfias_items + psc_items + phq_items, "1")
                answers[items[position % len(items)]] = bad
                profiles.append([Entry("caregiver", answers, CHILD, "C")])
    expected = assert_same(scorer, profiles, batch)
    assert any(r.domains["nutrition"].level == "high" for r in expected)


def test_an_answer_that_is_an_object_is_scored_one_questionnaire_at_a_time(scorer, batch):
    odd = {"cg_chronic": {"a": 1}, "cg_fs_worry": {"b": 2}, "cg_discipline": [{"c": 3}]}
    profiles = [
        [Entry("caregiver", odd, CHILD, "C")],
        [Entry("caregiver", {"cg_chronic": "yes", "cg_fs_worry": "1"}, CHILD, "C")],
    ]
    [_odd, plain] = assert_same(scorer, profiles, batch)
    assert plain.domains["health"].level == "moderate"


def test_rules_of_every_shape_score_the_same_either_way(tmp_path):
    """Rules the default instrument does not have: over several questions at once, with
    arithmetic, `if()`, `not()` and `selected()` on values of mixed kinds."""
    mini = (Path(__file__).parents[1] / "fixtures" / "mini.md").read_text()
    extra = [
        "| | x_true | psychosocial | anxiety | moderate | selected(${cg_worries}, 'True') | "
        "t | | test |",
        "| | x_float | psychosocial | anxiety | high | selected(${cg_worries}, '1') | f | | test |",
        "| | x_sum | nutrition | hunger | high | ${cg_meals} + ${cg_dep9} > 1 | s | | test |",
        "| | x_if | education | attendance | high | if(${tc_absent} > 0, ${tc_abuse} = 'no', "
        "false()) | i | | test |",
        "| | x_not | protection | abuse | moderate | not(${cg_hit} = 'yes' or ${cg_meals} < 1) "
        "and string-length(${cg_hit}) > 0 | n | | test |",
        # A domain rule whose finding is urgent.
        "| | x_domain | nutrition | | high | ${high_count} >= 1 | d | yes | test |",
    ]
    marker = "| | prot_many |"
    path = tmp_path / "shapes.md"
    path.write_text(mini.replace(marker, "\n".join(extra) + "\n" + marker))
    result = read_instrument(path)
    assert result.ok, result.problems
    scorer = Scorer(result.definition)
    values = [None, "", 0, 1, 1.0, True, False, "1", "yes", "no", [1], [1.0], [True], ["True"]]
    rng = random.Random(5)
    profiles = []
    for _ in range(300):
        entries = []
        for respondent in ("caregiver", "teacher", "nurse"):
            names = [q.name for q in result.definition.answerable(respondent)]
            answers = {name: rng.choice(values) for name in names if rng.random() < 0.9}
            entries.append(Entry(respondent, answers, CHILD, rng.choice(INFORMANTS)))
        profiles.append(entries)
    expected = assert_same(scorer, profiles)
    fired = {f.rule for r in expected for d in r.domains.values() for f in d.findings}
    assert {"x_true", "x_float", "x_sum", "x_if", "x_not", "x_domain"} <= fired
