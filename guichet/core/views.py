"""Views that belong to no domain: health and error pages."""

from __future__ import annotations

import logging
import sys

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_tasks import default_task_backend

from guichet.core.middleware import database_unavailable
from guichet.core.resilience import DATABASE_DOWN

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database unreachable")
        return False


def _task_queue_ok() -> bool:
    try:
        backend_path = f"{type(default_task_backend).__module__}.{type(default_task_backend).__name__}"
        if backend_path.startswith("django_tasks_db"):
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.exists()
        return True
    except Exception:
        logger.exception("healthz: task queue unreachable")
        return False


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "task_queue": _task_queue_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, unless the error is the database being away: that is a 503 to wait out.

    Django calls this handler while handling the exception, so it is still at hand here;
    that covers the errors raised in middleware, before `DatabaseUnavailableMiddleware`
    can see them.
    """
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return database_unavailable()
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
