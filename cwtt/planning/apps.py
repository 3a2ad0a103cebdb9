from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Targeting of schools and workforce and cost planning (docs/planning.md)."""

    name = "cwtt.planning"
    label = "planning"
    verbose_name = "Planning"
