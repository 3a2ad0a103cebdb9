from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "cwtt.interop"
    label = "interop"
    verbose_name = "Other systems: REST API, ODK Collect and Enketo, DHIS2"
