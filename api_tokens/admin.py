from django.contrib import admin, messages
from knox.models import AuthToken

from core.admin import ReadOnlyAdmin

from . import services
from .models import ApiToken

# knox's own admin would add tokens without a name, scope or audit event.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Listed here, created on the service account's tokens page, revoked through the service."""

    list_display = ["name", "user", "scope", "created_at", "expires_at", "last_used_at", "created_by"]
    list_filter = ["scope"]
    search_fields = ["name", "user__username"]
    list_select_related = ["auth_token", "user", "created_by"]
    fields = list_display
    readonly_fields = list_display
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.select_related("user"):
            try:
                services.revoke_token(token, by=request.user)
            except services.Forbidden as error:
                messages.error(request, f"{token}: {error}")
            else:
                revoked += 1
        messages.success(request, f"{revoked} token(s) revoked.")
