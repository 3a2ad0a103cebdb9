"""Bulk imports of the registry from CSV or XLSX, one module per kind: schools, classes,
children (class lists), caregivers and staff. What they share — reading a file, checking rows,
the report, all-or-nothing or the good rows with a rejects file, KoboToolbox and ODK Central
export layouts — is in `common`. The command is `cwtt import KIND FILE` (cwtt/interop), which
also imports assessments (cwtt/assessments/imports.py). docs/imports.md lists the columns."""

from cwtt.tabular import TableError

from .caregivers import CAREGIVER_COLUMNS, CAREGIVER_OPTIONAL_COLUMNS, import_caregivers
from .children import CHILD_COLUMNS, CHILD_OPTIONAL_COLUMNS, children_create, import_children
from .classes import CLASS_COLUMNS, import_classes
from .common import (
    ERROR_COLUMN,
    ImportReport,
    MissingColumnsError,
    NoRowsError,
    Progress,
    RowError,
    Table,
    _finish,
    _fold,
    _numbered_rows,
    _Row,
    layout_names,
    normalise_header,
    read_table,
    run_planned,
    write_rejects,
)
from .schools import SCHOOL_COLUMNS, SCHOOL_OPTIONAL_COLUMNS, import_schools
from .staff import STAFF_COLUMNS, STAFF_OPTIONAL_COLUMNS, import_staff

__all__ = [
    "CAREGIVER_COLUMNS",
    "CAREGIVER_OPTIONAL_COLUMNS",
    "CHILD_COLUMNS",
    "CHILD_OPTIONAL_COLUMNS",
    "CLASS_COLUMNS",
    "ERROR_COLUMN",
    "SCHOOL_COLUMNS",
    "SCHOOL_OPTIONAL_COLUMNS",
    "STAFF_COLUMNS",
    "STAFF_OPTIONAL_COLUMNS",
    "ImportReport",
    "MissingColumnsError",
    "NoRowsError",
    "Progress",
    "RowError",
    "Table",
    "TableError",
    "_Row",
    "_finish",
    "_fold",
    "_numbered_rows",
    "children_create",
    "import_caregivers",
    "import_children",
    "import_classes",
    "import_schools",
    "import_staff",
    "layout_names",
    "normalise_header",
    "read_table",
    "run_planned",
    "write_rejects",
]
