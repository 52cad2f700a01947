from django.urls import include, path

from strategies.api import exports, views

urlpatterns: list = [
    path("strategies/", views.StrategyListApi.as_view(), name="strategy-list"),
    path("strategies/<int:pk>/", views.StrategyDetailApi.as_view(), name="strategy-detail"),
    path("strategies/<int:pk>/review/", views.StrategyReviewApi.as_view(), name="strategy-review"),
    path(
        "strategies/<int:pk>/sign-off/",
        views.StrategySignOffApi.as_view(),
        name="strategy-sign-off",
    ),
    path("strategies/<int:pk>/return/", views.StrategyReturnApi.as_view(), name="strategy-return"),
    path("strategies/<int:pk>/adopt/", views.StrategyAdoptApi.as_view(), name="strategy-adopt"),
    path(
        "strategies/<int:pk>/archive/", views.StrategyArchiveApi.as_view(), name="strategy-archive"
    ),
    path(
        "strategies/<int:pk>/exports/",
        exports.StrategyExportCreateApi.as_view(),
        name="strategy-exports",
    ),
    path(
        "strategies/<int:pk>/sections/",
        views.StrategySectionListApi.as_view(),
        name="strategy-sections",
    ),
    path(
        "strategies/<int:pk>/sections/order/",
        views.StrategySectionOrderApi.as_view(),
        name="strategy-sections-order",
    ),
    path("sections/<int:pk>/", views.SectionDetailApi.as_view(), name="section-detail"),
    path(
        "sections/<int:pk>/revisions/",
        views.SectionRevisionListApi.as_view(),
        name="section-revisions",
    ),
    path(
        "sections/<int:pk>/revisions/diff/",
        views.SectionRevisionDiffApi.as_view(),
        name="section-revisions-diff",
    ),
    path(
        "sections/<int:pk>/revisions/<int:number>/restore/",
        views.SectionRevisionRestoreApi.as_view(),
        name="section-revision-restore",
    ),
    path(
        "sections/<int:pk>/comments/",
        views.SectionCommentListApi.as_view(),
        name="section-comments",
    ),
    path("comments/<int:pk>/resolve/", views.CommentResolveApi.as_view(), name="comment-resolve"),
    path("", include("strategies.api.plan_urls")),
]
