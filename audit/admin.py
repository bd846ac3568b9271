from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "occurred_at", "actor_name", "action", "object_type", "object_id", "product_id", "short_hash"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "action", "object_id"]
    date_hierarchy = "occurred_at"
    readonly_fields = [
        "sequence",
        "occurred_at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "product",
        "payload",
        "prev_hash",
        "hash",
    ]
    show_full_result_count = False

    @admin.display(description="hash")
    def short_hash(self, event):
        return event.hash[:12]
