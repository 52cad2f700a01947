"""What the survey administration views share: the permission, the base view and the
schema helpers (error responses, the optional If-Match)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import generics, permissions
from rest_framework.request import Request

from core.api.concurrency import expected_version
from surveys.api.serializers import SurveyErrorSerializer, SurveyVersionConflictSerializer
from surveys.permissions import can_manage_surveys

IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The questionnaire\'s ETag, e.g. "3": when given, a change based on an '
    "older version is refused with 412.",
)


def _errors(*codes: int) -> dict[int, Any]:
    described = {
        400: 'Bad input: {"<field>": ["..."]} when malformed; '
        '{"detail", "code", "errors": {"<field>": ["..."]}} when it breaks a rule.',
        401: "Not signed in.",
        403: "Signed in, but not an administrator.",
        404: "No such object.",
        409: "Not possible in the object's current status; the detail says why.",
        412: "Stale If-Match: somebody saved a newer version (current_version).",
        428: "If-Match is missing.",
    }
    return {
        code: OpenApiResponse(
            response={
                400: OpenApiTypes.OBJECT,
                412: SurveyVersionConflictSerializer,
            }.get(code, SurveyErrorSerializer),
            description=described[code],
        )
        for code in codes
    }


READ_ERRORS = _errors(401, 403, 404)


def _optional_version(request: Request) -> int | None:
    return expected_version(request) if request.headers.get("If-Match") else None


class IsSurveyAdministrator(permissions.BasePermission):
    """Adapter of ``surveys.permissions.can_manage_surveys``."""

    message = "Only administrators run surveys."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_manage_surveys(request.user)


class SurveyAdminApi(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, IsSurveyAdministrator]
