import pytest
from django.core.exceptions import ValidationError

from catalog import services as catalog_services
from catalog.models import DataProduct, DataProductGroupObjectPermission, Tag, TeamMembership
from tests.factories import DomainFactory, ProductFactory, TeamFactory, UserFactory, member_of, port

pytestmark = pytest.mark.django_db


def test_team_member_can_create_a_draft_their_team_may_edit():
    domain = DomainFactory()
    author = member_of(domain.owner_team)
    teammate = member_of(domain.owner_team)

    product = catalog_services.create_product(
        by=author, domain=domain, owner_team=domain.owner_team, slug="play-events", name="Play events", summary="Plays."
    )

    assert product.status == DataProduct.Status.DRAFT
    assert product.product_owner == author
    assert teammate.has_perm("catalog.change_dataproduct", product)
    assert teammate.has_perm("catalog.view_dataproduct", product)


def test_outsider_cannot_create_a_product_for_another_team():
    domain = DomainFactory()
    outsider = UserFactory()

    with pytest.raises(catalog_services.NotTeamMember):
        catalog_services.create_product(by=outsider, domain=domain, owner_team=domain.owner_team, slug="x", name="X", summary="X")

    assert DataProduct.objects.count() == 0


def test_address_is_built_from_domain_and_product_slugs():
    product = ProductFactory(domain=DomainFactory(slug="listener"), slug="listener-profiles")

    assert product.address == "urn:dataproduct:listener:listener-profiles"


def test_duplicate_slug_is_refused_naming_the_field():
    first = ProductFactory(slug="play-events")

    with pytest.raises(catalog_services.CatalogError) as error:
        ProductFactory(slug="play-events", domain=first.domain)

    assert error.value.field == "slug"


def test_invalid_slug_is_refused_and_nothing_is_written():
    with pytest.raises(ValidationError):
        ProductFactory(slug="Not A Slug!", tags=["streaming"])

    assert DataProduct.objects.count() == 0
    assert Tag.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "target"),
    [("draft", "published"), ("draft", "retired"), ("published", "deprecated"), ("deprecated", "retired"), ("deprecated", "published")],
)
def test_lifecycle_allows_forward_transitions(start, target):
    product = ProductFactory(status="draft")
    DataProduct.objects.filter(pk=product.pk).update(status=start)
    product.refresh_from_db()

    catalog_services.change_status(product, by=product.product_owner, status=target)

    product.refresh_from_db()
    assert product.status == target


@pytest.mark.parametrize(
    ("start", "target"), [("published", "draft"), ("retired", "published"), ("draft", "deprecated"), ("retired", "draft")]
)
def test_lifecycle_refuses_other_transitions(start, target):
    product = ProductFactory(status="draft")
    DataProduct.objects.filter(pk=product.pk).update(status=start)
    product.refresh_from_db()

    with pytest.raises(catalog_services.TransitionError):
        catalog_services.change_status(product, by=product.product_owner, status=target)

    product.refresh_from_db()
    assert product.status == start


def test_new_product_cannot_start_retired():
    with pytest.raises(catalog_services.CatalogError):
        ProductFactory(status="retired")


def test_changing_owner_team_moves_edit_permission_to_the_new_team():
    product = ProductFactory()
    old_member = product.product_owner
    new_team = TeamFactory()
    new_member = member_of(new_team)
    catalog_services.add_team_member(new_team, user=old_member)

    catalog_services.update_product(product, by=old_member, owner_team=new_team)

    product = DataProduct.objects.get(pk=product.pk)
    assert new_member.has_perm("catalog.change_dataproduct", product)
    assert DataProductGroupObjectPermission.objects.filter(content_object=product).values_list("group", flat=True).distinct().count() == 1


def test_cannot_hand_a_product_to_a_team_one_is_not_in():
    product = ProductFactory()

    with pytest.raises(catalog_services.NotTeamMember):
        catalog_services.update_product(product, by=product.product_owner, owner_team=TeamFactory())


def test_removed_member_loses_edit_permission():
    product = ProductFactory()
    member = member_of(product.owner_team)
    assert member.has_perm("catalog.change_dataproduct", product)

    TeamMembership.objects.get(team=product.owner_team, user=member).delete()  # as the admin's team page does

    member = type(member).objects.get(pk=member.pk)  # fresh permission cache
    assert not member.has_perm("catalog.change_dataproduct", product)


def test_tags_are_normalised_and_shared():
    first = ProductFactory(tags=["Streaming", " listening ", "streaming"])
    second = ProductFactory(tags=["streaming"])

    assert sorted(first.tags.values_list("name", flat=True)) == ["listening", "streaming"]
    assert Tag.objects.count() == 2
    assert list(second.tags.values_list("name", flat=True)) == ["streaming"]


def test_setting_ports_replaces_schema_and_keeps_port_identity():
    product = ProductFactory(ports=[port("daily", fields=3), port("stream", fields=2)])
    daily_id = product.output_ports.get(name="daily").pk

    catalog_services.update_product(product, by=product.product_owner, ports=[port("daily", fields=5)], confirm_breaking=True)

    assert list(product.output_ports.values_list("name", flat=True)) == ["daily"]
    assert product.output_ports.get().pk == daily_id
    assert product.output_ports.get().fields.count() == 5


def test_duplicate_port_names_are_refused():
    with pytest.raises(catalog_services.CatalogError) as error:
        ProductFactory(ports=[port("daily"), port("daily")])

    assert error.value.field == "output_ports"
    assert DataProduct.objects.count() == 0


def test_slug_cannot_be_changed_through_update():
    product = ProductFactory()

    with pytest.raises(catalog_services.CatalogError):
        catalog_services.update_product(product, by=product.product_owner, slug="other")
