"""Surveys in the admin: for looking, and for the moves that matter (publishing a
questionnaire, opening and closing a campaign) through the same services as the pages and
the API.

Almost nothing here edits rows directly. A change made past the services would skip their
checks (conditions pointing at later questions, a campaign edited after it opened), the
version bump (an API client holding the old ETag would overwrite it) and the audit row. A
questionnaire's own title and description are the exception: the form saves them through
``questionnaire_create`` / ``questionnaire_update``. Questions are edited in the builder
pages (one service call per change, with its checks): every questionnaire, question and
campaign here links to its page there ("Open the builder", "View on site"). Links are never
shown: they are not stored, and issuing a new one is done on the campaign page.

In an anonymous campaign nothing here puts a respondent next to the answers or the time of
the submission: a response shows no invitation, and an invitation only whether it was
submitted."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyInline, ReadOnlyMixin
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

# --- questionnaires -------------------------------------------------------------------------


class QuestionInline(ReadOnlyInline):
    model = Question
    fields = ["position", "type", "text", "required", "condition_question", "condition_option"]


class VersionInline(ReadOnlyInline):
    model = QuestionnaireVersion
    fields = ["number", "published_at", "published_by", "schema_hash"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "created_by", "created_at", "updated_at", "builder"]
    search_fields = ["title", "description"]
    list_select_related = ["created_by"]
    fields = [
        "builder",
        "title",
        "description",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["builder", "version", "created_by", "created_at", "updated_at"]
    inlines = [QuestionInline, VersionInline]
    actions = ["publish"]

    def view_on_site(self, obj: Questionnaire) -> str:
        return reverse("surveys:questionnaire_detail", args=[obj.pk])

    @admin.display(description=_("builder"))
    def builder(self, obj: Questionnaire) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("surveys:questionnaire_detail", args=[obj.pk]),
            _("Open the builder"),
            reverse("surveys:questionnaire_preview", args=[obj.pk]),
            _("Preview"),
        )

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

    def view_on_site(self, obj: Question) -> str:
        return reverse("surveys:question_update", args=[obj.questionnaire_id, obj.pk])


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

    def view_on_site(self, obj: Campaign) -> str:
        return reverse("surveys:campaign_detail", args=[obj.pk])

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
        "delivery",
        "reminder_count",
        "submitted",
    ]
    list_filter = [
        "campaign__status",
        ("sent_at", admin.EmptyFieldListFilter),
        ("send_failed_at", admin.EmptyFieldListFilter),
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
    # Read-only everywhere; the hash cannot be turned back into a link, and the salt (not
    # shown) makes one only with the server's secret key.
    readonly_fields = ["token_hash"]

    def view_on_site(self, obj: Invitation) -> str:
        # The campaign page: its respondents, and "New link" for this one.
        return reverse("surveys:campaign_detail", args=[obj.campaign_id])

    def get_fields(self, request: HttpRequest, obj: Invitation | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.campaign.anonymous:
            fields.remove("submitted_at")
        return fields

    @admin.display(description=_("delivery"))
    def delivery(self, obj: Invitation) -> str:
        if obj.send_failed_at is not None:
            return format_html("{}: {}", _("delivery failed"), obj.send_error or "—")
        if obj.send_error:
            return format_html("{}: {}", _("retrying"), obj.send_error)
        return "—"

    @admin.display(description=_("submitted"))
    def submitted(self, obj: Invitation) -> str:
        if obj.submitted_at is None:
            return str(_("no"))
        if obj.campaign.anonymous:
            return str(_("yes"))
        return str(date_format(timezone.localtime(obj.submitted_at), "SHORT_DATETIME_FORMAT"))


@admin.register(Response)
class ResponseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["campaign", "respondent", "status", "submitted_at", "updated_at"]
    list_filter = ["status", "campaign__status"]
    search_fields = ["campaign__title"]
    list_select_related = ["campaign", "invitation__municipality"]

    def get_fields(self, request: HttpRequest, obj: Response | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.campaign.anonymous:
            # The answers stay; who gave them does not appear next to them.
            fields.remove("invitation")
        return fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Response], search_term: str
    ) -> tuple[QuerySet[Response], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            # By respondent or municipality only in named campaigns: in an anonymous one
            # that search would find a municipality's answers.
            named = queryset.filter(campaign__anonymous=False)
            found |= named.filter(invitation__name__icontains=search_term) | named.filter(
                invitation__municipality__name__icontains=search_term
            )
        return found, duplicates

    @admin.display(description=_("respondent"))
    def respondent(self, obj: Response) -> str:
        if obj.campaign.anonymous:
            return str(_("anonymous"))
        return f"{obj.invitation.name} ({obj.invitation.municipality.name})"
