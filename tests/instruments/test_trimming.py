"""Issue 14 item 4: the trimmed tool. It recovers a planted informative subset, it never
evaluates on a child it was fitted on, its fast domain levels agree with the engine, and the
file it writes passes `cwtt instrument check`."""

import datetime as dt
import io
import random
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish
from cwtt.instruments.calibration import Answered, ChildAnswers, profile_of
from cwtt.instruments.engine.expressions import parse, references
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.scoring import Scorer
from cwtt.instruments.trimming import (
    _DomainLevels,
    cross_validate,
    fire_full,
    folds,
    rule_needs,
    trim,
    trimmed_definition,
)
from cwtt.synthetic.generate import generate_district
from tests.conftest import TODAY, make_child

# Protection is high exactly when q1 or q2 is yes; q3..q8 only ever give moderates on their
# own indicators (and there is no domain rule), so they never change who is high. Nutrition is
# high when q9 is yes; q9 is asked only when q10 is yes, so keeping q9 keeps q10.
PLANTED = (
    """
| settings |
| | form_id | form_title | version |
| | planted | Planted test instrument | p1 |
| survey |
| | type | name | label | domain | indicator | respondent | relevant |
| | begin group | caregiver | Caregiver | | | caregiver | |
| | note | intro | Say hello | | | | |
"""
    + "".join(
        f"| | select_one yn | q{i} | Question {i} | protection | ind{i} | | |\n"
        for i in range(1, 9)
    )
    + """| | select_one yn | q10 | Question 10 | nutrition | food | | |
| | select_one yn | q9 | Question 9 | nutrition | food | | ${q10} = 'yes' |
| | select_one yn | q11 | Question 11 | nutrition | meals | | |
| | end group | | | | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| scoring |
| | rule | domain | indicator | level | when | reason | source |
| | p1 | protection | ind1 | high | ${q1} = 'yes' | One | test |
| | p2 | protection | ind2 | high | ${q2} = 'yes' | Two | test |
"""
    + "".join(
        f"| | p{i} | protection | ind{i} | moderate | ${{q{i}}} = 'yes' | Noise {i} | test |\n"
        for i in range(3, 9)
    )
    + """| | n9 | nutrition | food | high | ${q9} = 'yes' | Nine | test |
| | n11 | nutrition | meals | moderate | ${q11} = 'yes' | Eleven | test |
"""
)


def _planted(tmp_path):
    path = tmp_path / "planted.md"
    path.write_text(PLANTED)
    result = read_instrument(path)
    assert result.ok, result.problems
    return path, result.definition


def _children(n=300, schools=10, seed=3):
    rng = random.Random(seed)
    children = []
    for i in range(n):
        answers = {f"q{k}": rng.choice(["yes", "no", "no"]) for k in (1, 2, 3, 4, 5, 6, 7, 8)}
        answers["q10"] = rng.choice(["yes", "no"])
        if answers["q10"] == "yes":
            answers["q9"] = rng.choice(["yes", "no"])
        answers["q11"] = rng.choice(["yes", "no"])
        children.append(ChildAnswers(i, i % schools, (Answered("caregiver", answers, {}),)))
    return children


def test_the_trimmer_recovers_the_planted_informative_questions(tmp_path):
    _, definition = _planted(tmp_path)
    result = trim(definition, _children(), sensitivity=0.9, k=5)
    assert result.by_domain["protection"] == {"q1", "q2"}
    assert result.by_domain["nutrition"] == {"q9", "q10"}
    assert result.kept == {"q1", "q2", "q9", "q10"}
    for domain in ("protection", "nutrition"):
        held_out = result.held_out[domain]
        assert held_out.sensitivity == 1.0
        assert held_out.specificity == 1.0
    # 7 dropped questions at 10 s each, all answered by every child (q9 only by some).
    assert result.minutes_saved == pytest.approx(7 * 10 / 60)


def test_a_lower_sensitivity_keeps_fewer_questions(tmp_path):
    _, definition = _planted(tmp_path)
    result = trim(definition, _children(), sensitivity=0.5, k=5)
    assert len(result.by_domain["protection"]) == 1


def test_cross_validation_never_evaluates_on_a_child_it_was_fitted_on():
    children = _children(n=120, schools=12)
    seen_fit: list[set[int]] = []
    seen_held: list[set[int]] = []

    def fit(training):
        seen_fit.append({c.child for c in training})
        return len(seen_fit) - 1

    def evaluate(fitted, held):
        seen_held.append({c.child for c in held})
        assert not seen_fit[fitted] & seen_held[-1]

    for by in ("school", "child"):
        seen_fit.clear()
        seen_held.clear()
        cross_validate(children, folds(children, 5, by=by), fit, evaluate)
        assert len(seen_held) == 5
        assert set().union(*seen_held) == {c.child for c in children}  # each held out once
        assert sum(len(h) for h in seen_held) == len(children)
    # By school, a school's children are all on one side of every split.
    for train, held in folds(children, 5, by="school"):
        assert not {children[i].group for i in train} & {children[i].group for i in held}


def test_the_same_child_in_two_waves_stays_on_one_side():
    children = _children(n=60, schools=6)
    twice = children + [ChildAnswers(c.child, c.group, c.questionnaires) for c in children]
    for train, held in folds(twice, 4, by="child"):
        assert not {twice[i].child for i in train} & {twice[i].child for i in held}


def test_trim_reports_which_children_it_held_out_once_each(tmp_path):
    _, definition = _planted(tmp_path)
    children = _children(n=100)
    result = trim(definition, children, k=4)
    held = [key for fold in result.evaluated for key in fold]
    assert sorted(held) == sorted(c.child for c in children)


def test_fast_levels_agree_with_the_engine_on_random_subsets_of_the_default_instrument(
    settings,
):
    """The selection scores a subset by `_DomainLevels`; what it saves is scored by the engine.
    They must agree: a subset's trimmed definition, through Scorer, gives the same highs."""

    definition = read_instrument(settings.CWTT_DEFAULT_INSTRUMENT).definition
    rng = random.Random(7)
    children = []
    for i in range(150):
        answered = []
        for respondent in definition.respondents():
            answers = {}
            for q in definition.answerable(respondent):
                items = definition.choices.get(q.list_name or "", [])
                if q.type == "select_one" and items:
                    answers[q.name] = rng.choice(items).name
                elif q.type == "select_multiple" and items:
                    answers[q.name] = " ".join({rng.choice(items).name for _ in range(2)})
                elif q.type in ("integer", "decimal"):
                    answers[q.name] = rng.randint(0, 3)
            answered.append(Answered(respondent, answers, {"child_age_months": 90}))
        children.append(ChildAnswers(i, 0, tuple(answered)))
    fired = fire_full(definition, children)
    levels = _DomainLevels(definition)
    needs = rule_needs(definition)
    names = [q.name for q in definition.answerable()]
    for _ in range(6):
        kept = frozenset(rng.sample(names, rng.randint(10, len(names))))
        trimmed = trimmed_definition(definition, kept)
        asked = {q.name for q in trimmed.answerable()}
        usable = {code for code, need in needs.items() if need <= asked}
        scorer = Scorer(trimmed)
        for f in fired:
            reduced = ChildAnswers(
                0,
                0,
                tuple(
                    Answered(
                        q.respondent, {k: v for k, v in q.answers.items() if k in asked}, q.facts
                    )
                    for q in f.child.questionnaires
                ),
            )
            profile = profile_of(scorer, reduced)
            for domain, result in profile.domains.items():
                assert (result.level == "high") == levels.is_high(domain, f.rules & usable)


def _assess(child, wave, answers):
    Assessment.objects.create(
        uuid=uuid.uuid4(),
        child=child,
        wave=wave,
        respondent="caregiver",
        answers=answers,
        assessed_on=dt.date(2026, 3, 2),
        instrument_version=wave.instrument_version,
        status="submitted",
    )


@pytest.mark.django_db
def test_the_command_writes_a_trimmed_version_that_instrument_check_accepts(
    tmp_path, sunrise, hilltop
):
    path, _ = _planted(tmp_path)
    version = instrument_publish(data=path.read_bytes(), filename=path.name).version
    wave = Wave.objects.create(
        name="W1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 6, 1),
        instrument_version=version,
    )
    for planted in _children(n=40, schools=2):
        school = sunrise if planted.group else hilltop
        _assess(
            make_child(school, first=f"C{planted.child}"),
            wave,
            dict(planted.questionnaires[0].answers),
        )
    output = tmp_path / "trimmed.xlsx"
    out = io.StringIO()
    call_command(
        "instrument", "trim", "--waves", "W1", "--folds", "2", "--output", str(output), stdout=out
    )
    assert "4 of 11 questions kept" in out.getvalue()
    assert "min saved" in out.getvalue()
    result = read_instrument(output)
    assert result.ok, result.problems
    assert result.definition.version_label == "p1-trim90"
    assert {q.name for q in result.definition.answerable()} == {"q1", "q2", "q9", "q10"}
    assert {r.code for r in result.definition.rules} == {"p1", "p2", "n9"}
    # A note with no domain (the introduction) stays.
    assert [q.name for q in result.definition.questions if q.type == "note"] == ["intro"]
    checked = io.StringIO()
    call_command("instrument", "check", str(output), stdout=checked)
    assert "no problems found" in checked.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--waves", "Nope", "--output", "t.xlsx"], "no wave called Nope"),
        (["--waves", "W1", "--sensitivity", "1.5", "--output", "t.xlsx"], "above 0 and at most 1"),
        (["--waves", "W1", "--output", "t.csv"], "must end in .xlsx"),
        (["--waves", "W1", "--folds", "1", "--output", "t.xlsx"], "at least 2 folds"),
    ],
)
def test_the_command_refuses_bad_arguments_and_writes_nothing(
    tmp_path, sunrise, args, message, monkeypatch
):
    path, _ = _planted(tmp_path)
    version = instrument_publish(data=path.read_bytes(), filename=path.name).version
    wave = Wave.objects.create(
        name="W1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 6, 1),
        instrument_version=version,
    )
    _assess(make_child(sunrise), wave, {"q1": "yes"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("instrument", "trim", *args, stdout=io.StringIO())
    assert not (tmp_path / "t.xlsx").exists()
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.django_db
def test_trimming_the_default_instrument_on_a_generated_district_gives_a_valid_version(
    default_version, tmp_path
):
    """Groups, notes, isiZulu columns, measures and relevant follow-ups all survive the cut:
    the file passes `instrument check` and publishes as the next version of `cwtt`."""
    generate_district(schools=5, learners_per_school=30, waves=1, seed=5, today=TODAY)
    wave = Wave.objects.get()
    output = tmp_path / "trimmed.xlsx"
    out = io.StringIO()
    call_command("instrument", "trim", "--waves", wave.name, "--output", str(output), stdout=out)
    result = read_instrument(output)
    assert result.ok, result.problems
    kept = result.definition
    full = default_version.parsed()
    assert 0 < len(kept.answerable()) < len(full.answerable())
    assert "zu" in kept.languages
    names = {q.name for q in kept.answerable()}
    for q in kept.answerable():  # every follow-up's condition reads a kept question
        if q.relevant:
            assert {
                n for n in references(parse(q.relevant)) if n in {x.name for x in full.answerable()}
            } <= names
    published = instrument_publish(data=output.read_bytes(), filename=output.name)
    assert published.version.instrument == default_version.instrument
    assert published.version.number == default_version.number + 1
    assert published.version.version_label == "2026.3-trim90"
