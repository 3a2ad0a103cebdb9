"""The `cwtt` command: Django's management commands under the project's own name.

`cwtt migrate`, `cwtt runserver`, `cwtt instrument check FILE`, `cwtt measure growth ...`
are all management commands; this entry point only points Django at our settings.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cwtt.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reads the settings, so a bad one stops us here
    except ImproperlyConfigured as error:
        # A plain sentence instead of Django's "Unknown command" (e.g. production secrets unset).
        sys.stderr.write(f"CWTT cannot start. {error}\n")
        raise SystemExit(2) from None

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "cwtt"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
