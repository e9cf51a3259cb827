"""Optimistic concurrency over HTTP for any versioned model (an integer `version` bumped by every write).

* Every object read (GET of one object, and the response of every write) carries
  ``ETag: "<pk>-<version>"``, a strong validator.
* ``If-None-Match`` on a GET that matches the current tag (weak comparison, or ``*``) → 304 Not Modified.
* ``If-Match`` on a write (PUT, PATCH, POST actions) is compared strongly (RFC 9110 §13.1.1): a weak tag
  never matches, ``*`` matches any existing object. A stale tag → 412 with the current ETag; a malformed
  header (not ``*`` nor a comma-separated list of quoted tags, or ``*`` mixed with tags) → 400.
* **Without If-Match a write is accepted** (last write wins): clients that want protection against lost
  updates send the ETag they read.

The version matched here is passed to the service as ``expected_version``: the service compares it again
under ``select_for_update`` inside its transaction, so a write that slips in between this check and the
lock still ends in 412: services raise ppm.exceptions.StaleVersionError (see ppm.versioning.lock_for_update),
which the mixin turns into a 412 carrying the current ETag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response

from ppm.exceptions import StaleVersionError

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
_OWS = " \t"
MAX_TAGS = 50


@dataclass(frozen=True)
class EntityTag:
    opaque: str  # the tag without quotes
    weak: bool


class AnyTag:
    """The `*` form of If-Match / If-None-Match."""


ANY = AnyTag()


class MalformedPrecondition(exceptions.ParseError):
    default_code = "malformed_precondition"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object was changed since you read it.")
    default_code = "precondition_failed"

    def __init__(self, detail=None, *, etag: str | None = None):
        message = detail or self.default_detail
        hint = _("Read it again (GET) to get its current state and ETag, then retry your change.")
        body = {"detail": f"{message} {hint}"}
        if etag:
            body["current_etag"] = etag
        super().__init__(body)
        # ppm.api.exceptions.exception_handler copies this to the response's ETag header.
        self.etag = etag


def parse_entity_tags(value: str, *, header: str) -> list[EntityTag] | AnyTag:
    """Parse an If-Match / If-None-Match field value; MalformedPrecondition (400) when it is not valid."""
    text = value.strip(_OWS)
    if text == "*":
        return ANY
    tags: list[EntityTag] = []
    position, expecting_tag = 0, True
    while position < len(text):
        character = text[position]
        if character in _OWS:
            position += 1
        elif character == ",":  # empty list elements are allowed (RFC 9110 §5.6.1)
            position += 1
            expecting_tag = True
        else:
            match = _ENTITY_TAG.match(text, position) if expecting_tag else None
            if match is None:
                break
            tags.append(EntityTag(opaque=match.group(2), weak=bool(match.group(1))))
            position, expecting_tag = match.end(), False
    if position < len(text) or not tags or len(tags) > MAX_TAGS:
        raise MalformedPrecondition(
            _(
                "The %(header)s header is malformed: send * alone, or one or more entity tags in double "
                'quotes separated by commas, e.g. %(header)s: "12-3" (the ETag you received).'
            )
            % {"header": header}
        )
    return tags


def version_etag(pk, version: int) -> str:
    return f'"{pk}-{version}"'


class VersionedObjectMixin:
    """For DRF views of a versioned model: ETag on reads and writes, 304, If-Match → expected_version.

    Views call `not_modified(request, obj)` before rendering a read, `expected_version(request, obj)`
    before a write (passing the result to the service), and `versioned_response(obj, data)` to answer.
    Exceptions listed in `conflict_exceptions` (raised by the service under its lock, with a
    `current_version` attribute; StaleVersionError by default) become 412 with the current ETag.
    """

    version_field = "version"
    conflict_exceptions: tuple[type[Exception], ...] = (StaleVersionError,)

    def object_etag(self, obj) -> str:
        return version_etag(obj.pk, getattr(obj, self.version_field))

    def not_modified(self, request, obj) -> Response | None:
        """A 304 response when If-None-Match matches the object's current tag (weak comparison)."""
        header = request.headers.get("If-None-Match")
        if header is None:
            return None
        tags = parse_entity_tags(header, header="If-None-Match")
        current = self.object_etag(obj).strip('"')
        if tags is ANY or any(tag.opaque == current for tag in tags):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": self.object_etag(obj)})
        return None

    def expected_version(self, request, obj) -> int | None:
        """The version the write must still find, from If-Match; None when the client sent no If-Match.

        Raises PreconditionFailed (412) at once when the tag is already stale, MalformedPrecondition (400)
        when a header cannot be parsed.
        """
        etag = self.object_etag(obj)
        current = etag.strip('"')
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = parse_entity_tags(if_none_match, header="If-None-Match")
            if tags is ANY or any(tag.opaque == current for tag in tags):
                raise PreconditionFailed(
                    _("If-None-Match matches the current version of the object."), etag=etag
                )
        header = request.headers.get("If-Match")
        if header is None:
            return None
        tags = parse_entity_tags(header, header="If-Match")
        if tags is ANY:
            return None
        # Strong comparison: a weak tag never matches (RFC 9110 §13.1.1).
        if any(not tag.weak and tag.opaque == current for tag in tags):
            return getattr(obj, self.version_field)
        raise PreconditionFailed(etag=etag)

    def versioned_response(
        self, obj, data, *, status_code: int = status.HTTP_200_OK, headers=None
    ) -> Response:
        return Response(data, status=status_code, headers={**(headers or {}), "ETag": self.object_etag(obj)})

    def handle_exception(self, exc):
        if self.conflict_exceptions and isinstance(exc, self.conflict_exceptions):
            lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
            pk = self.kwargs.get(lookup)
            version = getattr(exc, "current_version", None)
            etag = version_etag(pk, version) if pk is not None and version is not None else None
            exc = PreconditionFailed(str(exc), etag=etag)
        return super().handle_exception(exc)


# OpenAPI pieces for views using the mixin.
def etag_response_header(*codes: int) -> OpenApiParameter:
    """The ETag response header, on the responses with these status codes."""
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        response=list(codes),
        description='Version of the object, e.g. `"12-3"` (id 12, version 3). Send it back in If-Match.',
    )


IF_NONE_MATCH_HEADER = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="An ETag you already hold: 304 Not Modified when the object has not changed since.",
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "The ETag you read: the write is refused with 412 when the object changed since. "
        "`*` matches any version. Malformed values give 400. "
        "Without If-Match the write is accepted (last write wins)."
    ),
)
