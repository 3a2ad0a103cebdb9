from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "cwtt.instruments"
    label = "instruments"
