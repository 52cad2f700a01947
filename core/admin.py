"""Admin for what core keeps, and the read-only pieces every app's admin shares."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import AuditLog, DocumentExport, OutboxMessage


class ReadOnlyMixin:
    """View only: rows whose changes must go through the services (or never happen)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


# The log is evidence: nobody edits or deletes it, not even administrators.
@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"


@admin.register(DocumentExport)
class DocumentExportAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "object_id", "format", "status", "pages", "attempts"]
    list_filter = ["status", "kind", "format"]
    search_fields = ["object_id", "content_hash"]
    readonly_fields = [field.name for field in DocumentExport._meta.fields]

    # Jobs change only through the pipeline (request, task, sweeper).
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "status", "attempts", "created_at", "done_at"]
    list_filter = ["status", "task"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
