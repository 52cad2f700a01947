"""Results pages for administrators (namespace ``surveys``)."""

from django.urls import path

from surveys import results_views

urlpatterns: list = [
    path(
        "campaigns/<int:pk>/results/",
        results_views.campaign_results,
        name="campaign_results",
    ),
    path(
        "campaigns/<int:pk>/results/live/",
        results_views.campaign_results_live,
        name="campaign_results_live",
    ),
    path(
        "campaigns/<int:pk>/results/export/",
        results_views.campaign_results_export,
        name="campaign_results_export",
    ),
]
