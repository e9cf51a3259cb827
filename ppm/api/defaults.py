"""The API's safe defaults (settings REST_FRAMEWORK): JSON-only parsing, a bounded search filter and
throttles for anonymous and signed-in clients. Every view gets them without asking.

Kept apart from ppm/api/views.py on purpose: DRF reads its DEFAULT_* classes when `rest_framework.views`
and `rest_framework.generics` are first imported, so this module must not import them itself.
"""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, status, throttling
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings


class RequestBodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


class JSONBodyParser(JSONParser):
    """JSON bodies only, bounded by DATA_UPLOAD_MAX_MEMORY_SIZE; every malformed body is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestBodyTooLarge(
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise exceptions.ParseError(
                _("The request body is not valid JSON (%(error)s).") % {"error": str(error)[:200]}
            ) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


class SafeSearchFilter(filters.SearchFilter):
    """`?search=`: at most 8 words are used; NUL characters are refused with a 400 naming the parameter."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)[:8]
        except exceptions.ValidationError as error:
            # DRF raises a bare list (`["Null characters are not allowed."]`): API errors are objects.
            raise exceptions.ValidationError({self.search_param: error.detail}) from None


class _LiveRates:
    """Read the rate from the settings at each request: DRF binds THROTTLE_RATES when it is imported,
    so an override (a test, a deployment reading it late) would otherwise never be seen."""

    scope: str

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope not in rates:
            raise exceptions.APIException(f"No throttle rate set for the scope {self.scope!r}.")
        return rates[self.scope]


class AnonThrottle(_LiveRates, throttling.AnonRateThrottle):
    """Anonymous clients, per address (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"])."""

    def get_ident(self, request):
        # The connection's own address: X-Forwarded-For is for the configured proxies only, and a
        # client could otherwise pick a fresh address for each request.
        return request.META.get("REMOTE_ADDR", "")


class UserThrottle(_LiveRates, throttling.UserRateThrottle):
    """Signed-in clients (session or token), per user (…["user"]); anonymous ones as AnonThrottle."""

    def get_ident(self, request):
        return request.META.get("REMOTE_ADDR", "")
