from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "cwtt.access"
    label = "access"
