"""Liveness and readiness probes for load balancers and orchestrators."""

import tempfile
from pathlib import Path

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


FILESYSTEM_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def _check_filesystem_broker(options: dict) -> str | None:
    """The file broker "connects" whatever its folders: check each one exists and takes a new file."""
    for key in FILESYSTEM_BROKER_FOLDERS:
        folder = options.get(key)
        if not folder:
            continue
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-", suffix=".probe"):
                pass
        except OSError as error:
            return f"{type(error).__name__} ({key})"
    return None


def _check_broker() -> str | None:
    from ppm.celery import app

    if str(app.conf.broker_url or "").startswith("filesystem://"):
        problem = _check_filesystem_broker(app.conf.broker_transport_options or {})
        if problem:
            return problem
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
