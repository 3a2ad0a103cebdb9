"""Every chart is legible on a 360-pixel phone (issue #13, item 7: the child's risk chart had
labels of about 5 pixels). Read from the page as drawn: for a chart drawn on the server as SVG,
each label's font size times the SVG's scale on screen (its CSS width over its viewBox); for a
Chart.js chart, the fonts Chart.js resolved for each axis's labels, from Chart.getChart(canvas),
and the label positions it laid out. Every label is at least 12 CSS pixels, none overlaps
another, none is cut off at the chart's edge, and no chart is wider than the screen."""

# ruff: noqa: F811 - the fixtures imported below are the tests' arguments
import pytest

from .conftest import PHONE, sign_in, sign_in_fully
from .test_dashboard_journeys import DRAWN, district_planted  # noqa: F401 - a fixture
from .test_evidence_journey import evidence  # noqa: F401 - a fixture
from .test_growth_journey import measured_twice  # noqa: F401 - a fixture
from .test_planning_journey import planted  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

SMALLEST = 12  # CSS pixels

SVG_LABELS = """(selector) => [...document.querySelectorAll(selector)].map((svg) => {
  const frame = svg.getBoundingClientRect();
  const scale = frame.width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll("text")].filter((t) => t.textContent.trim());
  const boxes = texts.map((t) => t.getBoundingClientRect());
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, j) => {
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (x > 1 && y > 1) overlaps.push([texts[i].textContent, texts[i + 1 + j].textContent]);
  }));
  const outside = texts.filter((t, i) => boxes[i].left < frame.left - 1
    || boxes[i].right > frame.right + 1 || boxes[i].top < frame.top - 1
    || boxes[i].bottom > frame.bottom + 1).map((t) => t.textContent);
  return {
    width: frame.width, labels: texts.length, overlaps, outside,
    smallest: Math.min(...texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * scale)),
  };
})"""

CHART_JS_LABELS = """() => [...document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
  const chart = Chart.getChart(canvas);
  const sizes = [];
  const overlaps = [];
  for (const scale of Object.values(chart.scales)) {
    const items = scale.getLabelItems();
    const across = scale.isHorizontal();
    const placed = items.map((item) => {
      const lines = Array.isArray(item.label) ? item.label : [item.label];
      sizes.push(item.font.size);
      chart.ctx.font = item.font.string;
      const wide = Math.max(...lines.map((l) => chart.ctx.measureText(String(l)).width));
      const at = item.options.translation[across ? 0 : 1];
      return {at, half: across ? wide / 2 : (lines.length * item.font.lineHeight) / 2,
              text: lines.join(" ")};
    }).sort((a, b) => a.at - b.at);
    placed.slice(1).forEach((b, i) => {
      const a = placed[i];
      if (b.at - a.at < a.half + b.half) overlaps.push([scale.id, a.text, b.text]);
    });
  }
  if (chart.options.plugins.legend.display) sizes.push(chart.legend.options.labels.font.size);
  const frame = canvas.getBoundingClientRect();
  return {id: canvas.dataset.chart, width: frame.width, height: frame.height,
          smallest: Math.min(...sizes), overlaps};
})"""


def assert_legible(charts, kind):
    assert charts, f"no {kind} on the page"
    for chart in charts:
        assert chart["smallest"] >= SMALLEST, chart
        assert chart["overlaps"] == [], chart
        assert chart.get("outside", []) == [], chart
        assert 200 < chart["width"] <= PHONE["width"], chart


def open_phone(browser):
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page, problems


def test_the_childs_risk_chart_and_the_dashboards_are_legible_on_a_phone(
    browser,
    live_server,
    people,
    district_planted,
    sunrise,
    screenshot,
):
    page, problems = open_phone(browser)
    sign_in(page, live_server.url, "cora")
    child = district_planted[0]
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.locator("svg.chart").wait_for()
    charts = page.evaluate(SVG_LABELS, "svg.chart")
    assert_legible(charts, "risk chart")
    assert charts[0]["labels"] >= 6 + 6 * 2  # six areas, two waves each, and the scale
    screenshot(page, "chart-child-risk-360")

    page.goto(f"{live_server.url}/schools/{sunrise.pk}/dashboard/")
    page.wait_for_function(DRAWN)
    assert_legible(page.evaluate(CHART_JS_LABELS), "Chart.js chart")
    screenshot(page, "chart-school-dashboard-360")
    assert problems == []
    page.close()


def test_the_district_dashboard_is_legible_on_a_phone(
    browser,
    live_server,
    people,
    district_planted,
    screenshot,
):
    page, problems = open_phone(browser)
    sign_in(page, live_server.url, "dumi")
    page.get_by_role("link", name="Compare circuits and schools").click()
    page.wait_for_function(DRAWN)
    charts = page.evaluate(CHART_JS_LABELS)
    assert {c["id"] for c in charts} >= {"chart-by-wave", "chart-change", "chart-funnel"}
    assert_legible(charts, "Chart.js chart")
    assert problems == []
    page.close()


def test_the_evidence_chart_is_legible_on_a_phone(
    browser,
    live_server,
    people,
    evidence,
    screenshot,
):
    page, problems = open_phone(browser)
    sign_in(page, live_server.url, "dumi")
    page.goto(f"{live_server.url}/evidence/?by=school")
    page.locator("svg.interval-chart").first.wait_for()
    assert_legible(page.evaluate(SVG_LABELS, "svg.interval-chart"), "evidence chart")
    screenshot(page, "chart-evidence-360")
    assert problems == []
    page.close()


def test_the_planning_chart_is_legible_on_a_phone(
    browser,
    live_server,
    people,
    planted,
    screenshot,
):
    page, problems = open_phone(browser)
    sign_in(page, live_server.url, "dumi")
    page.goto(f"{live_server.url}/planning/")
    page.locator("svg.projection-chart").wait_for()
    assert_legible(page.evaluate(SVG_LABELS, "svg.projection-chart"), "projection chart")
    screenshot(page, "chart-planning-360")
    assert problems == []
    page.close()


def test_the_growth_charts_are_legible_on_a_phone(
    browser,
    live_server,
    people,
    measured_twice,
    screenshot,
):
    page, problems = open_phone(browser)
    sign_in_fully(page, live_server.url, people["nandi"])
    page.goto(f"{live_server.url}/children/{measured_twice.pk}/")
    page.locator("svg.growth-chart").first.wait_for()
    assert_legible(page.evaluate(SVG_LABELS, "svg.growth-chart"), "growth chart")
    assert problems == []
    page.close()
