from django.apps import AppConfig
from django.core import checks


class DashboardsConfig(AppConfig):
    name = "cwtt.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        checks.register(chart_library_installed, checks.Tags.staticfiles)


def chart_library_installed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The dashboards draw their charts with Chart.js from node_modules (decision 0022)."""
    from django.contrib.staticfiles import finders

    if finders.find("vendor/chartjs/chart.umd.min.js"):
        return []
    return [
        checks.Warning(
            "Chart.js is not installed, so the dashboards show their tables without charts.",
            hint="Run 'npm ci' in the project folder (scripts/demo and scripts/test do it).",
            id="dashboards.W001",
        )
    ]
