"""URLs of ppm/tests/test_domain_errors.py: views that raise domain errors, beside the real ones."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from ppm.exceptions import DomainError, IllegalTransitionError, StaleVersionError
from ppm.urls import urlpatterns as real_urlpatterns


class QuotaExceeded(DomainError):
    """An app's own error: the core knows only the base class."""

    status = 422
    code = "quota_exceeded"


ERRORS = {
    "illegal": lambda: IllegalTransitionError("Not from here.", action="close"),
    "stale": lambda: StaleVersionError(current_version=4),
    "quota": lambda: QuotaExceeded("Too many things."),
}


@login_required
def page(request, kind):
    raise ERRORS[kind]()


@api_view(["GET"])
def api(request, kind):
    raise ERRORS[kind]()
    return Response()  # pragma: no cover


urlpatterns = [
    path("test-domain-error/<str:kind>/", page),
    path("api/v1/plain-domain-error/<str:kind>/", page),
    path("api/v1/test-domain-error/<str:kind>/", api),
    *real_urlpatterns,
]
