from django.urls import include, path

from strategies import views
from strategies.views import exports

app_name = "strategies"

section_urls = [
    path("", views.section_detail, name="section_detail"),
    path("edit/", views.section_edit, name="section_edit"),
    path("history/", views.section_history, name="section_history"),
    path("history/<int:revision_pk>/restore/", views.revision_restore, name="revision_restore"),
    path("comments/", views.comment_create, name="comment_create"),
    path("comments/<int:comment_pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("presence/", views.section_presence, name="section_presence"),
    path("move/", views.section_move, name="section_move"),
    path("owner/", views.section_owner, name="section_owner"),
    path("delete/", views.section_delete, name="section_delete"),
]

urlpatterns = [
    path("", views.strategy_list, name="strategy_list"),
    path("new/", views.strategy_create, name="strategy_create"),
    path("<int:pk>/", views.strategy_detail, name="strategy_detail"),
    path("<int:pk>/document/", exports.strategy_export, name="strategy_export"),
    path("<int:pk>/actions/<slug:name>/", views.strategy_transition, name="strategy_transition"),
    path("<int:pk>/sign-off/", views.strategy_sign_off, name="strategy_sign_off"),
    path("<int:pk>/structure/", views.strategy_structure, name="strategy_structure"),
    path("<int:pk>/sections/new/", views.section_create, name="section_create"),
    path("<int:pk>/sections/<int:section_pk>/", include(section_urls)),
]
