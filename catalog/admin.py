from django import forms
from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from . import services
from .models import (
    DataProduct,
    Domain,
    LineageEdge,
    LineageNode,
    LineageRun,
    OutputPort,
    Sample,
    SchemaField,
    ServiceLevelObjective,
    SLOMeasurement,
    Tag,
    Team,
    TeamMembership,
)


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


# Service level objectives are edited here through catalog.services, so that
# the admin judges measurements and recomputes statuses as pages and API do.


class SLOAdminForm(forms.ModelForm):
    class Meta:
        model = ServiceLevelObjective
        fields = ["product", "port", "indicator", "name", "description", "operator", "threshold", "unit", "target", "window_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].required = False
        self.fields["operator"].help_text = "Empty: the indicator's default."

    def validate_constraints(self, exclude=None):
        """Checked in clean() by the services' own rules, with messages naming the field."""

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        candidate = ServiceLevelObjective(**{name: data.get(name) for name in SLOAdminForm.Meta.fields})
        candidate.operator = candidate.operator or ""
        try:
            services.validate_slo(candidate)
        except services.CatalogError as error:
            self.add_error(error.field if error.field in self.fields else None, str(error))
        return data


@admin.register(ServiceLevelObjective)
class ServiceLevelObjectiveAdmin(admin.ModelAdmin):
    form = SLOAdminForm
    list_display = ["product", "label", "indicator", "objective", "status", "attainment", "budget_remaining", "status_computed_at"]
    list_filter = ["status", "indicator", "window_days", "product__domain"]
    search_fields = ["product__name", "product__slug", "name", "description"]
    list_select_related = ["product"]
    autocomplete_fields = ["product", "port"]
    readonly_fields = ["status", "attainment", "budget_remaining", "good_count", "total_count", "status_computed_at"]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in SLOAdminForm.Meta.fields if name != "product"}
        fields["operator"] = fields["operator"] or ""
        if change:
            saved = services.update_slo(ServiceLevelObjective.objects.get(pk=obj.pk), by=request.user, **fields)
        else:
            saved = services.define_slo(form.cleaned_data["product"], by=request.user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_slo(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for slo in queryset:
            services.delete_slo(slo, by=request.user)


@admin.register(SLOMeasurement)
class SLOMeasurementAdmin(admin.ModelAdmin):
    """Measurements arrive through the API; the admin reads them."""

    list_display = ["slo", "measured_at", "value", "good", "received_at"]
    list_filter = ["good", "slo__indicator"]
    search_fields = ["slo__product__slug", "slo__name"]
    list_select_related = ["slo__product"]
    date_hierarchy = "measured_at"
    readonly_fields = [field.name for field in SLOMeasurement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin):
    """Samples are uploaded on the product page or through the API (checked
    against the schema); the admin reads them and may remove one."""

    list_display = ["port", "row_count", "source_name", "uploaded_by", "uploaded_at"]
    search_fields = ["port__name", "port__product__slug"]
    list_select_related = ["port__product", "uploaded_by"]
    readonly_fields = ["port", "columns", "rows", "source_name", "uploaded_by", "uploaded_at"]

    @admin.display(description="rows")
    def row_count(self, sample) -> int:
        return len(sample.rows)

    def has_add_permission(self, request):
        return False
