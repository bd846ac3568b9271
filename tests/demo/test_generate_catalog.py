import random
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from access_requests.models import AccessRequest
from catalog.models import DataProduct, Domain, OutputPort, SchemaField, Team
from demo import vocabulary

User = get_user_model()


def generate(products: int = 50, seed: int = 7, **options) -> str:
    stdout = StringIO()
    call_command("generate_catalog", products=products, seed=seed, stdout=stdout, stderr=StringIO(), **options)
    return stdout.getvalue()


def snapshot(seed: int) -> list[tuple]:
    """Everything generated for `seed` that a person could read, in slug order."""
    products = (
        DataProduct.objects.filter(slug__startswith=f"gen-{seed}-")
        .select_related("domain", "owner_team", "product_owner")
        .prefetch_related("tags", "output_ports__fields")
        .order_by("slug")
    )
    return [
        (
            product.slug,
            product.name,
            product.summary,
            product.description,
            product.kind,
            product.status,
            product.classification,
            product.contains_pii,
            product.domain.name,
            product.owner_team.name,
            product.product_owner.username,
            sorted(tag.name for tag in product.tags.all()),
            sorted(
                (
                    port.name,
                    port.port_type,
                    port.location,
                    [(f.position, f.name, f.data_type, f.description, f.is_pii) for f in port.fields.all()],
                )
                for port in product.output_ports.all()
            ),
        )
        for product in products
    ]


@pytest.mark.django_db
def test_generate_catalog_is_deterministic_for_a_seed():
    generate(products=40, seed=7)
    first = snapshot(7)

    generate(products=40, seed=7, replace=True, batch_size=9)
    second = snapshot(7)

    assert len(first) == 40
    assert second == first


@pytest.mark.django_db
def test_generate_catalog_gives_different_text_for_another_seed():
    generate(products=40, seed=7)
    generate(products=40, seed=8)

    names_7 = [row[1] for row in snapshot(7)]
    names_8 = [row[1] for row in snapshot(8)]

    assert names_7 != names_8


@pytest.mark.django_db
def test_generate_catalog_creates_ports_fields_and_tags():
    generate(products=50, seed=3)

    products = DataProduct.objects.filter(slug__startswith="gen-3-").annotate(
        port_count=Count("output_ports", distinct=True), tag_count=Count("tags", distinct=True)
    )
    assert products.count() == 50
    assert {product.port_count for product in products} <= {1, 2, 3}
    assert {product.tag_count for product in products} <= {2, 3, 4, 5}
    ports = OutputPort.objects.filter(product__in=products).annotate(field_count=Count("fields"))
    assert {port.field_count for port in ports} <= set(range(3, 13))
    keys = SchemaField.objects.filter(port__in=ports, primary_key=True)
    assert sorted(keys.values_list("port_id", "position")) == sorted((port.pk, 0) for port in ports)
    # Products with personal data say which fields hold it; the others have none.
    assert not SchemaField.objects.filter(port__product__contains_pii=False, port__product__in=products, is_pii=True).exists()
    assert all(SchemaField.objects.filter(port__product=product, is_pii=True).exists() for product in products.filter(contains_pii=True))


@pytest.mark.django_db
def test_generate_catalog_creates_domains_owned_by_teams_with_owners():
    generate(products=50, seed=3)

    domains = Domain.objects.filter(slug__startswith="gen-3-")
    teams = Team.objects.filter(slug__startswith="gen-3-")
    assert domains.count() >= 3
    assert all(domain.owner_team.slug.startswith("gen-3-") for domain in domains)
    assert all(team.memberships.filter(role="owner").exists() for team in teams)
    assert all(not user.has_usable_password() for user in User.objects.filter(username__startswith="gen-3-"))


@pytest.mark.django_db
def test_generated_products_are_editable_by_their_team():
    generate(products=50, seed=5)
    product = DataProduct.objects.filter(slug__startswith="gen-5-").order_by("slug").first()
    other_team = Team.objects.filter(slug__startswith="gen-5-").exclude(pk=product.owner_team_id).first()
    member = User.objects.get(pk=product.owner_team.members.first().pk)
    outsider = User.objects.get(pk=other_team.members.first().pk)

    assert member.has_perm("catalog.change_dataproduct", product)
    assert member.has_perm("catalog.view_dataproduct", product)
    assert not outsider.has_perm("catalog.change_dataproduct", product)


@pytest.mark.django_db
def test_generate_catalog_refuses_to_duplicate_a_seed():
    generate(products=20, seed=11)

    with pytest.raises(CommandError, match="--replace"):
        generate(products=20, seed=11)

    assert DataProduct.objects.filter(slug__startswith="gen-11-").count() == 20


@pytest.mark.django_db
def test_generate_catalog_replace_deletes_the_earlier_run_of_the_seed():
    generate(products=30, seed=11)

    generate(products=20, seed=11, replace=True)

    assert DataProduct.objects.filter(slug__startswith="gen-11-").count() == 20
    assert Domain.objects.filter(slug__startswith="gen-11-").count() == 3
    # Nothing is left over from the first run: every generated user belongs to a team of the second.
    assert not User.objects.filter(username__startswith="gen-11-", teams=None).exists()


@pytest.mark.django_db
def test_generate_catalog_replace_is_refused_when_products_have_access_requests():
    generate(products=20, seed=12)
    product = DataProduct.objects.filter(slug__startswith="gen-12-").first()
    requester = User.objects.create_user("consumer")
    AccessRequest.objects.create(requester=requester, product=product, purpose="Churn analysis")

    with pytest.raises(CommandError, match="access requests"):
        generate(products=20, seed=12, replace=True)

    assert DataProduct.objects.filter(slug__startswith="gen-12-").count() == 20


@pytest.mark.django_db
def test_two_seeds_sit_side_by_side():
    generate(products=20, seed=1)
    generate(products=20, seed=2)

    assert DataProduct.objects.filter(slug__startswith="gen-1-").count() == 20
    assert DataProduct.objects.filter(slug__startswith="gen-2-").count() == 20


@pytest.mark.django_db
def test_generate_catalog_reports_what_it_created_and_how_long_it_took():
    output = generate(products=10, seed=4)

    assert "10 products" in output
    assert " s (" in output


def test_vocabulary_has_twenty_thousand_terms_with_zipf_frequencies():
    terms = vocabulary.terms()
    sampler = vocabulary.word_sampler()

    counts = Counter(sampler.draws(random.Random(0), 200_000))

    assert len(set(terms)) == len(terms) >= 20_000
    assert all(term.isascii() and term.isalpha() and term.islower() for term in terms)
    # Zipf: frequency falls as rank ** -1.07, so rank 1 is about 12 times as
    # frequent as rank 10 and about 140 times as frequent as rank 100.
    assert 8 < counts[terms[0]] / counts[terms[9]] < 16
    assert 80 < counts[terms[0]] / counts[terms[99]] < 250
    # The long tail is rare one by one but there is a lot of it.
    tail = terms[10_000:]
    assert max(counts[term] for term in tail) < counts[terms[99]] / 20
    assert 0.03 < sum(counts[term] for term in tail) / 200_000 < 0.15


def test_vocabulary_text_is_the_same_for_the_same_seed():
    first = vocabulary.TextGenerator(random.Random(42))
    second = vocabulary.TextGenerator(random.Random(42))

    assert [first.product_name() for _ in range(20)] == [second.product_name() for _ in range(20)]
    assert first.description() == second.description()
