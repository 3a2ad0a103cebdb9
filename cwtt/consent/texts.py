"""The first version of the words read to caregivers and children, one per purpose. Installed
by a migration; later versions are added as new ConsentText rows with a later in_use_from."""

import datetime as dt

FIRST_VERSION = "1"
IN_USE_FROM = dt.date(2020, 1, 1)

TEXTS = {
    "assessment": (
        "We would like to ask you, your child's teacher and the clinic nurse some questions "
        "about your child's health, food, schooling, safety and feelings, and about your "
        "household. The answers help the school's team see whether your child needs support. "
        "You can say no, skip any question, or stop at any time, and your child will still get "
        "the school's help. You can change your mind later."
    ),
    "share_health": (
        "May we share what we learn about your child with the clinic nurse who works with the "
        "school, so that health problems can be followed up? You can say no and change your "
        "mind later."
    ),
    "share_social_development": (
        "May we share what we learn about your child with the social worker who works with the "
        "school, so that your family can be helped with grants, food or other support? You can "
        "say no and change your mind later. If a child is being harmed, the law requires us to "
        "tell a social worker even without your agreement."
    ),
    "research": (
        "May researchers use your child's answers, without your child's name or ID number, to "
        "learn what helps children in schools like this one? You can say no and change your "
        "mind later."
    ),
    "assent": (
        "(Read to the child) We would like to ask you some questions about how you feel and "
        "what happens at home and at school. You can say no, and you can stop whenever you "
        "want. Nobody will be cross with you."
    ),
}


def ensure_first_texts(ConsentText) -> None:
    """Create version 1 of each text if missing (takes the model: migrations pass theirs)."""
    for purpose, body in TEXTS.items():
        ConsentText.objects.get_or_create(
            purpose=purpose,
            version=FIRST_VERSION,
            defaults={"body": body, "in_use_from": IN_USE_FROM},
        )
