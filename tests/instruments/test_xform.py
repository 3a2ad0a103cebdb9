"""Each published version keeps its XForm, with the version's number as the form's version
(issue #12), so ODK Collect and Enketo fill exactly what was published."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cwtt.instruments.actions import InstrumentRejected, instrument_publish
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.xlsform import xform_from_json
from cwtt.instruments.models import InstrumentVersion
from cwtt.instruments.xform import xform_of

from .xlsforms import as_xls

FIXTURES = Path(__file__).parent.parent / "fixtures"
MINI = (FIXTURES / "mini.md").read_bytes()
XF = "{http://www.w3.org/2002/xforms}"


def form_root(xform: str) -> ElementTree.Element:
    """The primary instance's root element, which carries the form's id and version."""
    return ElementTree.fromstring(xform).find(f".//{XF}instance/*")


@pytest.mark.django_db
def test_publishing_keeps_the_xform_with_the_version_number_as_its_version():
    first = instrument_publish(data=MINI, filename="mini.md").version
    changed = MINI.replace(b"${cg_meals} < 2", b"${cg_meals} < 3")
    second = instrument_publish(data=changed, filename="mini.md").version
    for version in (first, second):
        root = form_root(xform_of(version))
        assert root.get("id") == "mini"
        assert root.get("version") == str(version.number)
    # Apart from its version, it is the XForm pyxform makes of the file.
    expected = read_instrument(MINI, "mini.md").xform.replace('version="t1"', 'version="1"')
    assert xform_of(first) == expected


@pytest.mark.django_db
def test_a_legacy_xls_workbook_publishes_with_its_xform():
    data = as_xls(
        {
            "survey": [["Type", "Name", "Label"], ["select one from yn", "ok", "OK?"]],
            "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
            "settings": [["form_id"], ["legacy"]],
        }
    )
    version = instrument_publish(data=data, filename="legacy.xls").version
    assert version.parsed().question("ok").type == "select_one"
    assert form_root(xform_of(version)).get("version") == "1"


@pytest.mark.django_db
def test_a_broken_constraint_stops_publishing():
    data = (
        b"| survey |\n| | type | name | label | constraint |\n"
        b"| | integer | height | Height | . >= 80 and and . <= 170 |\n"
    )
    with pytest.raises(InstrumentRejected) as rejected:
        instrument_publish(data=data, filename="height.md")
    assert [str(p) for p in rejected.value.problems] == [
        "survey row 2, column constraint: the expression '. >= 80 and and . <= 170' cannot be "
        "read: 'and' at position 13 has nothing before it; a value is missing"
    ]
    assert not InstrumentVersion.objects.exists()


@pytest.mark.django_db
def test_xform_of_a_version_without_one_says_so():
    version = instrument_publish(data=MINI, filename="mini.md").version
    InstrumentVersion.objects.filter(pk=version.pk).update(xform="")
    version.refresh_from_db()
    with pytest.raises(ValueError, match="has no XForm"):
        xform_of(version)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_versions_published_earlier_their_xform():
    executor = MigrationExecutor(connection)
    executor.migrate([("instruments", "0002_instrumentversion_xform")])
    apps = executor.loader.project_state([("instruments", "0002_instrumentversion_xform")]).apps
    instrument = apps.get_model("instruments", "Instrument").objects.create(code="mini", title="M")
    apps.get_model("instruments", "InstrumentVersion").objects.create(
        instrument=instrument,
        number=4,
        source_name="mini.md",
        source=MINI,
        checksum="x",
        definition=read_instrument(MINI, "mini.md").definition.to_dict(),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    version = InstrumentVersion.objects.get()
    assert form_root(xform_of(version)).get("version") == "4"


@pytest.mark.parametrize("label", ["t1", "", 'a "quoted" & odd label'])
def test_the_version_is_set_as_pyxform_would_set_it(label):
    """Setting the version on the XForm built once gives what pyxform builds with it."""
    data = MINI.replace(b"| t1 |", f"| {label} |".encode())
    result = read_instrument(data, "mini.md")
    assert result.xform_for_version("12") == xform_from_json(result.form, "12")
    assert form_root(result.xform_for_version("12")).get("version") == "12"
