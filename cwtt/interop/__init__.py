"""Talking to other systems (DESIGN §4, issue #12): the REST API (`api`), the OpenRosa server for
ODK Collect, KoboCollect and Enketo (`openrosa`), and exports for departments (DHIS2)."""
