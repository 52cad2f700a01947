"""Core pages: document export jobs (namespace ``core``)."""

from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
]
