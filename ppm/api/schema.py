"""OpenAPI extensions (drf-spectacular) for Pilotis' own authentication, shared error responses, translated
section titles, and the API documentation page."""

from typing import Any

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularSwaggerSplitView


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ppm.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token-based authentication: `Authorization: Token <token>`.",
        }


_ERROR_DESCRIPTIONS = {
    400: _('Invalid input: `{"field": ["message", …]}`, or `{"detail": "message"}`.'),
    401: _("Not signed in, or the token is invalid."),
    403: _("Signed in, but not allowed to do this."),
    404: _("No such object, or no such page of a list."),
    409: _("The lifecycle refuses this move; `detail` says why."),
    412: _(
        "If-Match does not match the current version: read the object again. "
        "`current_etag` and the ETag header give the current version."
    ),
    413: _("The request body is too large."),
    415: _("The request body is not JSON: send it with `Content-Type: application/json`."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses of the given error status codes, with the body each one has."""
    from ppm.api.serializers import ErrorSerializer, PreconditionFailedSerializer

    responses = {}
    response: Any
    for code in codes:
        if code == 400:
            response = OpenApiTypes.OBJECT
        elif code == 412:
            response = PreconditionFailedSerializer
        else:
            response = ErrorSerializer
        responses[code] = OpenApiResponse(response=response, description=_ERROR_DESCRIPTIONS[code])
    return responses


# Section titles of the API documentation: a tag is an identifier ("strategic axes"); its title is the
# capitalised name in the reader's language when the catalogue has it ("Axes stratégiques").
gettext_noop("Users")


def translate_tags(result, generator, request, public):
    """drf-spectacular post-processing hook: each operation's tag becomes its translated title, and the
    schema lists the tags in the order they first appear."""
    titles: dict[str, str] = {}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "tags" not in operation:
                continue
            translated = []
            for tag in operation["tags"]:
                if tag not in titles:
                    titles[tag] = gettext(tag[:1].upper() + tag[1:])
                translated.append(titles[tag])
            operation["tags"] = translated
    result["tags"] = [{"name": title} for title in titles.values()]
    return result


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI inside the application's frame (header, way back, footer, language), served from
    the sidecar package; its start-up script is a separate file (the CSP forbids inline scripts)."""

    template_name = "ppm/api_docs.html"
    url_name = "api-schema"
