"""`/health/` for load balancers and monitoring: is this web process able to answer?

Public and cheap: one query, no session, no personal data, no detail of what failed (the
process's log has that). 200 with `{"status": "ok"}`, or 503 with `{"status": "failing"}`.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cwtt.access.policy import public

logger = logging.getLogger(__name__)


@public
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "failing", "database": "failing"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
