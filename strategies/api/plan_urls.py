"""The action plan and the target indicators under /api/v1/."""

from django.urls import path

from strategies.api import plan_views as views

urlpatterns = [
    path("strategies/<int:strategy_id>/goals/", views.GoalListApi.as_view(), name="goal-list"),
    path(
        "strategies/<int:strategy_id>/objectives/",
        views.ObjectiveListApi.as_view(),
        name="objective-list",
    ),
    path(
        "strategies/<int:strategy_id>/measures/",
        views.MeasureListApi.as_view(),
        name="measure-list",
    ),
    path(
        "strategies/<int:strategy_id>/target-indicators/",
        views.TargetIndicatorListApi.as_view(),
        name="target-indicator-list",
    ),
    path("goals/<int:pk>/", views.GoalApi.as_view(), name="goal-detail"),
    path("objectives/<int:pk>/", views.ObjectiveApi.as_view(), name="objective-detail"),
    path("measures/<int:pk>/", views.MeasureApi.as_view(), name="measure-detail"),
    path(
        "target-indicators/<int:pk>/",
        views.TargetIndicatorApi.as_view(),
        name="target-indicator-detail",
    ),
]
