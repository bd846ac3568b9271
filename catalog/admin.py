from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from guardian.admin import GuardedModelAdmin

from core.admin import ReadOnlyAdmin, ReadOnlyInlineMixin

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


def product_edit_link(product: DataProduct) -> str:
    return format_html(
        '<a href="{}">Edit the output ports and their schemas on the product\'s page</a>',
        reverse("catalog:product_edit", args=[product.slug]),
    )


class OutputPortInline(ReadOnlyInlineMixin, admin.StackedInline):
    # Ports are replaced as a whole by services.set_output_ports (matched by
    # name, lineage nodes renamed with their location): no per-port service.
    model = OutputPort
    extra = 0
    fields = ["name", "port_type", "format", "location", "version", "description"]
    readonly_fields = fields
    show_change_link = True


class DataProductAdminForm(forms.ModelForm):
    class Meta:
        model = DataProduct
        fields = "__all__"  # the admin edits every field  # noqa: DJ007

    def clean_status(self):
        status = self.cleaned_data["status"]
        # self.instance still holds the stored status: the form's values are put on it after clean().
        if self.instance.pk and status != self.instance.status:
            try:
                services.check_transition(self.instance, status)
            except services.CatalogError as error:
                raise forms.ValidationError(str(error)) from error
        return status


@admin.register(DataProduct)
class DataProductAdmin(GuardedModelAdmin):
    """Adds and changes go through services.create_product / update_product,
    audited (owner, status, classification) like an edit on the product's page."""

    form = DataProductAdminForm
    list_display = ["name", "slug", "domain", "owner_team", "status", "kind", "classification", "contains_pii", "updated_at"]
    list_filter = ["status", "kind", "classification", "contains_pii", "domain", "owner_team"]
    search_fields = ["name", "slug", "summary", "description", "tags__name"]
    list_select_related = ["domain", "owner_team"]
    autocomplete_fields = ["domain", "owner_team", "product_owner", "tags"]
    readonly_fields = ["address", "created_at", "updated_at", "output_ports_edit_link"]
    date_hierarchy = "created_at"
    inlines = [OutputPortInline]

    def get_readonly_fields(self, request, obj=None):
        # A product's slug is part of its address and never changes (services.update_product).
        return [*self.readonly_fields, "slug"] if obj is not None else self.readonly_fields

    @admin.display(description="output ports")
    def output_ports_edit_link(self, product: DataProduct) -> str:
        return product_edit_link(product) if product.pk else "Add ports on the product's page once it is saved."

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A refusal the form could not foresee (a team the user is not in, a
        # status a new product cannot start in, too many tags) rolls the whole
        # save back, the admin's transaction included, and is shown as a message.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.CatalogError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        tags = [tag.name for tag in data.pop("tags", [])]
        slug, status = data.pop("slug", None), data.pop("status")
        if change:
            saved = services.update_product(obj, by=request.user, tags=tags, status=status, **data)
        else:
            saved = services.create_product(by=request.user, slug=slug, tags=tags, status=status, **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The tags were set by the service in save_model (form.save_m2m would set them again, unchecked).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class SchemaFieldInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = SchemaField
    extra = 0
    fields = ["position", "name", "data_type", "description", "required", "primary_key", "classification", "is_pii"]
    readonly_fields = fields


@admin.register(OutputPort)
class OutputPortAdmin(ReadOnlyAdmin):
    """Read-only: services.set_output_ports writes a product's ports and
    schemas together and keeps their lineage nodes in step; the product's
    edit page calls it."""

    list_display = ["name", "product", "port_type", "format", "version"]
    list_filter = ["port_type", "format"]
    search_fields = ["name", "product__name", "product__slug", "location"]
    list_select_related = ["product"]
    readonly_fields = ["product", "name", "port_type", "format", "location", "version", "description", "edit_link"]
    inlines = [SchemaFieldInline]

    @admin.display(description="edit")
    def edit_link(self, port: OutputPort) -> str:
        return product_edit_link(port.product)


@admin.register(SchemaField)
class SchemaFieldAdmin(ReadOnlyAdmin):
    """Read-only, like the ports: written with their port by services.set_output_ports."""

    list_display = ["name", "port", "data_type", "required", "primary_key", "is_pii", "classification"]
    list_filter = ["is_pii", "required", "primary_key", "classification"]
    search_fields = ["name", "description", "port__name", "port__product__name"]
    list_select_related = ["port__product"]
    readonly_fields = ["port", "position", "name", "data_type", "description", "required", "primary_key", "classification", "is_pii"]


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
