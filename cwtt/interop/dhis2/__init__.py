"""Aggregate figures for DHIS2, the departments' reporting system (issue #12, item 6).

`cwtt export dhis2 --wave NAME --output F.json [--mapping FILE] [--post]` (docs/exports.md):

- `mapping.py` reads the mapping of our indicators to DHIS2 data elements and of our schools
  (EMIS numbers) or districts to DHIS2 org units (the shipped `mapping.json`, the file named
  by CWTT_DHIS2_MAPPING, or --mapping), and the period type;
- `figures.py` counts each indicator per org unit for the wave and passes every table through
  the area dashboard's small-cell suppression and rounding (cwtt/access/suppression.py);
- `payload.py` turns the published counts into a dataValueSets document;
- `client.py` posts it to `{CWTT_DHIS2_URL}/api/dataValueSets` and reads the import summary;
- `command.py` runs the lot for the `export` command, and records it in the audit trail.
"""
