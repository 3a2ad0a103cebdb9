"""A school of realistic size for the offline tests: hundreds of learners in classes of about
forty, each with a household of three caregivers (mother, father, grandmother) and, for most,
the family's consent, written with bulk_create so that a test can make 400 of them in a second
or two. 400 learners bring 1,200 caregivers: more than SQLite's limit of 1,000 terms in one
expression, which a query listing them one by one would exceed (issue #11, item 5)."""

from __future__ import annotations

import datetime as dt

from cwtt.consent.models import ConsentDecision, ConsentText
from cwtt.consent.texts import ensure_first_texts
from cwtt.registry.models import Caregiver, Child, ChildCaregiver, Household, SchoolClass

FIRST = ("Lwazi", "Zanele", "Sipho", "Thandi", "Ayanda", "Bongani", "Naledi", "Kagiso", "Lerato")
LAST = ("Dube", "Mokoena", "Zulu", "Nkosi", "Khumalo", "Mahlangu", "Ndlovu", "Sithole")
CLASS_SIZE = 40
FAMILY = (("Grace", "mother"), ("Themba", "father"), ("Gogo", "grandparent"))


def enrol_learners(
    school, learners: int, *, grade: str = "3", without_consent_every: int = 10
) -> list[Child]:
    """`learners` active children at `school`, in classes "3A", "3B", ... of CLASS_SIZE. Every
    `without_consent_every`-th family has recorded no consent, as happens at a real school; the
    others have agreed to every purpose and the child has assented."""
    classes = SchoolClass.objects.bulk_create(
        [
            SchoolClass(school=school, name=f"{grade}{chr(ord('A') + n)}", year=2026, grade=grade)
            for n in range(-(-learners // CLASS_SIZE))
        ]
    )
    households = Household.objects.bulk_create(
        [Household(address=f"{n + 1} Long Street", water="communal_tap") for n in range(learners)]
    )
    children = Child.objects.bulk_create(
        [
            Child(
                first_name=FIRST[n % len(FIRST)],
                last_name=f"{LAST[n % len(LAST)]}-{n:03d}",
                date_of_birth=dt.date(2017, 1 + n % 12, 1 + n % 28),
                sex="MF"[n % 2],
                school=school,
                school_class=classes[n // CLASS_SIZE],
                household=households[n],
                grant_status="receives",
            )
            for n in range(learners)
        ]
    )
    caregivers = Caregiver.objects.bulk_create(
        [
            Caregiver(household=households[n], first_name=first, last_name=child.last_name)
            for n, child in enumerate(children)
            for first, _ in FAMILY
        ]
    )
    ChildCaregiver.objects.bulk_create(
        [
            ChildCaregiver(
                child=child,
                caregiver=caregivers[n * len(FAMILY) + k],
                relation=relation,
                is_primary=k == 0,
            )
            for n, child in enumerate(children)
            for k, (_, relation) in enumerate(FAMILY)
        ]
    )
    mothers = caregivers[:: len(FAMILY)]
    ensure_first_texts(ConsentText)
    texts = list(ConsentText.objects.all())
    ConsentDecision.objects.bulk_create(
        [
            ConsentDecision(
                child=child,
                purpose=text.purpose,
                decision="given",
                caregiver=None if text.purpose == "assent" else mother,
                text=text,
                decided_on=dt.date(2026, 1, 20),
            )
            for n, (child, mother) in enumerate(zip(children, mothers, strict=True))
            if n % without_consent_every
            for text in texts
        ]
    )
    return children
