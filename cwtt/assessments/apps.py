from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "cwtt.assessments"
    label = "assessments"
