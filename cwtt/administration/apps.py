from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "cwtt.administration"
    label = "administration"
    verbose_name = "Administration: accounts, schools, waves and instruments"
