"""A realistic, entirely invented demo district: places, schools, children, families, staff,
assessment waves and risk profiles.

`generate_district(schools=4, learners_per_school=60, waves=2, seed=1)` makes one province >
one district > circuits (about one per 10 schools) > schools, each with its Foundation Phase
(Grade R to 3) learners, their households and caregivers, the organisations around the school
(the school itself, a clinic, the DSD office, an NGO, a community organisation) and their staff,
and W yearly assessment waves in which each learner's caregiver, teacher and nurse answered the
instrument. The risk profiles are derived with the same code as every other profile
(`cwtt.assessments.actions.risk_profiles_build`).

How a school's learners move through the years: each wave assesses the school's Foundation
Phase learners of that year, so `learners_per_school` is the enrolment in every year. Each
year most learners move up a grade, a few repeat, Grade 3 learners leave Foundation Phase (kept
in the registry as `exited`, with their earlier waves) and a new Grade R intake arrives, with a
few transfers in and out; so a district holds more children than `schools x learners`. The
waves are the last W school years whose wave is over (each runs February to at most mid-June:
from July this year's is the last, before July last year's); the classes are this year's, so
from January to June this year's new Grade R learners have no assessment yet. Every child is
of the right age for their grade (Grade R turns 6 in the year), except repeaters and a few late
starters, a year older.

How the answers are made is in `answers.py`. Their prevalences follow the CoP study's published
figures; the tests hold them to it.

Same seed, same data (on SQLite and PostgreSQL alike): everything is drawn from one
`random.Random(seed)` in a fixed order, and the wave dates depend only on the seed and today's
year (and on whether this year's wave, which ends by mid-June, is over). No name, place, number
or school describes a real one (see `names.py`). Four caregivers in five have a mobile number
that no phone can reach: `+27 00 …`, laid out as a South African mobile number but with the
international prefix where the network code goes, since South Africa reserves no range for
fiction (decision 0055). They are numbered in order, not drawn from the seed's random stream.

Speed: rows are written with `bulk_create` in batches inside one transaction, answers are not
re-validated (use `check=True`, or the tests, for that) and profiles are computed in memory.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction

from cwtt.access.roles import Role
from cwtt.assessments.actions import risk_profiles_build
from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.cases.models import ServiceDelivered
from cwtt.consent.models import ConsentDecision, ConsentText, Purpose
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.instruments.models import Instrument, InstrumentVersion
from cwtt.registry.models import (
    Caregiver,
    Child,
    ChildCaregiver,
    ChildSearchKey,
    Household,
    Location,
    Organisation,
    School,
    SchoolClass,
    Staff,
)
from cwtt.registry.validation import luhn_ok
from cwtt.services.models import ServiceType
from cwtt.synthetic.phones import FICTITIOUS_PREFIX, fictitious_phone

from . import names
from .answers import AnswerModel, ChildWave, HouseholdSituation, Situation, observe

DEFAULT_INSTRUMENT_CODE = "cwtt"
BATCH_SIZE = 2000
GRADES: tuple[str, ...] = ("R", "1", "2", "3")
GRADE_SHARE: tuple[float, ...] = (0.27, 0.26, 0.24, 0.23)
QUINTILE_SHARE: tuple[float, ...] = (0.35, 0.30, 0.25, 0.07, 0.03)
CLASS_SIZE = 42  # more learners than this in a grade opens another class (up to 3)
SCHOOLS_PER_CIRCUIT = 10
SCHOOLS_PER_CLUSTER = 5  # schools sharing a clinic nurse, a social worker and an NGO
# Each year
REPEAT_RATE = 0.06
TRANSFER_OUT_RATE = 0.03
SIBLING_RATE = 0.25  # new learners who try to join a brother or sister's home (age gaps allowing)
# Coverage of each informant in a wave, and how many assessments are verified or drafts.
COVERAGE: dict[str, float] = {"caregiver": 0.90, "teacher": 0.97, "nurse": 0.80}
VERIFIED_RATE = 0.10
DRAFT_RATE = 0.03
# The services a generated child's support is recorded as (cwtt/services/catalogue.py), per
# domain; not statutory protection (a case of its own) nor school feeding (everyone's drift).
SERVICE_CODES_FOR_DEMO: tuple[str, ...] = (
    "clinic_visit", "immunisation", "eye_screening",
    "food_support", "growth_monitoring",
    "grant_application", "documents", "household_support",
    "educational_assessment", "learning_support", "homework_club",
    "family_strengthening", "home_visit",
    "counselling", "psychosocial_group", "caregiver_mental_health",
)  # fmt: skip
# A point in Gauteng's urban belt; districts are scattered around it.
CENTRE = (-26.2, 28.05)
LOCAL_TIME = ZoneInfo(settings.TIME_ZONE)



class GenerateError(Exception):
    """The district cannot be generated; the message says what to do."""


@dataclass
class GenerateSummary:
    province: str
    district: str
    circuits: int
    schools: int
    classes: int
    children: int
    active_children: int
    households: int
    caregivers: int
    organisations: int
    staff: int
    waves: list[str]
    assessments: int
    risk_profiles: int
    instrument: str
    seconds: float = 0.0
    services: int = 0  # services delivered between waves

    def line(self) -> str:
        return (
            f"Generated {self.district} ({self.province}): {self.circuits} circuits, "
            f"{self.schools} schools, {self.classes} classes, {self.children} children "
            f"({self.active_children} enrolled now), {self.households} households, "
            f"{self.caregivers} caregivers, {self.organisations} organisations, {self.staff} staff, "
            f"{len(self.waves)} waves, {self.assessments} assessments, "
            f"{self.risk_profiles} risk profiles ({self.instrument}), {self.services} services "
            f"delivered between waves, in {self.seconds:.1f} s."
        )


def generate_district(
    *,
    schools: int,
    learners_per_school: int,
    waves: int,
    seed: int,
    instrument_version: InstrumentVersion | None = None,
    progress: Callable[[str], None] | None = None,
    check: bool = False,
    today: dt.date | None = None,
) -> GenerateSummary:
    """Generate one synthetic district (see the module docstring).

    All of it is written in one transaction: either the whole district exists or none of it.
    `check` validates every answer set against the instrument as it is made (slower; for
    testing the answer model). `today` is for tests; the wave dates use only its year and
    whether it is past June.
    """
    if schools < 1 or learners_per_school < 1 or waves < 1:
        raise GenerateError("Schools, learners per school and waves must each be at least 1.")
    version = instrument_version or _latest_version()
    started = time.monotonic()
    builder = _District(
        rng=random.Random(seed),
        version=version,
        today=today or dt.date.today(),
        progress=progress or (lambda message: None),
        check=check,
    )
    with transaction.atomic():
        summary = builder.build(schools=schools, learners=learners_per_school, waves=waves)
    summary.seconds = time.monotonic() - started
    return summary


def _latest_version() -> InstrumentVersion:
    instrument = Instrument.objects.filter(code=DEFAULT_INSTRUMENT_CODE).first()
    version = instrument.latest_version() if instrument else None
    if version is None:
        raise GenerateError(
            f"No version of the '{DEFAULT_INSTRUMENT_CODE}' instrument is published yet. "
            f"Publish one first: cwtt instrument publish {settings.CWTT_DEFAULT_INSTRUMENT}"
        )
    return version


# --- the records being built, before they are saved -------------------------------------------


@dataclass(slots=True, eq=False)
class _SchoolPlan:
    record: School
    area: str
    latitude: float
    longitude: float
    cluster: int
    organisation: Organisation | None = None
    teachers_by_grade: dict[str, list[Staff]] = field(default_factory=dict)
    teachers: list[Staff] = field(default_factory=list)
    coordinator: Staff | None = None
    nurse: Staff | None = None
    field_workers: list[Staff] = field(default_factory=list)
    recent_households: list[_HouseholdPlan] = field(default_factory=list)
    roster: list[_ChildPlan] = field(default_factory=list)  # everyone ever enrolled


@dataclass(slots=True, eq=False)
class _HouseholdPlan:
    record: Household
    situation: HouseholdSituation
    surname: str
    caregivers: list[tuple[Caregiver, str]]  # (caregiver, relation to the children)
    births: list[dt.date] = field(default_factory=list)  # its children's, at this school


@dataclass(slots=True, eq=False)
class _ChildPlan:
    record: Child
    household: _HouseholdPlan
    grades: dict[int, str]  # school year → grade
    repeated_by: dict[int, bool]  # school year → has repeated a grade by then
    situation: Situation | None = None
    high_domains: tuple[str, ...] = ()
    reached: list[str] = field(default_factory=list)  # domains whose support reached them


class _District:
    """Builds one district: registry records in memory first, then saved in bulk."""

    def __init__(
        self,
        *,
        rng: random.Random,
        version: InstrumentVersion,
        today: dt.date,
        progress: Callable[[str], None],
        check: bool,
    ) -> None:
        self.rng = rng
        self.version = version
        self.today = today
        self.progress = progress
        self.check = check
        self.model = AnswerModel(version.parsed())
        self.user_model = get_user_model()
        self.usernames: set[str] = set(self.user_model.objects.values_list("username", flat=True))
        self.organisation_names: set[str] = set(Organisation.objects.values_list("name", flat=True))
        self.emis_numbers: set[str] = set(School.objects.values_list("emis_number", flat=True))
        self.id_numbers: set[str] = set()
        # Demo mobile numbers follow on from any generated before (see `fictitious_phone`).
        last = (
            Caregiver.objects.filter(phone__startswith=FICTITIOUS_PREFIX)
            .order_by("-phone")
            .values_list("phone", flat=True)
            .first()
        )
        self.phones_made = int(last[len(FICTITIOUS_PREFIX) :].replace(" ", "")) if last else 0
        self.staff: list[Staff] = []
        self.staff_schools: list[tuple[Staff, list[School]]] = []
        self.organisations: list[Organisation] = []

    # -- the whole district --------------------------------------------------------------------

    def build(self, *, schools: int, learners: int, waves: int) -> GenerateSummary:
        # Wave dates first, so they depend on nothing but the seed and today's date's year
        # (and half-year).
        wave_dates = self._wave_dates(waves)
        province, district, circuits = self._places(schools)
        plans = self._schools(schools, district, circuits)
        self._organisations_and_staff(plans, district)
        years = [start.year for start, _ in wave_dates]
        class_year = self.today.year
        self._rosters(plans, learners, first_year=years[0], class_year=class_year)
        classes = self._classes(plans, class_year)
        self._save_people(plans)
        self._save_consent(plans, wave_dates[0][0] - dt.timedelta(days=21))
        wave_records = self._waves(wave_dates, [p.record for p in plans])
        assessments = profiles = services = 0
        previous: Wave | None = None
        for wave, year in zip(wave_records, years, strict=True):
            made, profiled = self._assess(wave, year, plans)
            assessments += made
            profiles += profiled
            self.progress(f"{wave.name}: {made} assessments, {profiled} risk profiles")
            if previous is not None:
                services += self._services(previous, wave, plans)
            previous = wave
        children = [c for p in plans for c in p.roster]
        households = {id(c.household): c.household for c in children}
        return GenerateSummary(
            province=province.name,
            district=district.name,
            circuits=len(circuits),
            schools=len(plans),
            classes=classes,
            children=len(children),
            active_children=sum(1 for c in children if c.record.status == Child.Status.ACTIVE),
            households=len(households),
            caregivers=sum(len(h.caregivers) for h in households.values()),
            organisations=len(self.organisations),
            staff=len(self.staff),
            waves=[w.name for w in wave_records],
            assessments=assessments,
            risk_profiles=profiles,
            instrument=str(self.version),
            services=services,
        )

    def _wave_dates(self, count: int) -> list[tuple[dt.date, dt.date]]:
        """Yearly waves, each from early February to at most mid-June, the last one this year's
        once it is over (from July), else last year's."""
        last = (
            self.today.year if self.today >= dt.date(self.today.year, 7, 1) else self.today.year - 1
        )
        dates = []
        for year in range(last - count + 1, last + 1):
            starts = dt.date(year, 2, 1) + dt.timedelta(days=self.rng.randrange(0, 14))
            ends = starts + dt.timedelta(days=100 + self.rng.randrange(0, 21))
            dates.append((starts, ends))
        return dates

    # -- places and schools --------------------------------------------------------------------

    def _places(self, schools: int) -> tuple[Location, Location, list[Location]]:
        rng = self.rng
        province, _ = Location.objects.get_or_create(
            code="SYN-GT",
            defaults={"name": "Gauteng (synthetic)", "level": Location.Level.PROVINCE},
        )
        number = 1
        while Location.objects.filter(code=f"SYN-GT-D{number}").exists():
            number += 1
        word = rng.choice(names.PLACE_WORDS)
        district = Location.objects.create(
            code=f"SYN-GT-D{number}",
            name=f"{word} {rng.choice(('North', 'South', 'East', 'West', 'Central'))} District",
            level=Location.Level.DISTRICT,
            parent=province,
        )
        count = max(1, round(schools / SCHOOLS_PER_CIRCUIT))
        words = rng.sample(names.PLACE_WORDS, min(count, len(names.PLACE_WORDS)))
        circuits = Location.objects.bulk_create(
            Location(
                code=f"{district.code}-C{i + 1:02d}",
                name=f"{words[i % len(words)]} Circuit"
                + (f" {i // len(words) + 1}" if i >= len(words) else ""),
                level=Location.Level.CIRCUIT,
                parent=district,
            )
            for i in range(count)
        )
        return province, district, circuits

    def _schools(
        self, count: int, district: Location, circuits: list[Location]
    ) -> list[_SchoolPlan]:
        rng = self.rng
        centre_lat = CENTRE[0] + rng.uniform(-0.15, 0.15)
        centre_lon = CENTRE[1] + rng.uniform(-0.25, 0.25)
        used: set[str] = set(
            School.objects.filter(location__parent=district).values_list("name", flat=True)
        )
        plans = []
        for index in range(count):
            for _ in range(1000):
                area = rng.choice(names.PLACE_WORDS) + rng.choice(names.PLACE_SUFFIXES)
                name = f"{area} {rng.choice(names.SCHOOL_SUFFIXES)}"
                if name not in used and name not in self.organisation_names:
                    break
            else:
                area, name = f"Area {index + 1}", f"School {index + 1} Primary School"
            used.add(name)
            emis = self._unique(self.emis_numbers, lambda: f"7{rng.randrange(10**8):08d}")
            quintile = rng.choices((1, 2, 3, 4, 5), QUINTILE_SHARE)[0]
            circuit = circuits[min(index * len(circuits) // count, len(circuits) - 1)]
            latitude = centre_lat + rng.uniform(-0.25, 0.25)
            longitude = centre_lon + rng.uniform(-0.3, 0.3)
            plans.append(
                _SchoolPlan(
                    record=School(
                        emis_number=emis,
                        name=name,
                        quintile=quintile,
                        location=circuit,
                        latitude=_coordinate(latitude),
                        longitude=_coordinate(longitude),
                    ),
                    area=area,
                    latitude=latitude,
                    longitude=longitude,
                    cluster=index // SCHOOLS_PER_CLUSTER,
                )
            )
        School.objects.bulk_create([p.record for p in plans])
        return plans

    # -- organisations and staff ---------------------------------------------------------------

    def _organisation(self, name: str, sector: str) -> Organisation:
        base, number = name, 2
        while name in self.organisation_names:
            name, number = f"{base} ({number})", number + 1
        self.organisation_names.add(name)
        organisation = Organisation(name=name, sector=sector)
        self.organisations.append(organisation)
        return organisation

    def _person(self, sex: str | None = None) -> tuple[str, str]:
        rng = self.rng
        if sex is None:
            sex = "F" if rng.random() < 0.75 else "M"  # most Foundation Phase staff are women
        first = rng.choice(names.WOMEN if sex == "F" else names.MEN)
        return first, rng.choice(names.SURNAMES)

    def _staff_member(
        self, role: str, organisation: Organisation, schools: Sequence[School]
    ) -> Staff:
        first, last = self._person()
        base = _ascii(f"{first}.{last}")
        username, number = base, 2
        while username in self.usernames:
            username, number = f"{base}{number}", number + 1
        self.usernames.add(username)
        user = self.user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            # Generated staff cannot sign in: the demo accounts are made elsewhere. The random
            # tail is the seed's, so two runs give identical rows.
            password=UNUSABLE_PASSWORD_PREFIX + f"{self.rng.getrandbits(128):032x}",
        )
        staff = Staff(user=user, organisation=organisation, role=role)
        self.staff.append(staff)
        self.staff_schools.append((staff, list(schools)))
        return staff

    def _organisations_and_staff(self, plans: list[_SchoolPlan], district: Location) -> None:
        rng = self.rng
        dsd = self._organisation(
            f"{district.name} Social Development Office", Organisation.Sector.SOCIAL_DEVELOPMENT
        )
        for plan in plans:
            school_org = self._organisation(plan.record.name, Organisation.Sector.EDUCATION)
            plan.coordinator = self._staff_member(Role.COORDINATOR, school_org, [plan.record])
            plan.organisation = school_org  # teachers are added once classes are known
        clusters: dict[int, list[_SchoolPlan]] = {}
        for plan in plans:
            clusters.setdefault(plan.cluster, []).append(plan)
        for members in clusters.values():
            place = members[0].area
            schools = [p.record for p in members]
            clinic = self._organisation(
                f"{place} {rng.choice(names.CLINIC_KINDS)}", Organisation.Sector.HEALTH
            )
            ngo = self._organisation(
                f"{place} {rng.choice(names.NGO_KINDS)}", Organisation.Sector.NGO
            )
            community = self._organisation(
                f"{place} {rng.choice(names.COMMUNITY_KINDS)}", Organisation.Sector.COMMUNITY
            )
            self._staff_member(Role.SOCIAL_WORKER, dsd, schools)
            nurse = self._staff_member(Role.NURSE, clinic, schools)
            self._staff_member(Role.FIELD_WORKER, community, schools)
            for start in range(0, len(members), 2):
                pair = members[start : start + 2]
                worker = self._staff_member(Role.FIELD_WORKER, ngo, [p.record for p in pair])
                for plan in pair:
                    plan.field_workers.append(worker)
            for plan in members:
                plan.nurse = nurse

    # -- learners through the years ------------------------------------------------------------

    def _rosters(
        self, plans: list[_SchoolPlan], learners: int, *, first_year: int, class_year: int
    ) -> None:
        for plan in plans:
            enrolled: list[_ChildPlan] = []
            for grade_index in range(len(GRADES)):
                for _ in range(_share(learners, grade_index, GRADE_SHARE)):
                    enrolled.append(self._new_child(plan, first_year, GRADES[grade_index]))
            for year in range(first_year + 1, class_year + 1):
                enrolled = self._next_year(plan, enrolled, year, learners)
            for child in plan.roster:
                if child.record.status == Child.Status.ACTIVE and class_year not in child.grades:
                    child.record.status = Child.Status.EXITED

    def _next_year(
        self, plan: _SchoolPlan, enrolled: list[_ChildPlan], year: int, learners: int
    ) -> list[_ChildPlan]:
        rng = self.rng
        staying: list[_ChildPlan] = []
        for child in enrolled:
            grade = child.grades[year - 1]
            if rng.random() < TRANSFER_OUT_RATE:
                child.record.status = Child.Status.TRANSFERRED
                continue
            repeats = rng.random() < REPEAT_RATE
            if grade == "3" and not repeats:
                continue  # on to Grade 4: out of Foundation Phase
            child.grades[year] = grade if repeats else GRADES[GRADES.index(grade) + 1]
            child.repeated_by[year] = child.repeated_by[year - 1] or repeats
            staying.append(child)
        intake = max(0, learners - len(staying))
        grade_r_target = _share(learners, 0, GRADE_SHARE)
        already_r = sum(1 for c in staying if c.grades[year] == "R")
        new_r = min(intake, max(0, grade_r_target - already_r))
        for _ in range(new_r):
            staying.append(self._new_child(plan, year, "R"))
        for _ in range(intake - new_r):  # transfers in from other schools
            staying.append(self._new_child(plan, year, rng.choice(GRADES[1:])))
        return staying

    def _new_child(self, plan: _SchoolPlan, year: int, grade: str) -> _ChildPlan:
        rng = self.rng
        sex = "F" if rng.random() < 0.5 else "M"
        repeated = grade != "R" and rng.random() < 0.08
        late = rng.random() < 0.04
        birth_year = year - 6 - GRADES.index(grade) - (1 if repeated or late else 0)
        born = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        household = None
        if plan.recent_households and rng.random() < SIBLING_RATE:
            candidate = plan.recent_households[int(rng.random() * len(plan.recent_households))]
            # Brothers and sisters are born at least ten months apart.
            if len(candidate.births) < 3 and all(
                abs((born - b).days) >= 300 for b in candidate.births
            ):
                household = candidate
        if household is None:
            household = self._new_household(plan)
        household.births.append(born)
        surname = household.surname if rng.random() < 0.85 else rng.choice(names.SURNAMES)
        first = rng.choice(names.GIRLS if sex == "F" else names.BOYS)
        documents = rng.random()
        id_number = birth_certificate = ""
        if documents < 0.86:
            id_number = self._sa_id(born, sex)
        elif documents < 0.96:
            birth_certificate = f"BC{born:%Y}{rng.randrange(10**7):07d}"
        # About 70-75% of children in quintile 1-3 communities receive the Child Support Grant;
        # a child without a birth certificate cannot apply.
        receives = _logistic(0.95 + 0.8 * household.situation.poverty)
        roll = rng.random()
        if not (id_number or birth_certificate):
            grant = Child.GrantStatus.APPLIED if roll < 0.3 else Child.GrantStatus.NOT_RECEIVING
        elif roll < receives:
            grant = Child.GrantStatus.RECEIVES
        elif roll < receives + 0.05:
            grant = Child.GrantStatus.APPLIED
        elif roll < receives + 0.09:
            grant = Child.GrantStatus.UNKNOWN
        else:
            grant = Child.GrantStatus.NOT_RECEIVING
        child = _ChildPlan(
            record=Child(
                first_name=first,
                last_name=surname,
                date_of_birth=born,
                sex=sex,
                school=plan.record,
                sa_id_number=id_number,
                birth_certificate_number=birth_certificate,
                grant_status=grant,
                status=Child.Status.ACTIVE,
            ),
            household=household,
            grades={year: grade},
            repeated_by={year: repeated},
        )
        plan.roster.append(child)
        return child

    def _new_household(self, plan: _SchoolPlan) -> _HouseholdPlan:
        rng = self.rng
        situation = HouseholdSituation.draw(rng, plan.record.quintile)
        poverty = situation.poverty
        water = ("piped_dwelling", "piped_yard", "communal_tap", "other")[
            _band(0.8 * poverty + 0.6 * rng.gauss(0, 1), (-0.35, 0.75, 1.8))
        ]
        electricity = ("connected", "informal", "none")[
            _band(0.7 * poverty + 0.7 * rng.gauss(0, 1), (0.95, 1.7))
        ]
        sanitation = ("flush", "vip", "pit", "none")[
            _band(0.8 * poverty + 0.6 * rng.gauss(0, 1), (0.3, 0.85, 1.8))
        ]
        street = f"{rng.randrange(1, 3000)} {rng.choice(names.STREET_WORDS)} {rng.choice(names.STREET_KINDS)}"
        area = plan.area + (f" Extension {rng.randrange(1, 12)}" if rng.random() < 0.4 else "")
        located = rng.random() < 0.7
        record = Household(
            address=f"{street}, {area}",
            latitude=_coordinate(plan.latitude + rng.gauss(0, 0.012)) if located else None,
            longitude=_coordinate(plan.longitude + rng.gauss(0, 0.012)) if located else None,
            water=water,
            electricity=electricity,
            sanitation=sanitation,
            members=int(min(12, max(2, round(4.6 + 0.5 * poverty + rng.gauss(0, 1.5))))),
        )
        surname = rng.choice(names.SURNAMES)
        caregivers = []
        relation = rng.choices(
            ("mother", "grandparent", "aunt_uncle", "father", "foster", "sibling", "other"),
            (62, 20, 8, 5, 2, 2, 1),
        )[0]
        caregivers.append(self._caregiver(record, relation, surname))
        if rng.random() < 0.35:
            second = {
                "mother": "father" if rng.random() < 0.5 else "grandparent",
                "grandparent": "aunt_uncle",
            }.get(relation, "grandparent")
            caregivers.append(self._caregiver(record, second, surname))
        household = _HouseholdPlan(record, situation, surname, caregivers)
        plan.recent_households.append(household)
        if len(plan.recent_households) > 60:
            plan.recent_households.pop(0)
        return household

    def _caregiver(
        self, household: Household, relation: str, surname: str
    ) -> tuple[Caregiver, str]:
        rng = self.rng
        male = relation == "father" or (
            relation in ("grandparent", "aunt_uncle", "sibling", "other") and rng.random() < 0.15
        )
        first, other_surname = self._person("M" if male else "F")
        same = {"father": 0.95, "mother": 0.7, "grandparent": 0.5}.get(relation, 0.4)
        last = surname if rng.random() < same else other_surname
        # Counted, not drawn from rng: the random stream, and so everything else made from a
        # seed, is what it was before caregivers had numbers.
        self.phones_made += 1
        phone = fictitious_phone(self.phones_made) if self.phones_made % 5 else ""
        caregiver = Caregiver(household=household, first_name=first, last_name=last, phone=phone)
        return caregiver, relation

    def _sa_id(self, born: dt.date, sex: str) -> str:
        """A valid-looking SA ID number: YYMMDD, SSSS (0-4999 female, 5000-9999 male),
        citizenship 0, 8, and the Luhn check digit."""
        rng = self.rng

        def draw() -> str:
            sequence = rng.randrange(5000) + (5000 if sex == "M" else 0)
            body = f"{born:%y%m%d}{sequence:04d}08"
            return body + next(d for d in "0123456789" if luhn_ok(body + d))

        return self._unique(self.id_numbers, draw)

    def _classes(self, plans: list[_SchoolPlan], year: int) -> int:
        rng = self.rng
        created: list[SchoolClass] = []
        for plan in plans:
            organisation = plan.organisation
            assert organisation is not None
            for grade in GRADES:
                learners = [c for c in plan.roster if c.grades.get(year) == grade]
                if not learners:
                    continue
                count = min(3, max(1, math.ceil(len(learners) / CLASS_SIZE)))
                order = sorted(range(len(learners)), key=lambda _: rng.random())
                for number in range(count):
                    school_class = SchoolClass(
                        school=plan.record, grade=grade, name=f"{grade}{'ABC'[number]}", year=year
                    )
                    created.append(school_class)
                    for index in order[number::count]:
                        learners[index].record.school_class = school_class
                    teacher = self._staff_member(Role.TEACHER, organisation, [plan.record])
                    plan.teachers_by_grade.setdefault(grade, []).append(teacher)
                    plan.teachers.append(teacher)
        SchoolClass.objects.bulk_create(created, batch_size=BATCH_SIZE)
        return len(created)

    # -- saving the registry -------------------------------------------------------------------

    def _save_people(self, plans: list[_SchoolPlan]) -> None:
        Organisation.objects.bulk_create(self.organisations, batch_size=BATCH_SIZE)
        # bulk_create fills in each foreign key from its related object saved just before.
        self.user_model.objects.bulk_create([s.user for s in self.staff], batch_size=BATCH_SIZE)
        Staff.objects.bulk_create(self.staff, batch_size=BATCH_SIZE)
        Through = Staff.schools.through
        Through.objects.bulk_create(
            [
                Through(staff_id=s.pk, school_id=school.pk)
                for s, schools in self.staff_schools
                for school in schools
            ],
            batch_size=BATCH_SIZE,
        )
        children = [c for p in plans for c in p.roster]
        households: dict[int, _HouseholdPlan] = {}
        for child in children:
            households.setdefault(id(child.household), child.household)
        Household.objects.bulk_create(
            [h.record for h in households.values()], batch_size=BATCH_SIZE
        )
        caregivers = [cg for h in households.values() for cg, _ in h.caregivers]
        Caregiver.objects.bulk_create(caregivers, batch_size=BATCH_SIZE)
        for child in children:
            child.record.household = child.household.record
        Child.objects.bulk_create([c.record for c in children], batch_size=BATCH_SIZE)
        ChildSearchKey.write_for([c.record for c in children])
        ChildCaregiver.objects.bulk_create(
            [
                ChildCaregiver(
                    child=c.record, caregiver=cg, relation=relation, is_primary=index == 0
                )
                for c in children
                for index, (cg, relation) in enumerate(c.household.caregivers)
            ],
            batch_size=BATCH_SIZE,
        )

    # Shares of caregivers agreeing to each purpose (every assessed child's caregiver agreed to
    # the assessment itself). A separate random stream, so the rest of the district is the
    # same with or without consent records.
    CONSENT_SHARES = {
        Purpose.ASSESSMENT: 1.0,
        Purpose.SHARE_HEALTH: 0.93,
        Purpose.SHARE_SOCIAL_DEVELOPMENT: 0.9,
        Purpose.RESEARCH: 0.8,
        Purpose.ASSENT: 0.97,
    }

    def _save_consent(self, plans: list[_SchoolPlan], decided_on: dt.date) -> None:
        rng = random.Random(hash(self.rng.getstate()))  # reads the state, draws nothing
        texts = {t.purpose: t for t in ConsentText.objects.all()}
        decisions = []
        for child in (c for p in plans for c in p.roster):
            caregiver = child.household.caregivers[0][0] if child.household.caregivers else None
            for purpose, share in self.CONSENT_SHARES.items():
                if purpose not in texts or (caregiver is None and purpose != Purpose.ASSENT):
                    continue
                decisions.append(
                    ConsentDecision(
                        child=child.record,
                        purpose=purpose,
                        decision="given" if rng.random() < share else "refused",
                        caregiver=None if purpose == Purpose.ASSENT else caregiver,
                        text=texts[purpose],
                        decided_on=decided_on,
                    )
                )
        ConsentDecision.objects.bulk_create(decisions, batch_size=BATCH_SIZE)

    def _waves(self, dates: list[tuple[dt.date, dt.date]], schools: list[School]) -> list[Wave]:
        """Create the waves, or join waves of the same name (another generated district's)."""
        records = []
        Through = Wave.schools.through
        for number, (starts, ends) in enumerate(dates, start=1):
            wave, created = Wave.objects.get_or_create(
                name=f"Wave {number} ({starts.year})",
                defaults={"starts_on": starts, "ends_on": ends, "instrument_version": self.version},
            )
            if not created and wave.starts_on >= self.today:
                raise GenerateError(
                    f"The existing wave '{wave.name}' has not started yet, so it cannot hold "
                    "generated assessments; rename it or use fewer waves."
                )
            # A wave without schools covers every school already; adding ours would narrow it.
            if created or wave.schools.exists():
                Through.objects.bulk_create(
                    [Through(wave_id=wave.pk, school_id=s.pk) for s in schools]
                )
            records.append(wave)
        return records

    # -- assessments and profiles ----------------------------------------------------------------

    def _assess(self, wave: Wave, year: int, plans: list[_SchoolPlan]) -> tuple[int, int]:
        pending: list[Assessment] = []
        groups: list[tuple[_ChildPlan, list[Assessment]]] = []
        made = profiled = 0
        validator = validator_for(self.version.pk) if self.check else None
        for plan in plans:
            days = self._visit_days(wave)
            for child in plan.roster:
                grade = child.grades.get(year)
                if grade is None:
                    continue
                facts = self._observe(child, plan, grade, year)
                counted: list[Assessment] = []
                for respondent in self.model.respondents():
                    coverage = COVERAGE.get(respondent)
                    if coverage is None or self.rng.random() >= coverage:
                        continue
                    assessment = self._assessment(
                        wave, plan, child, facts, respondent, grade, days, validator
                    )
                    pending.append(assessment)
                    if assessment.status != Assessment.Status.DRAFT:
                        counted.append(assessment)
                if counted:
                    groups.append((child, counted))
                if len(pending) >= BATCH_SIZE:
                    made_now, profiled_now = self._flush(wave, pending, groups)
                    made, profiled = made + made_now, profiled + profiled_now
                    pending, groups = [], []
        made_now, profiled_now = self._flush(wave, pending, groups)
        return made + made_now, profiled + profiled_now

    def _observe(self, child: _ChildPlan, plan: _SchoolPlan, grade: str, year: int) -> ChildWave:
        rng = self.rng
        household = child.household
        child.reached = []
        if child.situation is None:
            child.situation = Situation.draw(rng, household.situation, plan.record.quintile)
        else:
            child.situation = child.situation.next_wave(rng, child.high_domains, child.reached)
        relations = [relation for _, relation in household.caregivers]
        record = child.record
        return observe(
            rng,
            child.situation,
            sex=record.sex,
            grade=grade,
            quintile=plan.record.quintile,
            repeated=child.repeated_by[year],
            grant_status=record.grant_status,
            water=household.record.water,
            electricity=household.record.electricity,
            sanitation=household.record.sanitation,
            members=household.record.members or 4,
            relation=relations[0],
            other_relations=tuple(relations[1:]),
        )

    def _visit_days(self, wave: Wave) -> dict[str, list[dt.date]]:
        """The school days on which each kind of informant was seen at one school."""
        rng = self.rng
        # A joined wave may still be open: nothing is assessed after yesterday.
        last = min(wave.ends_on, self.today - dt.timedelta(days=1))
        span = (last - wave.starts_on).days
        first = wave.starts_on + dt.timedelta(days=rng.randrange(max(1, span - 35)))

        def school_days(start: dt.date, count: int) -> list[dt.date]:
            days, day = [], start
            while len(days) < count and day <= last:
                if day.weekday() < 5:
                    days.append(day)
                day += dt.timedelta(days=1)
            return days or [wave.starts_on]

        return {
            "caregiver": school_days(first, 15),
            "teacher": school_days(first + dt.timedelta(days=rng.randrange(0, 10)), 4),
            "nurse": school_days(first + dt.timedelta(days=rng.randrange(0, 20)), 2),
        }

    def _assessment(
        self,
        wave: Wave,
        plan: _SchoolPlan,
        child: _ChildPlan,
        facts: ChildWave,
        respondent: str,
        grade: str,
        days: dict[str, list[dt.date]],
        validator,
    ) -> Assessment:
        rng = self.rng
        options = days.get(respondent) or days["caregiver"]
        assessed_on = options[int(rng.random() * len(options))]
        record = child.record
        answers = self.model.answers(
            respondent, facts, rng, age_months=record.age_months(assessed_on), today=assessed_on
        )
        roll = rng.random()
        status = (
            Assessment.Status.DRAFT
            if roll < DRAFT_RATE
            else Assessment.Status.VERIFIED
            if roll < DRAFT_RATE + VERIFIED_RATE
            else Assessment.Status.SUBMITTED
        )
        if status == Assessment.Status.DRAFT:
            # A draft stops part-way through (answers come in survey order, so relevance holds).
            keep = int(len(answers) * rng.uniform(0.2, 0.8))
            answers = dict(list(answers.items())[:keep])
        if validator is not None:
            checked = validator.validate(
                respondent, answers, partial=status == Assessment.Status.DRAFT, today=assessed_on
            )
            if not checked.ok or checked.answers != answers:
                raise GenerateError(
                    f"Generated {respondent} answers do not validate: {checked.errors}"
                )
        caregiver = staff = None
        if respondent == "caregiver":
            caregiver = child.household.caregivers[0][0]
            assessor = plan.field_workers[int(rng.random() * len(plan.field_workers))]
        elif respondent == "teacher":
            teachers = plan.teachers_by_grade.get(grade) or plan.teachers or [plan.coordinator]
            staff = assessor = teachers[int(rng.random() * len(teachers))]
        else:
            staff = assessor = plan.nurse
        submitted_at = None
        if status != Assessment.Status.DRAFT:
            submitted_at = dt.datetime.combine(
                assessed_on, dt.time(8 + rng.randrange(8), rng.randrange(60)), tzinfo=LOCAL_TIME
            )
        return Assessment(
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            child=record,
            wave=wave,
            respondent=respondent,
            informant_caregiver=caregiver,
            informant_staff=staff,
            assessor=assessor.user,
            assessed_on=assessed_on,
            instrument_version=self.version,
            answers=answers,
            status=status,
            submitted_at=submitted_at,
        )

    def _flush(
        self,
        wave: Wave,
        pending: list[Assessment],
        groups: list[tuple[_ChildPlan, list[Assessment]]],
    ) -> tuple[int, int]:
        if not pending:
            return 0, 0
        Assessment.objects.bulk_create(pending, batch_size=BATCH_SIZE)
        profiles = risk_profiles_build((child.record, wave, counted) for child, counted in groups)
        RiskProfile.objects.bulk_create(profiles, batch_size=BATCH_SIZE)
        for (child, _), profile in zip(groups, profiles, strict=True):
            child.high_domains = tuple(d for d in DOMAINS if getattr(profile, d) == "high")
        return len(pending), len(profiles)

    # -- services delivered between waves ------------------------------------------------------

    def _services(self, previous: Wave, wave: Wave, plans: list[_SchoolPlan]) -> int:
        """The support that reached a child between two waves (`Situation.next_wave`), recorded
        as a service delivered, outside any case, by the school's coordinator: one service of
        the domain per domain reached, on a day between the waves. So the outcomes of services
        (cwtt/analytics/outcomes.py) have something to compare, and the help the answer model
        plants is in the records. A separate random stream: the rest of the district is the
        same with or without it."""
        rng = random.Random(hash(self.rng.getstate()) + 1)  # reads the state, draws nothing
        types: dict[str, list[ServiceType]] = {}
        for service_type in ServiceType.objects.filter(code__in=SERVICE_CODES_FOR_DEMO):
            types.setdefault(service_type.domain, []).append(service_type)
        for found in types.values():
            found.sort(key=lambda t: t.code)
        first = previous.ends_on + dt.timedelta(days=1)
        span = max(0, (wave.starts_on - first).days - 1)
        rows = []
        for plan in plans:
            if plan.coordinator is None:
                continue
            for child in plan.roster:
                for domain in child.reached:
                    if domain not in types:
                        continue
                    rows.append(
                        ServiceDelivered(
                            child=child.record,
                            service_type=rng.choice(types[domain]),
                            delivered_on=first + dt.timedelta(days=rng.randint(0, span)),
                            provider_name=self._provider_for(plan, domain),
                            outcome=ServiceDelivered.Outcome.DELIVERED,
                            recorded_by=plan.coordinator.user,
                            recorded_at=dt.datetime.combine(
                                wave.starts_on, dt.time(8), tzinfo=LOCAL_TIME
                            ),
                        )
                    )
                child.reached = []
        ServiceDelivered.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        return len(rows)

    @staticmethod
    def _provider_for(plan: _SchoolPlan, domain: str) -> str:
        if domain in ("health", "nutrition") and plan.nurse is not None:
            return plan.nurse.organisation.name
        if domain != "education" and plan.field_workers:
            return plan.field_workers[0].organisation.name
        return plan.record.name

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _unique(taken: set[str], draw: Callable[[], str]) -> str:
        while True:
            value = draw()
            if value not in taken:
                taken.add(value)
                return value


def _share(total: int, index: int, shares: Sequence[float]) -> int:
    """The index-th part of `total` split by `shares`, the parts summing exactly to `total`."""
    cumulative = [round(total * sum(shares[: i + 1])) for i in range(len(shares))]
    return cumulative[index] - (cumulative[index - 1] if index else 0)


def _band(x: float, cuts: Sequence[float]) -> int:
    return sum(1 for cut in cuts if x >= cut)


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch == ".")[:140]
