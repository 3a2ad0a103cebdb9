from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "cwtt.services"
    label = "services"
    verbose_name = "Service directory"
