import pytest
from django.contrib import admin

from tests.factories import ProductFactory, UserFactory, port

pytestmark = pytest.mark.django_db


def test_every_model_has_an_admin_changelist_add_and_change_page(client):
    product = ProductFactory(tags=["x"], ports=[port("daily", fields=2)])
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert {model._meta.model_name for model in admin.site._registry} >= {
        "dataproduct", "domain", "team", "teammembership", "outputport", "schemafield", "tag", "accessrequest",
    }

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(f"{base}?q=x").status_code == 200, base
        assert client.get(f"{base}add/").status_code == 200, base
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
    data.update({"status": "draft", "tags": [t.pk for t in product.tags.all()], "output_ports-TOTAL_FORMS": 0, "output_ports-INITIAL_FORMS": 0})

    response = client.post(f"/admin/catalog/dataproduct/{product.pk}/change/", data)

    assert response.status_code == 200
    assert "cannot become draft" in response.content.decode()
    product.refresh_from_db()
    assert product.status == "published"
