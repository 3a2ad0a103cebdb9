"""The kinds of service a child or family can be referred to or receive, each with the domain
of wellbeing it serves. Kept as data: the directory, referral rules and the services-delivered
log all use these codes. Installed by a migration (cwtt/services/migrations/0002_*); a later
version adds rows, never renames a code."""

SERVICE_TYPES: tuple[tuple[str, str, str], ...] = (
    # code, label, domain
    ("clinic_visit", "Clinic visit (health check, illness)", "health"),
    ("immunisation", "Immunisation catch-up at the clinic", "health"),
    ("eye_screening", "Eye screening and glasses", "health"),
    ("hearing_screening", "Hearing screening", "health"),
    ("growth_monitoring", "Growth monitoring and nutrition support at the clinic", "nutrition"),
    ("food_support", "Food support (food parcels, soup kitchen, garden)", "nutrition"),
    ("school_nutrition", "School nutrition programme", "nutrition"),
    ("grant_application", "Help to apply for the Child Support Grant", "economic"),
    ("documents", "Help to get a birth certificate or ID", "economic"),
    ("household_support", "Household economic support (livelihoods, savings group)", "economic"),
    (
        "educational_assessment",
        "Educational assessment by the School Based Support Team",
        "education",
    ),
    ("learning_support", "Learning support (remedial, reading club)", "education"),
    ("homework_club", "Homework or after-school club", "education"),
    (
        "statutory_protection",
        "Statutory child protection (designated social worker, SAPS)",
        "protection",
    ),
    ("family_strengthening", "Family-strengthening / positive-parenting programme", "protection"),
    ("home_visit", "Home visit by a social worker or child and youth care worker", "protection"),
    ("counselling", "Counselling for the child", "psychosocial"),
    ("caregiver_mental_health", "Mental-health services for the caregiver", "psychosocial"),
    ("psychosocial_group", "Psychosocial support group", "psychosocial"),
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
    "food": "Food support",
    "grant_help": "Help with grants and documents",
    "counselling": "Counselling and support groups",
    "learning_support": "Learning support",
    "parenting": "Parenting programmes",
    "household_income": "Household income support",
}


def ensure_service_types(ServiceType) -> None:
    """Create or update each catalogue row (takes the model: the migration passes its own;
    tests that flush the database call it again)."""
    for code, label, domain in SERVICE_TYPES:
        ServiceType.objects.update_or_create(code=code, defaults={"label": label, "domain": domain})
