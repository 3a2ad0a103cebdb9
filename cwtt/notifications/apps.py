from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cwtt.notifications"
    label = "notifications"
    verbose_name = "Notifications"
