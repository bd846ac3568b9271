"""The pages of service level objectives: the SLO tab (status, attainment,
the SVG chart and the daily table), the "Service levels" box and badges,
and the objectives on the product's edit page (a formset with the prefix
"slo"), which are posted as a browser posts the rendered form."""

import re
from datetime import datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import DataProduct
from slos import services as slo_services
from slos.models import ServiceLevelObjective, SLOMeasurement
from tests.factories import DomainFactory, Mesh, ProductFactory, TeamFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(user=None):
        client.force_login(user or UserFactory())
        return client

    return sign_in


def objective(
    product: DataProduct, *, by, indicator: str = "freshness", threshold: float = 6, target: float = 99.0, **fields
) -> ServiceLevelObjective:
    return slo_services.define_slo(product, by=by, indicator=indicator, threshold=threshold, target=target, **fields)


def yesterday_at(hour: int) -> datetime:
    """A time yesterday: inside every window, and on one calendar day whenever the test runs."""
    day = timezone.localdate() - timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def record(slo: ServiceLevelObjective, *values: float, by) -> None:
    """Measurements of `slo`, one an hour from yesterday 08:00, sent as its team's pipeline sends them."""
    rows = [{"slo": slo.pk, "measured_at": yesterday_at(8 + number), "value": value} for number, value in enumerate(values)]
    slo_services.record_measurements(rows, by=by)


def edit_url(product: DataProduct) -> str:
    return f"/products/{product.slug}/edit/"


# --- what a browser submits --------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page with what a browser submits for each: inputs with
    their value (checkboxes only when checked), a select's selected option
    or else its first one, a textarea's text; disabled fields are not sent."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, list[tuple[str, str]]]] = []
        self._fields = None
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._fields = []
            self.forms.append((attrs, self._fields))
        elif self._fields is None:
            return
        elif tag == "input" and attrs.get("name") and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._fields.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self._fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = {"name": attrs.get("name"), "disabled": "disabled" in attrs, "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = {"value": attrs.get("value"), "text": "", "selected": "selected" in attrs}
        elif tag == "textarea":
            self._textarea = {"name": attrs.get("name"), "disabled": "disabled" in attrs, "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea["text"] += data

    def _close_option(self):
        if self._option is not None:
            value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
            self._select["options"].append(value)
            if self._option["selected"]:
                self._select["selected"] = value
            self._option = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "option" and self._select is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            select, self._select = self._select, None
            if select["name"] and not select["disabled"] and select["options"] and self._fields is not None:
                self._fields.append((select["name"], select["selected"] if select["selected"] is not None else select["options"][0]))
        elif tag == "textarea" and self._textarea is not None:
            textarea, self._textarea = self._textarea, None
            if textarea["name"] and not textarea["disabled"] and self._fields is not None:
                self._fields.append((textarea["name"], textarea["text"].removeprefix("\n")))


def browser_data(page_html: str, form_class: str = "stacked-form") -> dict[str, str]:
    """What a browser posts for the page's form of `form_class`, untouched."""
    parser = _Forms()
    parser.feed(page_html)
    for attrs, fields in parser.forms:
        if form_class in attrs.get("class", "").split():
            return dict(fields)
    raise AssertionError(f"no form of class {form_class!r} on the page")


def edit_page_data(client, product: DataProduct, *, blank_row: bool = False) -> dict[str, str]:
    """The edit page's form as a browser would post it. Without `blank_row`
    the untouched extra objective row is left out (TOTAL_FORMS lowered), so
    that a test is about the rows it changes;
    test_saving_the_edit_page_untouched_as_a_browser_posts_it covers that row."""
    response = client.get(edit_url(product))
    assert response.status_code == 200
    data = browser_data(response.content.decode())
    if not blank_row:
        last = int(data["slo-TOTAL_FORMS"]) - 1
        data = {name: value for name, value in data.items() if not name.startswith(f"slo-{last}-")}
        data["slo-TOTAL_FORMS"] = str(last)
    return data


def new_row(index: int, **fields) -> dict[str, str]:
    """An objective row filled in: freshness ≤ 6 h, 99.5 % over 28 days unless changed."""
    row = {
        "id": "",
        "indicator": "freshness",
        "name": "",
        "port": "",
        "operator": "",
        "threshold": "6",
        "unit": "default",
        "target": "99.5",
        "window_days": "28",
        "description": "",
    }
    row.update({name: str(value) for name, value in fields.items()})
    return {f"slo-{index}-{name}": value for name, value in row.items()}


def field_errors(page_html: str) -> list[tuple[str, str]]:
    """Each error shown under a field of the page, with the field's id: for failure messages."""
    return re.findall(r'<label for="([^"]+)">(?:(?!<label).)*?field-error" role="alert">([^<]*)', page_html, flags=re.S)


def slo_rows(page_html: str) -> list[str]:
    """The HTML of each objective row of the edit page, in order."""
    return page_html.split('<div class="slo-form card')[1:]


# --- the SLO tab --------------------------------------------------------------------------


def test_slo_tab_shows_each_objective_with_status_attainment_chart_and_daily_table(signed_in):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6, target=99)
    record(slo, 2, 3, 4, 9, by=mesh.owner)  # three good, one bad: 75 %

    response = signed_in(mesh.consumer).get(f"/products/{mesh.product.slug}/slos/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="slo-{slo.pk}"' in page
    assert "Freshness ≤ 6 h, 99 % over 28 days" in page
    assert "SLO breached" in page
    assert "75.00 %" in page
    assert "3 good of 4 in 28 days" in page
    assert '<figure class="slo-chart">\n  <svg viewBox=' in page
    assert 'class="bar-missed"' in page
    assert 'class="slo-history"' in page
    yesterday = yesterday_at(0).date()
    assert f'<time datetime="{yesterday:%Y-%m-%d}">' in page
    assert "<td>3</td><td>4</td><td>75.00 % (below target)</td>" in page
    assert "Edit objectives" not in page


def test_slo_tab_shows_objectives_without_measurements_as_waiting_for_data(signed_in):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, indicator="availability", threshold=99.9, name="Warehouse uptime")

    page = signed_in(mesh.owner).get(f"/products/{mesh.product.slug}/slos/").content.decode()

    assert "Warehouse uptime" in page
    assert "SLO no data" in page
    assert (
        f"No measurements in the last 28 days. Pipelines send them to <code>POST /api/v1/slo-measurements/</code> with this objective's id, <code>{slo.pk}</code>."
        in page.replace("&#x27;", "'")
    )
    assert 'class="slo-chart"' not in page
    assert "Edit objectives" in page


def test_slo_tab_of_a_product_without_objectives_says_so(signed_in):
    mesh = Mesh()

    consumer = signed_in(mesh.consumer).get(f"/products/{mesh.product.slug}/slos/").content.decode()
    owner = signed_in(mesh.owner).get(f"/products/{mesh.product.slug}/slos/").content.decode()

    assert f"{mesh.product.name} declares no service level objectives yet." in consumer
    assert 'class="slo-chart"' not in consumer
    assert "edit page" not in consumer
    assert f'href="/products/{mesh.product.slug}/edit/#slo-forms-help">edit page</a>' in owner


def test_slo_tab_sends_anonymous_users_to_sign_in_and_hides_other_teams_drafts(client, signed_in):
    mesh = Mesh()
    draft = ProductFactory(status="draft")
    objective(draft, by=draft.product_owner)

    anonymous = client.get(f"/products/{mesh.product.slug}/slos/")
    hidden = signed_in(mesh.consumer).get(f"/products/{draft.slug}/slos/")

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=")
    assert hidden.status_code == 404


def test_product_page_shows_the_service_levels_box(signed_in):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    record(slo, 1, 2, by=mesh.owner)

    page = signed_in(mesh.consumer).get(mesh.product.get_absolute_url()).content.decode()

    box = page.split('id="slo-box-heading"')[1].split("</section>")[0]
    assert "SLO meeting" in box
    assert "<strong>Freshness</strong>" in box
    assert "≤ 6 h, 99 % over 28 days" in box
    assert "100.00 % attained" in box
    assert f'href="/products/{mesh.product.slug}/slos/"' in box


def test_product_page_without_objectives_says_none_are_declared(signed_in):
    mesh = Mesh()

    page = signed_in(mesh.consumer).get(mesh.product.get_absolute_url()).content.decode()

    assert "No objectives declared." in page


# --- the edit page's objectives -------------------------------------------------------------


def test_edit_page_lists_the_objectives_with_an_empty_row_to_add_one(signed_in):
    mesh = Mesh()
    objective(mesh.product, by=mesh.owner, indicator="latency", threshold=250, port=mesh.product.output_ports.get())

    response = signed_in(mesh.developer).get(edit_url(mesh.product))

    data = browser_data(response.content.decode())
    assert response.status_code == 200
    assert (data["slo-TOTAL_FORMS"], data["slo-INITIAL_FORMS"]) == ("2", "1")
    assert (data["slo-0-indicator"], data["slo-0-port"], data["slo-0-operator"], data["slo-0-unit"]) == ("latency", "daily", "lte", "ms")
    assert (data["slo-0-threshold"], data["slo-0-target"], data["slo-0-window_days"]) == ("250.0", "99.0", "28")
    assert data["slo-1-id"] == ""


def test_saving_the_edit_page_untouched_as_a_browser_posts_it_changes_nothing_and_redirects(signed_in):
    mesh = Mesh()
    objective(mesh.product, by=mesh.owner)
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product, blank_row=True)

    response = client.post(edit_url(mesh.product), data)

    assert response.status_code == 302, field_errors(response.content.decode())
    assert ServiceLevelObjective.objects.count() == 1


def test_changing_only_the_products_summary_keeps_its_objectives(signed_in):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner)
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)

    response = client.post(edit_url(mesh.product), {**data, "summary": "Every play, per day."})

    assert response.status_code == 302
    mesh.product.refresh_from_db()
    assert mesh.product.summary == "Every play, per day."
    assert list(ServiceLevelObjective.objects.values_list("pk", "threshold")) == [(slo.pk, 6.0)]


def test_owner_adds_an_objective_through_the_formset(signed_in):
    mesh = Mesh()
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)

    response = client.post(
        edit_url(mesh.product),
        {
            **data,
            "slo-TOTAL_FORMS": "1",
            **new_row(0, indicator="freshness", threshold=6, target=99.5, port="daily", description="Loaded by 06:00."),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == mesh.product.get_absolute_url()
    slo = ServiceLevelObjective.objects.get()
    assert (slo.indicator, slo.operator, slo.unit, slo.threshold, slo.target, slo.window_days) == ("freshness", "lte", "h", 6.0, 99.5, 28)
    assert slo.port.name == "daily"
    assert slo.description == "Loaded by 06:00."
    assert slo.status == "no_data"
    assert slo.status_computed_at is not None


def test_owner_adds_a_custom_objective_with_its_own_unit(signed_in):
    mesh = Mesh()
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)

    response = client.post(
        edit_url(mesh.product),
        {
            **data,
            "slo-TOTAL_FORMS": "1",
            **new_row(0, indicator="custom", name="Duplicate rows", operator="lte", threshold=10, unit="count"),
        },
    )

    assert response.status_code == 302
    assert ServiceLevelObjective.objects.get().objective == "≤ 10 count, 99.5 % over 28 days"


def test_changing_a_threshold_judges_the_stored_measurements_again(signed_in):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    record(slo, 3, 5, by=mesh.owner)
    slo.refresh_from_db()
    assert slo.status == "meeting"
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)

    response = client.post(edit_url(mesh.product), {**data, "slo-0-threshold": "4"})

    assert response.status_code == 302
    slo.refresh_from_db()
    assert (slo.threshold, slo.status, slo.attainment) == (4.0, "breached", 50.0)
    assert sorted(SLOMeasurement.objects.values_list("value", "good")) == [(3.0, True), (5.0, False)]
    mesh.product.refresh_from_db()
    assert mesh.product.slo_status == "breached"


def test_owner_deletes_an_objective_through_the_formset(signed_in):
    mesh = Mesh()
    kept = objective(mesh.product, by=mesh.owner, indicator="availability", threshold=99.9)
    removed = objective(mesh.product, by=mesh.owner, indicator="freshness")
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)
    row = next(name.split("-")[1] for name, value in data.items() if name.endswith("-id") and value == str(removed.pk))

    response = client.post(edit_url(mesh.product), {**data, f"slo-{row}-DELETE": "on"})

    assert response.status_code == 302
    assert list(ServiceLevelObjective.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_row_the_rules_refuse_shows_the_error_on_that_row_and_saves_nothing(signed_in):
    mesh = Mesh()
    existing = objective(mesh.product, by=mesh.owner, threshold=6)
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)
    summary = mesh.product.summary

    response = client.post(
        edit_url(mesh.product),
        {
            **data,
            "summary": "Changed alongside a bad objective.",
            "slo-0-threshold": "12",
            "slo-TOTAL_FORMS": "3",
            **new_row(1, indicator="completeness", threshold=99),
            **new_row(2, indicator="availability", threshold=99.9, unit="h"),
        },
    )

    assert response.status_code == 400
    rows = slo_rows(response.content.decode().replace("&#x27;", "'"))
    assert "slo-form-invalid" not in rows[0].split(">")[0]
    assert "slo-form-invalid" not in rows[1].split(">")[0]
    assert "slo-form-invalid" in rows[2].split(">")[0]
    assert "Availability is measured in" in rows[2]  # the exact wording: test_slo_api
    assert list(ServiceLevelObjective.objects.values_list("pk", "threshold")) == [(existing.pk, 6.0)]
    mesh.product.refresh_from_db()
    assert mesh.product.summary == summary


def test_a_row_the_form_refuses_shows_the_error_on_that_row_and_saves_nothing(signed_in):
    mesh = Mesh()
    objective(mesh.product, by=mesh.owner, threshold=6, target=99)
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)
    summary = mesh.product.summary

    response = client.post(edit_url(mesh.product), {**data, "summary": "Changed.", "slo-0-threshold": "3", "slo-0-target": "150"})

    assert response.status_code == 400
    (row,) = slo_rows(response.content.decode())
    assert "Ensure this value is less than or equal to 100." in row
    slo = ServiceLevelObjective.objects.get()
    assert (slo.threshold, slo.target) == (6.0, 99.0)
    mesh.product.refresh_from_db()
    assert mesh.product.summary == summary


def test_a_custom_objective_without_a_name_is_refused_on_its_row(signed_in):
    mesh = Mesh()
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)

    response = client.post(
        edit_url(mesh.product), {**data, "slo-TOTAL_FORMS": "1", **new_row(0, indicator="custom", threshold=3, unit="count")}
    )

    assert response.status_code == 400
    assert "Name a custom indicator" in slo_rows(response.content.decode())[0]
    assert ServiceLevelObjective.objects.count() == 0


def test_people_outside_the_owning_team_cannot_change_objectives_on_the_edit_page(signed_in):
    mesh = Mesh()
    slo = objective(mesh.product, by=mesh.owner, threshold=6)
    client = signed_in(mesh.owner)
    data = edit_page_data(client, mesh.product)

    for outsider in (mesh.other_owner, mesh.consumer, mesh.steward):
        response = signed_in(outsider).post(edit_url(mesh.product), {**data, "slo-0-threshold": "48"})
        assert response.status_code == 403
    slo.refresh_from_db()
    assert slo.threshold == 6


# --- cards and lists ---------------------------------------------------------------------------


def card_of(page_html: str, product: DataProduct) -> str:
    (card,) = [card for card in page_html.split('<article class="card product-card">')[1:] if f">{product.name}</a>" in card]
    return card.split("</article>")[0]


def test_product_cards_show_the_slo_badge(signed_in):
    mesh = Mesh()
    breached = objective(mesh.product, by=mesh.owner, threshold=6)
    record(breached, 30, by=mesh.owner)
    quiet = ProductFactory(name="Quiet product")

    page = signed_in(mesh.consumer).get("/products/").content.decode()

    assert "badge-slo-breached" in card_of(page, mesh.product)
    assert "SLO breached" in card_of(page, mesh.product)
    assert "SLO no data" in card_of(page, quiet)


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _products_with_objectives(count: int, *, domain, by) -> None:
    for _ in range(count):
        product = ProductFactory(domain=domain, by=by, tags=["x"])
        freshness = objective(product, by=by)
        objective(product, by=by, indicator="availability", threshold=99.9)
        record(freshness, 1, 9, by=by)


@pytest.mark.parametrize("url", ["/products/", "/api/v1/products/"])
def test_product_list_query_count_is_constant_in_the_number_of_products_with_objectives(signed_in, url):
    team = TeamFactory()
    domain = DomainFactory(owner_team=team)
    author = member_of(team)
    client = signed_in()
    _products_with_objectives(3, domain=domain, by=author)
    few = _query_count(client, url)
    _products_with_objectives(9, domain=domain, by=author)

    many = _query_count(client, url)

    assert few == many
