"""Give every version published before XForms were kept its XForm, built by pyxform from the
file as published, with the version's number as the form's version (issue #12)."""

from django.db import migrations


def fill_xforms(apps, schema_editor):
    from cwtt.instruments.engine.reader import read_instrument

    versions = apps.get_model("instruments", "InstrumentVersion")
    for version in versions.objects.filter(xform="").iterator():
        result = read_instrument(bytes(version.source), version.source_name)
        if result.form is None:
            # Every version passed pyxform when it was published. Should a later pyxform
            # refuse one, the deployment goes on; xform_of() says the version has no XForm.
            problems = "; ".join(str(p) for p in result.problems)
            print(f"  instrument version {version.pk} has no XForm: {problems}")
            continue
        version.xform = result.xform_for_version(str(version.number))
        version.save(update_fields=["xform"])


class Migration(migrations.Migration):
    dependencies = [("instruments", "0002_instrumentversion_xform")]

    operations = [migrations.RunPython(fill_xforms, migrations.RunPython.noop)]
