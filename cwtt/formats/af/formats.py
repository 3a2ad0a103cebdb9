"""Afrikaans dates and numbers, in Django's date format syntax.
Separators from CLDR (af); month and day names come from the interface catalogue
(cwtt/locale/af/LC_MESSAGES/django.po)."""

from cwtt.formats.south_africa import *  # noqa: F403 - Django reads the formats from this module

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
