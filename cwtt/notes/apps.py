from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "cwtt.notes"
    label = "notes"
    verbose_name = "Confidential notes"
