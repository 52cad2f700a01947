"""Optimistic locking over HTTP: the object's ``version`` travels as ``ETag`` and comes back
in ``If-Match``. A write without it is refused with 428, a write on an old one with 412."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import ApplicationError


def etag_for(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag_for(version)
    return response


def expected_version(request: Request) -> int:
    """The version the client based its write on, from ``If-Match``."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise ApplicationError(
            _("Send the If-Match header with the version (ETag) you are changing."),
            status=428,
            code="precondition_required",
        )
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ApplicationError(
            _('If-Match must hold the ETag of the object, for example "3".'),
            code="invalid_if_match",
        )
    return int(value)


# OpenAPI descriptions of the two headers, shared by every versioned endpoint.
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The object\'s version in quotes, e.g. "3": send it back in If-Match.',
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the version you are changing, e.g. "3".',
)
