"""Concurrent measurement batches for one product store every measurement
once and announce a breach once. Real concurrent connections (PostgreSQL
only: SQLite serialises every writer on the whole file)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import DataProduct
from notifications.models import Notification
from slos import services as slo_services
from slos.models import SLOMeasurement
from tests.access_requests.test_concurrency import ROUNDS, at_once
from tests.factories import Mesh, define_slo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def late_loads(slo, now, *, hours):
    """Freshness readings far over the threshold: each batch alone breaches the objective."""
    return [{"slo": slo.pk, "measured_at": now - timedelta(hours=hour), "value": 30.0} for hour in hours]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_breaching_batches_at_once_notify_the_breach_once(round_):
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=99)
    now = timezone.now()
    first, second = late_loads(slo, now, hours=range(1, 20)), late_loads(slo, now, hours=range(20, 40))

    results = at_once(
        lambda: slo_services.record_measurements(first, by=mesh.owner, now=now),
        lambda: slo_services.record_measurements(second, by=mesh.developer, now=now),
    )

    assert [type(result) for result in results] == [slo_services.MeasurementsResult] * 2
    assert SLOMeasurement.objects.filter(slo=slo).count() == 39
    assert DataProduct.objects.get(pk=mesh.product.pk).slo_status == "breached"
    breaches = Notification.objects.filter(kind=Notification.Kind.SLO_BREACHED)
    assert sorted(breaches.values_list("recipient__username", flat=True)) == [mesh.owner.username]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_same_batch_sent_twice_at_once_is_stored_once(round_):
    mesh = Mesh()
    slo = define_slo(mesh.product, threshold=6, target=99)
    now = timezone.now()
    batch = [{"slo": slo.pk, "measured_at": now - timedelta(hours=hour), "value": 2.0} for hour in range(50)]

    results = at_once(
        lambda: slo_services.record_measurements(batch, by=mesh.owner, now=now),
        lambda: slo_services.record_measurements(batch, by=mesh.owner, now=now),
    )

    assert [type(result) for result in results] == [slo_services.MeasurementsResult] * 2
    assert SLOMeasurement.objects.filter(slo=slo).count() == 50
    assert DataProduct.objects.get(pk=mesh.product.pk).slo_status == "meeting"
