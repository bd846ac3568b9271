"""Factories that build catalog objects through the same services the app uses."""

import factory
from django.contrib.auth import get_user_model

from catalog import services
from catalog.models import DataProduct, Domain, Team, TeamMembership

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
    services.add_team_member(team, user=user, role=role)
    return user


class ProductFactory(factory.Factory):
    """A data product created by services.create_product, by a member of its team."""

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
        return services.create_product(by=by, owner_team=owner_team, **kwargs)


def port(name: str = "daily", *, fields: int = 3, location: str = "bigquery://demo/ds.table", **kwargs) -> services.PortSpec:
    return services.PortSpec(
        name=name,
        location=location,
        fields=[services.FieldSpec(name=f"field_{i}", data_type="string") for i in range(fields)],
        **kwargs,
    )
