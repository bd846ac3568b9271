"""Following a product, and output port changes scheduled with an effective
date: who is told what and when (grant holders and followers, each once),
what is refused, and the beat task that applies a change at its date and
not before. The clock stands still at NOW unless a test moves it."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.http import Http404

from audit.models import AuditEvent
from catalog import services as catalog_services
from catalog import tasks as catalog_tasks
from catalog.models import DataProduct, Follow, PortVersion, ScheduledPortChange
from catalog.services import FieldSpec, PortSpec
from notifications.models import Notification
from tests.factories import Mesh, ProductFactory, TeamFactory, UserFactory, live_grant, member_of, port

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=14)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def current_ports(product: DataProduct) -> list[PortSpec]:
    return [
        PortSpec(
            name=existing.name,
            port_type=existing.port_type,
            format=existing.format,
            location=existing.location,
            version=existing.version,
            description=existing.description,
            fields=[FieldSpec(name=f.name, data_type=f.data_type, required=f.required) for f in existing.fields.all()],
        )
        for existing in product.output_ports.order_by("name")
    ]


def with_field_added(product: DataProduct) -> list[PortSpec]:
    ports = current_ports(product)
    ports[0].fields.append(FieldSpec(name="country", data_type="string"))
    return ports


def with_field_removed(product: DataProduct, *, version: str = "2.0.0") -> list[PortSpec]:
    ports = current_ports(product)
    ports[0] = dataclasses.replace(ports[0], version=version, fields=ports[0].fields[1:])
    return ports


def notices(kind: str):
    return Notification.objects.filter(kind=kind)


def schedule(mesh: Mesh, ports=None, *, at=LATER, **kwargs) -> ScheduledPortChange:
    return catalog_services.schedule_output_ports(
        mesh.product, ports=ports if ports is not None else with_field_removed(mesh.product), effective_at=at, by=mesh.owner, **kwargs
    )


# --- following -----------------------------------------------------------------


def test_following_twice_keeps_one_follow_and_unfollowing_ends_it():
    mesh = Mesh()

    catalog_services.follow_product(mesh.product, user=mesh.consumer)
    catalog_services.follow_product(mesh.product, user=mesh.consumer)

    assert Follow.objects.filter(product=mesh.product).count() == 1
    assert catalog_services.unfollow_product(mesh.product, user=mesh.consumer) is True
    assert catalog_services.unfollow_product(mesh.product, user=mesh.consumer) is False
    assert not Follow.objects.exists()


def test_nobody_follows_a_draft_they_may_not_see():
    team = TeamFactory()
    draft = ProductFactory(owner_team=team, by=member_of(team, role="owner"), status=DataProduct.Status.DRAFT)
    outsider = UserFactory()

    with pytest.raises(Http404):
        catalog_services.follow_product(draft, user=outsider)

    assert not Follow.objects.exists()


def test_followers_hear_of_a_published_change_with_the_diff():
    mesh = Mesh()
    catalog_services.follow_product(mesh.product, user=mesh.consumer)

    catalog_services.update_product(mesh.product, by=mesh.owner, ports=with_field_removed(mesh.product))

    notice = notices("contract.changed").get()
    assert notice.recipient == mesh.consumer
    assert notice.subject.startswith("Breaking change")
    assert "which you follow" in notice.body
    assert "BREAKING: field `field_0` removed" in notice.body and "version 2.0.0" in notice.body


def test_a_grant_holder_who_follows_is_told_once_as_a_grant_holder():
    mesh = Mesh()
    live_grant(mesh)
    catalog_services.follow_product(mesh.product, user=mesh.requester)
    catalog_services.follow_product(mesh.product, user=mesh.consumer)

    catalog_services.update_product(mesh.product, by=mesh.owner, ports=with_field_added(mesh.product))

    told = {notice.recipient: notice.body for notice in notices("contract.changed")}
    assert sorted(user.username for user in told) == sorted([mesh.requester.username, mesh.consumer.username])
    assert "which you have access to" in told[mesh.requester]
    assert "which you follow" in told[mesh.consumer]


def test_a_follower_is_not_told_of_their_own_change():
    mesh = Mesh()
    catalog_services.follow_product(mesh.product, user=mesh.owner)

    catalog_services.update_product(mesh.product, by=mesh.owner, ports=with_field_added(mesh.product))

    assert not notices("contract.changed").exists()


def test_a_follower_of_a_draft_who_left_its_team_is_not_told():
    team = TeamFactory()
    owner = member_of(team, role="owner")
    leaver = member_of(team)
    draft = ProductFactory(owner_team=team, by=owner, status=DataProduct.Status.DRAFT, ports=[port("daily")])
    catalog_services.follow_product(draft, user=leaver)
    team.memberships.filter(user=leaver).delete()

    catalog_services.update_product(draft, by=owner, ports=with_field_added(draft))

    assert not notices("contract.changed").exists()


# --- scheduling: told ahead ------------------------------------------------------


def test_holders_and_followers_are_told_ahead_with_the_diff_and_the_date_and_nothing_changes_yet():
    mesh = Mesh()
    live_grant(mesh)
    catalog_services.follow_product(mesh.product, user=mesh.consumer)
    catalog_services.follow_product(mesh.product, user=mesh.requester)
    outsider = UserFactory()

    change = schedule(mesh)

    told = {notice.recipient: notice for notice in notices("contract.change_scheduled")}
    assert set(told) == {mesh.requester, mesh.consumer}
    assert notices("contract.change_scheduled").count() == 2  # the requester holds a grant and follows: told once
    notice = told[mesh.requester]
    assert notice.subject == f"Breaking change ahead: the contract of {mesh.product.name} changes on 21 Dec 2026 12:00 UTC"
    assert "It takes effect on 21 Dec 2026 12:00 UTC" in notice.body
    assert "BREAKING: field `field_0` removed" in notice.body
    assert "which you follow" in told[mesh.consumer].body
    assert outsider not in told
    assert not notices("contract.changed").exists()
    assert list(mesh.product.output_ports.get().fields.values_list("name", flat=True)) == ["field_0", "field_1", "field_2"]
    assert (change.status, change.breaking, change.effective_at) == ("pending", True, LATER)
    assert change.changes == {
        "daily": [{"text": "field `field_0` removed", "breaking": True}, {"text": "version 1.0.0 → 2.0.0", "breaking": False}]
    }


def test_scheduling_is_audited():
    mesh = Mesh()

    change = schedule(mesh)

    event = AuditEvent.objects.get(action="port.change_scheduled")
    assert (event.object_id, event.actor, event.product) == (str(change.pk), mesh.owner, mesh.product)
    assert event.payload["effective_at"] == LATER.isoformat() and event.payload["breaking"] is True


def test_a_grant_for_another_port_hears_nothing_of_a_scheduled_change():
    mesh = Mesh()
    catalog_services.update_product(mesh.product, by=mesh.owner, ports=[*current_ports(mesh.product), port("weekly", fields=1)])
    live_grant(mesh, port=mesh.product.output_ports.get(name="weekly"))
    ports = current_ports(mesh.product)
    ports[0].fields.append(FieldSpec(name="country", data_type="string"))  # daily

    schedule(mesh, ports)

    assert not notices("contract.change_scheduled").exists()


@pytest.mark.parametrize("effective_at", [NOW, NOW - timedelta(minutes=1)])
def test_a_date_not_in_the_future_is_refused_naming_effective_at(effective_at):
    mesh = Mesh()

    with pytest.raises(catalog_services.CatalogError) as refused:
        schedule(mesh, at=effective_at)

    assert refused.value.field == "effective_at"
    assert not ScheduledPortChange.objects.exists()


def test_a_breaking_change_without_a_major_version_is_refused_unless_confirmed():
    mesh = Mesh()
    live_grant(mesh)

    with pytest.raises(catalog_services.BreakingChange, match="field `field_0` removed"):
        schedule(mesh, with_field_removed(mesh.product, version="1.1.0"))
    assert not ScheduledPortChange.objects.exists() and not Notification.objects.filter(kind__startswith="contract.").exists()

    change = schedule(mesh, with_field_removed(mesh.product, version="1.1.0"), confirm_breaking=True)
    assert change.confirm_breaking is True


def test_the_same_limits_as_publishing_apply():
    mesh = Mesh()
    twice = [*current_ports(mesh.product), *current_ports(mesh.product)]

    with pytest.raises(catalog_services.CatalogError, match="unique") as refused:
        schedule(mesh, twice)

    assert refused.value.field == "output_ports"


def test_a_change_that_changes_nothing_is_refused():
    mesh = Mesh()

    with pytest.raises(catalog_services.CatalogError, match="nothing to schedule"):
        schedule(mesh, current_ports(mesh.product))


def test_a_second_pending_change_is_refused_until_the_first_is_cancelled():
    mesh = Mesh()
    first = schedule(mesh)

    with pytest.raises(catalog_services.ScheduleConflict, match="already scheduled"):
        schedule(mesh, with_field_added(mesh.product))

    catalog_services.cancel_scheduled_change(first, by=mesh.owner)
    assert schedule(mesh, with_field_added(mesh.product)).status == "pending"


def test_only_the_owning_team_may_schedule():
    mesh = Mesh()

    with pytest.raises(catalog_services.NotTeamMember):
        catalog_services.schedule_output_ports(mesh.product, ports=with_field_added(mesh.product), effective_at=LATER, by=mesh.other_owner)

    assert not ScheduledPortChange.objects.exists()


# --- the date comes ----------------------------------------------------------------


def test_the_beat_task_applies_a_change_at_its_date_and_not_before(clock):
    mesh = Mesh()
    live_grant(mesh)
    catalog_services.follow_product(mesh.product, user=mesh.consumer)
    change = schedule(mesh)

    clock.move_to(LATER - timedelta(seconds=1))
    assert catalog_tasks.apply_scheduled_port_changes() == {"applied": 0, "failed": 0}
    assert mesh.product.output_ports.get().fields.count() == 3
    assert not notices("contract.changed").exists()

    clock.move_to(LATER)
    assert catalog_tasks.apply_scheduled_port_changes() == {"applied": 1, "failed": 0}

    change.refresh_from_db()
    assert (change.status, change.applied_at) == ("applied", LATER)
    daily = mesh.product.output_ports.get()
    assert (daily.version, list(daily.fields.values_list("name", flat=True))) == ("2.0.0", ["field_1", "field_2"])
    version = PortVersion.objects.get(product=mesh.product, version="2.0.0")
    assert (version.changed_by, version.changed_at, version.breaking) == (mesh.owner, LATER, True)
    told = {notice.recipient: notice.body for notice in notices("contract.changed")}
    assert set(told) == {mesh.requester, mesh.consumer} and notices("contract.changed").count() == 2
    assert "scheduled for 21 Dec 2026 12:00 UTC and is now in effect" in told[mesh.requester]
    assert AuditEvent.objects.filter(action="port.change_applied", object_id=str(change.pk)).exists()
    assert AuditEvent.objects.filter(action="port.contract_changed", object_id=str(version.pk)).exists()


def test_applying_twice_applies_once(clock):
    mesh = Mesh()
    live_grant(mesh)
    schedule(mesh)
    clock.move_to(LATER + timedelta(hours=1))

    assert catalog_services.apply_due_changes() == (1, 0)
    assert catalog_services.apply_due_changes() == (0, 0)

    assert PortVersion.objects.filter(product=mesh.product, version="2.0.0").count() == 1
    assert notices("contract.changed").count() == 1


def test_a_confirmed_breaking_change_is_applied_as_confirmed(clock):
    mesh = Mesh()
    schedule(mesh, with_field_removed(mesh.product, version="1.1.0"), confirm_breaking=True)
    clock.move_to(LATER)

    assert catalog_services.apply_due_changes() == (1, 0)

    event = AuditEvent.objects.get(action="port.contract_changed", payload__version="1.1.0")
    assert event.payload["confirmed"] is True


def test_a_change_whose_ports_were_changed_since_fails_and_its_owner_and_consumers_are_told(clock):
    mesh = Mesh()
    live_grant(mesh)
    change = schedule(mesh)
    catalog_services.update_product(mesh.product, by=mesh.owner, ports=with_field_added(mesh.product))  # published meanwhile
    clock.move_to(LATER)

    assert catalog_services.apply_due_changes() == (0, 1)

    change.refresh_from_db()
    assert change.status == "failed" and "changed after this change was scheduled" in change.failure
    assert sorted(mesh.product.output_ports.get().fields.values_list("name", flat=True)) == ["country", "field_0", "field_1", "field_2"]
    failed = notices("contract.change_failed").get()
    assert failed.recipient == mesh.owner and "was not applied" in failed.body
    withdrawn = notices("contract.change_cancelled").get()
    assert withdrawn.recipient == mesh.requester and withdrawn.subject.startswith("Not applied")
    assert AuditEvent.objects.filter(action="port.change_failed", object_id=str(change.pk)).exists()
    assert not PortVersion.objects.filter(product=mesh.product, version="2.0.0").exists()


# --- cancelling ------------------------------------------------------------------------


def test_cancelling_tells_those_told_ahead_and_the_date_passes_without_a_change(clock):
    mesh = Mesh()
    live_grant(mesh)
    catalog_services.follow_product(mesh.product, user=mesh.consumer)
    change = schedule(mesh)

    catalog_services.cancel_scheduled_change(change, by=mesh.developer)

    change.refresh_from_db()
    assert (change.status, change.cancelled_at, change.cancelled_by) == ("cancelled", NOW, mesh.developer)
    told = notices("contract.change_cancelled")
    assert {notice.recipient for notice in told} == {mesh.requester, mesh.consumer}
    assert "cancelled it" in told.first().body and "field `field_0` removed" in told.first().body
    assert AuditEvent.objects.filter(action="port.change_cancelled", object_id=str(change.pk), actor=mesh.developer).exists()
    clock.move_to(LATER)
    assert catalog_services.apply_due_changes() == (0, 0)
    assert mesh.product.output_ports.get().fields.count() == 3


def test_only_the_owning_team_may_cancel_and_only_a_pending_change():
    mesh = Mesh()
    change = schedule(mesh)

    with pytest.raises(catalog_services.NotTeamMember):
        catalog_services.cancel_scheduled_change(change, by=mesh.other_owner)
    catalog_services.cancel_scheduled_change(change, by=mesh.owner)
    with pytest.raises(catalog_services.ScheduleConflict, match="cancelled"):
        catalog_services.cancel_scheduled_change(change, by=mesh.owner)


# --- stored ports ---------------------------------------------------------------------


def test_stored_ports_read_back_as_the_same_specs_whatever_keys_they_hold():
    ports = [port("daily", fields=2, description="Daily."), port("weekly", fields=0)]
    stored = [dataclasses.asdict(spec) for spec in ports]
    stored[0]["fields"][0]["a_key_since_dropped"] = True
    del stored[1]["version"]  # a key added since takes its default

    assert catalog_services.port_specs_from_json(stored) == ports


def test_beat_runs_the_task_that_applies_scheduled_changes(settings):
    from marketplace.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["apply-scheduled-port-changes"]

    assert entry["task"] == "catalog.tasks.apply_scheduled_port_changes"
    assert entry["task"] in app.tasks
    assert 0 < entry["schedule"] <= 3600
