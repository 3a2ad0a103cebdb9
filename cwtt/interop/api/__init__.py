"""The REST API under /api/v1/ (docs/api.md, decision 0044): what the pages show and do, for
other systems, under the same access policy, field sensitivity and audit trail as the pages.

- permissions.py: who may use the API at all, and the marking the URL guard test checks;
- parsers.py, pagination.py: bounded JSON bodies, pages of results;
- serializers.py: the shape of each resource;
- views.py: one read-only view set per resource; writes (assessments) call the app's actions.
"""
