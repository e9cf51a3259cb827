"""Errors of the domain: one family, raised by services and rules, known to the API and the pages.

Each error carries an HTTP status, a stable machine ``code`` (clients and tests rely on it; it never
changes with the language) and a ``message`` written for the user (already translated, or lazy).
The API's exception handler (ppm.api.exceptions) and the pages' middleware (ppm.error_middleware)
catch only ``DomainError``: an app adds its own errors by subclassing one of these, without touching
the core.

| class                    | status | code                 | extra                         |
|--------------------------|--------|----------------------|-------------------------------|
| DomainValidationError    | 400    | invalid              | ``field_errors``              |
| DomainPermissionError    | 403    | permission_denied    |                               |
| DomainNotFound           | 404    | not_found            |                               |
| IllegalTransitionError   | 409    | illegal_transition   | ``action``                    |
| StaleVersionError        | 412    | stale_version        | ``current_version``           |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every domain error. Subclasses set ``status`` and ``code`` and a default message."""

    status: int = 400
    code: str = "domain_error"
    default_message: str | Promise = _("The operation could not be done.")

    def __init__(self, message: str | Promise | None = None, *, code: str | None = None):
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)

    def as_dict(self) -> dict:
        """The JSON body of the error (the API's shape: ``detail`` plus ``code`` and extras)."""
        return {"detail": str(self.message), "code": self.code}


class DomainValidationError(DomainError, ValidationError):  # type: ignore[misc]
    """Input the domain refuses. ``field_errors`` maps a field name to its messages.

    Also a django ValidationError (with an ``error_dict`` when there are field errors): forms attach it to
    their fields and code catching ValidationError keeps working.
    """

    status = 400
    code = "invalid"
    default_message = _("Some values are not valid.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        field_errors: Mapping[str, Sequence[str | Promise]] | None = None,
        code: str | None = None,
    ):
        self.field_errors = {
            name: [str(m) for m in messages] for name, messages in (field_errors or {}).items()
        }
        if self.field_errors:
            ValidationError.__init__(
                self, {name: list(messages) for name, messages in self.field_errors.items()}
            )
            self.text = message if message is not None else next(iter(self.field_errors.values()))[0]
        else:
            self.text = message if message is not None else self.default_message
            ValidationError.__init__(self, str(self.text))
        self.code = code or type(self).code

    def __str__(self) -> str:
        return str(self.text)

    def as_dict(self) -> dict:
        return {"detail": str(self.text), "code": self.code, **self.field_errors}


class DomainPermissionError(DomainError, PermissionDenied):
    """Also a django PermissionDenied, so Django's 403 handling applies where this one is not installed."""

    status = 403
    code = "permission_denied"
    default_message = _("You may not do this.")


class DomainNotFound(DomainError, Http404):
    """Also an Http404."""

    status = 404
    code = "not_found"
    default_message = _("This object does not exist or was removed.")


class IllegalTransitionError(DomainError):
    """A lifecycle move refused from the current state, or whose conditions are not met."""

    status = 409
    code = "illegal_transition"
    default_message = _("This status change is not possible now.")

    def __init__(self, message: str | Promise | None = None, *, action: str = "", code: str | None = None):
        self.action = action
        super().__init__(message, code=code)


class DomainConflictError(DomainError):
    """Refused because of the object's state or what depends on it (e.g. deleting what others use)."""

    status = 409
    code = "conflict"
    default_message = _("This cannot be done in the object's current state.")


class StaleVersionError(DomainError):
    """The object changed since the caller read it; ``current_version`` is the stored one."""

    status = 412
    code = "stale_version"
    default_message = _("This object was changed by someone else in the meantime.")

    def __init__(
        self, message: str | Promise | None = None, *, current_version: int, code: str | None = None
    ):
        self.current_version = current_version
        super().__init__(message, code=code)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "current_version": self.current_version}
