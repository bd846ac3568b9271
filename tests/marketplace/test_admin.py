import pytest
from django.contrib import admin

from access_requests import services
from access_requests.models import Policy
from audit.models import AuditEvent
from tests.factories import Mesh, ProductFactory, UserFactory, port, submit

pytestmark = pytest.mark.django_db


def test_every_model_has_an_admin_changelist_add_and_change_page(client):
    product = ProductFactory(tags=["x"], ports=[port("daily", fields=2)])
    mesh = Mesh(classification="confidential")
    services.reject_step(submit(mesh).steps.first(), by=mesh.owner, comment="No")  # steps, notifications, audit events
    services.approve_step(submit(mesh, by=mesh.consumer).steps.get(role="owner"), by=mesh.owner)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert {model._meta.model_name for model in admin.site._registry} >= {
        "dataproduct",
        "domain",
        "team",
        "teammembership",
        "outputport",
        "schemafield",
        "tag",
        "accessrequest",
        "policy",
        "grant",
        "notification",
        "auditevent",
    }

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(f"{base}?q=x").status_code == 200, base
        # The access request flow's records are written by its services only: no add page.
        may_add = model_admin.has_add_permission(client.get(base).wsgi_request)
        assert client.get(f"{base}add/").status_code == (200 if may_add else 403), base
        first = model.objects.first()
        if first is not None:
            assert client.get(f"{base}{first.pk}/change/").status_code == 200, base
    assert product.pk


def test_non_staff_users_cannot_open_the_admin(client):
    client.force_login(UserFactory())

    assert client.get("/admin/catalog/dataproduct/").status_code == 302


def test_admin_refuses_an_invalid_lifecycle_change(client):
    product = ProductFactory(status="published")
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    form = client.get(f"/admin/catalog/dataproduct/{product.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update(
        {"status": "draft", "tags": [t.pk for t in product.tags.all()], "output_ports-TOTAL_FORMS": 0, "output_ports-INITIAL_FORMS": 0}
    )

    response = client.post(f"/admin/catalog/dataproduct/{product.pk}/change/", data)

    assert response.status_code == 200
    assert "cannot become draft" in response.content.decode()
    product.refresh_from_db()
    assert product.status == "published"


def test_audit_events_are_read_only_in_the_admin(client):
    mesh = Mesh()
    submit(mesh)
    client.force_login(mesh.admin)
    event = AuditEvent.objects.get()
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 1


def test_admin_revokes_grants_through_the_service(client):
    mesh = Mesh()
    grant = services.approve_step(submit(mesh).steps.get(), by=mesh.owner).grant
    client.force_login(mesh.admin)
    client.post("/admin/access_requests/grant/", {"action": "revoke_selected", "_selected_action": [grant.pk]})
    grant.refresh_from_db()
    assert grant.state == "revoked"
    assert AuditEvent.objects.filter(action="grant.revoked", actor=mesh.admin).exists()


# --- policies: edited through access_requests.services, audited --------------------------


def test_a_policy_changed_in_the_admin_form_records_its_old_and_new_settings(client):
    mesh = Mesh()
    policy = Policy.objects.get(applies_to="internal")
    client.force_login(mesh.admin)
    url = f"/admin/access_requests/policy/{policy.pk}/change/"
    data = {name: value for name, value in client.get(url).context["adminform"].form.initial.items() if value is not None}
    data.pop("id", None)
    data.update({"requires_steward_approval": "on", "max_duration_days": 30})
    if not data["requires_owner_approval"]:
        data.pop("requires_owner_approval")

    response = client.post(url, data)

    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.requires_steward_approval, policy.max_duration_days) == (True, 30)
    event = AuditEvent.objects.get(action="policy.changed")
    assert (event.actor, event.object_type, event.object_id) == (mesh.admin, "policy", str(policy.pk))
    assert event.payload == {
        "applies_to": "internal",
        "changes": {"requires_steward_approval": {"from": False, "to": True}, "max_duration_days": {"from": 365, "to": 30}},
    }


def test_a_policy_changed_in_the_admin_list_records_an_audit_event(client):
    mesh = Mesh()
    client.force_login(mesh.admin)
    changelist = client.get("/admin/access_requests/policy/")
    formset = changelist.context["cl"].formset
    data = {f"form-{name}": value for name, value in formset.management_form.initial.items()}
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = form.instance.pk
        data[f"form-{index}-max_duration_days"] = form.instance.max_duration_days
        if form.instance.requires_steward_approval:
            data[f"form-{index}-requires_steward_approval"] = "on"
    internal = next(index for index, form in enumerate(formset.forms) if form.instance.applies_to == "internal")
    data[f"form-{internal}-max_duration_days"] = 14
    data["_save"] = "Save"

    response = client.post("/admin/access_requests/policy/", data)

    assert response.status_code == 302
    assert Policy.objects.get(applies_to="internal").max_duration_days == 14
    event = AuditEvent.objects.get(action="policy.changed")
    assert event.actor == mesh.admin
    assert event.payload == {"applies_to": "internal", "changes": {"max_duration_days": {"from": 365, "to": 14}}}


def test_a_policy_added_or_deleted_in_the_admin_is_audited(client):
    mesh = Mesh()
    client.force_login(mesh.admin)
    Policy.objects.filter(applies_to="public").delete()
    data = {
        "applies_to": "public",
        "requires_owner_approval": "on",
        "max_duration_days": 90,
        "purpose_min_length": 5,
        "purpose_max_length": 500,
        "reminder_after_hours": 24,
        "escalate_after_hours": 48,
    }

    client.post("/admin/access_requests/policy/add/", data)
    policy = Policy.objects.get(applies_to="public")
    client.post(f"/admin/access_requests/policy/{policy.pk}/delete/", {"post": "yes"})

    assert list(AuditEvent.objects.filter(object_type="policy").order_by("sequence").values_list("action", "object_id")) == [
        ("policy.created", str(policy.pk)),
        ("policy.deleted", str(policy.pk)),
    ]
    assert AuditEvent.objects.get(action="policy.created").payload["max_duration_days"] == 90
    assert not Policy.objects.filter(applies_to="public").exists()
