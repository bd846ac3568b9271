"""Factories that build catalog objects through the same services the app uses."""

import factory
from django.contrib.auth import get_user_model

from catalog import services as catalog_services
from catalog.models import DataProduct, Domain, Team, TeamMembership
from slos import services as slo_services

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("secret-password")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    name = factory.Sequence(lambda n: f"Domain {n}")
    slug = factory.Sequence(lambda n: f"domain-{n}")
    description = "A business domain."
    owner_team = factory.SubFactory(TeamFactory)


def member_of(team: Team, *, role: str = TeamMembership.Role.DEVELOPER, **user_fields) -> User:
    user = UserFactory(**user_fields)
    catalog_services.add_team_member(team, user=user, role=role)
    return user


class ProductFactory(factory.Factory):
    """A data product created by catalog_services.create_product, by a member of its team."""

    class Meta:
        model = DataProduct

    domain = factory.SubFactory(DomainFactory)
    owner_team = factory.LazyAttribute(lambda product: product.domain.owner_team)
    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    summary = "A data product for tests."
    status = DataProduct.Status.PUBLISHED
    tags = ()
    ports = None

    @classmethod
    def _create(cls, model_class, *, owner_team, by=None, **kwargs):
        if by is None:
            by = owner_team.memberships.first().user if owner_team.memberships.exists() else member_of(owner_team, role="owner")
        return catalog_services.create_product(by=by, owner_team=owner_team, **kwargs)


def port(name: str = "daily", *, fields: int = 3, location: str = "bigquery://demo/ds.table", **kwargs) -> catalog_services.PortSpec:
    return catalog_services.PortSpec(
        name=name,
        location=location,
        fields=[catalog_services.FieldSpec(name=f"field_{i}", data_type="string") for i in range(fields)],
        **kwargs,
    )


# --- the access request flow ------------------------------------------------


class Mesh:
    """The cast of the access request flow, made fresh for one test: a
    published product of `team` owned by `owner` (with a developer), a
    steward, a `requester` and another consumer, a second team with its own
    owner, and an admin."""

    def __init__(self, *, classification: str = "internal", contains_pii: bool = False, **product_fields):
        from django.conf import settings
        from django.contrib.auth.models import Group

        self.team = TeamFactory()
        self.owner = member_of(self.team, role=TeamMembership.Role.OWNER, username=f"owner-{self.team.slug}")
        self.developer = member_of(self.team, role=TeamMembership.Role.DEVELOPER, username=f"dev-{self.team.slug}")
        self.other_team = TeamFactory()
        self.other_owner = member_of(self.other_team, role=TeamMembership.Role.OWNER, username=f"owner-{self.other_team.slug}")
        self.steward = UserFactory(username=f"steward-{self.team.slug}")
        self.steward.groups.add(Group.objects.get_or_create(name=settings.STEWARDS_GROUP)[0])
        self.requester = UserFactory(username=f"requester-{self.team.slug}")
        self.consumer = UserFactory(username=f"consumer-{self.team.slug}")
        self.admin = UserFactory(username=f"admin-{self.team.slug}", is_superuser=True, is_staff=True)
        self.product = ProductFactory(
            domain=DomainFactory(owner_team=self.team),
            by=self.owner,
            classification=classification,
            contains_pii=contains_pii,
            ports=[port("daily", location="bigquery://demo/secret.table")],
            **product_fields,
        )


def submit(mesh: Mesh, *, by=None, purpose: str = "Weekly churn analysis for the board.", duration_days: int = 30, **kwargs):
    from access_requests import services as access_services

    return access_services.submit_request(mesh.product, by=by or mesh.requester, purpose=purpose, duration_days=duration_days, **kwargs)


# --- lineage -------------------------------------------------------------------


def dataset(namespace: str, name: str, **facets) -> dict:
    return {"namespace": namespace, "name": name, **({"facets": facets} if facets else {})}


def port_dataset(product: DataProduct, port_name: str) -> dict:
    """The OpenLineage dataset of one of `product`'s output ports."""
    from lineage.openlineage import dataset_identity

    identity = dataset_identity(product.output_ports.get(name=port_name))
    return dataset(identity.namespace, identity.name)


def run_event(
    *, inputs=(), outputs=(), event_type: str = "COMPLETE", run_id: str | None = None, job: str = "nightly.build", **fields
) -> dict:
    """An OpenLineage RunEvent (spec 2-0-2) as pipelines send it."""
    import uuid

    return {
        "eventType": event_type,
        "eventTime": "2026-11-30T04:00:00.000Z",
        "run": {"runId": run_id or str(uuid.uuid4())},
        "job": {"namespace": "tests-airflow", "name": job},
        "inputs": list(inputs),
        "outputs": list(outputs),
        "producer": "https://tests.example/pipelines",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        **fields,
    }


# --- service level objectives and samples ------------------------------------------


def define_slo(
    product: DataProduct,
    *,
    by=None,
    indicator: str = "freshness",
    threshold: float = 6,
    target: float = 99.0,
    window_days: int = 28,
    **fields,
):
    """An objective of `product`, defined through slos.services.define_slo by a member of its team."""
    by = by or product.owner_team.memberships.order_by("pk").first().user
    return slo_services.define_slo(
        product, by=by, indicator=indicator, threshold=threshold, target=target, window_days=window_days, **fields
    )


def live_grant(mesh: Mesh, *, user=None, **kwargs):
    """A live grant on `mesh.product` for `user` (the requester): submitted,
    then approved by the owner and, when the policy asks for it, the steward."""
    from access_requests import services as access_services

    request = submit(mesh, by=user or mesh.requester, **kwargs)
    for step in request.steps.filter(status="pending").order_by("role"):
        request = access_services.approve_step(step, by=mesh.steward if step.role == "steward" else mesh.owner)
    return request.grant
