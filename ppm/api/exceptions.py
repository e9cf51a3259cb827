"""API errors are JSON with a clear message; domain errors map to 4xx, never 500.

| raised                                   | status | body                                      |
|------------------------------------------|--------|-------------------------------------------|
| django ValidationError (services)        | 400    | {"field": [...]} / {"non_field_errors": …} |
| DRF ValidationError of a bare list       | 400    | {"non_field_errors": [...]}                |
| django PermissionDenied (services)       | 403    | {"detail": "…"}                            |
| ppm.exceptions.DomainError (any subclass)| its    | {"detail": "…", "code": "…", …extras}      |
|   DomainValidationError (a ValidationError) | 400 | {"field": [...]} / {"non_field_errors": …} |
|   DomainPermissionError (a PermissionDenied) | 403 | {"detail": "…"}                         |
|   DomainNotFound                         | 404    | {"detail": "…", "code": "not_found"}       |
|   IllegalTransitionError                 | 409    | {"detail": "…", "code": "illegal_transition"} |
|   DomainConflictError                    | 409    | {"detail": "…", "code": "conflict" or the app's} |
|   StaleVersionError                      | 412    | {… "code": "stale_version", "current_version": n} |
| IntegrityError (a concurrent duplicate)  | 409    | {"detail": "…"}                            |
| RequestDataTooBig (body over the limit)  | 413    | {"detail": "…"}                            |
| PreconditionFailed (ppm.api.concurrency) | 412    | {"detail": "…", "current_etag": "…"}       |

Only the base class DomainError is known here: apps add errors by subclassing, not by editing this file.
A StaleVersionError raised inside a view using ppm.api.concurrency.VersionedObjectMixin becomes a
PreconditionFailed there (with the current ETag) before it reaches this handler.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ppm.exceptions import DomainError


def _validation_detail(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            {
                "detail": _("The request body is larger than %(limit)d bytes.")
                % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, IntegrityError):
        # A unique value taken by a concurrent request between validation and save.
        return Response(
            {"detail": _("This change conflicts with data saved in the meantime; reload and try again.")},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, exceptions.ValidationError) and not isinstance(exc.detail, dict):
        # A bare list of messages: every 400 body is an object (the documented error shape).
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.detail})
    response = drf_exception_handler(exc, context)
    etag = getattr(exc, "etag", None)
    if response is not None and etag:
        response["ETag"] = etag
    return response
