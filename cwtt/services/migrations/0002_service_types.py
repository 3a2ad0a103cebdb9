from django.db import migrations

from cwtt.services.catalogue import ensure_service_types


def add_types(apps, schema_editor):
    ensure_service_types(apps.get_model("services", "ServiceType"))


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
