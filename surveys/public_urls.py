"""The respondent's side: /s/<token>/ (namespace ``respond``), no login."""

from django.urls import path

from surveys import public_views

app_name = "respond"

urlpatterns: list = [
    path("<str:token>/", public_views.respond, name="respond"),
    path("<str:token>/thanks/", public_views.thanks, name="thanks"),
]
