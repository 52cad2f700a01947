"""Survey API routes (public_urls): the respondent's side, keyed by the invitation token."""

from django.urls import path

from surveys.api.public import PublicResponseApi

urlpatterns: list = [
    path(
        "public/responses/<str:token>/",
        PublicResponseApi.as_view(),
        name="public-response",
    ),
]
