from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    name = "cwtt.worklists"
    label = "worklists"
    verbose_name = "Worklists"
