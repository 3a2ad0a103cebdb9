from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cwtt.cases"
    label = "cases"
    verbose_name = "Cases"
