from django.apps import AppConfig
from django.core import checks


class DashboardsConfig(AppConfig):
    name = "cwtt.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        checks.register(chart_library_installed, checks.Tags.staticfiles)


def chart_library_installed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The dashboards draw their charts with Chart.js, a file of the package (decision 0034)."""
    from django.contrib.staticfiles import finders

    if finders.find("vendor/chartjs/chart.umd.min.js"):
        return []
    return [
        checks.Warning(
            "Chart.js is missing from the package, so the dashboards show their tables without "
            "charts.",
            hint="Run 'npm ci' and then 'scripts/vendor-chartjs' in the project folder.",
            id="dashboards.W001",
        )
    ]
