"""Chart.js is served by the app itself (no CDN: the app works with no internet), at the version
package-lock.json pins, from a copy in the package (so a `pip install` has it, decision 0034),
and the dashboards need no inline script or eval (decision 0022)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from ..conftest import sign_in  # noqa: TID252 - shared test helper

ROOT = Path(settings.PROJECT_DIR)


PACKAGED = ROOT / "cwtt" / "dashboards" / "static" / "vendor" / "chartjs" / "chart.umd.min.js"
NPM_COPY = ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"


def locked_chart_js_version() -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/chart.js"]["version"]
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["chart.js"]
    assert locked == wanted  # pinned exactly
    return locked


def test_the_finders_find_chart_js_in_the_package_not_in_node_modules():
    # A `pip install` has no node_modules: the file must be one of the package's own.
    found = finders.find("vendor/chartjs/chart.umd.min.js")
    assert found, "Chart.js is missing from the package: run scripts/vendor-chartjs"
    assert Path(found) == PACKAGED


def test_the_packaged_chart_js_is_the_version_package_lock_pins():
    locked = locked_chart_js_version()
    assert locked.startswith("4.")
    assert f"Chart.js v{locked}\n".encode() in PACKAGED.read_bytes()[:100]


@pytest.mark.skipif(not NPM_COPY.exists(), reason="node_modules is not installed (npm ci)")
def test_the_packaged_chart_js_is_byte_for_byte_what_npm_installed():
    installed = json.loads((ROOT / "node_modules/chart.js/package.json").read_text())["version"]
    assert installed == locked_chart_js_version(), "run npm ci"
    assert PACKAGED.read_bytes() == NPM_COPY.read_bytes(), (
        "the copy in the package differs from node_modules: run scripts/vendor-chartjs"
    )


@pytest.mark.django_db
def test_the_app_serves_chart_js_and_the_drawing_script(client):
    response = client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert b"Chart.js v4" in body[:300]
    charts = client.get("/static/dashboards/charts.js")
    assert charts.status_code == 200
    assert b"canvas[data-chart]" in b"".join(charts.streaming_content)


@pytest.mark.django_db
def test_the_dashboard_loads_scripts_only_from_the_app(client, people, sunrise):
    sign_in(client, people["cora"])
    response = client.get(reverse("school_dashboard", args=[sunrise.pk]))
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script_src.strip() == "'self'"
    page = response.content.decode()
    for tag in re.findall(r"<script[^>]*>", page):
        # Either a file of the app's own, or data (json_script), never code in the page.
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert "http://" not in page.split("<main", 1)[1] and "https://" not in page


def test_charts_js_uses_no_eval():
    source = (ROOT / "cwtt/dashboards/static/dashboards/charts.js").read_text()
    assert "eval(" not in source and "new Function" not in source and "innerHTML" not in source
