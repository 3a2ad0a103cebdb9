from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "cwtt.rights"
    label = "rights"
    verbose_name = "The child's rights (POPIA)"
