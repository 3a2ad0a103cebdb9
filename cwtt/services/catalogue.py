"""The kinds of service a child or family can be referred to or receive, each with the domain
of wellbeing it serves. Kept as data: the directory, referral rules and the services-delivered
log all use these codes. Installed by a migration (cwtt/services/migrations/0002_*); a later
version adds rows, never renames a code. The labels are translated where they are shown
(ServiceType.__str__; decision 0062)."""

from django.utils.translation import gettext_noop

SERVICE_TYPES: tuple[tuple[str, str, str], ...] = (
    # code, label, domain
    ("clinic_visit", gettext_noop("Clinic visit (health check, illness)"), "health"),
    ("immunisation", gettext_noop("Immunisation catch-up at the clinic"), "health"),
    ("eye_screening", gettext_noop("Eye screening and glasses"), "health"),
    ("hearing_screening", gettext_noop("Hearing screening"), "health"),
    (
        "growth_monitoring",
        gettext_noop("Growth monitoring and nutrition support at the clinic"),
        "nutrition",
    ),
    (
        "food_support",
        gettext_noop("Food support (food parcels, soup kitchen, garden)"),
        "nutrition",
    ),
    ("school_nutrition", gettext_noop("School nutrition programme"), "nutrition"),
    ("grant_application", gettext_noop("Help to apply for the Child Support Grant"), "economic"),
    ("documents", gettext_noop("Help to get a birth certificate or ID"), "economic"),
    (
        "household_support",
        gettext_noop("Household economic support (livelihoods, savings group)"),
        "economic",
    ),
    (
        "educational_assessment",
        gettext_noop("Educational assessment by the School Based Support Team"),
        "education",
    ),
    ("learning_support", gettext_noop("Learning support (remedial, reading club)"), "education"),
    ("homework_club", gettext_noop("Homework or after-school club"), "education"),
    (
        "statutory_protection",
        gettext_noop("Statutory child protection (designated social worker, SAPS)"),
        "protection",
    ),
    (
        "family_strengthening",
        gettext_noop("Family-strengthening / positive-parenting programme"),
        "protection",
    ),
    (
        "home_visit",
        gettext_noop("Home visit by a social worker or child and youth care worker"),
        "protection",
    ),
    ("counselling", gettext_noop("Counselling for the child"), "psychosocial"),
    (
        "caregiver_mental_health",
        gettext_noop("Mental-health services for the caregiver"),
        "psychosocial",
    ),
    ("psychosocial_group", gettext_noop("Psychosocial support group"), "psychosocial"),
)


# Kinds of support for spotting double-dipping: two service types of the same kind, from two
# programmes, in the same period, are the same help given twice (school nutrition and a food
# parcel programme both feed the child). A type not listed is its own kind.
SUPPORT_KINDS: dict[str, str] = {
    "food_support": "food",
    "school_nutrition": "food",
    "grant_application": "grant_help",
    "documents": "grant_help",
    "counselling": "counselling",
    "psychosocial_group": "counselling",
    "learning_support": "learning_support",
    "homework_club": "learning_support",
    "family_strengthening": "parenting",
    "household_support": "household_income",
}

SUPPORT_KIND_LABELS: dict[str, str] = {
    "food": gettext_noop("Food support"),
    "grant_help": gettext_noop("Help with grants and documents"),
    "counselling": gettext_noop("Counselling and support groups"),
    "learning_support": gettext_noop("Learning support"),
    "parenting": gettext_noop("Parenting programmes"),
    "household_income": gettext_noop("Household income support"),
}


def ensure_service_types(ServiceType) -> None:
    """Create or update each catalogue row (takes the model: the migration passes its own;
    tests that flush the database call it again)."""
    for code, label, domain in SERVICE_TYPES:
        ServiceType.objects.update_or_create(code=code, defaults={"label": label, "domain": domain})
