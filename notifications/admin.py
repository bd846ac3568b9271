from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "subject", "created_at", "read_at", "delivered_at", "delivery_attempts"]
    list_filter = ["kind", ("delivered_at", admin.EmptyFieldListFilter), ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__username", "subject", "body"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
