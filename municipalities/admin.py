from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.audit import audit_log_write, model_snapshot
from core.exceptions import ApplicationError
from municipalities import services
from municipalities.imports.towns import municipality_link_towns
from municipalities.models import (
    Agreement,
    AgreementParty,
    Indicator,
    IndicatorValue,
    Membership,
    Municipality,
    Region,
    Town,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "federal_district"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["oktmo", "name", "kind", "region", "parent", "main_town", "valid_to"]
    list_filter = ["kind", "region"]
    search_fields = ["oktmo", "name", "name_en", "slug"]
    list_select_related = ["region", "parent", "main_town"]
    autocomplete_fields = ["parent", "main_town", "predecessors"]
    ordering = ["oktmo"]


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["oktmo", "name", "population", "size_class", "region", "municipality"]
    list_filter = ["size_class", "region"]
    search_fields = ["oktmo", "name"]
    list_select_related = ["region", "municipality"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["size_class"]
    actions = ["link_to_municipalities"]

    @admin.action(description=_("Link towns to municipalities and choose main towns"))
    def link_to_municipalities(self, request: HttpRequest, queryset: QuerySet[Town]) -> None:
        linked = municipality_link_towns()
        self.message_user(request, _("%(n)s towns are linked.") % {"n": linked})


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "category", "direction", "additive", "position"]
    list_filter = ["category", "direction"]
    search_fields = ["code", "name"]
    list_editable = ["position"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["municipality", "indicator", "year", "value", "source"]
    list_filter = ["indicator", "year"]
    search_fields = ["municipality__oktmo", "municipality__name"]
    list_select_related = ["municipality", "indicator"]
    autocomplete_fields = ["municipality"]
    show_full_result_count = False  # counting millions of rows on every page is slow


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    autocomplete_fields = ["municipality"]
    extra = 0
    min_num = 2


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "legal_form", "sphere", "status", "signed_on", "valid_to"]
    list_filter = ["status", "legal_form", "sphere"]
    search_fields = ["title", "number", "parties__municipality__name"]
    date_hierarchy = "signed_on"
    inlines = [AgreementPartyInline]
    readonly_fields = ["version"]
    actions = ["mark_expired", "mark_terminated"]

    def save_model(self, request: HttpRequest, obj: Agreement, form: object, change: bool) -> None:
        # An edit here must also move the version on, or an API client holding the old ETag
        # would overwrite it; and it is audited like every other change.
        before = None
        if change:
            before = model_snapshot(Agreement.objects.get(pk=obj.pk), services.AGREEMENT_FIELDS)
            obj.version += 1
        super().save_model(request, obj, form, change)
        audit_log_write(
            actor=request.user,
            action="agreement.update" if change else "agreement.create",
            obj=obj,
            before=before,
            after=model_snapshot(obj, services.AGREEMENT_FIELDS),
        )

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Agreement], status: str) -> None:
        done = 0
        for agreement in queryset:
            try:
                services.agreement_update(
                    actor=request.user,
                    agreement_id=agreement.pk,
                    version=agreement.version,
                    status=status,
                )
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{agreement}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(n)s agreement changed.", "%(n)s agreements changed.", done) % {"n": done},
        )

    @admin.action(description=_("Mark as expired"))
    def mark_expired(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        self._set_status(request, queryset, Agreement.Status.EXPIRED)

    @admin.action(description=_("Mark as terminated"))
    def mark_terminated(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        self._set_status(request, queryset, Agreement.Status.TERMINATED)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "municipality__name", "municipality__oktmo"]
    list_select_related = ["user", "municipality"]
    autocomplete_fields = ["municipality"]
    raw_id_fields = ["user"]
