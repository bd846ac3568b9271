from django import forms
from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from . import services
from .models import DataProduct, Domain, LineageEdge, LineageNode, LineageRun, OutputPort, SchemaField, Tag, Team, TeamMembership


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TeamMembershipInline]


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "role"]
    list_filter = ["role", "team"]
    search_fields = ["team__name", "user__username", "user__email"]
    autocomplete_fields = ["team", "user"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner_team"]
    list_filter = ["owner_team"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["owner_team"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class OutputPortInline(admin.StackedInline):
    model = OutputPort
    extra = 0
    show_change_link = True  # the port's own page edits its schema fields


class DataProductAdminForm(forms.ModelForm):
    class Meta:
        model = DataProduct
        fields = "__all__"  # the admin edits every field  # noqa: DJ007

    def clean_status(self):
        status = self.cleaned_data["status"]
        current = self.instance.status if self.instance.pk else DataProduct.Status.DRAFT
        if self.instance.pk and status != current and status not in DataProduct.TRANSITIONS[current]:
            allowed = ", ".join(self.instance.allowed_next_statuses()) or "none"
            raise forms.ValidationError(f"A {current} product cannot become {status} (allowed next: {allowed}).")
        return status


@admin.register(DataProduct)
class DataProductAdmin(GuardedModelAdmin):
    form = DataProductAdminForm
    list_display = ["name", "slug", "domain", "owner_team", "status", "kind", "classification", "contains_pii", "updated_at"]
    list_filter = ["status", "kind", "classification", "contains_pii", "domain", "owner_team"]
    search_fields = ["name", "slug", "summary", "description", "tags__name"]
    list_select_related = ["domain", "owner_team"]
    autocomplete_fields = ["domain", "owner_team", "product_owner", "tags"]
    readonly_fields = ["address", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [OutputPortInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The owning team's object permissions follow the product, as services do.
        services.grant_team_permissions(obj)


class SchemaFieldInline(admin.TabularInline):
    model = SchemaField
    extra = 0


@admin.register(OutputPort)
class OutputPortAdmin(admin.ModelAdmin):
    list_display = ["name", "product", "port_type", "format", "version"]
    list_filter = ["port_type", "format"]
    search_fields = ["name", "product__name", "product__slug", "location"]
    autocomplete_fields = ["product"]
    inlines = [SchemaFieldInline]


@admin.register(SchemaField)
class SchemaFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "port", "data_type", "required", "primary_key", "is_pii", "classification"]
    list_filter = ["is_pii", "required", "primary_key", "classification"]
    search_fields = ["name", "description", "port__name", "port__product__name"]
    autocomplete_fields = ["port"]


# Lineage is written by catalog.services (events, declared inputs, ports);
# the admin reads it, and may delete a wrong edge or node.


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
