"""The service directory (community mapping): who offers which service, where, to whom."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ServiceType(models.Model):
    """A kind of service, from cwtt/services/catalogue.py."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=160)
    domain = models.CharField(max_length=16)  # one of the six DOMAINS

    class Meta:
        ordering = ["domain", "label"]

    def __str__(self) -> str:
        # The catalogue's labels are in the translation catalogues; a label a data manager
        # wrote comes back as it is (decision 0062).
        return gettext(self.label)


class Provider(models.Model):
    """A clinic, NGO, government office or programme that offers services."""

    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="providers",
        help_text=_("When the provider's staff use CWTT."),
    )
    sector = models.CharField(max_length=24)  # registry.Organisation.Sector values
    service_types = models.ManyToManyField(ServiceType, related_name="providers")
    # Areas served: a circuit, district or province (everything under it is served).
    catchment = models.ManyToManyField("registry.Location", blank=True, related_name="providers")
    address = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    hours = models.CharField(max_length=200, blank=True)
    eligibility = models.TextField(blank=True)
    capacity_per_month = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="unique_provider_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def sector_label(self) -> str:
        from cwtt.registry.models import Organisation

        try:
            return str(Organisation.Sector(self.sector).label)
        except ValueError:
            return self.sector
