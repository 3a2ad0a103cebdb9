from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cwtt.web"
    label = "web"
