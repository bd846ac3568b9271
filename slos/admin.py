from django import forms
from django.contrib import admin

from catalog import services as catalog_services

from . import services
from .models import Sample, ServiceLevelObjective, SLOMeasurement


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
        except catalog_services.CatalogError as error:
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
