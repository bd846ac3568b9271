from django.contrib import admin

from .models import SignInIdentity

admin.site.site_header = "Data Product Marketplace administration"
admin.site.site_title = "Marketplace admin"


@admin.register(SignInIdentity)
class SignInIdentityAdmin(admin.ModelAdmin):
    """Who signs in through the identity provider, as whom. Read-only: the
    rows are made at sign-in (marketplace.oidc); deleting the user deletes theirs."""

    list_display = ["user", "subject", "issuer", "first_signed_in", "last_signed_in"]
    search_fields = ["user__username", "subject"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
