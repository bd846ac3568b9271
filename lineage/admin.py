from django.contrib import admin

from .models import LineageEdge, LineageNode, LineageRun


@admin.register(LineageNode)
class LineageNodeAdmin(admin.ModelAdmin):
    list_display = ["namespace", "name", "port", "observed_at"]
    list_filter = [("port", admin.EmptyFieldListFilter)]
    search_fields = ["namespace", "name", "port__name", "port__product__slug"]
    readonly_fields = ["namespace", "name", "port", "observed_schema", "observed_at", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(LineageEdge)
class LineageEdgeAdmin(admin.ModelAdmin):
    list_display = ["upstream", "downstream", "origin", "job_name", "last_seen"]
    list_filter = ["origin", "job_namespace"]
    search_fields = ["upstream__name", "downstream__name", "job_name", "run_id"]
    readonly_fields = [field.name for field in LineageEdge._meta.fields]
    list_select_related = ["upstream", "downstream"]

    def has_add_permission(self, request):
        return False


@admin.register(LineageRun)
class LineageRunAdmin(admin.ModelAdmin):
    list_display = ["job_namespace", "job_name", "event_type", "run_id", "event_time", "edge_count", "received_by"]
    list_filter = ["event_type", "job_namespace"]
    search_fields = ["job_name", "run_id"]
    readonly_fields = [field.name for field in LineageRun._meta.fields]
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
