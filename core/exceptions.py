"""One error type for refusals of the domain, and the DRF handler that turns it into JSON."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A service refuses: the request is understood but breaks a rule of the domain.

    ``status`` is the HTTP status the API answers with (400 bad input, 409 conflict with the
    object's state, 412 stale version, 428 missing version); ``extra`` goes into the body.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "invalid",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.extra = extra or {}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, extended to ``ApplicationError`` and Django's ``ValidationError``.

    Body shape: ``{"detail": "...", "code": "..."}`` plus field errors or ``extra``.
    """
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = exc.message_dict
        else:
            detail = {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data.setdefault("code", "not_authenticated")
    return response
