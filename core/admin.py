"""Admin mixins for models written only through services."""

from django.contrib import admin


class ReadOnlyMixin:
    """Look, filter, search; never add, change or delete here. Writes go
    through the services, from the pages, the API or another admin form."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin(ReadOnlyMixin):
    """Shown, never written here: the pages write these through the services."""

    can_delete = False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Look, filter, search; writes go through the services elsewhere."""
