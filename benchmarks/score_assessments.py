"""How fast the scoring engine scores assessments, and how much memory it needs.

Not a test: it prints measurements. Target (issue #2): at least 20,000 assessments a second on
one core. Run: `.venv/bin/python benchmarks/score_assessments.py [--assessments 100000]`.

Answers come from the synthetic answer model (cwtt/synthetic/answers.py), so the mix of risky
and safe answers, and so the rules that fire, is realistic. Only scoring is timed: each
assessment through `Scorer.score`, and each child's three assessments through `Scorer.combine`;
then the same children through `BatchScorer.profile_rows` (what `cwtt rescore` runs: 500
children at a time, column by column, each profile's details written as JSON text), compared
with `Scorer` followed by writing the details as JSON text (`json.dumps(result.to_dict())`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cwtt.instruments.engine.batch import BatchScorer, Entry  # noqa: E402
from cwtt.instruments.engine.reader import read_instrument  # noqa: E402
from cwtt.instruments.engine.scoring import Scorer  # noqa: E402
from cwtt.synthetic.answers import AnswerModel, HouseholdSituation, Situation, observe  # noqa: E402

INSTRUMENT = ROOT / "cwtt" / "instruments" / "data" / "cwtt_default.md"
RESPONDENTS = ("caregiver", "teacher", "nurse")


def make_assessments(count: int, seed: int) -> list[tuple[str, dict, dict]]:
    definition = read_instrument(INSTRUMENT).definition
    model = AnswerModel(definition)
    rng = random.Random(seed)
    today = dt.date(2026, 3, 1)
    made: list[tuple[str, dict, dict]] = []
    while len(made) < count:
        quintile = rng.choice((1, 1, 2, 2, 3, 4, 5))
        situation = Situation.draw(rng, HouseholdSituation.draw(rng, quintile), quintile)
        sex = rng.choice("MF")
        age = rng.uniform(62, 118)
        facts = observe(
            rng,
            situation,
            sex=sex,
            grade=rng.choice("R123"),
            quintile=quintile,
            repeated=rng.random() < 0.1,
            grant_status="receives",
            water="communal_tap",
            electricity="connected",
            sanitation="vip",
            members=5,
            relation="mother",
        )
        context = {"child_age_months": age, "child_sex": sex, "child_csg": "receives"}
        for respondent in RESPONDENTS:
            answers = model.answers(respondent, facts, rng, age_months=age, today=today)
            made.append((respondent, answers, context))
    return made[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    assessments = make_assessments(args.assessments, args.seed)
    print(f"generated {len(assessments):,} assessments in {time.perf_counter() - started:.1f} s")

    scorer = Scorer(read_instrument(INSTRUMENT).definition)
    findings = 0
    started = time.process_time()
    for start in range(0, len(assessments), 3):
        scores = [scorer.score(r, a, c) for r, a, c in assessments[start : start + 3]]
        findings += sum(len(s.findings) for s in scores)
        scorer.combine(scores)
    elapsed = time.process_time() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = len(assessments) / elapsed
    print(
        f"scored {len(assessments):,} assessments (and combined per child) in {elapsed:.2f} s CPU"
    )
    print(f"throughput: {rate:,.0f} assessments/s on one core (target >= 20,000/s)")
    print(f"findings per assessment: {findings / len(assessments):.2f}")

    children = [
        [Entry(r, a, c, r) for r, a, c in assessments[start : start + 3]]
        for start in range(0, len(assessments), 3)
    ]
    started = time.process_time()
    for child in children:
        result = scorer.combine(
            [scorer.score(e.respondent, e.answers, e.context, e.informant) for e in child]
        )
        json.dumps(result.to_dict())
    one_by_one = time.process_time() - started
    batch = BatchScorer(scorer)
    started = time.process_time()
    for start in range(0, len(children), 500):
        batch.profile_rows(children[start : start + 500])
    batched = time.process_time() - started
    print(
        f"profiles with their details as JSON text: {len(children) / one_by_one:,.0f}/s one "
        f"questionnaire at a time (Scorer), {len(children) / batched:,.0f}/s in batches of 500 "
        f"(BatchScorer, {len(assessments) / batched:,.0f} assessments/s)"
    )
    print(f"peak memory (whole process, including the generated answers): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
