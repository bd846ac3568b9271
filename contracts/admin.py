from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import PortContract, ProductDescriptor


@admin.register(ProductDescriptor)
class ProductDescriptorAdmin(ReadOnlyAdmin):
    """Written by contracts.services.import_document (the API, the product's edit page, import_descriptors)."""

    list_display = ["product", "odps_id", "imported_by", "imported_at"]
    search_fields = ["odps_id", "product__slug", "product__name"]
    list_select_related = ["product", "imported_by"]


@admin.register(PortContract)
class PortContractAdmin(ReadOnlyAdmin):
    """Written by contracts.services.import_document."""

    list_display = ["contract_id", "version", "port", "created_by", "created_at"]
    search_fields = ["contract_id", "port__name", "port__product__slug"]
    list_select_related = ["port__product", "created_by"]
