from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "cwtt.jobs"
    label = "jobs"
    verbose_name = "Background work"
