from django.contrib import admin

from .models import AccessRequest


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["product", "requester", "status", "access", "duration_days", "created_at"]
    list_filter = ["status", "access", "product__domain"]
    search_fields = ["product__name", "product__slug", "requester__username", "purpose"]
    raw_id_fields = ["requester", "product", "port"]
    date_hierarchy = "created_at"
