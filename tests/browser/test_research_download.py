"""In a real browser: Rhoda, a researcher for the test district, finds "Research data" in her
menu, downloads a wave's spreadsheet with its codebook, and the page passes axe."""

import pytest
from openpyxl import load_workbook

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role

from ..conftest import _person  # noqa: TID252 - shared test helpers
from .conftest import DESKTOP, PHONE, caregiver_says_hungry, menu, sign_in_fully
from .test_accessibility import Audit, new_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_researcher_downloads_a_wave_with_its_codebook(
    browser, live_server, district, child, other_child, wave, tmp_path, viewport
):
    caregiver_says_hungry(child, wave)
    caregiver_says_hungry(other_child, wave)
    rhoda = _person("rhoda", Role.RESEARCHER, location=district["district"], sector="research")
    context, page = new_page(browser, viewport)
    sign_in_fully(page, live_server.url, rhoda)
    page.get_by_role("heading", name="What needs your attention").wait_for()
    menu(page, "Research data")
    page.get_by_role("heading", name="Research data").wait_for()
    audit = Audit()
    audit.check(page, f"research data {viewport['width']}")
    with page.expect_download() as started:
        page.get_by_role("link", name="Spreadsheet (.xlsx) with codebook").click()
    download = started.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    context.close()
    book = load_workbook(saved)
    assert book.sheetnames == ["research", "codebook"]
    assert book["research"].max_row == 3  # the column names and two children
    assert AuditEntry.objects.get(object_type="research_export").actor == rhoda
    audit.assert_clean()


def test_a_researcher_downloads_every_wave_as_parquet(
    browser, live_server, district, child, other_child, wave, tmp_path
):
    import pyarrow.parquet as pq

    caregiver_says_hungry(child, wave)
    caregiver_says_hungry(other_child, wave)
    rhoda = _person("rhoda", Role.RESEARCHER, location=district["district"], sector="research")
    context, page = new_page(browser, DESKTOP)
    sign_in_fully(page, live_server.url, rhoda)
    page.get_by_role("heading", name="What needs your attention").wait_for()
    menu(page, "Research data")
    page.get_by_role("heading", name="Every wave in one file").wait_for()
    with page.expect_download() as started:
        page.get_by_role("link", name="All waves (.parquet) with codebook").click()
    download = started.value
    assert download.suggested_filename == "cwtt-research-panel.parquet"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    context.close()
    table = pq.read_table(saved)
    assert table.num_rows == 2 and table.schema.field("wave_order").type == "int64"
    assert b"cwtt.codebook" in table.schema.metadata
    assert AuditEntry.objects.get(object_type="research_panel").actor == rhoda
