"""Survey pages for administrators under /surveys/ (namespace ``surveys``)."""

from django.urls import include, path

app_name = "surveys"

urlpatterns: list = [
    path("", include("surveys.builder_urls")),
    path("", include("surveys.results_page_urls")),
]
