from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    name = "cwtt.synthetic"
    label = "synthetic"
    verbose_name = "Synthetic demo data"
