from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from guardian.admin import GuardedModelAdmin

from core.admin import ReadOnlyAdmin, ReadOnlyInlineMixin

from . import services
from .models import DataProduct, Domain, Follow, OutputPort, PortVersion, ScheduledPortChange, SchemaField, Tag, Team, TeamMembership


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
    fields = [
        "position",
        "name",
        "parent",
        "data_type",
        "logical_type",
        "description",
        "required",
        "primary_key",
        "classification",
        "is_pii",
    ]
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
    readonly_fields = ["product", "name", "position", "port_type", "format", "location", "version", "description", "edit_link"]
    inlines = [SchemaFieldInline]

    @admin.display(description="edit")
    def edit_link(self, port: OutputPort) -> str:
        return product_edit_link(port.product)


@admin.register(SchemaField)
class SchemaFieldAdmin(ReadOnlyAdmin):
    """Read-only, like the ports: written with their port by services.set_output_ports."""

    list_display = ["name", "port", "parent", "data_type", "logical_type", "required", "primary_key", "is_pii", "classification"]
    list_filter = ["logical_type", "is_pii", "required", "primary_key", "classification"]
    search_fields = ["name", "description", "port__name", "port__product__name"]
    list_select_related = ["port__product", "parent"]
    readonly_fields = [
        "port",
        "parent",
        "position",
        "name",
        "data_type",
        "logical_type",
        "description",
        "required",
        "primary_key",
        "classification",
        "is_pii",
    ]


@admin.register(PortVersion)
class PortVersionAdmin(ReadOnlyAdmin):
    """Read-only: services.set_output_ports records a version for every change to a port's contract."""

    list_display = ["port_name", "product", "version", "breaking", "removed", "changed_by", "changed_at"]
    list_filter = ["breaking", "removed"]
    search_fields = ["port_name", "product__name", "product__slug", "version"]
    list_select_related = ["product", "changed_by"]
    readonly_fields = ["product", "port", "port_name", "version", "breaking", "removed", "changes", "snapshot", "changed_by", "changed_at"]
    date_hierarchy = "changed_at"


@admin.register(ScheduledPortChange)
class ScheduledPortChangeAdmin(ReadOnlyAdmin):
    """Read-only: services.schedule_output_ports, cancel_scheduled_change and
    apply_due_changes write them (owners cancel on the History tab)."""

    list_display = ["product", "effective_at", "status", "breaking", "created_by", "created_at"]
    list_filter = ["status", "breaking"]
    search_fields = ["product__name", "product__slug"]
    list_select_related = ["product", "created_by"]
    date_hierarchy = "effective_at"


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    """Read-only: users follow and unfollow on the product page or the API (services.follow_product)."""

    list_display = ["user", "product", "created_at"]
    search_fields = ["user__username", "product__name", "product__slug"]
    list_select_related = ["user", "product"]


# Lineage is written by catalog.services (events, declared inputs, ports);
# the admin reads it, and may delete a wrong edge or node.


# Service level objectives are edited here through catalog.services, so that
# the admin judges measurements and recomputes statuses as pages and API do.
