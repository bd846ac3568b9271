"""The Django admin for the access request flow. Policies are edited here
(governance as data) through access_requests.services, which audits every
change. Requests, steps, grants, notifications and audit events are shown
read-only: their state changes go through access_requests.services, which
the grant action below calls."""

from django.contrib import admin, messages
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin

from . import services
from .models import AccessRequest, ApprovalStep, Grant, Policy, PortRole, RoleApprover


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = services.POLICY_FIELDS  # what a policy is, as its service writes it
    list_editable = ["requires_steward_approval", "max_duration_days"]
    fieldsets = [
        (None, {"fields": ["applies_to"]}),
        ("Who approves", {"fields": ["requires_owner_approval", "requires_steward_approval"]}),
        ("Bounds", {"fields": ["max_duration_days", "purpose_min_length", "purpose_max_length"]}),
        ("Reminders", {"fields": ["reminder_after_hours", "escalate_after_hours"]}),
    ]

    # The change form and the list's editable columns both save through here.
    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.POLICY_FIELDS if name in form.cleaned_data}
        if change:
            saved = services.update_policy(obj, by=request.user, **values)
        else:
            saved = services.create_policy(by=request.user, **values)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_policy(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            services.delete_policy(policy, by=request.user)


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    fields = ["role", "status", "decided_by", "comment", "decided_at", "reminded_at", "escalated_at", "contract_roles"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "product", "requester", "status", "access", "duration_days", "auto_approved", "created_at", "decided_at"]
    list_filter = ["status", "access", "auto_approved", "product__classification", "product__domain"]
    search_fields = ["product__name", "product__slug", "requester__username", "purpose"]
    list_select_related = ["product", "requester"]
    date_hierarchy = "created_at"
    inlines = [ApprovalStepInline]


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "product", "port", "access", "starts_at", "ends_at", "state_badge", "revoked_by"]
    list_filter = ["access", "product__domain", "product__classification"]
    search_fields = ["user__username", "product__name", "product__slug", "revoke_reason"]
    list_select_related = ["user", "product", "port", "revoked_by"]
    date_hierarchy = "starts_at"
    actions = ["revoke_selected"]

    @admin.display(description="state")
    def state_badge(self, grant):
        return format_html('<span class="grant-state grant-state-{}">{}</span>', grant.state, grant.state)

    @admin.action(description="Revoke selected live grants (through the revoke service, audited)")
    def revoke_selected(self, request, queryset):
        revoked = 0
        for grant in queryset:
            if not grant.is_live():
                continue
            try:
                services.revoke_grant(grant, by=request.user, reason=f"Revoked by {request.user.get_username()} in the Django admin.")
                revoked += 1
            except services.AccessRequestError as error:
                self.message_user(request, f"Grant {grant.pk}: {error}", messages.ERROR)
        self.message_user(request, f"Revoked {revoked} grant(s).", messages.SUCCESS)


class RoleApproverInline(admin.TabularInline):
    model = RoleApprover
    fields = ["level", "name", "user", "team"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PortRole)
class PortRoleAdmin(ReadOnlyAdmin):
    """A port's data contract roles, as the contract import set them
    (access_requests.services.set_port_roles): change the contract to change them."""

    list_display = ["name", "port", "access", "first_level_approvers", "second_level_approvers"]
    search_fields = ["name", "port__name", "port__product__slug", "first_level_approvers", "second_level_approvers"]
    list_select_related = ["port", "port__product"]
    inlines = [RoleApproverInline]
