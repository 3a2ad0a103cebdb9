"""The answer model: how a child's latent situation becomes each informant's answers.

Plain Python with no Django import, so it can be calibrated and benchmarked alone.

Three layers:

1. **Situation** (`Situation`): per child, a latent z-score per dimension of their life
   (poverty, food insecurity, health, learning, violence around them, family adversity, abuse,
   feelings and behaviour, the caregiver's mood, supervision), higher meaning worse. Each is a
   mix of the household's poverty, the household's adversity and the child's own part, so the
   dimensions are correlated the way they are in the field (hungry households are poorer,
   violent homes discipline harshly). Between waves the child's own part moves (AR(1)), every
   dimension drifts a little better, support after a high-risk finding brings it down, and a
   few children meet a crisis and get worse.
2. **What happened this wave** (`ChildWave`, made by `observe`): the concrete facts all
   informants share (how often the child went to bed hungry, days absent, whether the child
   was abused, seen violence, how they are disciplined, height and weight...).
3. **Answers** (`AnswerModel`): each informant reports those facts through their own lens —
   teachers and nurses see less of what happens at home, caregivers do not always disclose —
   so informants disagree as they did in the CoP study. Key questions of the default
   instrument are answered by name (`_TARGETED`); the inputs of standard measures (HFIAS,
   PHQ-9, PSC-17, growth) come from the measures sheet; every other question is answered from
   its type and choices, skewed towards answers the scoring rules do not flag, at a rate set
   by the child's latent risk in the question's domain. So the generator keeps working when
   the instrument changes: a renamed question falls back to the generic answer.

Prevalences are calibrated to the CoP study's published figures (see `generate.py`'s module
docstring and tests/synthetic): exposure to violence ~58-60%, caregivers' safety concerns
50-63%, abuse ~8%, child hunger ~10% at baseline and falling, high protection risk 38-62%.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from cwtt.instruments.engine.definition import (
    CHILD_FACTS,
    LEVEL_RANK,
    InstrumentDefinition,
    Question,
)
from cwtt.instruments.engine.expressions import SELF, compile_condition, parse, references
from cwtt.instruments.measures import growth as who_growth

# --- the latent situation ---------------------------------------------------------------------

DIMENSIONS: tuple[str, ...] = (
    "poverty",
    "food",
    "health",
    "education",
    "violence",
    "family",
    "abuse",
    "psych",
    "mood",
    "supervision",
)
# How much of each dimension comes from the household's poverty and from its adversity
# (conflict, substance use, an unsafe area); the rest is the child's own. Squares sum below 1.
LOADINGS: dict[str, tuple[float, float]] = {
    "poverty": (1.0, 0.0),
    "food": (0.6, 0.1),
    "health": (0.3, 0.1),
    "education": (0.3, 0.2),
    "violence": (0.35, 0.5),
    "family": (0.15, 0.7),
    "abuse": (0.1, 0.6),
    "psych": (0.15, 0.45),
    "mood": (0.35, 0.35),
    "supervision": (0.25, 0.35),
}
# How far each dimension moves towards better between waves for everyone (school feeding,
# the CoP's general work), in SD units.
DRIFT: dict[str, float] = {
    "poverty": 0.03,
    "food": 0.15,
    "health": 0.05,
    "education": 0.05,
    "violence": 0.03,
    "family": 0.03,
    "abuse": 0.04,
    "psych": 0.05,
    "mood": 0.05,
    "supervision": 0.03,
}
# A high-risk domain in a profile brings a tailored package; which dimensions it works on.
SUPPORT: dict[str, tuple[str, ...]] = {
    "health": ("health",),
    "nutrition": ("food",),
    "economic": ("poverty", "food"),
    "education": ("education",),
    # Not "violence": a family programme does not make the neighbourhood safer.
    "protection": ("family", "supervision"),
    "psychosocial": ("psych", "mood"),
}
# The dimension that answers a question of each domain when nothing more specific does.
DOMAIN_DIMENSION: dict[str, str] = {
    "health": "health",
    "nutrition": "food",
    "economic": "poverty",
    "education": "education",
    "protection": "family",
    "psychosocial": "psych",
}
PERSISTENCE = 0.75  # AR(1) coefficient of the child's own part from one wave to the next
SUPPORT_REACH = 0.7  # share of children at high risk whose package actually reaches them
SUPPORT_EFFECT = 0.45  # mean improvement (SD) a package brings
CRISIS_RATE = 0.05  # share of children who meet a crisis (job loss, death, new partner)
CRISIS_EFFECT = 1.0

# The mean household poverty (z) of a school's community, by quintile.
QUINTILE_POVERTY: dict[int, float] = {1: 0.45, 2: 0.3, 3: 0.1, 4: -0.6, 5: -1.2}

_normal = NormalDist()


def _cuts(*cumulative: float) -> tuple[float, ...]:
    """Cut points on a standard normal that split it into the given cumulative shares."""
    return tuple(_normal.inv_cdf(p) for p in cumulative)


def _band(x: float, cuts: Sequence[float]) -> int:
    """How many cut points x is above: 0 .. len(cuts)."""
    band = 0
    for cut in cuts:
        if x < cut:
            break
        band += 1
    return band


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


@dataclass(slots=True)
class HouseholdSituation:
    """What a household's children share: how poor it is, how much adversity it lives with."""

    poverty: float
    adversity: float
    dwelling: str  # formal, backyard_room, informal, traditional
    crowding: float  # z; more people per sleeping room

    @classmethod
    def draw(cls, rng: random.Random, quintile: int) -> HouseholdSituation:
        poverty = QUINTILE_POVERTY[quintile] + rng.gauss(0.0, 0.9)
        adversity = 0.3 * poverty + rng.gauss(0.0, 0.95)
        informal = _clamp(0.12 + 0.16 * poverty, 0.01, 0.6)
        roll = rng.random()
        if roll < informal:
            dwelling = "informal"
        elif roll < informal + 0.1:
            dwelling = "backyard_room"
        elif roll < informal + 0.12 and quintile <= 2:
            dwelling = "traditional"
        else:
            dwelling = "formal"
        return cls(poverty, adversity, dwelling, 0.5 * poverty + rng.gauss(0.0, 0.85))


@dataclass(slots=True)
class Situation:
    """One child's latent situation in one wave. Every z is 'higher is worse', about N(0, 1)."""

    household: HouseholdSituation
    own: dict[str, float]  # the child's own part of each dimension, AR(1) between waves
    relief: dict[str, float]  # accumulated improvement from support and drift
    # Persistent traits: the PSC-17 subscales' own parts, and WHO z-scores of growth.
    attention: float
    internalising: float
    externalising: float
    haz: float
    baz: float

    @classmethod
    def draw(cls, rng: random.Random, household: HouseholdSituation, quintile: int) -> Situation:
        own = {d: rng.gauss(0.0, 1.0) for d in DIMENSIONS}
        situation = cls(
            household=household,
            own=own,
            relief=dict.fromkeys(DIMENSIONS, 0.0),
            attention=rng.gauss(0.0, 1.0),
            internalising=rng.gauss(0.0, 1.0),
            externalising=rng.gauss(0.0, 1.0),
            haz=0.0,
            baz=0.0,
        )
        # Stunting tracks poverty and food: ~15-25% below -2 SD in quintiles 1-3 (SANHANES-1,
        # 2013, and the CoP study), a few percent in quintile 5.
        food = situation.z("food")
        situation.haz = (
            -1.05 - 0.25 * QUINTILE_POVERTY[quintile] - 0.25 * food + rng.gauss(0.0, 0.9)
        )
        # BMI-for-age: roughly WHO's median with a spread a little wider; ~15% overweight.
        situation.baz = 0.0 - 0.2 * food + rng.gauss(0.0, 1.0)
        return situation

    def z(self, dimension: str) -> float:
        on_poverty, on_adversity = LOADINGS[dimension]
        if dimension == "poverty":
            base = self.household.poverty
        else:
            rest = math.sqrt(max(0.0, 1.0 - on_poverty**2 - on_adversity**2))
            base = (
                on_poverty * self.household.poverty
                + on_adversity * self.household.adversity
                + rest * self.own[dimension]
            )
        return base - self.relief[dimension]

    def next_wave(
        self,
        rng: random.Random,
        high_domains: Sequence[str] = (),
        reached: list[str] | None = None,
    ) -> Situation:
        """The situation a year later, after any support the high-risk domains brought. The
        domains whose support reached the child are added to `reached` (the generator records
        them as services delivered); collecting them draws nothing from `rng`."""
        own = {
            d: PERSISTENCE * v + math.sqrt(1 - PERSISTENCE**2) * rng.gauss(0.0, 1.0)
            for d, v in self.own.items()
        }
        relief = {d: v + DRIFT[d] for d, v in self.relief.items()}
        for domain in high_domains:
            if rng.random() < SUPPORT_REACH:
                if reached is not None:
                    reached.append(domain)
                effect = max(0.0, rng.gauss(SUPPORT_EFFECT, 0.2))
                for dimension in SUPPORT.get(domain, ()):
                    relief[dimension] += effect
        if rng.random() < CRISIS_RATE:
            relief[rng.choice(DIMENSIONS[1:])] -= CRISIS_EFFECT
        food_change = self.relief["food"] - relief["food"]  # negative: food got better
        return Situation(
            household=self.household,
            own=own,
            relief=relief,
            attention=self.attention,
            internalising=self.internalising,
            externalising=self.externalising,
            # Children who eat better catch up a little; a z-score otherwise tracks.
            haz=self.haz - 0.1 * food_change + rng.gauss(0.0, 0.08),
            baz=self.baz + rng.gauss(0.0, 0.25),
        )


# --- what happened this wave ------------------------------------------------------------------

# Marginal shares at baseline, on the scale of each composite below (about N(0, 1)).
HUNGER_CUTS = _cuts(0.91, 0.955, 0.985)  # child went to bed hungry: never/rarely/sometimes/often
VIOLENCE_HOME_CUTS = _cuts(0.70, 0.88, 0.96)  # never / once / few / many
VIOLENCE_COMMUNITY_CUTS = _cuts(0.515, 0.78, 0.925)  # never / once / few / many
SAFETY_CUTS = _cuts(0.545, 0.85)  # not worried / a little / very
ABUSE_CUT = _normal.inv_cdf(0.94)
CONFLICT_CUTS = _cuts(0.64, 0.93)  # never / sometimes / often
SUBSTANCE_CUT = _normal.inv_cdf(0.86)
WHEREABOUTS_CUTS = _cuts(0.55, 0.91, 0.985)  # always / mostly / sometimes / rarely
LEFT_ALONE_CUTS = _cuts(0.87, 0.965)  # no / once / several
BULLIED_CUTS = _cuts(0.76, 0.955)  # never / sometimes / often
ABSENT_CUTS = _cuts(0.55, 0.76, 0.93)  # 0 / 1 / 2-4 / 5+
COMPETENCY_CUTS = _cuts(0.72, 0.92)  # at level / below / well below
# HFIAS items 1-9 (FANTA order): how hard each is to reach, on the food-insecurity scale;
# a household answers rarely, sometimes, often as it passes the next steps.
HFIAS_DIFFICULTY = (-0.35, -0.25, -0.15, 0.25, 0.45, 0.6, 1.3, 1.45, 2.05)
HFIAS_STEPS = (0.0, 0.5, 1.1)
PHQ_DIFFICULTY = (0.7, 0.65, 0.45, 0.35, 0.8, 0.9, 1.0, 1.35, 2.3)
PHQ_STEPS = (0.0, 0.85, 1.45)
# PSC-17 items in MGH order: the subscale each belongs to, and how common it is.
PSC_SCALES = "aiaeeiaeieieaeiea"  # a attention, i internalising, e externalising
PSC_DIFFICULTY = (
    0.1,
    0.4,
    0.4,
    0.6,
    0.7,
    1.3,
    0.3,
    0.6,
    0.9,
    0.6,
    1.0,
    0.3,
    0.3,
    0.8,
    0.1,
    1.1,
    0.0,
)
PSC_STEPS = (0.0, 1.15)

DISCIPLINE_BASE: tuple[tuple[str, float, float], ...] = (
    # (choice, share at a typical home, how strongly family adversity raises it)
    ("explain", 0.86, -0.4),
    ("take_away", 0.45, 0.0),
    ("shout", 0.5, 0.8),
    ("insult", 0.08, 0.9),
    ("shake", 0.05, 0.8),
    ("smack_hand", 0.34, 0.6),
    ("hit_object", 0.11, 1.0),
    ("slap_face", 0.03, 1.0),
    ("beat_hard", 0.008, 1.2),
    ("no_food", 0.02, 0.9),
)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _chance(p: float, shift: float) -> float:
    """A base probability p moved by `shift` on the log-odds scale."""
    return 1.0 / (1.0 + math.exp(-(_logit(p) + shift)))


@dataclass(slots=True)
class ChildWave:
    """What is true of one child in one wave: the facts every informant reports on."""

    # From the registry
    sex: str
    grade: str  # R, 1, 2, 3
    quintile: int
    repeated: bool
    grant_status: str
    water: str
    electricity: str
    sanitation: str
    members: int
    relation: str  # the primary caregiver's relation to the child
    other_relations: tuple[str, ...]
    dwelling: str
    # The latent situation's z-scores this wave
    z: dict[str, float]
    # Facts this wave
    hunger: int = 0  # the child went to bed hungry: 0 never .. 3 often
    hfias: tuple[int, ...] = ()
    meals: int = 3
    food_groups: int = 5
    room_sharing: int = 3
    absent_days: int = 0
    reading: int = 0  # 0 at level, 1 below, 2 well below
    maths: int = 0
    violence_home: int = 0
    violence_community: int = 0
    safety_worry: int = 0
    abused: bool = False
    conflict: int = 0
    substance: bool = False
    discipline: tuple[str, ...] = ()
    hit_often: int = 0  # 0 rarely, 1 monthly, 2 weekly, 3 daily
    whereabouts: int = 0
    left_alone: int = 0
    bullied: int = 0
    orphan: str = "neither"
    phq: tuple[int, ...] = ()
    psc: tuple[int, ...] = ()
    haz: float = 0.0
    baz: float = 0.0
    disclosed_to_caregiver: bool = False
    signs_visible: bool = False


def observe(
    rng: random.Random,
    situation: Situation,
    *,
    sex: str,
    grade: str,
    quintile: int,
    repeated: bool,
    grant_status: str,
    water: str,
    electricity: str,
    sanitation: str,
    members: int,
    relation: str,
    other_relations: tuple[str, ...] = (),
) -> ChildWave:
    """Draw this wave's facts from the child's latent situation."""
    z = {d: situation.z(d) for d in DIMENSIONS}
    gauss = rng.gauss
    food = z["food"]
    child = ChildWave(
        sex=sex,
        grade=grade,
        quintile=quintile,
        repeated=repeated,
        grant_status=grant_status,
        water=water,
        electricity=electricity,
        sanitation=sanitation,
        members=members,
        relation=relation,
        other_relations=other_relations,
        dwelling=situation.household.dwelling,
        z=z,
    )
    # Food: a Guttman-like ladder (worry, then poorer food, then less food, then hunger).
    hunger = _band(0.8 * food + 0.6 * gauss(0.0, 1.0), HUNGER_CUTS)
    items = []
    for difficulty in HFIAS_DIFFICULTY:
        level = food + gauss(0.0, 0.45) - difficulty
        items.append(_band(level, HFIAS_STEPS))
    # Someone in the house went to bed hungry at least as often as the child did.
    items[7] = max(items[7], hunger)
    if hunger >= 2:
        items[6] = max(items[6], 1)
    child.hunger = hunger
    child.hfias = tuple(items)
    if hunger >= 2:
        child.meals = 1 if rng.random() < 0.3 else 2
    elif hunger == 1:
        child.meals = 2 if rng.random() < 0.45 else 3
    else:
        # Quintile 1-3 schools feed every learner (National School Nutrition Programme).
        extra = 1 if quintile <= 3 and rng.random() < 0.8 else 0
        child.meals = int(_clamp(round(2.9 + extra - 0.3 * food + gauss(0.0, 0.5)), 2, 5))
    child.food_groups = int(_clamp(round(4.9 - 0.9 * food + gauss(0.0, 0.9)), 1, 7))
    child.room_sharing = int(
        _clamp(
            round(2.3 + 0.9 * situation.household.crowding + gauss(0.0, 0.5)), 1, max(members, 1)
        )
    )
    # Learning
    education = z["education"] + (0.5 if repeated else 0.0)
    child.absent_days = (0, 1, 2 + int(rng.random() * 3), 5 + int(rng.random() * 5))[
        _band(0.5 * z["health"] + 0.4 * education + 0.2 * food + 0.6 * gauss(0.0, 1.0), ABSENT_CUTS)
    ]
    child.reading = _band(0.85 * education + 0.5 * gauss(0.0, 1.0), COMPETENCY_CUTS)
    child.maths = _band(0.85 * education + 0.5 * gauss(0.0, 1.0), COMPETENCY_CUTS)
    # Protection
    violence, family, abuse = z["violence"], z["family"], z["abuse"]
    child.violence_home = _band(
        0.55 * violence + 0.45 * family + 0.55 * gauss(0.0, 1.0), VIOLENCE_HOME_CUTS
    )
    child.violence_community = _band(
        0.75 * violence + 0.2 * z["poverty"] + 0.6 * gauss(0.0, 1.0), VIOLENCE_COMMUNITY_CUTS
    )
    child.safety_worry = _band(
        0.5 * violence
        + 0.2 * z["poverty"]
        + 0.25 * child.violence_community
        + 0.75 * gauss(0.0, 1.0),
        SAFETY_CUTS,
    )
    child.abused = abuse + 0.3 * gauss(0.0, 1.0) > ABUSE_CUT
    child.conflict = _band(0.8 * family + 0.55 * gauss(0.0, 1.0), CONFLICT_CUTS)
    child.substance = 0.65 * family + 0.75 * gauss(0.0, 1.0) > SUBSTANCE_CUT
    methods = []
    for method, share, slope in DISCIPLINE_BASE:
        if rng.random() < _chance(share, slope * family):
            methods.append(method)
    if not methods:
        methods.append("explain")
    child.discipline = tuple(methods)
    child.hit_often = _band(0.7 * family + 0.7 * gauss(0.0, 1.0), _cuts(0.55, 0.85, 0.97))
    child.whereabouts = _band(0.8 * z["supervision"] + 0.6 * gauss(0.0, 1.0), WHEREABOUTS_CUTS)
    child.left_alone = _band(0.75 * z["supervision"] + 0.65 * gauss(0.0, 1.0), LEFT_ALONE_CUTS)
    child.bullied = _band(0.4 * z["psych"] + 0.3 * violence + 0.8 * gauss(0.0, 1.0), BULLIED_CUTS)
    if child.abused:
        child.disclosed_to_caregiver = rng.random() < 0.55
        child.signs_visible = rng.random() < 0.35
    # Orphanhood: grandparents and relatives more often care for orphans.
    orphan_chance = {"grandparent": 0.3, "aunt_uncle": 0.35, "foster": 0.8, "sibling": 0.5}.get(
        relation, 0.04
    )
    if rng.random() < orphan_chance:
        roll = rng.random()
        if relation == "mother":
            child.orphan = "father"
        elif relation == "father":
            child.orphan = "mother"
        else:
            child.orphan = (
                "both"
                if roll < 0.3
                else "mother"
                if roll < 0.6
                else "father"
                if roll < 0.9
                else "dont_know"
            )
    # The caregiver's mood (PHQ-9) and the child's feelings and behaviour (PSC-17)
    mood = z["mood"]
    child.phq = tuple(
        _band(mood + gauss(0.0, 0.75) - difficulty, PHQ_STEPS) for difficulty in PHQ_DIFFICULTY
    )
    psych = z["psych"] + (0.5 if child.abused else 0.0) + 0.1 * child.violence_home
    traits = {
        "a": situation.attention * 0.7 + psych * 0.5,
        "i": situation.internalising * 0.6 + psych * 0.6,
        "e": situation.externalising * 0.6 + psych * 0.6,
    }
    child.psc = tuple(
        _band(traits[scale] + gauss(0.0, 0.8) - difficulty, PSC_STEPS)
        for scale, difficulty in zip(PSC_SCALES, PSC_DIFFICULTY, strict=True)
    )
    child.haz = situation.haz
    child.baz = situation.baz
    return child


def growth_measurements(
    rng: random.Random, sex: str, age_months: float, haz: float, baz: float
) -> tuple[float, float]:
    """Height (cm) and weight (kg) for a child with the given WHO z-scores, as a nurse records
    them (to 0.1, with a little measurement error)."""
    sex_index = 0 if sex == "M" else 1
    # The growth measure owns the WHO tables; reuse its loader rather than parse them twice.
    # The WHO 2007 reference starts at 60 months; Foundation Phase children are older.
    age = _clamp(age_months, who_growth.WHO_2007_FROM_MONTHS, who_growth.OLDEST_MONTHS - 1)
    height = who_growth._sd(who_growth._lms_by_month("hfawho2007", sex_index, age), haz)
    bmi = who_growth._sd(who_growth._lms_by_month("bfawho2007", sex_index, age), baz)
    height += rng.gauss(0.0, 0.3)
    weight = bmi * (height / 100.0) ** 2 + rng.gauss(0.0, 0.15)
    return round(height, 1), round(weight, 1)


# --- answers ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Call:
    """One informant's assessment being answered."""

    child: ChildWave
    rng: random.Random
    values: dict[str, Any]
    respondent: str
    age_months: float
    today: dt.date
    cache: dict[str, Any] = field(default_factory=dict)


Generator = Callable[[_Call], Any]

# How much each informant sees of each domain: (noise on the latent, shift of the latent).
# Teachers and nurses see less of what happens at home; the caregiver knows the home best.
LENS: dict[str, dict[str, tuple[float, float]]] = {
    "caregiver": {"protection": (0.6, 0.0)},
    "teacher": {"protection": (0.8, -0.7), "health": (0.8, -0.3), "economic": (0.8, -0.2)},
    "nurse": {"protection": (0.8, -0.8), "education": (0.9, -0.3), "psychosocial": (0.9, -0.3)},
}
DEFAULT_LENS = (0.6, 0.0)
GENERIC_BASE_RATE = 0.05  # share of children whose answer to an unscripted question is risky
GENERIC_SLOPE = 1.1  # how strongly the latent risk raises that share (log-odds per SD)
GENERIC_HIGH_SHARE = 0.3  # of risky answers, the share that are the high-risk ones


# Key questions of the default instrument, answered by name from the child's facts. Each
# returns a value in the instrument's own terms; a value the instrument does not allow (after a
# change of choices) falls back to the generic answer.
def _cg_violence_home(c: _Call) -> Any:
    return ("never", "once", "few", "many")[c.child.violence_home]


def _cg_violence_community(c: _Call) -> Any:
    return ("never", "once", "few", "many")[c.child.violence_community]


def _cg_safety_worry(c: _Call) -> Any:
    return ("not_worried", "a_little", "very")[c.child.safety_worry]


def _cg_family_conflict(c: _Call) -> Any:
    return ("never", "sometimes", "often")[c.child.conflict]


def _cg_substance(c: _Call) -> Any:
    # Some caregivers do not say so.
    return "yes" if c.child.substance and c.rng.random() < 0.85 else "no"


def _cg_abuse_disclosed(c: _Call) -> Any:
    child, roll = c.child, c.rng.random()
    if child.abused and child.disclosed_to_caregiver:
        return "yes" if roll < 0.85 else "refused"
    if child.abused:
        return "no" if roll < 0.85 else "refused"
    return "yes" if roll < 0.002 else "refused" if roll < 0.012 else "no"


def _cg_abuse_concern(c: _Call) -> Any:
    child, roll = c.child, c.rng.random()
    if child.abused:
        if child.disclosed_to_caregiver:
            return "yes" if roll < 0.8 else "not_sure"
        return "yes" if roll < 0.2 else "not_sure" if roll < 0.45 else "no"
    return (
        "yes"
        if roll < 0.006
        else "not_sure"
        if roll < 0.04 + 0.02 * max(0.0, child.z["family"])
        else "no"
    )


def _cg_abuse_reported(c: _Call) -> Any:
    roll = c.rng.random()
    return "yes" if roll < 0.6 else "no" if roll < 0.9 else "dont_know"


def _cg_discipline(c: _Call) -> Any:
    return list(c.child.discipline)


def _cg_hit_often(c: _Call) -> Any:
    return ("rarely", "monthly", "weekly", "daily")[c.child.hit_often]


def _cg_whereabouts(c: _Call) -> Any:
    return ("always", "mostly", "sometimes", "rarely")[c.child.whereabouts]


def _cg_left_alone(c: _Call) -> Any:
    return ("no", "once", "several")[c.child.left_alone]


_LIVES_WITH = {
    "mother": "mother",
    "father": "father",
    "grandparent": "grandparent",
    "aunt_uncle": "other_relative",
    "sibling": "other_relative",
    "foster": "foster",
    "other": "non_relative",
}


def _cg_lives_with(c: _Call) -> Any:
    child = c.child
    if {child.relation, *child.other_relations} >= {"mother", "father"}:
        return "both_parents"
    return _LIVES_WITH.get(child.relation, "other_relative")


def _cg_orphan(c: _Call) -> Any:
    return c.child.orphan


def _cg_child_hungry(c: _Call) -> Any:
    return str(c.child.hunger)


def _cg_meals_yesterday(c: _Call) -> Any:
    return c.child.meals


def _cg_food_groups(c: _Call) -> Any:
    # Starch first (nearly every child eats pap or bread), then the others in order of how
    # common they are in poor Gauteng homes.
    order = ["grains", "other_fruit_veg", "dairy", "meat_fish", "legumes", "vita_fruit_veg", "eggs"]
    count = c.child.food_groups
    picked = order[:1] + sorted(order[1:], key=lambda _: c.rng.random())[: count - 1]
    return [name for name in order if name in picked]


def _cg_income_source(c: _Call) -> Any:
    child, rng = c.child, c.rng
    poverty = child.z["poverty"]
    sources = []
    if rng.random() < _chance(0.5, -0.9 * poverty):
        sources.append("wages")
    if rng.random() < _chance(0.25, 0.4 * poverty):
        sources.append("piece_jobs")
    if rng.random() < 0.12:
        sources.append("business")
    if child.grant_status == "receives":
        sources.append("csg")
    if rng.random() < (0.6 if child.relation == "grandparent" else 0.12):
        sources.append("other_grant")
    if rng.random() < 0.2:
        sources.append("family_support")
    if not sources:
        sources.append("none" if rng.random() < 0.3 else "family_support")
    return sources


_CSG = {"receives": "yes", "applied": "applied", "not_receiving": "no"}


def _cg_csg_child(c: _Call) -> Any:
    known = _CSG.get(c.child.grant_status)
    if known is not None:
        return known
    roll = c.rng.random()
    return "yes" if roll < 0.55 else "no" if roll < 0.85 else "dont_know"


def _cg_water(c: _Call) -> Any:
    water, roll = c.child.water, c.rng.random()
    if water in ("piped_dwelling", "piped_yard"):
        return "tap_home"
    if water == "communal_tap":
        return "communal_near" if roll < 0.75 else "communal_far"
    return "tanker" if roll < 0.7 else "unsafe"


def _cg_electricity(c: _Call) -> Any:
    supply = c.child.electricity
    if supply == "connected":
        return (
            "often_off" if c.rng.random() < 0.08 + 0.06 * max(0.0, c.child.z["poverty"]) else "yes"
        )
    return "often_off" if supply == "informal" else "no"


def _cg_toilet(c: _Call) -> Any:
    sanitation, roll = c.child.sanitation, c.rng.random()
    if sanitation == "flush":
        return "flush_shared" if roll < 0.12 else "flush_own"
    if sanitation == "vip":
        return "pit_slab"
    if sanitation == "pit":
        return "pit_open"
    return "bucket" if roll < 0.4 else "none"


def _cg_dwelling(c: _Call) -> Any:
    return c.child.dwelling


def _cg_room_sharing(c: _Call) -> Any:
    return c.child.room_sharing


def _cg_days_missed(c: _Call) -> Any:
    # Caregivers remember a little fewer days than the register holds.
    days = c.child.absent_days
    return max(0, days - (1 if days and c.rng.random() < 0.3 else 0))


def _cg_missed_reason(c: _Call) -> Any:
    child, rng = c.child, c.rng
    reasons = []
    if rng.random() < 0.65:
        reasons.append("sick")
    if child.hunger >= 1 and rng.random() < 0.5:
        reasons.append("no_food")
    if child.z["poverty"] > 0.8 and rng.random() < 0.3:
        reasons.append(rng.choice(("no_uniform", "no_transport", "caring")))
    if child.bullied == 2 and rng.random() < 0.5:
        reasons.append("afraid")
    if not reasons:
        reasons.append(rng.choice(("other", "refused", "caring")))
    return reasons


def _yes_no_dk(truth: bool, rng: random.Random, knows: float = 0.92) -> str:
    roll = rng.random()
    if roll < knows:
        return "yes" if truth else "no"
    return "dont_know"


def _cg_repeated(c: _Call) -> Any:
    return _yes_no_dk(c.child.repeated, c.rng, 0.95)


def _tc_repeated(c: _Call) -> Any:
    return _yes_no_dk(c.child.repeated, c.rng, 0.97)


def _tc_days_absent(c: _Call) -> Any:
    return c.child.absent_days


def _tc_reading(c: _Call) -> Any:
    return ("at_level", "below", "well_below")[c.child.reading]


def _tc_maths(c: _Call) -> Any:
    return ("at_level", "below", "well_below")[c.child.maths]


def _tc_promotion_risk(c: _Call) -> Any:
    child = c.child
    if child.grade == "R":
        return "no"  # Grade R learners progress to Grade 1
    behind = child.reading + child.maths
    if behind >= 4:
        return "yes" if c.rng.random() < 0.7 else "not_sure"
    if behind == 3:
        return "not_sure" if c.rng.random() < 0.5 else "no"
    return "no"


def _tc_hungry(c: _Call) -> Any:
    hunger, roll = c.child.hunger, c.rng.random()
    if hunger >= 2:
        return "often" if roll < 0.4 else "sometimes" if roll < 0.8 else "never"
    if hunger == 1:
        return "sometimes" if roll < 0.4 else "never"
    return "sometimes" if roll < 0.03 else "never"


def _tc_bullied(c: _Call) -> Any:
    return ("never", "sometimes", "often")[c.child.bullied]


def _signs(c: _Call, seen: float, unseen: float) -> bool:
    """Whether school or clinic staff notice signs of abuse."""
    child = c.child
    if child.abused:
        return c.rng.random() < (seen if child.signs_visible else seen * 0.3)
    return c.rng.random() < unseen


def _tc_injury(c: _Call) -> Any:
    return "yes" if _signs(c, 0.6, 0.008) else "no"


def _tc_abuse_concern(c: _Call) -> Any:
    if _signs(c, 0.7, 0.006):
        return "yes" if c.rng.random() < 0.6 else "not_sure"
    return "not_sure" if c.rng.random() < 0.02 else "no"


def _tc_abuse_disclosed(c: _Call) -> Any:
    return "yes" if c.child.abused and c.rng.random() < 0.08 else "no"


def _ns_injury(c: _Call) -> Any:
    return "yes" if _signs(c, 0.5, 0.003) else "no"


def _ns_abuse_concern(c: _Call) -> Any:
    if _signs(c, 0.5, 0.004):
        return "yes" if c.rng.random() < 0.5 else "not_sure"
    return "not_sure" if c.rng.random() < 0.01 else "no"


def _ns_abuse_disclosed(c: _Call) -> Any:
    return "yes" if c.child.abused and c.rng.random() < 0.06 else "no"


def _ns_oedema(c: _Call) -> Any:
    return "yes" if c.rng.random() < 0.001 else "no"


_TARGETED: dict[str, Generator] = {
    "cg_violence_home": _cg_violence_home,
    "cg_violence_community": _cg_violence_community,
    "cg_safety_worry": _cg_safety_worry,
    "cg_family_conflict": _cg_family_conflict,
    "cg_substance": _cg_substance,
    "cg_abuse_disclosed": _cg_abuse_disclosed,
    "cg_abuse_concern": _cg_abuse_concern,
    "cg_abuse_reported": _cg_abuse_reported,
    "cg_discipline": _cg_discipline,
    "cg_hit_often": _cg_hit_often,
    "cg_whereabouts": _cg_whereabouts,
    "cg_left_alone": _cg_left_alone,
    "cg_lives_with": _cg_lives_with,
    "cg_orphan": _cg_orphan,
    "cg_child_hungry": _cg_child_hungry,
    "cg_meals_yesterday": _cg_meals_yesterday,
    "cg_food_groups": _cg_food_groups,
    "cg_income_source": _cg_income_source,
    "cg_csg_child": _cg_csg_child,
    "cg_water": _cg_water,
    "cg_electricity": _cg_electricity,
    "cg_toilet": _cg_toilet,
    "cg_dwelling": _cg_dwelling,
    "cg_room_sharing": _cg_room_sharing,
    "cg_days_missed": _cg_days_missed,
    "cg_missed_reason": _cg_missed_reason,
    "cg_repeated": _cg_repeated,
    "tc_repeated": _tc_repeated,
    "tc_days_absent": _tc_days_absent,
    "tc_reading": _tc_reading,
    "tc_maths": _tc_maths,
    "tc_promotion_risk": _tc_promotion_risk,
    "tc_hungry": _tc_hungry,
    "tc_bullied": _tc_bullied,
    "tc_injury": _tc_injury,
    "tc_abuse_concern": _tc_abuse_concern,
    "tc_abuse_disclosed": _tc_abuse_disclosed,
    "ns_injury": _ns_injury,
    "ns_abuse_concern": _ns_abuse_concern,
    "ns_abuse_disclosed": _ns_abuse_disclosed,
    "ns_oedema": _ns_oedema,
}


def _respondent_codes(kind: str, c: _Call) -> tuple[int, ...]:
    """The item codes of a standard measure, as this informant gives them."""
    child = c.child
    if kind == "hfias":
        return child.hfias
    if kind == "phq9":
        return child.phq
    if kind == "psc17":
        if c.respondent == "caregiver":
            return child.psc
        # Another informant rates the same child a little differently.
        codes = c.cache.get("psc17")
        if codes is None:
            codes = tuple(
                int(
                    _clamp(
                        code + (1 if c.rng.random() < 0.1 else -1 if c.rng.random() < 0.15 else 0),
                        0,
                        2,
                    )
                )
                for code in child.psc
            )
            c.cache["psc17"] = codes
        return codes
    raise KeyError(kind)


def _growth(c: _Call) -> tuple[float, float]:
    measured = c.cache.get("growth")
    if measured is None:
        measured = growth_measurements(c.rng, c.child.sex, c.age_months, c.child.haz, c.child.baz)
        c.cache["growth"] = measured
    return measured


_SIMPLE_REF = re.compile(r"^\s*\$\{\s*([A-Za-z_][\w.\-]*)\s*\}\s*$")


@dataclass(slots=True)
class _Plan:
    name: str
    relevant: Callable[[Mapping[str, Any]], bool] | None
    generate: Generator


class AnswerModel:
    """Answers for one instrument version; build once per version and reuse."""

    def __init__(self, definition: InstrumentDefinition) -> None:
        self.definition = definition
        self._choices = {
            name: [c.name for c in items] for name, items in definition.choices.items()
        }
        self._rules = _compile_rules(definition)
        self._plans: dict[str, list[_Plan]] = {}
        measure_inputs = self._measure_inputs()
        for respondent in definition.respondents():
            questions = _dependency_order(definition.answerable(respondent))
            self._plans[respondent] = [
                _Plan(
                    q.name,
                    compile_condition(q.relevant) if q.relevant else None,
                    self._generator(q, measure_inputs.get(q.name)),
                )
                for q in questions
            ]

    def respondents(self) -> list[str]:
        return list(self._plans)

    def answers(
        self,
        respondent: str,
        child: ChildWave,
        rng: random.Random,
        *,
        age_months: float,
        today: dt.date,
    ) -> dict[str, Any]:
        """One informant's answers, in the cleaned form the validator stores."""
        values: dict[str, Any] = {}
        call = _Call(child, rng, values, respondent, age_months, today)
        for plan in self._plans.get(respondent, ()):
            if plan.relevant is not None and not plan.relevant(values):
                continue
            value = plan.generate(call)
            if value is not None:
                values[plan.name] = value
        return values

    # -- building the generators ---------------------------------------------------------------

    def _measure_inputs(self) -> dict[str, tuple[str, str]]:
        """Question name → (measure kind, parameter) for inputs that are a plain ${question}."""
        found: dict[str, tuple[str, str]] = {}
        for spec in self.definition.measures:
            for param, expression in spec.inputs.items():
                match = _SIMPLE_REF.match(expression)
                if match:
                    found[match.group(1)] = (spec.kind, param)
        return found

    def _generator(self, question: Question, measure_input: tuple[str, str] | None) -> Generator:
        generic = self._generic(question)
        allowed = self._choices.get(question.list_name or "")
        constraint = compile_condition(question.constraint) if question.constraint else None
        kind = question.type

        def checked(produce: Generator) -> Generator:
            def generate(c: _Call) -> Any:
                value = produce(c)
                if value is None:
                    return generic(c)
                if kind == "select_one":
                    value = str(value)
                    if allowed and value not in allowed:
                        return generic(c)
                elif kind == "select_multiple":
                    value = [str(v) for v in value]
                    if not value or (allowed and any(v not in allowed for v in value)):
                        return generic(c)
                elif kind == "integer":
                    value = int(value)
                elif kind in ("decimal", "range"):
                    value = float(value)
                if constraint is not None and not constraint({**c.values, SELF: value}):
                    return generic(c)
                return value

            return generate

        if measure_input is not None:
            measure, param = measure_input
            if measure == "growth" and param in ("height_cm", "weight_kg"):
                index = 0 if param == "height_cm" else 1
                return checked(lambda c: _growth(c)[index])
            if measure in ("hfias", "phq9", "psc17") and param.startswith("q"):
                item = int(param[1:]) - 1
                return checked(lambda c: _respondent_codes(measure, c)[item])
        targeted = _TARGETED.get(question.name)
        if targeted is not None:
            return checked(targeted)
        return generic

    def _generic(self, question: Question) -> Generator:
        """An answer from the question's type and choices, skewed to answers no rule flags."""
        kind = question.type
        constraint_text = question.constraint
        constraint = compile_condition(constraint_text) if constraint_text else None
        dynamic = bool(constraint_text) and bool(references(parse(constraint_text)) - {SELF})
        dimension = DOMAIN_DIMENSION.get(question.domain or "", "psych")
        domain = question.domain or ""

        def allowed_static(value: Any) -> bool:
            return constraint is None or dynamic or bool(constraint({SELF: value}))

        if kind == "select_one":
            candidates = [
                c for c in self._choices.get(question.list_name or "", []) if allowed_static(c)
            ]
        elif kind == "select_multiple":
            candidates = _subsets(self._choices.get(question.list_name or "", []), allowed_static)
        elif kind == "integer":
            candidates = [n for n in range(0, 201) if allowed_static(n)][:60] or [0]
        elif kind in ("decimal", "range"):
            candidates = [float(n) for n in range(0, 201) if allowed_static(float(n))][:60] or [0.0]
        elif kind == "date":
            return self._generic_date(question, constraint)
        else:  # text and anything else: only what the instrument insists on
            if not question.required:
                return lambda c: None
            return lambda c: "Nothing to add"
        if not candidates:
            return lambda c: None
        by_level = _by_risk(self._rules, question, candidates, self._value_domain)
        rate = GENERIC_BASE_RATE

        def generate(c: _Call) -> Any:
            rng = c.rng
            noise, shift = LENS.get(c.respondent, {}).get(domain, DEFAULT_LENS)
            seen = c.child.z[dimension] + shift + noise * rng.gauss(0.0, 1.0)
            level = 0
            if rng.random() < _chance(rate, GENERIC_SLOPE * seen):
                level = 2 if rng.random() < GENERIC_HIGH_SHARE else 1
            for tries in (level, 1, 0, 2):
                options = by_level[tries]
                if options:
                    break
            # The first-listed answer is the usual one: favour it.
            value = options[0] if rng.random() < 0.5 else options[int(rng.random() * len(options))]
            if kind == "select_multiple":
                value = list(value)
            elif kind in ("decimal", "range") and rng.random() < 0.5:
                value = round(value + rng.random(), 1)
            if dynamic and constraint is not None and not constraint({**c.values, SELF: value}):
                for option in options:
                    candidate = list(option) if kind == "select_multiple" else option
                    if constraint({**c.values, SELF: candidate}):
                        return candidate
                return None
            return value

        return generate

    def _generic_date(self, question: Question, constraint) -> Generator:
        if not question.required:
            return lambda c: None

        def generate(c: _Call) -> Any:
            for _ in range(10):
                day = (c.today - dt.timedelta(days=1 + int(c.rng.random() * 365))).isoformat()
                if constraint is None or constraint({**c.values, SELF: day}):
                    return day
            return None

        return generate

    def _value_domain(self, name: str) -> list[Any]:
        """Values a question may take, to probe rules that read several questions."""
        question = self.definition.question(name)
        if question is None or not question.takes_answer:
            return [None]
        if question.type == "select_one":
            return list(self._choices.get(question.list_name or "", [])) or [None]
        if question.type == "select_multiple":
            return [[c] for c in self._choices.get(question.list_name or "", [])] or [None]
        if question.type in ("integer", "decimal", "range"):
            return [0, 1, 2, 3, 4, 5, 7, 10, 20]
        return [None]


def _dependency_order(questions: list[Question]) -> list[Question]:
    """Survey order, except that a question whose relevance reads a later question moves
    after it (the validator judges relevance on all answers, not only earlier ones)."""
    order = list(questions)
    names = [q.name for q in order]
    for _ in range(len(order)):
        moved = False
        for index, question in enumerate(order):
            if not question.relevant:
                continue
            needs = references(parse(question.relevant)) & set(names)
            last = max((names.index(n) for n in needs), default=-1)
            if last > index:
                order.insert(last, order.pop(index))
                names.insert(last, names.pop(index))
                moved = True
                break
        if not moved:
            break
    return order


def _subsets(choices: list[str], allowed: Callable[[Any], bool]) -> list[tuple[str, ...]]:
    """Candidate answers to a multiple choice: every single choice, and a fixed spread of
    larger sets (the same for every run: the probe has its own seeded source)."""
    probe = random.Random(len(choices))
    found: list[tuple[str, ...]] = []
    for size in range(1, len(choices) + 1):
        combos = list(itertools.combinations(choices, size))
        if len(combos) > 12:
            combos = probe.sample(combos, 12)
        for combo in combos:
            if allowed(list(combo)):
                found.append(combo)
    return found


@dataclass(slots=True)
class _CompiledRule:
    level: int
    condition: Callable[[Mapping[str, Any]], bool]
    names: frozenset[str]
    respondent: str | None


def _compile_rules(definition: InstrumentDefinition) -> list[_CompiledRule]:
    rules = []
    for rule in definition.rules:
        if rule.is_domain_rule:
            continue
        rules.append(
            _CompiledRule(
                LEVEL_RANK[rule.level],
                compile_condition(rule.when),
                frozenset(references(parse(rule.when))),
                rule.respondent,
            )
        )
    return rules


def _by_risk(
    rules: list[_CompiledRule],
    question: Question,
    candidates: Sequence[Any],
    value_domain: Callable[[str], list[Any]],
) -> dict[int, list[Any]]:
    """Sort a question's candidate answers by the highest rule level they can trigger.

    A rule reading other questions too is tried with every combination of their values (up
    to a cap), so "A = 'yes' and B = 'no'" marks B's 'no' as risky. Measure outputs and child
    facts are left empty: the measure inputs are answered by the measure's own model.
    """
    related = [
        r for r in rules if question.name in r.names and r.respondent in (None, question.respondent)
    ]
    probe = random.Random(len(candidates))
    levels: dict[int, list[Any]] = {0: [], 1: [], 2: []}
    for value in candidates:
        answer = list(value) if isinstance(value, tuple) else value
        worst = 0
        for rule in related:
            others = sorted(n for n in rule.names if n != question.name and n not in CHILD_FACTS)
            domains = [value_domain(n) for n in others]
            combos = list(itertools.product(*domains)) if others else [()]
            if len(combos) > 200:
                combos = probe.sample(combos, 200)
            for combo in combos:
                values = dict(zip(others, combo, strict=True))
                values[question.name] = answer
                if rule.condition(values):
                    worst = max(worst, rule.level)
                    break
        levels[worst].append(value)
    return levels
