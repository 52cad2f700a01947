"""Questionnaire and campaign pages for administrators (namespace ``surveys``)."""

from django.urls import path

from surveys import views

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/new/", views.questionnaire_create, name="questionnaire_create"),
    path("questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("questionnaires/<int:pk>/edit/", views.questionnaire_update, name="questionnaire_update"),
    path(
        "questionnaires/<int:pk>/preview/",
        views.questionnaire_preview,
        name="questionnaire_preview",
    ),
    path(
        "questionnaires/<int:pk>/publish/",
        views.questionnaire_publish,
        name="questionnaire_publish",
    ),
    path("questionnaires/<int:pk>/questions/new/", views.question_create, name="question_create"),
    path(
        "questionnaires/<int:pk>/questions/<int:question_pk>/edit/",
        views.question_update,
        name="question_update",
    ),
    path(
        "questionnaires/<int:pk>/questions/<int:question_pk>/move/",
        views.question_move,
        name="question_move",
    ),
    path(
        "questionnaires/<int:pk>/questions/<int:question_pk>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_update, name="campaign_update"),
    path(
        "campaigns/<int:pk>/actions/<slug:name>/",
        views.campaign_transition,
        name="campaign_transition",
    ),
    path("campaigns/<int:pk>/invitations/new/", views.invitation_create, name="invitation_create"),
    path(
        "campaigns/<int:pk>/invitations/import/",
        views.invitation_import,
        name="invitation_import",
    ),
    path(
        "campaigns/<int:pk>/invitations/<int:invitation_pk>/new-link/",
        views.invitation_reissue,
        name="invitation_reissue",
    ),
]
