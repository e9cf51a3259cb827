"""OpenAPI extensions (drf-spectacular) for Pilotis' own authentication, and shared error responses."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse


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
    for code in codes:
        if code == 400:
            response = OpenApiTypes.OBJECT
        elif code == 412:
            response = PreconditionFailedSerializer
        else:
            response = ErrorSerializer
        responses[code] = OpenApiResponse(response=response, description=_ERROR_DESCRIPTIONS[code])
    return responses
