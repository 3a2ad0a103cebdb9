from django.apps import AppConfig
from django.core import checks


class OperationsConfig(AppConfig):
    name = "cwtt.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from .checks import secrets_shared_by_every_machine

        checks.register(secrets_shared_by_every_machine, checks.Tags.security, deploy=True)
