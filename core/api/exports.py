"""Polling and downloading document exports (any kind); requests live with each subject."""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import DocumentExportSerializer
from core.documents.selectors import document_export_get_for
from core.models import DocumentExport

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportDetailApi(APIView):
    """A document export job: its status, and the download link once it is ready. 404 for
    anybody who may not see the document's subject."""

    # Visibility is the subject's (a published strategy is public): the selector decides.
    permission_classes = [AllowAny]

    @extend_schema(responses={200: DocumentExportSerializer, 404: OpenApiResponse()})
    def get(self, request: Request, pk: int) -> Response:
        export = document_export_get_for(user=request.user, pk=pk)
        return Response(DocumentExportSerializer(export, context={"request": request}).data)


class ExportDownloadApi(APIView):
    """The rendered file, streamed. 404 until it is ready and for anybody who may not see the
    document's subject."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["csv"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            404: OpenApiResponse(),
        }
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return export_file_response(document_export_get_for(user=request.user, pk=pk))


def export_file_response(export: DocumentExport) -> FileResponse:
    if export.status != DocumentExport.Status.SUCCEEDED or not export.file:
        raise Http404
    kind = export.document_kind  # type: ignore[attr-defined]
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=kind.filename(export.subject, export.format),  # type: ignore[attr-defined]
        content_type=CONTENT_TYPES[export.format],
    )
    # Whether one may read it is decided per request: no shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
