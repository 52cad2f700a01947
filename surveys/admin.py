"""Surveys in the admin: for looking, and for the moves that matter (publishing a
questionnaire, opening and closing a campaign) through the same services as the pages and
the API.

Almost nothing here edits rows directly. A change made past the services would skip their
checks (conditions pointing at later questions, a campaign edited after it opened), the
version bump (an API client holding the old ETag would overwrite it) and the audit row. A
questionnaire's own title and description are the exception: the form saves them through
``questionnaire_create`` / ``questionnaire_update``. Tokens are never shown: only their hash
exists."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import ApplicationError
from surveys import services
from surveys.models import (
    Campaign,
    CampaignEvent,
    Invitation,
    MatrixRow,
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)


class ReadOnlyMixin:
    """View only: see the module's docstring for why."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


# --- questionnaires -------------------------------------------------------------------------


class QuestionInline(ReadOnlyInline):
    model = Question
    fields = ["position", "type", "text", "required", "condition_question", "condition_option"]


class VersionInline(ReadOnlyInline):
    model = QuestionnaireVersion
    fields = ["number", "published_at", "published_by", "schema_hash"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "created_by", "created_at", "updated_at"]
    search_fields = ["title", "description"]
    list_select_related = ["created_by"]
    fields = ["title", "description", "version", "created_by", "created_at", "updated_at"]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]
    inlines = [QuestionInline, VersionInline]
    actions = ["publish"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Questionnaire, form: ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            if change:
                saved = services.questionnaire_update(
                    actor=request.user,
                    questionnaire_id=obj.pk,
                    title=data["title"],
                    description=data["description"],
                )
            else:
                saved = services.questionnaire_create(
                    actor=request.user, title=data["title"], description=data["description"]
                )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The form was never saved by Django (no save_m2m; a questionnaire has no m2m), and
        # the inlines are read-only: their formsets save nothing, but must run.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("Publish the draft as a new version"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        done = 0
        for questionnaire in queryset:
            try:
                services.questionnaire_publish(
                    actor=request.user, questionnaire_id=questionnaire.pk
                )
            except ApplicationError as error:
                self.message_user(request, f"{questionnaire}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)s questionnaire published.", "%(n)s questionnaires published.", done)
                % {"n": done},
            )


class OptionInline(ReadOnlyInline):
    model = Option
    fields = ["position", "text"]
    show_change_link = False


class MatrixRowInline(ReadOnlyInline):
    model = MatrixRow
    fields = ["position", "text"]
    show_change_link = False


@admin.register(Question)
class QuestionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["text", "questionnaire", "type", "position", "required"]
    list_filter = ["type", "required"]
    search_fields = ["text", "questionnaire__title"]
    list_select_related = ["questionnaire"]
    inlines = [OptionInline, MatrixRowInline]


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["questionnaire", "number", "published_at", "published_by", "schema_hash"]
    search_fields = ["questionnaire__title", "schema_hash"]
    list_select_related = ["questionnaire", "published_by"]
    date_hierarchy = "published_at"


# --- campaigns ------------------------------------------------------------------------------


class CampaignEventInline(ReadOnlyInline):
    model = CampaignEvent
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = ["created_at"]
    show_change_link = False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "status", "opens_at", "closes_at", "anonymous", "version"]
    list_filter = ["status", "anonymous"]
    search_fields = ["title", "questionnaire_version__questionnaire__title"]
    list_select_related = ["questionnaire_version__questionnaire"]
    filter_horizontal = ["municipalities"]
    date_hierarchy = "opens_at"
    inlines = [CampaignEventInline]
    actions = ["open_campaigns", "close_campaigns"]

    def _move(self, request: HttpRequest, queryset: QuerySet[Campaign], name: str) -> None:
        done = 0
        for campaign in queryset:
            try:
                services.campaign_transition(actor=request.user, campaign_id=campaign.pk, name=name)
            except ApplicationError as error:
                self.message_user(request, f"{campaign}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)s campaign moved.", "%(n)s campaigns moved.", done) % {"n": done},
            )

    @admin.action(description=_("Open (and e-mail the invitations)"))
    def open_campaigns(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._move(request, queryset, "open")

    @admin.action(description=_("Close"))
    def close_campaigns(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._move(request, queryset, "close")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "email",
        "municipality",
        "campaign",
        "sent_at",
        "reminder_count",
        "submitted_at",
    ]
    list_filter = [
        "campaign__status",
        ("sent_at", admin.EmptyFieldListFilter),
        ("submitted_at", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "name",
        "email",
        "municipality__name",
        "municipality__oktmo",
        "campaign__title",
    ]
    list_select_related = ["municipality", "campaign"]
    # Read-only everywhere; the hash cannot be turned back into a link.
    readonly_fields = ["token_hash"]


@admin.register(Response)
class ResponseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["campaign", "invitation", "status", "submitted_at", "updated_at"]
    list_filter = ["status", "campaign__status"]
    search_fields = ["campaign__title", "invitation__municipality__name"]
    list_select_related = ["campaign", "invitation"]
