"""The REST API under /api/v1/ (docs/api.md, decision 0044): what the pages show and do, for
other systems, under the same access policy, field sensitivity and audit trail as the pages.

- permissions.py: who may use the API at all, and the marking the URL guard test checks;
- parsers.py, pagination.py, errors.py: bounded JSON bodies, pages of results, one shape for
  every refusal;
- serializers.py: the shape of each resource (and so the OpenAPI schema);
- views.py: one view set per resource, reading through the access policy;
- writes.py: the writes (a questionnaire, a referral, a step of a referral or case), each the
  page's checks and then the app's action.
"""
