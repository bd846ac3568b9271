"""OpenLineage run events: POST /api/v1/lineage and lineage.services.ingest_run_event."""

import json
import uuid

import pytest
from django.db.models import Q
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lineage import services as lineage_services
from lineage.models import LineageEdge, LineageNode, LineageRun
from lineage.openlineage import LineageError, dataset_identity
from tests.factories import ProductFactory, UserFactory, dataset, member_of, port, port_dataset, run_event

pytestmark = pytest.mark.django_db

ENDPOINT = "/api/v1/lineage"
CRM = "postgres://crm.example.internal:5432"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=user).key}")
    return client


def edges() -> set[tuple[str, str]]:
    return {(str(edge.upstream), str(edge.downstream)) for edge in LineageEdge.objects.select_related("upstream", "downstream")}


@pytest.fixture
def pipeline():
    """A product with a port fed by a pipeline, and the machine user of its team."""
    product = ProductFactory(slug="customers", ports=[port("table", location="postgres://warehouse:5432/analytics.public.customers")])
    return product, member_of(product.owner_team, username="customers-pipeline")


# --- the dataset identity of a port ----------------------------------------------------


@pytest.mark.parametrize(
    ("location", "namespace", "name"),
    [
        ("bigquery://streamly-prod/listener.profiles", "bigquery", "streamly-prod.listener.profiles"),
        ("postgres://crm:5432/public.customers", "postgres://crm:5432", "public.customers"),
        ("s3://lake/player/daily/", "s3://lake", "player/daily"),
        ("kafka://broker:9092/play-events.v2", "kafka://broker:9092", "play-events.v2"),
        ("", "dataproduct", "orders/table"),
        ("somewhere on the shared drive", "dataproduct", "orders/table"),
    ],
)
def test_a_ports_location_maps_to_its_openlineage_dataset(location, namespace, name):
    product = ProductFactory(slug="orders", ports=[port("table", location=location)])

    identity = dataset_identity(product.output_ports.get())

    assert (identity.namespace, identity.name) == (namespace, name)
    assert LineageNode.objects.get(port__product=product).name == name


def test_a_second_port_with_the_same_location_gets_the_fallback_identity():
    first = ProductFactory(slug="first", ports=[port("table", location="postgres://db:5432/public.t")])
    second = ProductFactory(slug="second", ports=[port("table", location="postgres://db:5432/public.t")])

    assert str(LineageNode.objects.get(port__product=first)) == "postgres://db:5432/public.t"
    assert str(LineageNode.objects.get(port__product=second)) == "dataproduct/second/table"


def test_a_port_declared_after_events_named_its_dataset_takes_over_the_external_node(pipeline):
    product, machine = pipeline
    lineage_services.ingest_run_event(
        run_event(inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table")]), by=machine
    )
    lineage_services.ingest_run_event(
        run_event(inputs=[dataset("s3://lake", "exports/accounts")], outputs=[dataset(CRM, "public.accounts")]), by=machine
    )

    crm = ProductFactory(slug="crm-accounts", ports=[port("accounts", location=f"{CRM}/public.accounts")])

    node = LineageNode.objects.get(namespace=CRM, name="public.accounts")
    assert node.port.product == crm
    assert edges() == {
        ("s3://lake/exports/accounts", f"{CRM}/public.accounts"),
        (f"{CRM}/public.accounts", "postgres://warehouse:5432/analytics.public.customers"),
    }


# --- recording events -------------------------------------------------------------------


def test_a_complete_event_records_an_edge_from_every_input_to_every_output(pipeline):
    product, machine = pipeline
    event = run_event(
        inputs=[dataset(CRM, "public.accounts"), dataset(CRM, "public.contracts")],
        outputs=[port_dataset(product, "table"), dataset("s3://lake", "exports/customers")],
    )

    response = token_client(machine).post(ENDPOINT, event, format="json")

    assert response.status_code == 201
    assert response.json() == {"runId": event["run"]["runId"], "eventType": "COMPLETE", "recorded": True, "edges": 4}
    warehouse = "postgres://warehouse:5432/analytics.public.customers"
    assert edges() == {
        (f"{CRM}/public.accounts", warehouse),
        (f"{CRM}/public.contracts", warehouse),
        (f"{CRM}/public.accounts", "s3://lake/exports/customers"),
        (f"{CRM}/public.contracts", "s3://lake/exports/customers"),
    }
    edge = LineageEdge.objects.filter(downstream__port__product=product).first()
    assert (edge.origin, edge.job_namespace, edge.job_name, edge.run_id) == (
        "openlineage",
        "tests-airflow",
        "nightly.build",
        event["run"]["runId"],
    )
    assert LineageNode.objects.get(namespace=CRM, name="public.accounts").is_external


def test_a_start_event_records_the_run_but_no_edges(pipeline):
    product, machine = pipeline

    response = token_client(machine).post(
        ENDPOINT,
        run_event(event_type="START", inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table")]),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["edges"] == 0
    assert LineageEdge.objects.count() == 0
    assert LineageRun.objects.get().event_type == "START"


def test_a_repeated_event_changes_nothing(pipeline):
    product, machine = pipeline
    event = run_event(inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table")])
    client = token_client(machine)
    client.post(ENDPOINT, event, format="json")
    before = list(LineageEdge.objects.values())

    again = client.post(ENDPOINT, {**event, "inputs": [dataset(CRM, "public.other")]}, format="json")

    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert list(LineageEdge.objects.values()) == before
    assert LineageRun.objects.count() == 1


def test_the_same_run_completing_after_starting_is_recorded(pipeline):
    product, machine = pipeline
    run_id = str(uuid.uuid4())
    client = token_client(machine)

    started = client.post(ENDPOINT, run_event(event_type="START", run_id=run_id), format="json")
    completed = client.post(
        ENDPOINT,
        run_event(run_id=run_id, inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table")]),
        format="json",
    )

    assert (started.status_code, completed.status_code) == (201, 201)
    assert LineageRun.objects.filter(run_id=run_id).count() == 2


def test_a_later_run_of_the_same_job_refreshes_the_edge(pipeline):
    product, machine = pipeline
    lineage_services.ingest_run_event(
        run_event(inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table")]), by=machine
    )
    later = run_event(inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table")], eventTime="2026-12-01T04:00:00Z")

    lineage_services.ingest_run_event(later, by=machine)

    edge = LineageEdge.objects.get()
    assert (edge.run_id, edge.last_seen.isoformat()) == (later["run"]["runId"], "2026-12-01T04:00:00+00:00")


def test_the_schema_facet_of_a_port_is_kept_as_its_observed_schema(pipeline, client):
    product, machine = pipeline
    schema = {
        "_producer": "x",
        "_schemaURL": "y",
        "fields": [{"name": "customer_id", "type": "BIGINT"}, {"name": "churned", "type": "BOOLEAN", "description": "Left us."}],
    }
    event = run_event(inputs=[dataset(CRM, "public.accounts")], outputs=[{**port_dataset(product, "table"), "facets": {"schema": schema}}])

    lineage_services.ingest_run_event(event, by=machine)

    node = LineageNode.objects.get(port__product=product)
    assert node.observed_schema == [
        {"name": "customer_id", "type": "BIGINT", "description": ""},
        {"name": "churned", "type": "BOOLEAN", "description": "Left us."},
    ]
    client.force_login(UserFactory())
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Observed schema" in page
    assert "Left us." in page


def test_the_column_lineage_facet_is_kept_on_each_edge(pipeline):
    product, machine = pipeline
    column_lineage = {
        "_producer": "x",
        "_schemaURL": "y",
        "fields": {
            "customer_id": {"inputFields": [{"namespace": CRM, "name": "public.accounts", "field": "id"}]},
            "plan": {"inputFields": [{"namespace": CRM, "name": "public.contracts", "field": "plan_code"}]},
        },
    }
    event = run_event(
        inputs=[dataset(CRM, "public.accounts"), dataset(CRM, "public.contracts")],
        outputs=[{**port_dataset(product, "table"), "facets": {"columnLineage": column_lineage}}],
    )

    lineage_services.ingest_run_event(event, by=machine)

    by_input = {edge.upstream.name: edge.column_lineage for edge in LineageEdge.objects.select_related("upstream")}
    assert by_input == {"public.accounts": {"customer_id": ["id"]}, "public.contracts": {"plan": ["plan_code"]}}


def test_the_lineage_tab_and_api_show_each_edges_origin_and_column_lineage(pipeline, client):
    product, machine = pipeline
    column_lineage = {"fields": {"customer_id": {"inputFields": [{"namespace": CRM, "name": "public.accounts", "field": "id"}]}}}
    event = run_event(
        inputs=[dataset(CRM, "public.accounts")],
        outputs=[{**port_dataset(product, "table"), "facets": {"columnLineage": column_lineage}}],
        job="crm.accounts_sync",
    )
    lineage_services.ingest_run_event(event, by=machine)
    client.force_login(UserFactory())

    page = client.get(f"/products/{product.slug}/lineage/").content.decode()
    (edge,) = client.get(f"/api/v1/products/{product.slug}/lineage/").json()["edges"]

    assert "crm.accounts_sync" in page
    assert "Column lineage (1)" in page
    assert [(origin["origin"], origin["job_name"], origin["run_id"], origin["column_lineage"]) for origin in edge["origins"]] == [
        ("openlineage", "crm.accounts_sync", event["run"]["runId"], {"customer_id": ["id"]})
    ]


# --- malformed and oversized events ---------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e.update(eventType="FINISHED"), "eventType"),
        (lambda e: e.update(run={}), "run.runId"),
        (lambda e: e["run"].update(runId="not-a-uuid"), "run.runId"),
        (lambda e: e.update(job={"namespace": "tests"}), "job.name"),
        (lambda e: e.pop("producer"), "producer"),
        (lambda e: e.pop("schemaURL"), "schemaURL"),
        (lambda e: e.update(inputs="crm"), "inputs"),
        (lambda e: e["inputs"].append({"name": "public.x"}), "inputs[2].namespace"),
        (lambda e: e["outputs"].append(42), "outputs[0]"),
        (lambda e: e["inputs"][0].update(facets={"schema": {"fields": "id"}}), "inputs[0].facets.schema.fields"),
        (lambda e: e["inputs"][1].update(facets={"schema": {"fields": [{"type": "int"}]}}), "inputs[1].facets.schema.fields[0].name"),
    ],
)
def test_a_malformed_event_is_refused_with_a_400_naming_the_field_and_nothing_is_stored(pipeline, change, field):
    _, machine = pipeline
    event = run_event(inputs=[dataset(CRM, "public.a"), dataset(CRM, "public.b")])
    change(event)

    response = token_client(machine).post(ENDPOINT, event, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert (LineageRun.objects.count(), LineageNode.objects.external().count()) == (0, 0)


def test_a_body_that_is_not_json_is_a_400(pipeline):
    _, machine = pipeline

    response = token_client(machine).post(ENDPOINT, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_an_event_over_a_megabyte_is_refused_with_413(pipeline):
    _, machine = pipeline
    event = run_event(inputs=[dataset(CRM, "public.a")], padding="x" * 1_000_001)

    response = token_client(machine).post(ENDPOINT, json.dumps(event), content_type="application/json")

    assert response.status_code == 413
    assert LineageRun.objects.count() == 0


def test_an_event_naming_more_than_500_datasets_is_refused(pipeline):
    _, machine = pipeline
    event = run_event(inputs=[dataset(CRM, f"public.t{i}") for i in range(501)])

    response = token_client(machine).post(ENDPOINT, event, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["inputs"]
    assert LineageNode.objects.count() == 1  # the pipeline's own port only


def test_a_refused_event_stores_nothing_of_it(pipeline):
    product, machine = pipeline
    event = run_event(inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table"), {"namespace": "s3://lake"}])

    with pytest.raises(LineageError):
        lineage_services.ingest_run_event(event, by=machine)

    assert (LineageRun.objects.count(), LineageEdge.objects.count(), LineageNode.objects.external().count()) == (0, 0, 0)


# --- who may post ------------------------------------------------------------------------


def test_token_auth_in_drfs_form_works_too(pipeline):
    product, machine = pipeline
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=machine).key}")

    response = client.post(
        ENDPOINT, run_event(inputs=[dataset(CRM, "public.accounts")], outputs=[port_dataset(product, "table")]), format="json"
    )

    assert response.status_code == 201


def test_anonymous_posts_are_refused():
    response = APIClient().post(ENDPOINT, run_event(), format="json")

    assert response.status_code in (401, 403)
    assert LineageRun.objects.count() == 0


def test_a_user_in_no_team_may_not_post_events():
    response = token_client(UserFactory()).post(
        ENDPOINT, run_event(inputs=[dataset(CRM, "public.a")], outputs=[dataset("s3://lake", "x")]), format="json"
    )

    assert response.status_code == 403
    assert LineageRun.objects.count() == 0


def lineage_of(product) -> tuple:
    """Everything recorded about `product`'s ports: their nodes' names and observed schemas, and their edges."""
    nodes = LineageNode.objects.filter(port__product=product)
    return (
        sorted(nodes.values_list("namespace", "name", "observed_schema")),
        sorted(
            LineageEdge.objects.filter(Q(upstream__in=nodes) | Q(downstream__in=nodes)).values_list(
                "upstream_id", "downstream_id", "job_name"
            )
        ),
    )


@pytest.fixture
def other_teams_ports():
    """A published product and a draft of another team, each with a port and an edge of its own pipeline."""
    published = ProductFactory(slug="revenue", ports=[port("table", location="postgres://warehouse:5432/finance.public.revenue")])
    draft = ProductFactory(
        slug="secret-plans", status="draft", ports=[port("table", location="postgres://warehouse:5432/finance.public.plans")]
    )
    for product in (published, draft):
        lineage_services.ingest_run_event(
            run_event(inputs=[dataset(CRM, "public.ledger")], outputs=[port_dataset(product, "table")], job="finance.own"),
            by=member_of(product.owner_team),
        )
    return published, draft


def test_an_output_on_another_teams_port_answers_as_a_made_up_dataset_does_visible_or_not(pipeline, other_teams_ports):
    product, machine = pipeline
    published, draft = other_teams_ports
    before = lineage_of(published), lineage_of(draft)
    schema = {"schema": {"fields": [{"name": "amount", "type": "decimal"}]}}
    client, answers = token_client(machine), []
    for output in (
        port_dataset(published, "table"),
        port_dataset(draft, "table"),
        dataset("postgres://warehouse:5432", "finance.public.made_up"),
    ):
        event = run_event(inputs=[port_dataset(product, "table"), dataset(CRM, "public.a")], outputs=[{**output, "facets": schema}])
        response = client.post(ENDPOINT, event, format="json")
        answers.append(
            (response.status_code, response.headers["Content-Type"], response.content.replace(event["run"]["runId"].encode(), b"RUN"))
        )

    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 201 and json.loads(answers[0][2])["edges"] == 2
    assert (lineage_of(published), lineage_of(draft)) == before


def test_an_input_on_a_draft_the_caller_cannot_see_is_not_recorded_and_a_visible_port_is(pipeline, other_teams_ports):
    product, machine = pipeline
    published, draft = other_teams_ports
    before = lineage_of(draft)

    response = token_client(machine).post(
        ENDPOINT,
        run_event(inputs=[port_dataset(published, "table"), port_dataset(draft, "table")], outputs=[port_dataset(product, "table")]),
        format="json",
    )

    assert (response.status_code, response.json()["edges"]) == (201, 2)
    assert lineage_of(draft) == before
    upstream = LineageEdge.objects.filter(downstream__port__product=product).values_list("upstream__port__product__slug", flat=True)
    assert list(upstream) == ["revenue"]


def test_an_admin_records_an_output_on_any_teams_draft(other_teams_ports):
    _, draft = other_teams_ports

    lineage_services.ingest_run_event(
        run_event(inputs=[dataset(CRM, "public.a")], outputs=[port_dataset(draft, "table")], job="admin.fix"),
        by=UserFactory(is_superuser=True),
    )

    assert "admin.fix" in {job for _, _, job in lineage_of(draft)[1]}


def test_a_team_may_record_edges_into_external_datasets_and_read_any_port(pipeline):
    product, machine = pipeline
    other = ProductFactory(ports=[port("table", location="postgres://warehouse:5432/finance.public.revenue")])

    response = token_client(machine).post(
        ENDPOINT,
        run_event(inputs=[port_dataset(other, "table"), port_dataset(product, "table")], outputs=[dataset("s3://lake", "exports/x")]),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["edges"] == 2


def test_an_admin_may_record_edges_into_any_port(pipeline):
    product, _ = pipeline
    admin = UserFactory(is_superuser=True)

    response = token_client(admin).post(
        ENDPOINT, run_event(inputs=[dataset(CRM, "public.a")], outputs=[port_dataset(product, "table")]), format="json"
    )

    assert response.status_code == 201


# --- the official client -------------------------------------------------------------------


def test_events_from_the_official_openlineage_client_show_up_as_edges_on_the_right_products(live_server):
    from django.utils import timezone
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import schema_dataset
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    source = ProductFactory(slug="play-events", ports=[port("stream", location="kafka://broker:9092/play-events.v2")])
    daily = ProductFactory(slug="play-events-daily", ports=[port("daily", location="bigquery://streamly/player.daily")])
    machine = member_of(daily.owner_team, username="daily-pipeline")
    config = HttpConfig(url=live_server.url, auth=ApiKeyTokenProvider({"api_key": Token.objects.create(user=machine).key}))
    client = OpenLineageClient(transport=HttpTransport(config))
    schema = schema_dataset.SchemaDatasetFacet(fields=[schema_dataset.SchemaDatasetFacetFields(name="plays", type="INT64")])
    run = Run(runId=str(uuid.uuid4()))
    job = Job(namespace="streamly-airflow", name="aggregate.play_events_daily")

    for state in (RunState.START, RunState.COMPLETE):
        client.emit(
            RunEvent(
                eventType=state,
                eventTime=timezone.now().isoformat(),
                run=run,
                job=job,
                producer="https://tests.example/pipelines",
                inputs=[InputDataset(namespace="kafka://broker:9092", name="play-events.v2")],
                outputs=[OutputDataset(namespace="bigquery", name="streamly.player.daily", facets={"schema": schema})],
            )
        )

    edge = LineageEdge.objects.select_related("upstream__port__product", "downstream__port__product").get()
    assert (edge.upstream.port.product, edge.downstream.port.product) == (source, daily)
    assert (edge.job_name, edge.run_id) == ("aggregate.play_events_daily", run.runId)
    assert edge.downstream.observed_schema[0]["name"] == "plays"
    assert sorted(LineageRun.objects.values_list("event_type", flat=True)) == ["COMPLETE", "START"]


def test_the_official_client_raises_when_the_server_refuses_an_event(live_server):
    from django.utils import timezone
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    in_no_team = UserFactory()
    config = HttpConfig(url=live_server.url, auth=ApiKeyTokenProvider({"api_key": Token.objects.create(user=in_no_team).key}))
    client = OpenLineageClient(transport=HttpTransport(config))
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=timezone.now().isoformat(),
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace="x", name="y"),
        producer="https://tests.example",
        outputs=[OutputDataset(namespace="s3://lake", name="exports/x")],
    )

    with pytest.raises(Exception) as refused:
        client.emit(event)

    assert "403" in str(refused.value)
    assert LineageRun.objects.count() == 0
