"""Everything under /api/v1/."""

from django.urls import include, path

from core.api.views import TokenObtainApi

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("", include("municipalities.api.urls")),
    path("", include("strategies.api.urls")),
    path("", include("core.api.urls")),
    path("", include("surveys.api.urls")),
]
