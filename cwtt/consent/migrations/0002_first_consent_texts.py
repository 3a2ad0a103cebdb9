"""The first version of the words read to caregivers and children, one per purpose."""

import datetime as dt

from django.db import migrations

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


def add_texts(apps, schema_editor):
    ConsentText = apps.get_model("consent", "ConsentText")
    for purpose, body in TEXTS.items():
        ConsentText.objects.get_or_create(
            purpose=purpose,
            version="1",
            defaults={"body": body, "in_use_from": dt.date(2020, 1, 1)},
        )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(add_texts, migrations.RunPython.noop)]
