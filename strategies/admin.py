"""Strategies in the admin: for looking, and for moving a strategy through its statuses with
the same service as the pages and the API.

Nothing here edits content. A change made past the services would skip the version (an API
client holding the old ETag would overwrite it), the revision, the audit row and, during
review, the clearing of the sign-offs: approvers would sign a text that is no longer the one
stored. So every model is shown read-only, and the actions call ``strategy_transition``,
which checks the admin's own rights like anybody else's."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyInline, ReadOnlyMixin
from core.exceptions import ApplicationError
from strategies.models import (
    ApprovalRound,
    Comment,
    Goal,
    Measure,
    Objective,
    Participation,
    Revision,
    Section,
    SignOff,
    Strategy,
    StrategyEvent,
    TargetIndicator,
)
from strategies.services import strategy_transition


class ParticipationInline(ReadOnlyInline):
    model = Participation
    fields = ["municipality", "role"]
    show_change_link = False


class SectionInline(ReadOnlyInline):
    model = Section
    fields = ["position", "title", "kind", "owner", "version", "updated_by", "updated_at"]
    readonly_fields = ["version", "updated_at"]


class TargetIndicatorInline(ReadOnlyInline):
    model = TargetIndicator
    fields = ["position", "name", "unit", "direction", "indicator", "baseline_year"]


@admin.register(Strategy)
class StrategyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "lead", "status", "start_year", "end_year", "version", "adopted_at"]
    list_filter = ["status", "lead__region", "end_year"]
    search_fields = ["title", "participations__municipality__name", "lead__oktmo"]
    list_select_related = ["lead"]
    date_hierarchy = "created_at"
    inlines = [ParticipationInline, SectionInline, TargetIndicatorInline]
    readonly_fields = ["version", "created_at", "updated_at"]
    actions = ["open_review", "adopt", "archive"]

    def _move(self, request: HttpRequest, queryset: QuerySet[Strategy], name: str) -> None:
        moved = 0
        for strategy in queryset:
            try:
                strategy_transition(actor=request.user, strategy_id=strategy.pk, name=name)
            except ApplicationError as error:
                self.message_user(request, f"{strategy}: {error.message}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                ngettext("%(n)s strategy moved.", "%(n)s strategies moved.", moved) % {"n": moved},
            )

    @admin.action(description=_("Open the review"))
    def open_review(self, request: HttpRequest, queryset: QuerySet[Strategy]) -> None:
        self._move(request, queryset, "review")

    @admin.action(description=_("Mark adopted"))
    def adopt(self, request: HttpRequest, queryset: QuerySet[Strategy]) -> None:
        self._move(request, queryset, "adopt")

    @admin.action(description=_("Archive"))
    def archive(self, request: HttpRequest, queryset: QuerySet[Strategy]) -> None:
        self._move(request, queryset, "archive")


@admin.register(Revision)
class RevisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["section", "number", "author", "created_at", "note"]
    search_fields = ["section__title", "section__strategy__title", "author__username"]
    list_select_related = ["section", "author"]
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "section", "author", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "section__title", "author__username"]
    list_select_related = ["section", "author"]
    date_hierarchy = "created_at"


class SignOffInline(ReadOnlyInline):
    model = SignOff
    fields = [
        "municipality",
        "approver",
        "signed_at",
        "snapshot_hash",
        "decision_number",
        "decision_date",
        "decision_file",
    ]
    readonly_fields = ["signed_at"]
    show_change_link = False


@admin.register(ApprovalRound)
class ApprovalRoundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["strategy", "number", "outcome", "opened_at", "closed_at", "snapshot_hash"]
    list_filter = ["outcome"]
    search_fields = ["strategy__title", "snapshot_hash"]
    list_select_related = ["strategy"]
    inlines = [SignOffInline]


@admin.register(StrategyEvent)
class StrategyEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "strategy", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind"]
    search_fields = ["strategy__title", "actor__username"]
    list_select_related = ["strategy", "actor"]
    date_hierarchy = "created_at"


@admin.register(Goal)
class GoalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "strategy", "position", "version"]
    search_fields = ["title", "strategy__title"]
    list_select_related = ["strategy"]


@admin.register(Objective)
class ObjectiveAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "goal", "position", "version"]
    search_fields = ["title", "goal__title", "goal__strategy__title"]
    list_select_related = ["goal"]


@admin.register(Measure)
class MeasureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "objective", "start_year", "end_year", "version"]
    list_filter = ["start_year", "end_year"]
    search_fields = ["title", "objective__title", "objective__goal__strategy__title"]
    list_select_related = ["objective"]


@admin.register(TargetIndicator)
class TargetIndicatorAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "strategy", "unit", "direction", "indicator", "baseline_value"]
    list_filter = ["direction"]
    search_fields = ["name", "strategy__title", "indicator__code"]
    list_select_related = ["strategy", "indicator"]
