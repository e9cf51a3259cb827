"""Pages answer a DomainError raised by a service with a message in the user's language and the error's
HTTP status, instead of a 500.

A full page request gets the page ``ppm/domain_error.html``; an htmx request gets a message fragment
appended to the page's ``#messages`` region (``HX-Retarget`` / ``HX-Reswap``; static/js/app.js lets htmx
swap it although its status is 4xx). Views still catch the errors they expect to explain in place
(e.g. a refused lifecycle move becomes a message on the project page); this is the safety net for
the others. DRF views handle their exceptions themselves (ppm.api.exceptions.exception_handler); a plain
Django view under ``/api/`` that lets one escape still answers JSON here (errors under /api/ are JSON).
"""

from django.http import JsonResponse
from django.shortcuts import render

from ppm.exceptions import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(exception.as_dict(), status=exception.status)
        context = {"error": exception, "message": str(exception), "code": exception.code}
        if getattr(request, "htmx", False):
            response = render(
                request, "ppm/partials/domain_error_message.html", context, status=exception.status
            )
            response["HX-Retarget"] = "#messages"
            response["HX-Reswap"] = "beforeend"
            return response
        return render(request, "ppm/domain_error.html", context, status=exception.status)
