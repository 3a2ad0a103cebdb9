from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cwtt.meetings"
    label = "meetings"
    verbose_name = "Team meetings"
