"""The roles people hold in a Community of Practice (DESIGN §3). One enum, used everywhere."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FIELD_WORKER = "field_worker", _("Field worker")
    TEACHER = "teacher", _("Teacher or SBST member")
    SOCIAL_WORKER = "social_worker", _("Social worker or case worker")
    NURSE = "nurse", _("Clinic or school-health nurse")
    COORDINATOR = "coordinator", _("CoP coordinator or principal")
    DISTRICT_OFFICIAL = "district_official", _("District official")
    PROVINCIAL_OFFICIAL = "provincial_official", _("Provincial official")
    RESEARCHER = "researcher", _("Researcher")
    DATA_MANAGER = "data_manager", _("Data manager or administrator")


# Roles that work with named children at the schools they are assigned to.
SCHOOL_ROLES = frozenset(
    {Role.FIELD_WORKER, Role.TEACHER, Role.SOCIAL_WORKER, Role.NURSE, Role.COORDINATOR}
)
# Roles that see a location and everything under it, in aggregate only.
AREA_ROLES = frozenset({Role.DISTRICT_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.RESEARCHER})
