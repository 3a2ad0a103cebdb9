from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cwtt.registry"
    label = "registry"
