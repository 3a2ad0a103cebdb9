"""The first version of the words read to caregivers and children, one per purpose."""

from django.db import migrations

from cwtt.consent.texts import ensure_first_texts


def add_texts(apps, schema_editor):
    ensure_first_texts(apps.get_model("consent", "ConsentText"))


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(add_texts, migrations.RunPython.noop)]
