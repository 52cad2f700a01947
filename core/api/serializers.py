from django.urls import reverse
from rest_framework import serializers

from core.models import DocumentExport


class DocumentExportSerializer(serializers.ModelSerializer):
    """A job to poll: ``download_url`` is set once the file is ready."""

    download_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = DocumentExport
        fields = ["id", "status", "format", "pages", "size", "download_url", "error"]
        read_only_fields = fields

    def get_download_url(self, export: DocumentExport) -> str | None:
        if export.status != DocumentExport.Status.SUCCEEDED:
            return None
        url = reverse("export-download", args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_error(self, export: DocumentExport) -> str:
        return export.error if export.status == DocumentExport.Status.FAILED else ""
