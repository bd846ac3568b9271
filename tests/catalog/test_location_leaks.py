"""An output port's location reaches only people who may use the port
(access_requests.queries.usable_port_ids), by every path: search (API and page, hits,
snippets, highlights, corrections, facets), suggestions, the product list,
team and domain pages, the lineage tab and API, SLO and sample pages, the
access pages, audit trail and notifications, and e-mails.

The demo mesh is loaded once for the module (in a transaction rolled back at
its end, so the module's other tests see it too and look only at their own); each role searches for every demo port's location, whole and by
its parts, and no answer may hold the location or a distinctive part of it:
a part (split at / . :) that is in no public text of the catalog."""

import html
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from access_requests import queries as access_queries
from access_requests import services as access_services
from access_requests.models import AccessRequest
from catalog import queries as catalog_queries
from catalog import services as catalog_services
from catalog.models import DataProduct, Domain, OutputPort, SchemaField, SLOStatus, Team
from lineage import services as lineage_services
from lineage.models import LineageEdge, LineageNode
from lineage.openlineage import dataset_identity
from notifications.models import Notification
from search import engines as search
from tests.factories import Mesh, ProductFactory, UserFactory, port, submit

ROLES = ["anonymous", "consumer_without_grant", "owner_of_another_team", "steward", "consumer_with_a_grant_for_another_port"]
# Who plays each role in the demo mesh: alice owns the Playback team's
# products only; carol is the steward; bob holds a grant for one port of
# Listener Profiles (and grants on some whole products).
DEMO_USERS = {"owner_of_another_team": "alice", "steward": "carol", "consumer_with_a_grant_for_another_port": "bob"}
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def demo_mesh(django_db_setup, django_db_blocker):
    """The demo mesh and its search index, for every test of this module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", force=True, verbosity=0)
        search.rebuild()  # the indexing tasks wait for a commit that never comes
        UserFactory(username="mallory")  # a consumer without any grant
        yield
        transaction.set_rollback(True)


def user_of(role: str) -> User | None:
    if role == "anonymous":
        return None
    return User.objects.get(username=DEMO_USERS.get(role, "mallory"))


def clients_of(role: str) -> tuple[Client, APIClient]:
    page, api = Client(), APIClient()
    user = user_of(role)
    if user is not None:
        page.force_login(user)
        api.force_authenticate(user)
    return page, api


def parts_of(location: str) -> list[str]:
    """The location's parts: split at / . : (scheme, host, path segments, table names)."""
    return [part for part in re.split(r"[/.:]+", location) if part]


def public_text(*, lineage: bool = False) -> str:
    """Every text of the catalog that anyone signed in may read, lowercased;
    with `lineage`, also what pipelines report (job names, the external
    datasets they read), which the lineage tab and API show."""
    sources = [
        (DataProduct.objects, ("slug", "name", "summary", "description", "documentation_url")),
        (Domain.objects, ("slug", "name", "description")),
        (Team.objects, ("slug", "name", "description")),
        (OutputPort.objects, ("name", "port_type", "format", "description")),
        (SchemaField.objects, ("name", "data_type", "description")),
    ]
    if lineage:
        sources += [(LineageEdge.objects, ("job_namespace", "job_name")), (LineageNode.objects.external(), ("namespace", "name"))]
    texts = [str(value) for rows, fields in sources for row in rows.values_list(*fields) for value in row]
    texts.extend(DataProduct.tags.through.objects.values_list("tag__name", flat=True))
    for choices in (DataProduct.Classification, DataProduct.Status, DataProduct.Kind, SLOStatus, OutputPort.PortType):
        texts.extend(label for _, label in choices.choices)  # facet labels and badges
    return "\n".join(texts).lower()


def secrets_of(user, public: str) -> dict[str, set[str]]:
    """Each location of a port `user` may not use, with its distinctive
    parts: in no public text, nor in a location they may use."""
    usable_locations, hidden_locations = set(), set()
    for product in DataProduct.objects.prefetch_related("output_ports"):
        ports = [p for p in product.output_ports.all() if p.location]
        usable = access_queries.usable_port_ids(user, product, [p.pk for p in ports]) if user is not None else set()
        for p in ports:
            (usable_locations if p.pk in usable else hidden_locations).add(p.location)
    known = public + "\n".join(usable_locations).lower()
    return {
        location: {part.lower() for part in parts_of(location) if len(part) >= 3 and part.lower() not in known}
        for location in hidden_locations
    }


def leaks(answer: str, secrets: dict[str, set[str]]) -> set[str]:
    """The locations, and distinctive parts of them, that `answer` holds."""
    text = html.unescape(TAG.sub("", answer)).lower()
    found = set()
    for location, parts in secrets.items():
        # Whole, not as the start of a longer one (a grant for `…/listener.profiles_pseudonymised`
        # shows that location, which is not `…/listener.profiles`).
        found |= {location} if re.search(re.escape(location.lower()) + r"(?![\w-])", text) else set()
        found |= {part for part in parts if part in text}
    return found


def page_parts(page: str) -> str:
    """What a search page shows from the catalog: hits, facets, and the corrections' words (not the words typed)."""
    hits = re.findall(r'<ol class="hits">.*?</ol>', page, re.S)
    facets = re.findall(r'<aside class="facets".*?</aside>', page, re.S)
    corrections = re.findall(r'<p class="notice">Also searched for.*?</p>', page, re.S)
    corrected = [word for notice in corrections for word in re.findall(r"<strong>(.*?)</strong>", notice)]
    return "\n".join([*hits, *facets, *corrected])


def suggestion_parts(page: str) -> str:
    return "\n".join(item for item in re.findall(r"<li>(.*?)</li>", page, re.S))


def search_answers(page_client: Client, api_client: APIClient, text: str) -> list[str]:
    answers = []
    response = api_client.get("/api/v1/search/", {"q": text})
    if response.status_code == 200:
        body = response.json()
        answers.append(repr((body["results"], body["facets"], list(body["corrections"].values()))))
    response = api_client.get("/api/v1/search/suggest/", {"q": text})
    if response.status_code == 200:
        answers.append(repr(response.json()["suggestions"]))
    response = page_client.get("/search/", {"q": text})
    if response.status_code == 200:
        answers.append(page_parts(response.content.decode()))
    response = page_client.get("/search/suggest/", {"q": text})
    if response.status_code == 200:
        answers.append(suggestion_parts(response.content.decode()))
    return answers


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_searching_for_a_location_shows_no_part_of_it_to_people_who_may_not_use_the_port(demo_mesh, role):
    secrets = secrets_of(user_of(role), public_text())
    page_client, api_client = clients_of(role)
    queries_asked = sorted({*secrets, *(part for location in secrets for part in parts_of(location))})

    found = {}
    for text in queries_asked:
        for answer in search_answers(page_client, api_client, text):
            if leaked := leaks(answer, secrets):
                found.setdefault(text, set()).update(leaked)

    assert len(secrets) >= 35 and sum(map(len, secrets.values())) >= 12  # there is something that could leak
    assert found == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "text", "slug"),
    [
        ("bob", "bigquery://streamly-prod/listener.profiles_pseudonymised", "listener-profiles"),  # a grant for that port
        ("bob", "profiles_pseudonymised", "listener-profiles"),
        ("bob", "streamly-lake player play-events-daily", "play-events-daily"),  # a grant for the whole product
        ("alice", "kafka://events.streamly.internal/play-events.v2", "play-events"),  # her team's
        ("admin", "s3://streamly-lake/finance/artist-payments/", "artist-payments"),
    ],
)
def test_people_who_may_use_a_port_find_its_product_by_its_location_without_seeing_it(demo_mesh, username, text, slug):
    api = APIClient()
    api.force_authenticate(User.objects.get(username=username))
    location = OutputPort.objects.get(product__slug=slug, location__icontains=text.split()[-1]).location

    body = api.get("/api/v1/search/", {"q": text}).json()

    assert slug in [hit["slug"] for hit in body["results"]]
    assert location not in repr(body)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_catalog_team_domain_and_lineage_pages_show_no_location_to_people_who_may_not_use_the_port(demo_mesh, role):
    user = user_of(role)
    public = public_text(lineage=True)
    secrets = secrets_of(user, public)
    # A lineage node of a port is named after its location: its identity is as secret.
    for product in DataProduct.objects.prefetch_related("output_ports"):
        for p in product.output_ports.all():
            if p.location in secrets:
                identity = dataset_identity(p)
                secrets[f"{identity.namespace}/{identity.name}"] = {identity.name.lower()} - {
                    part for part in [identity.name.lower()] if part in public
                }
    page_client, api_client = clients_of(role)
    products = list(
        (catalog_queries.visible_products(user) if user is not None else DataProduct.objects.filter(status="published")).prefetch_related(
            "output_ports"
        )
    )
    requests = AccessRequest.objects.filter(requester=user) if user is not None else AccessRequest.objects.none()
    urls = [
        "/",
        "/products/",
        "/domains/",
        "/api/v1/products/",
        "/api/v1/products/?page=2",
        "/api/v1/domains/",
        "/api/v1/teams/",
        "/access/",
        "/access/inbox/",
        "/audit/",
        "/notifications/",
        "/api/v1/access-requests/",
        "/api/v1/grants/",
        "/api/v1/audit-events/",
        "/api/v1/slos/",
        *(f"/access/requests/{request.pk}/" for request in requests),
        *(f"/products/{product.slug}/slos/" for product in products),
        *(f"/products/{product.slug}/ports/{p.pk}/sample/" for product in products for p in product.output_ports.all()),
        *(f"/api/v1/products/{product.slug}/ports/{p.name}/sample/" for product in products for p in product.output_ports.all()),
        *(domain.get_absolute_url() for domain in Domain.objects.all()),
        *(team.get_absolute_url() for team in Team.objects.all()),
        *(product.get_absolute_url() for product in products),
        *(f"/products/{product.slug}/lineage/?direction=both&depth=10" for product in products),
        *(f"/api/v1/products/{product.slug}/" for product in products),
        *(f"/api/v1/products/{product.slug}/lineage/?direction=both&depth=10" for product in products),
    ]

    found = {}
    for url in urls:
        response = (api_client if url.startswith("/api/") else page_client).get(url)
        if leaked := leaks(response.content.decode(), secrets):
            found[url] = leaked

    assert len(urls) > 60 and len(secrets) >= 35 and sum(map(len, secrets.values())) >= 12
    assert found == {}


@pytest.mark.django_db
def test_notifications_and_e_mails_of_the_access_flow_name_ports_not_their_locations(django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        mesh = Mesh(classification="confidential")
        catalog_services.set_output_ports(
            mesh.product, ports=[port("daily", location="bigquery://vaultproject/ledgers.quarterly")], confirm_breaking=True
        )
        request = submit(mesh, port=mesh.product.output_ports.get(name="daily"))
        access_services.approve_step(request.steps.get(role="owner"), by=mesh.owner)

    texts = [f"{n.subject} {n.body}" for n in Notification.objects.filter(request=request)] + [f"{m.subject} {m.body}" for m in mail.outbox]

    assert Notification.objects.filter(request=request, recipient=mesh.steward).exists()  # the steward, who may not use the port, was told
    assert [text for text in texts if "vaultproject" in text or "ledgers" in text] == []


# --- a removed port's lineage node, and the search documents ------------------------------

SECRET = "postgres://vault.internal:5432/ledgers.quarterly_tallies"


@pytest.fixture
def a_port_read_by_another_team():
    """`ledgers` has a port at SECRET; `reports` of another team declares it as its input."""
    ledgers = ProductFactory(slug="ledgers", ports=[port("table", location=SECRET), port("other", location="")])
    reports = ProductFactory(slug="reports", ports=[port("daily", location="")])
    lineage_services.set_product_inputs(
        reports, by=UserFactory(is_superuser=True), inputs=[lineage_services.InputSpec(product="ledgers", port="table")]
    )
    return ledgers, reports


def lineage_answers(user, product) -> str:
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(user)
    return (
        page.get(f"/products/{product.slug}/lineage/").content.decode()
        + api.get(f"/api/v1/products/{product.slug}/lineage/").content.decode()
    )


@pytest.mark.django_db
def test_a_removed_port_stays_in_the_lineage_under_its_products_and_ports_name_not_its_location(a_port_read_by_another_team):
    ledgers, reports = a_port_read_by_another_team

    catalog_services.set_output_ports(ledgers, ports=[port("other", location="")], confirm_breaking=True)

    node = LineageNode.objects.get(downstream_edges__downstream__port__product=reports)
    assert (node.port_id, node.namespace, node.name) == (None, "dataproduct", "ledgers/table")
    answers = lineage_answers(UserFactory(), reports)
    assert "ledgers/table" in answers and "vault" not in answers and "quarterly" not in answers


@pytest.mark.django_db
def test_a_deleted_products_ports_stay_in_the_lineage_without_their_locations(a_port_read_by_another_team):
    ledgers, reports = a_port_read_by_another_team

    ledgers.delete()  # as the admin does

    answers = lineage_answers(UserFactory(), reports)
    assert sorted(LineageNode.objects.external().filter(name__startswith="ledgers/").values_list("namespace", "name")) == [
        ("dataproduct", "ledgers/other"),
        ("dataproduct", "ledgers/table"),
    ]
    assert "vault" not in answers and "quarterly" not in answers


@pytest.mark.django_db
def test_a_port_removed_twice_under_one_name_keeps_both_nodes_apart(a_port_read_by_another_team):
    ledgers, _ = a_port_read_by_another_team
    catalog_services.set_output_ports(ledgers, ports=[port("other", location="")], confirm_breaking=True)
    catalog_services.set_output_ports(ledgers, ports=[port("other", location=""), port("table", location=SECRET)], confirm_breaking=True)

    catalog_services.set_output_ports(ledgers, ports=[port("other", location="")], confirm_breaking=True)

    names = sorted(LineageNode.objects.external().filter(name__startswith="ledgers/").values_list("name", flat=True))
    assert len(names) == 2 and names[0] == "ledgers/table" and names[1].startswith("ledgers/table#")


@pytest.mark.django_db
def test_no_search_document_holds_a_location_in_any_field():
    from search.documents import documents_for
    from search.elastic import document_source

    product = ProductFactory(ports=[port("daily", location=SECRET), port("weekly", location="kafka://vault.internal/ledgers-v2")])

    (document,) = documents_for([product.pk])
    indexed = json.dumps(document_source(document)) + repr(document) + " ".join(document.words())

    assert "vault" not in indexed and "quarterly" not in indexed and "ledgers-v2" not in indexed
    assert "daily" in document.ports and "weekly" in document.ports
