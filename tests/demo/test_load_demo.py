"""manage.py load_demo: the Streamly demo mesh."""

import re
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from access_requests import queries as access_queries
from access_requests.models import AccessRequest, ApprovalStep, Grant, Policy
from audit import trail
from audit.models import AuditEvent
from catalog import queries as catalog_queries
from catalog.models import (
    DataProduct,
    DataProductGroupObjectPermission,
    Domain,
    OutputPort,
    SchemaField,
    SLOStatus,
    Tag,
    Team,
    TeamMembership,
)
from lineage import queries as lineage_queries
from lineage.models import LineageEdge, LineageNode, LineageRun
from notifications.models import Notification
from slos import queries as slo_queries
from slos.models import Sample, ServiceLevelObjective, SLOMeasurement
from slos.samples import MASK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_mesh_output")]


@pytest.fixture(scope="module")
def demo_mesh_output(django_db_setup, django_db_blocker):
    """Load the demo mesh once for the whole module, as Django's setUpTestData
    does for a TestCase: inside a transaction that is rolled back at the end.
    Each test runs in a savepoint within it, so what a test changes is undone."""
    # PBKDF2 is slow on purpose; its slowness is not what these tests are about.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Everything load_demo writes, in a form two runs can be compared by."""
    return {
        "users": list(User.objects.order_by("username").values_list("username", "password", "is_staff", "is_superuser")),
        "groups": list(Group.objects.order_by("name").values_list("name", flat=True)),
        "teams": list(Team.objects.order_by("slug").values_list("pk", "slug")),
        "memberships": list(TeamMembership.objects.order_by("pk").values_list("pk", "team_id", "user_id", "role")),
        "domains": list(Domain.objects.order_by("slug").values_list("pk", "slug", "owner_team_id")),
        "products": list(DataProduct.objects.order_by("slug").values_list("pk", "slug", "status", "created_at", "updated_at")),
        "tags": list(Tag.objects.order_by("name").values_list("pk", "name")),
        "ports": list(OutputPort.objects.order_by("pk").values_list("pk", "product_id", "name")),
        "fields": list(SchemaField.objects.order_by("pk").values_list("pk", "port_id", "name")),
        "permissions": DataProductGroupObjectPermission.objects.count(),
        "requests": list(AccessRequest.objects.order_by("pk").values_list("pk", "status", "created_at", "decided_at")),
        "grants": list(Grant.objects.order_by("pk").values_list("pk", "starts_at", "ends_at", "revoked_at", "expired_at")),
        "audit": list(AuditEvent.objects.order_by("sequence").values_list("sequence", "hash")),
        "lineage": list(LineageEdge.objects.order_by("pk").values_list("pk", "upstream", "downstream", "run_id", "last_seen")),
        "lineage runs": LineageRun.objects.count(),
        "objectives": list(
            ServiceLevelObjective.objects.order_by("pk").values_list("pk", "product_id", "indicator", "name", "status", "total_count")
        ),
        "measurements": SLOMeasurement.objects.count(),
        "samples": list(Sample.objects.order_by("pk").values_list("pk", "port_id", "source_name", "columns", "rows")),
        "notifications": Notification.objects.count(),
    }


def test_load_demo_is_idempotent():
    first = snapshot()

    load_demo()

    assert snapshot() == first


def test_second_run_leaves_edited_products_alone():
    DataProduct.objects.filter(slug="play-events").update(summary="Edited by its owner.")

    load_demo()

    assert DataProduct.objects.get(slug="play-events").summary == "Edited by its owner."


def test_demo_has_at_least_seven_domains_and_thirty_two_products():
    assert Domain.objects.count() >= 7
    assert DataProduct.objects.count() >= 32
    assert set(Domain.objects.values_list("name", flat=True)) >= {
        "Listener",
        "Media Player",
        "Playlists",
        "Artists",
        "Podcasts",
        "Finance",
        "Recommendations",
    }


def test_every_domain_is_owned_by_a_team_with_an_owner():
    for domain in Domain.objects.select_related("owner_team"):
        assert domain.owner_team.memberships.filter(role=TeamMembership.Role.OWNER).exists(), domain


def test_demo_has_the_products_the_design_names():
    slugs = set(DataProduct.objects.values_list("slug", flat=True))
    assert slugs >= {
        "play-events",
        "play-events-daily",
        "listener-profiles",
        "artist-payments",
        "playlist-recommendations",
        "podcast-play-rate",
    }
    play_events_ports = DataProduct.objects.get(slug="play-events").output_ports
    assert play_events_ports.filter(port_type=OutputPort.PortType.STREAM).exists()
    assert DataProduct.objects.get(slug="play-events-daily").kind == DataProduct.Kind.AGGREGATE


def test_alice_owns_the_media_player_team_and_can_edit_its_products():
    alice = User.objects.get(username="alice")
    media_player = Domain.objects.get(name="Media Player")

    membership = TeamMembership.objects.get(team=media_player.owner_team, user=alice)
    products = DataProduct.objects.filter(domain=media_player)

    assert membership.role == TeamMembership.Role.OWNER
    assert products.exists()
    assert all(alice.has_perm("catalog.change_dataproduct", product) for product in products)


def test_alice_cannot_edit_products_of_other_teams():
    alice = User.objects.get(username="alice")
    others = DataProduct.objects.exclude(owner_team__memberships__user=alice)

    assert others.exists()
    assert not any(alice.has_perm("catalog.change_dataproduct", product) for product in others)


def test_demo_users_sign_in_with_password_demo():
    for username in ("admin", "alice", "bob", "carol", "dave", "erin"):
        # As the sign-in page does: the lockout (django-axes) needs the request.
        signing_in = RequestFactory().post("/accounts/login/")
        assert authenticate(signing_in, username=username, password="demo") == User.objects.get(username=username)


def test_demo_users_have_names_and_example_addresses():
    for user in User.objects.all():
        assert user.first_name and user.last_name, user
        assert user.email == f"{user.username}@example.com"


def test_admin_is_the_only_superuser():
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["admin"]
    assert User.objects.get(username="admin").is_staff


def test_carol_is_a_steward_and_bob_and_erin_belong_to_no_team():
    assert list(User.objects.filter(groups__name="stewards").values_list("username", flat=True)) == ["carol"]
    assert not TeamMembership.objects.filter(user__username__in=["bob", "erin", "carol"]).exists()


def test_dave_owns_another_domains_team():
    dave_owns = TeamMembership.objects.filter(user__username="dave", role=TeamMembership.Role.OWNER)

    assert dave_owns.exists()
    assert not dave_owns.filter(team__domains__name="Media Player").exists()


def test_drafts_belong_to_a_team_whose_members_alone_may_see_them():
    drafts = DataProduct.objects.filter(status=DataProduct.Status.DRAFT)
    bob = User.objects.get(username="bob")

    assert 2 <= drafts.count() <= 3
    assert drafts.filter(owner_team__memberships__user__username="alice").exists()
    assert drafts.filter(owner_team__memberships__user__username="dave").exists()
    for draft in drafts:
        member = draft.owner_team.members.first()
        assert catalog_queries.visible_products(member).filter(pk=draft.pk).exists()
        assert not catalog_queries.visible_products(bob).filter(pk=draft.pk).exists()


def test_products_are_mostly_published_with_a_few_deprecated_and_one_retired():
    statuses = Counter(DataProduct.objects.values_list("status", flat=True))

    assert statuses[DataProduct.Status.PUBLISHED] > sum(statuses.values()) / 2
    assert 1 <= statuses[DataProduct.Status.DEPRECATED] <= 2
    assert statuses[DataProduct.Status.RETIRED] == 1


def test_products_use_every_kind_and_classification():
    assert set(DataProduct.objects.values_list("kind", flat=True)) == set(DataProduct.Kind.values)
    assert set(DataProduct.objects.values_list("classification", flat=True)) == set(DataProduct.Classification.values)


def test_every_product_has_one_to_three_ports_of_four_to_fifteen_fields():
    for product in DataProduct.objects.prefetch_related("output_ports__fields"):
        ports = product.output_ports.all()
        assert 1 <= len(ports) <= 3, product
        for port in ports:
            assert 4 <= len(port.fields.all()) <= 15, port
            assert any(field.primary_key for field in port.fields.all()), port


def test_personal_data_fields_are_classified_and_only_in_products_marked_as_containing_it():
    personal_fields = SchemaField.objects.filter(is_pii=True)

    assert set(personal_fields.values_list("classification", flat=True)) <= {"confidential", "restricted"}
    assert set(personal_fields.values_list("name", flat=True)) >= {"email", "birth_date", "ip_address", "postal_code"}
    products_with_personal_fields = set(personal_fields.values_list("port__product__slug", flat=True))
    assert products_with_personal_fields == set(DataProduct.objects.filter(contains_pii=True).values_list("slug", flat=True))


def test_every_product_has_three_to_six_tags_from_a_shared_vocabulary():
    for product in DataProduct.objects.prefetch_related("tags"):
        assert 3 <= len(product.tags.all()) <= 6, product
    for tag in Tag.objects.all():
        assert tag.products.count() >= 2, tag


def test_every_product_is_documented():
    for product in DataProduct.objects.all():
        assert product.documentation_url.startswith("https://docs.example.com/"), product
        assert product.terms_of_use, product
        assert product.description.count("\n\n") >= 1, product  # more than one paragraph


def test_access_requests_cover_every_status_and_fill_most_requested():
    bob = User.objects.get(username="bob")

    statuses = set(AccessRequest.objects.values_list("status", flat=True))
    requesters = set(AccessRequest.objects.values_list("requester__username", flat=True))
    most_requested = list(catalog_queries.most_requested_products(bob))

    assert statuses == set(AccessRequest.Status.values)
    assert requesters >= {"bob", "erin"}
    assert not AccessRequest.objects.exclude(product__status=DataProduct.Status.PUBLISHED).exists()
    assert most_requested[0].slug == "play-events-daily"


def test_demo_access_history_went_through_the_services():
    """Steps, grants, the permission and the audit chain are what the real flow writes."""
    assert trail.verify() == (AuditEvent.objects.count(), None)
    states = Counter(grant.state for grant in Grant.objects.all())
    assert states["live"] >= 5 and states["expired"] >= 1 and states["revoked"] >= 1
    for request in AccessRequest.objects.filter(status=AccessRequest.Status.APPROVED, auto_approved=False):
        assert set(request.steps.values_list("status", flat=True)) == {ApprovalStep.Status.APPROVED}, request
    for grant in Grant.objects.select_related("user", "product"):
        assert access_queries.may_use(grant.user, grant.product) == (grant.state == "live"), grant
    assert set(Policy.objects.values_list("applies_to", flat=True)) == set(Policy.AppliesTo.values)
    pending_old = AccessRequest.objects.filter(status=AccessRequest.Status.PENDING, steps__reminded_at__isnull=False)
    assert pending_old.exists()  # overdue pending requests reminded their approvers


def test_demo_leaves_bob_a_confidential_product_to_request():
    """The browser walk-through: bob asks for play-events (owner + steward)."""
    bob = User.objects.get(username="bob")
    play_events = DataProduct.objects.get(slug="play-events")
    assert play_events.classification == "confidential"
    assert not AccessRequest.objects.filter(requester=bob, product=play_events).exists()
    assert Notification.objects.filter(recipient__username="alice", read_at=None).exists()  # her bell has news


def test_load_demo_prints_the_sign_ins_and_the_local_url(demo_mesh_output):
    for username in ("admin", "alice", "bob", "carol", "dave", "erin"):
        assert f"  {username} " in demo_mesh_output
    assert "demo" in demo_mesh_output
    assert "http://127.0.0.1:8000/" in demo_mesh_output


def test_load_demo_is_refused_with_debug_off_unless_forced(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())


def test_demo_lineage_reads_as_a_mesh():
    """Source-aligned products read operational systems (external datasets);
    aggregates and consumer-aligned products read other products."""
    admin = User.objects.get(username="admin")
    for product in DataProduct.objects.exclude(status="retired"):
        upstream = [node for node in lineage_queries.lineage_graph(admin, product, direction="upstream", depth=1).nodes if node.layer == -1]
        if product.kind == "source-aligned" and upstream:
            assert all(node.is_external for node in upstream), product.slug
        elif product.kind != "source-aligned":
            assert upstream and any(not node.is_external for node in upstream), product.slug


def test_demo_lineage_came_partly_from_openlineage_events_and_partly_from_owners():
    origins = Counter(LineageEdge.objects.values_list("origin", flat=True))

    assert origins["openlineage"] > 50
    assert origins["manual"] > 5
    assert set(LineageRun.objects.values_list("event_type", flat=True)) == {"START", "COMPLETE"}
    assert LineageNode.objects.get(port__product__slug="play-events-daily", port__name="daily-table").observed_schema


def test_a_consumer_sees_play_events_feeding_artist_payments_but_not_a_draft():
    bob = User.objects.get(username="bob")
    play_events = DataProduct.objects.get(slug="play-events")

    downstream = {
        node.port.product.slug
        for node in lineage_queries.lineage_graph(bob, play_events, direction="downstream", depth=5).nodes
        if node.port_id
    }

    assert {"play-events-daily", "artist-payments", "finance-kpis-monthly", "playlist-recommendations"} <= downstream
    assert "listener-churn-signals" not in downstream  # a draft of the Listener Identity team


# --- service level objectives and samples ------------------------------------------------


def test_every_product_has_an_objective_measured_over_ninety_days():
    now = timezone.now()
    for product in DataProduct.objects.all():
        spans = [
            (span["first"], span["last"])
            for span in SLOMeasurement.objects.filter(slo__product=product)
            .values("slo")
            .annotate(first=Min("measured_at"), last=Max("measured_at"))
        ]
        assert spans, product.slug
        assert any(first <= now - timedelta(days=89) and last >= now - timedelta(hours=5) for first, last in spans), product.slug


def test_most_products_meet_their_objectives_some_are_at_risk_and_one_or_two_breached():
    statuses = Counter(DataProduct.objects.values_list("slo_status", flat=True))

    assert statuses[SLOStatus.MEETING] > sum(statuses.values()) / 2
    assert statuses[SLOStatus.AT_RISK] >= 2
    assert 1 <= statuses[SLOStatus.BREACHED] <= 2
    assert statuses[SLOStatus.NO_DATA] == 0


def test_demo_objectives_use_every_indicator_and_keep_at_least_one_custom_one():
    indicators = set(ServiceLevelObjective.objects.values_list("indicator", flat=True))

    assert indicators == set(ServiceLevelObjective.Indicator.values)
    assert ServiceLevelObjective.objects.filter(indicator="custom").exclude(name="").exists()
    assert ServiceLevelObjective.objects.filter(port__isnull=False).exists()
    assert ServiceLevelObjective.objects.filter(port__isnull=True).exists()


def test_breached_objectives_missed_this_week_and_a_recovered_one_missed_long_ago():
    breached = ServiceLevelObjective.objects.filter(status=SLOStatus.BREACHED)
    recovered = ServiceLevelObjective.objects.get(product__slug="play-events-daily", indicator="freshness")
    week_ago, window_start = timezone.now() - timedelta(days=7), timezone.now() - timedelta(days=recovered.window_days)

    assert breached.exists()
    for slo in breached:
        assert slo.measurements.filter(good=False, measured_at__gte=week_ago).exists(), slo
    assert recovered.status == SLOStatus.MEETING
    misses_then = recovered.measurements.filter(good=False, measured_at__lt=window_start).count()
    assert misses_then > recovered.total_count * (100 - recovered.target) / 100  # more than a window allows


def test_breaches_were_notified_when_they_happened_and_not_mailed():
    breaches = Notification.objects.filter(kind=Notification.Kind.SLO_BREACHED)
    week_ago = timezone.now() - timedelta(days=7)
    breached = DataProduct.objects.filter(slo_status=SLOStatus.BREACHED)

    this_week = breaches.filter(created_at__gte=week_ago)
    assert set(this_week.values_list("url", flat=True)) == {reverse("catalog:product_slos", args=[product.slug]) for product in breached}
    assert "alice" in set(this_week.values_list("recipient__username", flat=True))  # she owns the breached products
    assert not this_week.filter(read_at__isnull=False).exists()  # this week's news is unread
    long_ago = breaches.filter(created_at__lt=week_ago, url=reverse("catalog:product_slos", args=["play-events-daily"]))
    assert {"alice", "erin", "niaj", "frank"} <= set(long_ago.values_list("recipient__username", flat=True))  # owners and consumers then
    assert not long_ago.filter(read_at=None).exists()
    assert not Notification.objects.filter(delivered_at=None).exists()  # a worker finds nothing to e-mail


def test_every_published_product_with_ports_has_samples_and_they_show_personal_data_columns():
    for product in DataProduct.objects.filter(status=DataProduct.Status.PUBLISHED, output_ports__isnull=False).distinct():
        samples = Sample.objects.filter(port__product=product).select_related("port")
        assert samples.exists(), product.slug
        assert all(8 <= len(sample.rows) <= 15 for sample in samples), product.slug
        personal = set(SchemaField.objects.filter(port__product=product, is_pii=True).values_list("name", flat=True))
        if personal:
            shown = {column for sample in samples for column in sample.columns}
            assert shown & personal, product.slug


def test_samples_were_uploaded_both_as_csv_and_as_json():
    names = list(Sample.objects.values_list("source_name", flat=True))

    assert any(name.endswith(".csv") for name in names)
    assert any(name.endswith(".json") for name in names)


def test_a_consumer_without_a_grant_sees_personal_columns_of_a_sample_masked():
    erin = User.objects.get(username="erin")
    dave = User.objects.get(username="dave")
    profiles = DataProduct.objects.get(slug="listener-profiles")
    port = profiles.output_ports.get(name="profiles")
    assert not Grant.objects.filter(user=erin, product=profiles).exists()

    as_owner = slo_queries.visible_samples(dave, profiles)[port.pk]
    as_consumer = slo_queries.visible_samples(erin, profiles)[port.pk]

    email = [column.name for column in as_owner.columns].index("email")
    assert all(row[email].endswith(("@example.net", "@example.org", "@example.com")) for row in as_owner.rows)
    assert all(row[email] == MASK for row in as_consumer.rows)


def test_the_first_load_prints_the_openlineage_producers_token_which_posts_lineage(demo_mesh_output):
    from rest_framework.test import APIClient

    from tests.factories import dataset, port_dataset, run_event

    secret = re.search(r"OPENLINEAGE_API_KEY=(\S+)", demo_mesh_output).group(1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    event = run_event(
        inputs=[dataset("kafka://events", "player.raw")],
        outputs=[port_dataset(DataProduct.objects.get(slug="play-events"), "play-events-stream")],
    )

    response = client.post("/api/v1/lineage", event, format="json")

    assert response.status_code == 201
    assert "OPENLINEAGE_API_KEY" not in load_demo()
