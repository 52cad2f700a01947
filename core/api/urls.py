"""Core endpoints under /api/v1/: document export jobs of every kind."""

from django.urls import path

from core.api import exports

urlpatterns: list = [
    path("exports/<int:pk>/", exports.ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<int:pk>/download/", exports.ExportDownloadApi.as_view(), name="export-download"),
]
