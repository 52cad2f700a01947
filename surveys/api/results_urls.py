"""Survey API routes: results and exports of a campaign (administrators)."""

from django.urls import path

from surveys.api import results

urlpatterns: list = [
    path(
        "campaigns/<int:pk>/results/",
        results.CampaignResultsApi.as_view(),
        name="campaign-results",
    ),
    path(
        "campaigns/<int:pk>/exports/",
        results.CampaignExportCreateApi.as_view(),
        name="campaign-exports",
    ),
]
