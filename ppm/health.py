"""Liveness and readiness probes for load balancers and orchestrators."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """The process is up (no dependency is touched)."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        return f"{type(error).__name__}"
    return None


def _check_broker() -> str | None:
    from ppm.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}"
    return None


@require_GET
@never_cache
def readyz(request):
    """Database and broker reachable: 200; otherwise 503 naming what is down."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(result is None for result in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: ("ok" if result is None else f"error: {result}") for name, result in checks.items()},
    }
    if settings.DEBUG is False:
        # Don't leak exception types to anonymous callers in production.
        body["checks"] = {name: ("ok" if result is None else "error") for name, result in checks.items()}
    return JsonResponse(body, status=200 if ready else 503)
