from django.apps import AppConfig


class OfflineConfig(AppConfig):
    name = "cwtt.offline"
    label = "offline"
    verbose_name = "Offline work on a phone"
