"""Survey endpoints under /api/v1/. Each concern keeps its own URL module."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("surveys.api.admin_urls")),
    path("", include("surveys.api.public_urls")),
    path("", include("surveys.api.results_urls")),
]
