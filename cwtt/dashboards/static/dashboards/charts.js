/* The dashboards' charts, drawn with Chart.js (a copy in the package of the version npm pins;
 * decisions 0022, 0034). Each <canvas data-chart="ID"> is drawn from the JSON in <script id="ID">
 * that the page writes with Django's json_script (cwtt/dashboards/charts.py says what it holds).
 * No inline script and no eval, so the page's Content-Security-Policy (script-src 'self') holds.
 *
 * The table next to each chart has the same numbers and is the page's real content; a hidden
 * number is null here and Chart.js leaves its bar out. */
(function () {
  "use strict";

  // Colours that stay apart for common colour blindness (Okabe-Ito), darkest first.
  var SERIES = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"];
  var RISE = "#b3261e"; // more children at high risk
  var FALL = "#2e7d32"; // fewer
  var FONT = 13; // pixels, for every label: readable on a 360-pixel phone

  function colours(spec, index, values) {
    if (spec.signed) {
      return values.map(function (v) { return v > 0 ? RISE : FALL; });
    }
    return SERIES[index % SERIES.length];
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return; // no Chart.js: the table still has every number
    }
    var spec = JSON.parse(source.textContent);
    // The box's height comes with the numbers: the page may not set it in a style attribute
    // (the Content-Security-Policy allows none, decision 0011), and a script may.
    if (spec.height) canvas.parentNode.style.height = spec.height;
    // On a phone (a box under 480 pixels) the value axis has fewer numbers, so they never
    // crowd each other; the labels are 13 pixels at every width (issue #13).
    var narrow = canvas.parentNode.clientWidth < 480;
    var valueAxis = {
      beginAtZero: true,
      ticks: {
        precision: 0,
        maxTicksLimit: narrow ? 5 : 11,
        maxRotation: 0,
        font: { size: FONT },
        callback: function (value) { return value + spec.unit; }
      }
    };
    if (spec.top !== null) {
      valueAxis.max = spec.top;
    }
    if (spec.axis) {
      valueAxis.title = { display: true, text: spec.axis, font: { size: FONT } };
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.values,
            backgroundColor: colours(spec, index, series.values),
            borderWidth: 0,
            maxBarThickness: 28
          };
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: valueAxis, y: { ticks: { autoSkip: false, font: { size: FONT } } } },
        plugins: {
          legend: { display: spec.series.length > 1, position: "bottom", labels: { font: { size: FONT } } },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = context.raw;
                var shown = value === null ? spec.not_shown : value + spec.unit;
                return context.dataset.label + ": " + shown;
              }
            }
          }
        }
      }
    });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
      if (!window.Chart || !window.Chart.getChart(canvas)) draw(canvas);
    });
  }

  // The school dashboard refreshes itself with htmx: let go of the old charts, draw the new.
  document.addEventListener("htmx:beforeSwap", function () {
    if (!window.Chart) return;
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });
  document.addEventListener("htmx:afterSettle", drawAll);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
