from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "cwtt.analytics"
    label = "analytics"
    verbose_name = "Analytics"
