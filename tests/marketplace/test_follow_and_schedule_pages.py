"""Following a product and scheduling port changes, on the pages and over
the API: the Follow box, the edit page's "Port changes take effect on", the
History tab's scheduled changes with their Cancel button, and
/api/v1/products/<slug>/follow and …/scheduled-changes/, each with its
permission cases. The clock stands still at NOW."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from catalog import services as catalog_services
from catalog.models import DataProduct, Follow, ScheduledPortChange
from notifications.models import Notification
from tests.factories import Mesh, ProductFactory, TeamFactory, UserFactory, live_grant, member_of
from tests.marketplace.test_port_editing import edit_data, existing_ports

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=14)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def field_removed(product: DataProduct) -> list[dict]:
    rows = existing_ports(product)
    rows[0]["version"] = "2.0.0"
    rows[0]["fields"][0]["DELETE"] = "on"
    return rows


def api_ports(product: DataProduct, *, drop_first_field: bool = True, version: str = "2.0.0") -> list[dict]:
    ports = []
    for output_port in product.output_ports.order_by("name"):
        fields = [{"name": f.name, "type": f.data_type} for f in output_port.fields.all()]
        ports.append(
            {
                "name": output_port.name,
                "type": output_port.port_type,
                "location": output_port.location,
                "version": version,
                "fields": fields[1:] if drop_first_field else fields,
            }
        )
    return ports


def hidden_draft() -> DataProduct:
    team = TeamFactory()
    return ProductFactory(owner_team=team, by=member_of(team, role="owner"), status=DataProduct.Status.DRAFT)


# --- the Follow box --------------------------------------------------------------


def test_a_reader_follows_and_unfollows_from_the_product_page_without_javascript(client):
    mesh = Mesh()
    client.force_login(mesh.consumer)

    page = client.get(f"/products/{mesh.product.slug}/")
    assert b'name="action" value="follow"' in page.content and b"0 followers" in page.content

    response = client.post(f"/products/{mesh.product.slug}/follow/", {"action": "follow"})
    assert response.status_code == 302 and response["Location"] == mesh.product.get_absolute_url()
    page = client.get(f"/products/{mesh.product.slug}/")
    assert b'name="action" value="unfollow"' in page.content and b"1 follower<" in page.content

    client.post(f"/products/{mesh.product.slug}/follow/", {"action": "unfollow"})
    assert not Follow.objects.exists()


def test_with_htmx_following_swaps_the_follow_box_only(client):
    mesh = Mesh()
    client.force_login(mesh.consumer)

    response = client.post(f"/products/{mesh.product.slug}/follow/", {"action": "follow"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<section class="card follow-box" id="follow-box"')
    assert b"Unfollow" in response.content


def test_the_owning_team_sees_who_follows_and_others_the_count_only(client):
    mesh = Mesh()
    catalog_services.follow_product(mesh.product, user=mesh.consumer)

    client.force_login(mesh.owner)
    assert mesh.consumer.username.encode() in client.get(f"/products/{mesh.product.slug}/").content
    client.force_login(mesh.requester)
    page = client.get(f"/products/{mesh.product.slug}/")
    assert b"1 follower<" in page.content and mesh.consumer.username.encode() not in page.content


def test_following_a_product_one_may_not_see_is_a_404_on_the_page(client):
    draft = hidden_draft()
    client.force_login(UserFactory())

    assert client.post(f"/products/{draft.slug}/follow/", {"action": "follow"}).status_code == 404
    assert not Follow.objects.exists()


# --- the follow API ---------------------------------------------------------------


def test_the_api_follows_and_unfollows_idempotently():
    mesh = Mesh()
    client = api(mesh.consumer)
    url = f"/api/v1/products/{mesh.product.slug}/follow"

    assert client.post(url).json() == {"following": True, "followers": 1}
    assert client.post(url).json() == {"following": True, "followers": 1}
    assert client.get(url).json() == {"following": True, "followers": 1}
    assert client.delete(url).json() == {"following": False, "followers": 0}
    assert client.delete(url).status_code == 200


def test_the_follow_api_answers_404_for_a_product_one_may_not_see_and_401_without_credentials():
    draft = hidden_draft()

    assert api(UserFactory()).post(f"/api/v1/products/{draft.slug}/follow").status_code == 404
    assert api(UserFactory()).delete(f"/api/v1/products/{draft.slug}/follow").status_code == 404
    assert api().post(f"/api/v1/products/{draft.slug}/follow").status_code == 401
    assert not Follow.objects.exists()


# --- the edit page -------------------------------------------------------------------


def test_the_edit_page_schedules_the_port_changes_and_saves_the_rest_now(client):
    mesh = Mesh()
    live_grant(mesh)
    client.force_login(mesh.owner)
    data = edit_data(mesh.product, field_removed(mesh.product), initial=1, initial_fields={0: 3})

    response = client.post(
        f"/products/{mesh.product.slug}/edit/", {**data, "summary": "New summary.", "effective_at": "2026-12-21T12:00"}, follow=True
    )

    assert response.status_code == 200
    assert b"the port changes are scheduled" in response.content
    mesh.product.refresh_from_db()
    assert mesh.product.summary == "New summary."
    assert mesh.product.output_ports.get().fields.count() == 3
    change = ScheduledPortChange.objects.get()
    assert (change.effective_at, change.created_by, change.status) == (LATER, mesh.owner, "pending")
    assert Notification.objects.get(kind="contract.change_scheduled").recipient == mesh.requester


def test_the_edit_page_shows_a_past_date_on_its_field(client):
    mesh = Mesh()
    client.force_login(mesh.owner)
    data = edit_data(mesh.product, field_removed(mesh.product), initial=1, initial_fields={0: 3})

    response = client.post(f"/products/{mesh.product.slug}/edit/", {**data, "effective_at": "2026-12-01T12:00"})

    assert response.status_code == 400
    assert "must be in the future" in " ".join(response.context["form"].errors["effective_at"])
    assert not ScheduledPortChange.objects.exists()
    assert mesh.product.output_ports.get().fields.count() == 3


def test_the_new_product_page_has_no_effective_date(client):
    team = TeamFactory()
    client.force_login(member_of(team))

    assert b'name="effective_at"' not in client.get("/products/new/").content


# --- the History tab -----------------------------------------------------------------


def test_the_history_tab_lists_a_pending_change_with_its_date_and_diff_and_a_cancel_button_for_owners(client):
    mesh = Mesh()
    change = catalog_services.schedule_output_ports(mesh.product, ports=[], effective_at=LATER, by=mesh.owner, confirm_breaking=True)

    client.force_login(mesh.requester)
    page = client.get(f"/products/{mesh.product.slug}/history/").content.decode()
    assert "2026-12-21 12:00 UTC" in page and "port `daily` removed" in page
    assert f"/scheduled-changes/{change.pk}/cancel/" not in page
    client.force_login(mesh.owner)
    assert f"/scheduled-changes/{change.pk}/cancel/" in client.get(f"/products/{mesh.product.slug}/history/").content.decode()


def test_owners_cancel_on_the_history_tab_and_others_may_not(client):
    mesh = Mesh()
    change = catalog_services.schedule_output_ports(mesh.product, ports=[], effective_at=LATER, by=mesh.owner, confirm_breaking=True)
    url = f"/products/{mesh.product.slug}/scheduled-changes/{change.pk}/cancel/"

    client.force_login(mesh.requester)
    assert client.post(url).status_code == 403
    client.force_login(mesh.developer)
    response = client.post(url, follow=True)

    assert b"Cancelled." in response.content and b"No changes to the output ports are scheduled" in response.content
    change.refresh_from_db()
    assert change.status == "cancelled"


# --- the scheduled-changes API ---------------------------------------------------------------


def test_owners_schedule_over_the_api_and_readers_see_it_without_the_location():
    mesh = Mesh()
    live_grant(mesh, user=mesh.consumer)
    url = f"/api/v1/products/{mesh.product.slug}/scheduled-changes/"

    response = api(mesh.owner).post(url, {"output_ports": api_ports(mesh.product), "effective_at": LATER.isoformat()}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["breaking"] is True
    assert body["changes"]["daily"][0] == {"text": "field `field_0` removed", "breaking": True}
    assert body["output_ports"][0]["location"] == "bigquery://demo/secret.table"
    assert Notification.objects.get(kind="contract.change_scheduled").recipient == mesh.consumer
    listed = api(mesh.requester).get(url).json()["results"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert listed[0]["output_ports"][0]["location"] is None
    assert api(mesh.consumer).get(url).json()["results"][0]["output_ports"][0]["location"] == "bigquery://demo/secret.table"


def test_an_unconfirmed_breaking_change_is_a_409_then_confirmed_it_is_scheduled():
    mesh = Mesh()
    url = f"/api/v1/products/{mesh.product.slug}/scheduled-changes/"
    body = {"output_ports": api_ports(mesh.product, version="1.1.0"), "effective_at": LATER.isoformat()}

    refused = api(mesh.owner).post(url, body, format="json")
    assert refused.status_code == 409 and "field `field_0` removed" in str(refused.json())
    assert not ScheduledPortChange.objects.exists()

    assert api(mesh.owner).post(url, {**body, "confirm_breaking": True}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("effective_at", "field"),
    [(None, "effective_at"), ("tomorrow", "effective_at"), ((NOW - timedelta(hours=1)).isoformat(), "effective_at")],
)
def test_a_missing_bad_or_past_date_is_a_400_naming_effective_at(effective_at, field):
    mesh = Mesh()
    body = {"output_ports": api_ports(mesh.product), **({"effective_at": effective_at} if effective_at else {})}

    response = api(mesh.owner).post(f"/api/v1/products/{mesh.product.slug}/scheduled-changes/", body, format="json")

    assert response.status_code == 400 and field in response.json()
    assert not ScheduledPortChange.objects.exists()


def test_bad_ports_are_a_400_naming_output_ports():
    mesh = Mesh()
    body = {"output_ports": [{"name": "daily", "type": "carrier-pigeon"}], "effective_at": LATER.isoformat()}

    response = api(mesh.owner).post(f"/api/v1/products/{mesh.product.slug}/scheduled-changes/", body, format="json")

    assert response.status_code == 400 and "output_ports" in response.json()


def test_scheduling_over_the_api_is_for_the_owning_team_and_a_hidden_product_is_a_404():
    mesh = Mesh()
    draft = hidden_draft()
    body = {"output_ports": [], "effective_at": LATER.isoformat(), "confirm_breaking": True}

    assert api(mesh.requester).post(f"/api/v1/products/{mesh.product.slug}/scheduled-changes/", body, format="json").status_code == 403
    assert api(mesh.owner).post(f"/api/v1/products/{draft.slug}/scheduled-changes/", body, format="json").status_code == 404
    assert api(mesh.owner).get(f"/api/v1/products/{draft.slug}/scheduled-changes/").status_code == 404
    assert api().get(f"/api/v1/products/{mesh.product.slug}/scheduled-changes/").status_code == 401
    assert not ScheduledPortChange.objects.exists()


def test_owners_cancel_over_the_api_once_and_others_may_not():
    mesh = Mesh()
    other = ProductFactory()
    change = catalog_services.schedule_output_ports(mesh.product, ports=[], effective_at=LATER, by=mesh.owner, confirm_breaking=True)
    url = f"/api/v1/products/{mesh.product.slug}/scheduled-changes/{change.pk}/"

    assert api(mesh.requester).delete(url).status_code == 403
    assert api(mesh.owner).delete(f"/api/v1/products/{other.slug}/scheduled-changes/{change.pk}/").status_code == 404
    response = api(mesh.owner).delete(url)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api(mesh.owner).delete(url).status_code == 409
