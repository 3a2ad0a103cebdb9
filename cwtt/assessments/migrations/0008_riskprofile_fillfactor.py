"""On PostgreSQL, risk profile pages keep 30% free, so a rescore's rewrite of a profile whose
indexed columns (levels, version) did not change stays on its page and leaves the twelve indexes
alone (a "HOT" update): a third less of the server's time in a rescore (decision 0071). It
applies to pages written from now on; `VACUUM FULL assessments_riskprofile` applies it to the
existing ones. SQLite has no such setting."""

from django.db import migrations


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assessments_riskprofile SET (fillfactor = 70)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assessments_riskprofile RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0007_pairs_index")]

    operations = [migrations.RunPython(leave_room, fill_pages)]
