"""Asking for the strategy as a PDF document. Rendering is a job (``core.documents``): this
endpoint makes or reuses the job and answers at once; the client polls
``GET /api/v1/exports/{id}/`` and downloads from its ``download_url``."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.serializers import DocumentExportSerializer
from core.documents.services import document_export_request
from strategies import selectors
from strategies.api.views import StrategyApi, _errors
from strategies.documents import KIND


class StrategyExportCreateApi(StrategyApi):
    """The PDF of a strategy, for anybody who may read it (signed in: rendering costs)."""

    serializer_class = DocumentExportSerializer

    @extend_schema(
        operation_id="v1_strategies_exports_create",
        description=(
            "Ask for the strategy as a PDF document (Russian, A4, rendered in the background). "
            "202 with a new pending job; 200 with the existing job when the content has not "
            "changed since a document was made (or is being made). Poll the job at "
            "GET /api/v1/exports/{id}/ (its URL is also in the Location header) until "
            "`status` is `succeeded`, then download `download_url`."
        ),
        request=None,
        responses={
            202: OpenApiResponse(DocumentExportSerializer, description="A new job, pending."),
            200: OpenApiResponse(
                DocumentExportSerializer, description="The existing job for this content."
            ),
            **_errors(401, 404),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        export, created = document_export_request(
            kind=KIND, subject=strategy, format="pdf", actor=request.user
        )
        export.refresh_from_db()  # tasks run in-process (the demo) may have finished it
        response = Response(
            DocumentExportSerializer(export, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        )
        response["Location"] = request.build_absolute_uri(
            reverse("export-detail", args=[export.pk])
        )
        return response
