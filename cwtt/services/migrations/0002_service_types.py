from django.db import migrations

from cwtt.services.catalogue import SERVICE_TYPES


def add_types(apps, schema_editor):
    ServiceType = apps.get_model("services", "ServiceType")
    for code, label, domain in SERVICE_TYPES:
        ServiceType.objects.update_or_create(
            code=code, defaults={"label": label, "domain": domain}
        )


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
