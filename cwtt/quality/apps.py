from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "cwtt.quality"
    label = "quality"
    verbose_name = "Data quality"
