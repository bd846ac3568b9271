"""Who may see which data products is one rule (catalog.visibility): its ORM
filter, its SQL condition (on the database the suite runs on: SQLite, or
PostgreSQL with --postgres), its Elasticsearch filter and suggestion contexts
pick the same products for every kind of person."""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection

from catalog import queries as catalog_queries
from catalog.models import DataProduct
from catalog.visibility import Visibility, suggest_contexts_of, visibility_for
from search import engines as search
from tests.factories import DomainFactory, ProductFactory, TeamFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


class Catalog:
    """Two teams' products in every status, and the people who look at them."""

    def __init__(self):
        self.team = TeamFactory()
        self.member = member_of(self.team)
        other_team = TeamFactory()
        ours, theirs = DomainFactory(owner_team=self.team), DomainFactory(owner_team=other_team)
        self.published = ProductFactory(domain=ours)
        self.deprecated = ProductFactory(domain=theirs)
        self.retired = ProductFactory(domain=theirs)
        DataProduct.objects.filter(pk=self.deprecated.pk).update(status=DataProduct.Status.DEPRECATED)
        DataProduct.objects.filter(pk=self.retired.pk).update(status=DataProduct.Status.RETIRED)
        self.our_draft = ProductFactory(domain=ours, status=DataProduct.Status.DRAFT)
        self.their_draft = ProductFactory(domain=theirs, status=DataProduct.Status.DRAFT)
        self.consumer = UserFactory()
        self.steward = UserFactory()
        self.steward.groups.add(Group.objects.get_or_create(name=settings.STEWARDS_GROUP)[0])
        self.admin = UserFactory(is_superuser=True, is_staff=True)

    @property
    def listed(self) -> set[int]:
        return {self.published.pk, self.deprecated.pk, self.retired.pk}

    @property
    def everything(self) -> set[int]:
        return {*self.listed, self.our_draft.pk, self.their_draft.pk}


def by_orm(visibility: Visibility) -> set[int]:
    return set(DataProduct.objects.filter(visibility.q()).values_list("pk", flat=True))


def by_sql(visibility: Visibility) -> set[int]:
    condition, params = visibility.sql("p")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.id FROM catalog_dataproduct p WHERE {condition}", params)
        return {row[0] for row in cursor.fetchall()}


def by_sql_parts(visibility: Visibility) -> set[int]:
    """shared_sql() OR own_drafts_sql(): how search counts facets, in two parts."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.id FROM catalog_dataproduct p WHERE {visibility.shared_sql('p')}")
        found = {row[0] for row in cursor.fetchall()}
        own = visibility.own_drafts_sql("p")
        if own is not None:
            cursor.execute(f"SELECT p.id FROM catalog_dataproduct p WHERE {own[0]}", own[1])
            found |= {row[0] for row in cursor.fetchall()}
    return found


def matches(clause: dict, source: dict) -> bool:
    """Whether an indexed document matches an Elasticsearch filter clause of the
    kinds the visibility filter is made of."""
    ((kind, body),) = clause.items()
    if kind == "term":
        ((field, value),) = body.items()
        return source[field] == value
    if kind == "terms":
        ((field, values),) = body.items()
        return source[field] in values
    if kind == "bool":
        should = body.get("should", [])
        return (
            all(matches(inner, source) for inner in body.get("must", []))
            and not any(matches(inner, source) for inner in body.get("must_not", []))
            and sum(matches(inner, source) for inner in should) >= body.get("minimum_should_match", 0 if not should else 1)
        )
    raise AssertionError(f"unexpected clause {kind}")


def by_elasticsearch_filter(visibility: Visibility) -> set[int]:
    clause = visibility.es_filter()
    sources = [{"product_id": product.pk, "status": product.status} for product in DataProduct.objects.all()]
    return {source["product_id"] for source in sources if clause is None or matches(clause, source)}


def by_suggestion_contexts(visibility: Visibility) -> set[int]:
    allowed = set(visibility.suggest_contexts())
    return {
        product.pk
        for product in DataProduct.objects.all()
        if allowed & set(suggest_contexts_of(status=product.status, product_id=product.pk))
    }


def by_may_see(visibility: Visibility) -> set[int]:
    return {product.pk for product in DataProduct.objects.all() if visibility.may_see(status=product.status, product_id=product.pk)}


def every_form(visibility: Visibility) -> dict[str, set[int]]:
    return {
        "orm": by_orm(visibility),
        "sql": by_sql(visibility),
        "sql in two parts": by_sql_parts(visibility),
        "elasticsearch filter": by_elasticsearch_filter(visibility),
        "suggestion contexts": by_suggestion_contexts(visibility),
        "may_see": by_may_see(visibility),
    }


def test_an_anonymous_person_is_kept_to_products_that_are_not_drafts_and_sees_no_catalog_page():
    catalog = Catalog()

    forms = every_form(visibility_for(AnonymousUser()))

    assert forms == dict.fromkeys(forms, catalog.listed)
    assert set(catalog_queries.visible_products(AnonymousUser())) == set()


def test_a_consumer_sees_every_product_but_drafts_in_every_form():
    catalog = Catalog()

    forms = every_form(visibility_for(catalog.consumer))

    assert forms == dict.fromkeys(forms, catalog.listed)
    assert {product.pk for product in catalog_queries.visible_products(catalog.consumer)} == catalog.listed


def test_a_team_member_sees_their_teams_drafts_and_no_other_in_every_form():
    catalog = Catalog()

    visibility = visibility_for(catalog.member)
    forms = every_form(visibility)

    assert visibility == Visibility(draft_ids=frozenset({catalog.our_draft.pk}))
    assert forms == dict.fromkeys(forms, {*catalog.listed, catalog.our_draft.pk})
    assert {product.pk for product in catalog_queries.visible_products(catalog.member)} == {*catalog.listed, catalog.our_draft.pk}


def test_a_steward_sees_no_draft_of_a_team_they_are_not_in():
    catalog = Catalog()

    forms = every_form(visibility_for(catalog.steward))

    assert forms == dict.fromkeys(forms, catalog.listed)


def test_a_superuser_sees_every_product_in_every_form():
    catalog = Catalog()

    visibility = visibility_for(catalog.admin)
    forms = every_form(visibility)

    assert visibility == Visibility(sees_everything=True)
    assert forms == dict.fromkeys(forms, catalog.everything)
    assert visibility.es_filter() is None  # nothing filtered out


def test_the_global_view_permission_shows_every_draft_as_to_a_superuser():
    catalog = Catalog()
    auditor = UserFactory()
    auditor.user_permissions.add(Permission.objects.get(codename="view_dataproduct", content_type__app_label="catalog"))

    forms = every_form(visibility_for(auditor))

    assert forms == dict.fromkeys(forms, catalog.everything)
    assert {product.pk for product in catalog_queries.visible_products(auditor)} == catalog.everything


def test_a_draft_published_later_is_seen_by_everyone_at_once():
    catalog = Catalog()
    DataProduct.objects.filter(pk=catalog.their_draft.pk).update(status=DataProduct.Status.PUBLISHED)

    forms = every_form(visibility_for(catalog.consumer))

    assert forms == dict.fromkeys(forms, {*catalog.listed, catalog.their_draft.pk})


def test_search_asks_the_same_visibility_object():
    assert search.visibility_for is visibility_for
    assert search.Visibility is Visibility
