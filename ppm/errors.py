"""Error responses: JSON under /api/ (whatever raised the error), the HTML error pages elsewhere.

* `bad_request`, `permission_denied`, `page_not_found`, `server_error`: the handler400/403/404/500 of
  ppm.urls; `csrf_failure`: CSRF_FAILURE_VIEW.
* `ApiErrorsAsJsonMiddleware`: an error response under /api/ that is not JSON (a 405 rendered by a view
  with its own renderer, such as the schema or the docs page, a 413 from a body too large for Django…)
  is replaced by the JSON error shape `{"detail": "…"}` with the same status and headers.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf as csrf_views
from django.views import defaults

API_PREFIX = "/api/"
# Headers an error keeps when its body is replaced (Allow on a 405, Retry-After on a 429/503…).
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "ETag", "Vary")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _generic_detail(request: HttpRequest, status: int) -> str:
    if status == 404:
        return _("Not found: no API endpoint or object at this URL. The API is described at /api/docs/.")
    if status == 405:
        return _("Method “%(method)s” not allowed.") % {"method": request.method}
    if status == 500:
        return _("Something went wrong on our side. The error has been logged; please try again later.")
    if status == 403:
        return _("You do not have permission to perform this action.")
    if status == 400:
        return _("The request is malformed.")
    return _("The request could not be processed (HTTP %(status)d).") % {"status": status}


def bad_request(request, exception):
    if is_api(request):
        return api_error(400, _generic_detail(request, 400))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return api_error(403, str(exception) or _generic_detail(request, 403))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return api_error(404, _generic_detail(request, 404))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return api_error(500, _generic_detail(request, 500))
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """A JSON 403 under /api/, the "form expired" page elsewhere."""
    if is_api(request):
        return api_error(
            403,
            _(
                "CSRF check failed: a request authenticated by the session cookie must send the "
                "X-CSRFToken header; programs should use an API token instead."
            ),
        )
    return csrf_views.csrf_failure(request, reason=reason)


class ApiErrorsAsJsonMiddleware:
    """Under /api/, an error response (4xx, 5xx) that is not JSON becomes `{"detail": "…"}`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api(request):
            return response
        content_type = response.get("Content-Type", "")
        if "json" in content_type.split(";")[0]:
            return response
        # A DRF response rendered as something else (the schema's or the docs page's renderer, the
        # browsable API) keeps its error body; any other gets the generic message of its status.
        data = getattr(response, "data", None)
        if isinstance(data, dict) and data:
            replacement = JsonResponse(data, status=response.status_code)
        else:
            replacement = api_error(response.status_code, _generic_detail(request, response.status_code))
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        for name, value in getattr(response, "cookies", {}).items():
            replacement.cookies[name] = value
        return replacement
