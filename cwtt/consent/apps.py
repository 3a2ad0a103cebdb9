from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "cwtt.consent"
    label = "consent"
    verbose_name = "Consent"
