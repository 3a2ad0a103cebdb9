"""Import the service directory from CSV or XLSX (`cwtt import_services FILE [--dry-run]`).

One row per provider. Columns: name, sector, service_types, catchment (required) and address,
latitude, longitude, phone, email, hours, eligibility, capacity_per_month, active (optional).
`service_types` holds catalogue codes (cwtt/services/catalogue.py) and `catchment` location
codes, each separated by ';'.

Like the registry imports (and reading files with their helpers), every row is checked first
and the file is written whole or not at all, in one transaction; each problem names its row and
column. A provider whose name matches a stored one (ignoring case) is updated, not duplicated:
its services and catchment become the file's, and an optional cell left blank keeps what is
stored. One audit entry records the import with its counts and file name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.registry.imports import (  # the registry's reading and reporting helpers, shared
    ImportReport,
    RowError,
    TableError,
    _finish,
    _fold,
    _numbered_rows,
    _Row,
    read_table,
)
from cwtt.registry.models import Location, Organisation

from .models import Provider, ServiceType

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportReport",
    "RowError",
    "TableError",
    "import_providers",
    "read_table",
]

REQUIRED_COLUMNS = ("name", "sector", "service_types", "catchment")
OPTIONAL_COLUMNS = (
    "address",
    "latitude",
    "longitude",
    "phone",
    "email",
    "hours",
    "eligibility",
    "capacity_per_month",
    "active",
)
# Text columns copied as they are: column -> most characters kept.
TEXT_COLUMNS = {"address": 300, "phone": 30, "hours": 200, "eligibility": 2000}
YES = {"yes", "y", "true", "1", "active"}
NO = {"no", "n", "false", "0", "inactive"}
# Roughly South Africa; a point outside is most often latitude and longitude swapped.
SA_LATITUDES = (-35.0, -22.0)
SA_LONGITUDES = (16.0, 33.0)


def import_providers(
    rows: Iterable[Mapping[str, Any]], *, dry_run: bool, source: str = ""
) -> ImportReport:
    """Create or update providers from rows (as `read_table` gives them); see the module."""
    report = ImportReport(kind="providers", dry_run=dry_run)
    numbered = _numbered_rows(rows, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, report)
    with transaction.atomic():
        types = {service_type.code: service_type for service_type in ServiceType.objects.all()}
        locations = {location.code.lower(): location for location in Location.objects.all()}
        stored = {_fold(provider.name): provider for provider in Provider.objects.all()}
        organisations = {_fold(o.name): o for o in Organisation.objects.all()}
        plans: list[tuple[Provider, list[ServiceType], list[Location]]] = []
        first_row: dict[str, int] = {}
        created = updated = 0
        for row in numbered:
            name = row.text("name", Provider._meta.get_field("name").max_length)
            if name:
                first = first_row.setdefault(_fold(name), row.number)
                if first != row.number:
                    row.error(
                        "name",
                        f"{name} appears again on row {row.number}; it is already on row "
                        f"{first}. Give each provider one row.",
                    )
            sector = _sector(row)
            service_types = _codes(row, "service_types", types, _unknown_type)
            catchment = _codes(row, "catchment", locations, _unknown_location)
            values = {
                column: row.text(column, n, required=False) for column, n in TEXT_COLUMNS.items()
            }
            email = _email(row)
            latitude, longitude = _coordinates(row)
            capacity = _capacity(row)
            active = _active(row)
            if row.failed:
                continue
            provider = stored.get(_fold(name))
            if provider is None:
                provider = Provider(organisation=organisations.get(_fold(name)))
                created += 1
            else:
                updated += 1
            provider.name, provider.sector = name, sector
            optional = values | {"email": email, "capacity_per_month": capacity}
            if latitude is not None:
                optional |= {"latitude": latitude, "longitude": longitude}
            for field, value in optional.items():
                if value not in ("", None):  # a blank cell keeps what is stored
                    setattr(provider, field, value)
            if active is not None:
                provider.active = active
            plans.append((provider, service_types, catchment))
        report.created, report.updated = created, updated
        if report.errors or dry_run:
            return _finish(report)
        for provider, service_types, catchment in plans:
            provider.save()
            provider.service_types.set(service_types)
            provider.catchment.set(catchment)
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor_name="import",
            object_type="provider_import",
            object_id=source,
            detail={"file": source, "rows": report.rows, "created": created, "updated": updated},
        )
    return _finish(report)


# --- Cell checks --------------------------------------------------------------------------


def _sector(row: _Row) -> str:
    value = row.text("sector", 40)
    if not value:
        return ""
    wanted = _fold(value).replace("_", " ")
    for choice in Organisation.Sector:
        if wanted in {_fold(choice.value).replace("_", " "), _fold(str(choice.label))}:
            return choice.value
    if wanted in {"ngo", "npo", "non profit", "nonprofit"}:
        return Organisation.Sector.NGO.value
    valid = ", ".join(choice.value for choice in Organisation.Sector)
    row.error("sector", f"sector '{value}' is not one CWTT knows. Use one of: {valid}.")
    return ""


def _codes(row: _Row, column: str, known: Mapping[str, Any], unknown) -> list:
    """The cell's ';'-separated codes looked up in `known` (by lower-case code for locations,
    exact code for service types); each unknown code is an error."""
    value = row.get(column)
    codes = [code.strip() for code in value.split(";") if code.strip()]
    if not codes:
        row.error(column, f"{column} is blank; every row needs at least one code.")
        return []
    found, missing = [], []
    for code in dict.fromkeys(codes):
        item = known.get(code) or known.get(code.lower())
        if item is None:
            missing.append(code)
        else:
            found.append(item)
    if missing:
        row.error(column, unknown(missing, known))
    return found


def _unknown_type(missing: list[str], known: Mapping[str, ServiceType]) -> str:
    noun = "is not a service type" if len(missing) == 1 else "are not service types"
    return (
        f"{', '.join(repr(code) for code in missing)} {noun} CWTT knows. "
        f"Use codes from this list, separated by ';': {', '.join(sorted(known))}."
    )


def _unknown_location(missing: list[str], known: Mapping[str, Location]) -> str:
    noun = "is not a location code" if len(missing) == 1 else "are not location codes"
    return (
        f"{', '.join(repr(code) for code in missing)} {noun} CWTT knows. Use the code of a "
        "province, district or circuit already in CWTT (import the schools first), separated "
        "by ';'."
    )


def _email(row: _Row) -> str:
    value = row.text("email", Provider._meta.get_field("email").max_length, required=False)
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        row.error("email", f"email '{value}' is not an e-mail address like clinic@example.org.")
        return ""
    return value


def _coordinates(row: _Row) -> tuple[Decimal | None, Decimal | None]:
    latitude = _degrees(row, "latitude", 90)
    longitude = _degrees(row, "longitude", 180)
    if (row.get("latitude") and latitude is None) or (row.get("longitude") and longitude is None):
        return None, None  # already reported
    given = (bool(row.get("latitude")), bool(row.get("longitude")))
    if given == (True, False):
        row.error("longitude", "longitude is blank; give both latitude and longitude, or neither.")
    elif given == (False, True):
        row.error("latitude", "latitude is blank; give both latitude and longitude, or neither.")
    elif latitude is not None and longitude is not None:
        if not (SA_LATITUDES[0] <= latitude <= SA_LATITUDES[1]) or not (
            SA_LONGITUDES[0] <= longitude <= SA_LONGITUDES[1]
        ):
            row.warn(
                "latitude",
                f"{latitude}, {longitude} is outside South Africa; check that latitude "
                "(about -22 to -35) and longitude (about 16 to 33) are not swapped.",
            )
    return latitude, longitude


def _degrees(row: _Row, column: str, limit: int) -> Decimal | None:
    value = row.get(column).replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not -limit <= number <= limit:
        row.error(
            column,
            f"{column} '{row.get(column)}' is not a number of degrees between -{limit} and "
            f"{limit}, like -26.204.",
        )
        return None
    return round(number, 6)


def _capacity(row: _Row) -> int | None:
    value = row.get("capacity_per_month")
    if not value:
        return None
    if not value.isdigit():
        row.error(
            "capacity_per_month",
            f"capacity_per_month '{value}' is not a whole number of children (or families) a "
            "month, like 40; leave it blank when not known.",
        )
        return None
    return int(value)


def _active(row: _Row) -> bool | None:
    value = row.get("active").casefold()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    row.error("active", f"active '{row.get('active')}' should be yes or no.")
    return None
