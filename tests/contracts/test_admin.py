"""Descriptors and contracts are shown in the admin, never written there."""

import pytest
from django.urls import reverse

from contracts import services
from tests.factories import DomainFactory, ProductFactory, UserFactory, port

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["productdescriptor", "portcontract"])
def test_admins_see_descriptors_and_contracts_but_cannot_add_them(client, model):
    admin = UserFactory(is_superuser=True, is_staff=True)
    product = ProductFactory(domain=DomainFactory(), ports=[port("daily")])
    services.import_document(services.export_odps(product, user=admin), by=admin, product=product)
    services.import_document(services.export_odcs(product.output_ports.get(), user=admin), by=admin, product=product)
    client.force_login(admin)

    assert client.get(reverse(f"admin:contracts_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:contracts_{model}_add")).status_code == 403
