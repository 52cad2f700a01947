"""Survey administration API: questionnaires, versions, campaigns, invitations (staff)."""

from django.urls import path

from surveys.api import views

urlpatterns: list = [
    path("questionnaires/", views.QuestionnaireListApi.as_view(), name="questionnaire-list"),
    path(
        "questionnaires/<int:pk>/",
        views.QuestionnaireDetailApi.as_view(),
        name="questionnaire-detail",
    ),
    path(
        "questionnaires/<int:pk>/questions/",
        views.QuestionnaireQuestionCreateApi.as_view(),
        name="questionnaire-questions",
    ),
    path(
        "questionnaires/<int:pk>/publish/",
        views.QuestionnairePublishApi.as_view(),
        name="questionnaire-publish",
    ),
    path(
        "questionnaire-versions/<int:pk>/",
        views.QuestionnaireVersionDetailApi.as_view(),
        name="questionnaire-version-detail",
    ),
    path("questions/<int:pk>/", views.QuestionDetailApi.as_view(), name="question-detail"),
    path("questions/<int:pk>/move/", views.QuestionMoveApi.as_view(), name="question-move"),
    path("campaigns/", views.CampaignListApi.as_view(), name="campaign-list"),
    path("campaigns/<int:pk>/", views.CampaignDetailApi.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/open/", views.CampaignOpenApi.as_view(), name="campaign-open"),
    path("campaigns/<int:pk>/close/", views.CampaignCloseApi.as_view(), name="campaign-close"),
    path(
        "campaigns/<int:pk>/invitations/",
        views.CampaignInvitationListApi.as_view(),
        name="campaign-invitations",
    ),
    path(
        "campaigns/<int:pk>/invitations/<int:invitation_pk>/reissue/",
        views.CampaignInvitationReissueApi.as_view(),
        name="campaign-invitation-reissue",
    ),
    path(
        "campaigns/<int:pk>/invitations/import/",
        views.CampaignInvitationImportApi.as_view(),
        name="campaign-invitations-import",
    ),
]
