"""Sample rows of an output port, exhaustively: reading CSV and JSON
uploads, checking them against the port's schema (every problem named by
row and column), who may upload them, and masking sensitive columns for
everyone who may not see real values."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from access_requests import queries as access_queries
from access_requests import services as access_services
from access_requests.models import Grant
from catalog import services as catalog_services
from catalog.models import OutputPort
from catalog.services import FieldSpec, PortSpec
from slos import queries as slo_queries
from slos import samples
from slos import services as slo_services
from slos.models import Sample
from tests.factories import Mesh, live_grant, submit

pytestmark = pytest.mark.django_db

SCHEMA = [
    FieldSpec("user_id", "bigint", required=True, primary_key=True),
    FieldSpec("email", "string", is_pii=True),
    FieldSpec("revenue", "decimal(12,2)"),
    FieldSpec("active", "boolean"),
    FieldSpec("signed_up", "date"),
    FieldSpec("tier", "string", classification="restricted"),
    FieldSpec("region", "varchar(10)", classification="confidential"),
    FieldSpec("country", "string", classification="internal"),
    FieldSpec("last_seen", "timestamp"),
]
COLUMNS = [field.name for field in SCHEMA]

CSV = (
    "user_id,email,revenue,active,signed_up,tier,region,country,last_seen\n"
    "1,ada@example.com,12.50,true,2026-11-30,gold,emea,DE,2026-12-01T10:00:00Z\n"
    "2,bob@example.com,0,no,2026-01-05,silver,amer,US,\n"
)
ROWS = [
    [1, "ada@example.com", 12.5, True, "2026-11-30", "gold", "emea", "DE", "2026-12-01T10:00:00Z"],
    [2, "bob@example.com", 0.0, False, "2026-01-05", "silver", "amer", "US", None],
]


def sample_port(mesh: Mesh, fields=SCHEMA) -> OutputPort:
    """The mesh product's "daily" port, with the schema given."""
    (daily,) = catalog_services.set_output_ports(
        mesh.product,
        ports=[PortSpec("daily", location="bigquery://demo/secret.table", fields=list(fields))],
        confirm_breaking=True,
    )
    return daily


def upload(port: OutputPort, content: str | bytes, *, by, filename: str = "sample.csv", **kwargs) -> Sample:
    return slo_services.upload_sample(
        port, by=by, content=content.encode() if isinstance(content, str) else content, filename=filename, **kwargs
    )


def refused(port: OutputPort, content: str | bytes, *, by=None, filename: str = "sample.csv", **kwargs) -> catalog_services.CatalogError:
    """The error an upload is refused with; nothing is stored."""
    before = Sample.objects.filter(port=port).values_list("rows", flat=True).first()
    with pytest.raises(catalog_services.CatalogError) as error:
        upload(port, content, by=by or port.product.product_owner, filename=filename, **kwargs)
    assert error.value.field == "file"
    assert Sample.objects.filter(port=port).values_list("rows", flat=True).first() == before
    return error.value


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # no cached permissions or steward flag


# --- uploading -------------------------------------------------------------------------------


def test_csv_upload_is_stored_with_values_typed_by_the_schema():
    mesh = Mesh()
    daily = sample_port(mesh)

    sample = upload(daily, CSV, by=mesh.developer, filename="users.csv")

    sample.refresh_from_db()
    assert sample.columns == COLUMNS
    assert sample.rows == ROWS
    assert (sample.source_name, sample.uploaded_by) == ("users.csv", mesh.developer)


def test_csv_columns_may_come_in_any_order_and_are_stored_in_schema_order():
    mesh = Mesh()
    daily = sample_port(mesh)

    sample = upload(daily, "active,user_id,revenue\nYES,7,-3.25\n0,8,1e3\n", by=mesh.owner)

    assert sample.columns == ["user_id", "revenue", "active"]
    assert sample.rows == [[7, -3.25, True], [8, 1000.0, False]]


def test_json_upload_is_stored_with_values_typed_by_the_schema():
    mesh = Mesh()
    daily = sample_port(mesh)
    rows = [dict(zip(COLUMNS, values)) for values in ROWS]
    rows[1]["revenue"] = 0  # a whole number in a decimal column stays whole

    sample = upload(daily, json.dumps(rows), by=mesh.owner, filename="users.json")

    sample.refresh_from_db()
    assert sample.columns == COLUMNS
    assert sample.rows == [ROWS[0], [*ROWS[1][:2], 0, *ROWS[1][3:]]]
    assert isinstance(sample.rows[0][0], int) and isinstance(sample.rows[0][2], float) and sample.rows[0][3] is True


def test_json_upload_may_wrap_its_rows():
    mesh = Mesh()
    daily = sample_port(mesh)

    sample = upload(daily, json.dumps({"rows": [{"user_id": 1, "active": False}, {"user_id": 2.0}]}), by=mesh.owner, filename="")

    assert sample.columns == ["user_id", "active"]
    assert sample.rows == [[1, False], [2, None]]


@pytest.mark.parametrize(
    "content, filename, format, rows",
    [
        ('[{"user_id": 1}]', "", "", [[1]]),
        ('  {"rows": [{"user_id": 1}]}', "", "", [[1]]),
        ("user_id\n1\n", "", "", [[1]]),
        ('[{"user_id": 1}]', "SAMPLE.JSON", "", [[1]]),
        ("user_id\n1\n", "upload.txt", "csv", [[1]]),
        ('[{"user_id": 1}]', "sample.csv", "JSON", [[1]]),
    ],
)
def test_format_follows_the_given_format_then_the_file_name_then_the_content(content, filename, format, rows):
    mesh = Mesh()
    daily = sample_port(mesh)

    assert upload(daily, content, by=mesh.owner, filename=filename, format=format).rows == rows


def test_utf8_with_a_byte_order_mark_is_read():
    mesh = Mesh()
    daily = sample_port(mesh)

    sample = upload(daily, "\ufeffuser_id,email\n1,zoë@example.com\n".encode(), by=mesh.owner)

    assert (sample.columns, sample.rows) == (["user_id", "email"], [[1, "zoë@example.com"]])


def test_uploading_again_replaces_the_sample():
    mesh = Mesh()
    daily = sample_port(mesh)
    upload(daily, CSV, by=mesh.owner)

    upload(daily, "user_id,country\n9,FR\n", by=mesh.developer, filename="second.csv")

    sample = Sample.objects.get()
    assert (sample.columns, sample.rows, sample.source_name, sample.uploaded_by) == (
        ["user_id", "country"],
        [[9, "FR"]],
        "second.csv",
        mesh.developer,
    )


def test_a_refused_upload_keeps_the_sample_before():
    mesh = Mesh()
    daily = sample_port(mesh)
    upload(daily, CSV, by=mesh.owner)

    refused(daily, "user_id\nabc\n")

    assert Sample.objects.get().rows == ROWS


def test_empty_optional_cells_are_stored_as_null():
    mesh = Mesh()
    daily = sample_port(mesh)

    sample = upload(daily, "user_id,revenue,active,signed_up,email\n1,,,,\n", by=mesh.owner)

    assert sample.rows == [[1, None, None, None, None]]


@pytest.mark.parametrize("data_type", ["array<string>", "struct<a:int>", "map<string,int>", "json", "bytes"])
def test_values_of_types_a_sample_does_not_check_are_kept_as_given(data_type):
    mesh = Mesh()
    daily = sample_port(mesh, [FieldSpec("id", "int"), FieldSpec("payload", data_type)])

    sample = upload(daily, json.dumps([{"id": 1, "payload": {"a": [1, 2]}}]), by=mesh.owner, filename="x.json")

    assert sample.rows == [[1, {"a": [1, 2]}]]


def test_json_numbers_and_booleans_in_a_text_column_are_stored_as_text():
    mesh = Mesh()
    daily = sample_port(mesh)

    sample = upload(daily, json.dumps([{"user_id": 1, "email": 5, "tier": True, "country": 1.5}]), by=mesh.owner, filename="x.json")

    assert sample.rows == [[1, "5", "true", "1.5"]]


# --- refused uploads ---------------------------------------------------------------------------


def test_unknown_column_in_the_csv_header_is_refused():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id,colour,size\n1,red,3\n")

    assert error.details == ["Header: 'colour', 'size' are not in the port's schema."]


def test_unknown_column_in_a_json_row_is_refused_naming_the_row():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, json.dumps([{"user_id": 1}, {"user_id": 2, "colour": "red"}]), filename="sample.json")

    assert error.details == ["Row 2: column 'colour' is not in the port's schema."]


def test_type_mismatch_is_refused_naming_row_and_column():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(
        daily,
        "user_id,revenue,active,signed_up,last_seen\n1,1.5,true,2026-11-30,2026-12-01T10:00:00Z\nabc,lots,maybe,30/11/2026,noon\n3,2,1,2026-02-30,2026-12-01\n",
    )

    assert error.details == [
        "Row 2: column 'user_id' expects a whole number (bigint), not 'abc'.",
        "Row 2: column 'revenue' expects a number (decimal(12,2)), not 'lots'.",
        "Row 2: column 'active' expects true or false (boolean), not 'maybe'.",
        "Row 2: column 'signed_up' expects a date (date), not '30/11/2026'.",
        "Row 2: column 'last_seen' expects a date and time (timestamp), not 'noon'.",
        "Row 3: column 'signed_up' expects a date (date), not '2026-02-30'.",
    ]
    assert str(error) == "The sample does not match the port's schema (6 problems)."


@pytest.mark.parametrize(
    "column, value",
    [
        ("user_id", "1.5"),
        ("user_id", True),
        ("user_id", "7"),
        ("revenue", "12.5"),
        ("revenue", False),
        ("active", "true"),
        ("active", 1),
        ("signed_up", 20261130),
        ("email", {"a": 1}),
        ("email", ["a"]),
    ],
)
def test_json_values_must_have_the_columns_type(column, value):
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(
        daily, json.dumps([{"user_id": 1, column: value}] if column != "user_id" else [{column: value}]), filename="sample.json"
    )

    assert len(error.details) == 1
    assert error.details[0].startswith(f"Row 1: column {column!r} expects ")


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_numbers_must_be_finite(value):
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, f"user_id,revenue\n1,{value}\n")

    assert error.details == [f"Row 1: column 'revenue' expects a number (decimal(12,2)), not {value!r}."]


def test_empty_required_column_is_refused_naming_the_row():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id,email\n1,a@example.com\n,b@example.com\n")

    assert error.details == ["Row 2: column 'user_id' is required."]


def test_required_column_missing_from_a_json_row_is_refused():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, json.dumps([{"user_id": 1}, {"email": "b@example.com"}, {"user_id": None}]), filename="sample.json")

    assert error.details == ["Row 2: column 'user_id' is required.", "Row 3: column 'user_id' is required."]


def test_required_column_missing_from_the_whole_upload_is_refused():
    # A JSON row without user_id is refused (above); leaving it out of every row must be too.
    mesh = Mesh()
    daily = sample_port(mesh)

    refused(daily, "email,country\na@example.com,DE\n")
    refused(daily, json.dumps([{"email": "a@example.com"}]), filename="sample.json")


def test_required_columns_missing_from_the_whole_upload_are_named_once():
    mesh = Mesh()
    one_required = sample_port(mesh)

    error = refused(one_required, "email\na@example.com\n")

    assert error.details == ["Every row: required column 'user_id' is missing."]
    assert str(error) == "The sample does not match the port's schema (1 problem)."
    two_required = sample_port(mesh, [FieldSpec("user_id", "bigint", required=True), FieldSpec("email", "string", required=True)])
    assert refused(two_required, json.dumps([{}]), filename="sample.json").details == [
        "Every row: required columns 'user_id', 'email' are missing."
    ]


def test_a_long_mistyped_value_is_shown_cut_to_40_characters():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id\n" + "9" * 39 + "x" * 11 + "\n")

    assert error.details == [f"Row 1: column 'user_id' expects a whole number (bigint), not {'9' * 39 + 'x…'!r}."]


def test_row_with_more_values_than_the_header_is_refused():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id,email\n1,a@example.com\n2,b@example.com,extra\n")

    assert error.details == ["Row 2: more values than the header has columns."]


def test_problems_are_listed_up_to_25_and_then_counted():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id\n" + "x\n" * 30)

    assert len(error.details) == 26
    assert error.details[0] == "Row 1: column 'user_id' expects a whole number (bigint), not 'x'."
    assert error.details[-1] == "…and 5 more problems."


def test_too_many_rows_are_refused(settings):
    settings.SAMPLE_MAX_ROWS = 3
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id\n1\n2\n3\n4\n")

    assert error.details == ["A sample may have at most 3 rows; this one has 4."]
    assert upload(daily, "user_id\n1\n2\n3\n", by=mesh.owner).rows == [[1], [2], [3]]


def test_too_many_bytes_are_refused(settings):
    mesh = Mesh()
    daily = sample_port(mesh)
    content = "user_id\n" + "1\n" * 46  # 100 bytes
    settings.SAMPLE_MAX_BYTES = 99

    error = refused(daily, content)

    assert error.details == ["A sample may be at most 99 bytes; this one has 100."]
    settings.SAMPLE_MAX_BYTES = 100
    assert len(upload(daily, content, by=mesh.owner).rows) == 46


def test_file_that_is_not_utf8_is_refused():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id,email\n1,zoë@example.com\n".encode("latin-1"))

    assert error.details == ["The file is not UTF-8 text."]


def test_malformed_json_is_refused_saying_where():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, '[{"user_id": 1},\n {"user_id": 2,}]', filename="sample.json")

    assert error.details == ["The JSON cannot be read: Expecting property name enclosed in double quotes (line 2, column 16)."]


@pytest.mark.parametrize(
    "content, message",
    [
        ('[{"user_id": 1, "revenue": NaN}]', "The JSON cannot be read: NaN is not a JSON number."),
        ("[" * 40 + "]" * 40, "The JSON cannot be read: JSON nested deeper than 32 levels is refused."),
    ],
)
def test_json_with_nan_or_nested_too_deep_is_refused(content, message):
    mesh = Mesh()
    daily = sample_port(mesh)

    assert refused(daily, content, filename="sample.json").details == [message]


def test_csv_the_csv_module_cannot_read_is_refused():
    mesh = Mesh()
    daily = sample_port(mesh)

    error = refused(daily, "user_id,email\n1," + "a" * 140_000 + "\n")

    assert error.details == ["The CSV cannot be read: field larger than field limit (131072)."]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"user_id": 1}', 'JSON samples are a list of objects, one per row (or {"rows": [...]}).'),
        ('"rows"', 'JSON samples are a list of objects, one per row (or {"rows": [...]}).'),
        ('[{"user_id": 1}, [2]]', "Row 2: each row is an object of column names and values."),
        ("[]", "The sample has no rows."),
    ],
)
def test_json_that_is_not_a_list_of_rows_is_refused(content, message):
    mesh = Mesh()
    daily = sample_port(mesh)

    assert refused(daily, content, filename="sample.json").details == [message]


@pytest.mark.parametrize(
    "content, message", [("", "The CSV needs a header row naming the columns."), ("user_id\n", "The sample has no rows.")]
)
def test_csv_without_header_or_rows_is_refused(content, message):
    mesh = Mesh()
    daily = sample_port(mesh)

    assert refused(daily, content).details == [message]


def test_format_other_than_csv_or_json_is_refused():
    mesh = Mesh()
    daily = sample_port(mesh)

    assert refused(daily, "user_id\n1\n", format="xlsx").details == ["Samples are CSV or JSON, not xlsx."]


def test_port_without_a_schema_takes_no_sample():
    mesh = Mesh()
    daily = sample_port(mesh, fields=[])

    error = refused(daily, "user_id\n1\n")

    assert error.details == ["Declare the port's schema before uploading a sample: rows are checked against it."]


# --- who may upload and delete ------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "developer", "admin"])
def test_owning_team_members_and_admins_may_upload_samples(who):
    mesh = Mesh()
    daily = sample_port(mesh)

    upload(daily, CSV, by=getattr(mesh, who))

    assert Sample.objects.get().uploaded_by == getattr(mesh, who)


@pytest.mark.parametrize("who", ["other_owner", "steward", "requester", "consumer"])
def test_other_users_cannot_upload_samples(who):
    mesh = Mesh()
    daily = sample_port(mesh)
    live_grant(mesh)

    with pytest.raises(catalog_services.NotTeamMember):
        upload(daily, CSV, by=fresh(getattr(mesh, who)))

    assert Sample.objects.count() == 0


def test_anonymous_user_cannot_upload_samples():
    mesh = Mesh()
    daily = sample_port(mesh)

    with pytest.raises(catalog_services.NotTeamMember):
        upload(daily, CSV, by=AnonymousUser())


@pytest.mark.parametrize("who", ["developer", "admin"])
def test_owning_team_members_and_admins_may_delete_a_sample(who):
    mesh = Mesh()
    daily = sample_port(mesh)
    upload(daily, CSV, by=mesh.owner)

    slo_services.delete_sample(daily, by=getattr(mesh, who))

    assert Sample.objects.count() == 0


@pytest.mark.parametrize("who", ["other_owner", "steward", "consumer"])
def test_other_users_cannot_delete_a_sample(who):
    mesh = Mesh()
    daily = sample_port(mesh)
    upload(daily, CSV, by=mesh.owner)

    with pytest.raises(catalog_services.NotTeamMember):
        slo_services.delete_sample(daily, by=getattr(mesh, who))

    assert Sample.objects.count() == 1


def test_removing_the_port_removes_its_sample():
    mesh = Mesh()
    daily = sample_port(mesh)
    upload(daily, CSV, by=mesh.owner)

    catalog_services.set_output_ports(mesh.product, ports=[], confirm_breaking=True)

    assert Sample.objects.count() == 0


# --- types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data_type, family",
    [
        ("bigint", "integer"),
        ("INT64", "integer"),
        ("integer", "integer"),
        ("smallint", "integer"),
        ("uint8", "integer"),
        ("long", "integer"),
        ("decimal(12,2)", "number"),
        ("numeric", "number"),
        ("double precision", "number"),
        ("float64", "number"),
        ("real", "number"),
        ("boolean", "boolean"),
        ("bool", "boolean"),
        ("timestamp", "timestamp"),
        ("timestamptz", "timestamp"),
        ("timestamp_ntz", "timestamp"),
        ("datetime", "timestamp"),
        ("date", "date"),
        (" Date ", "date"),
        ("string", "string"),
        ("varchar(20)", "string"),
        ("text", "string"),
        ("uuid", "string"),
        ("enum('a','b')", "string"),
        ("array<string>", None),
        ("struct<a:int>", None),
        ("json", None),
        ("interval", None),
        ("binary", None),
        ("", None),
    ],
)
def test_schema_types_fall_into_value_families(data_type, family):
    assert samples.type_family(data_type) == family


# --- masking -----------------------------------------------------------------------------


def stored_sample(mesh: Mesh) -> tuple[OutputPort, Sample]:
    daily = sample_port(mesh)
    return daily, upload(daily, CSV, by=mesh.owner)


def test_sensitive_columns_are_masked_when_values_are_not_revealed():
    mesh = Mesh()
    daily, sample = stored_sample(mesh)

    table = samples.sample_table(sample, daily.fields.all(), reveal=False)

    masked = {"email", "tier", "region"}  # personal data, restricted, confidential
    assert [column.name for column in table.columns] == COLUMNS
    assert [column.data_type for column in table.columns] == [field.data_type for field in SCHEMA]
    assert {column.name for column in table.columns if column.masked} == masked
    assert {column.name for column in table.columns if column.sensitive} == masked
    assert table.masked_count == 3
    assert table.revealed is False
    assert table.rows == [
        [1, "•••", 12.5, True, "2026-11-30", "•••", "•••", "DE", "2026-12-01T10:00:00Z"],
        [2, "•••", 0.0, False, "2026-01-05", "•••", "•••", "US", None],
    ]


def test_sensitive_columns_show_real_values_when_revealed():
    mesh = Mesh()
    daily, sample = stored_sample(mesh)

    table = samples.sample_table(sample, daily.fields.all(), reveal=True)

    assert table.rows == ROWS
    assert table.masked_count == 0
    assert {column.name for column in table.columns if column.sensitive} == {"email", "tier", "region"}
    assert table.revealed is True


def test_empty_cells_of_a_sensitive_column_are_masked_too():
    mesh = Mesh()
    daily = sample_port(mesh)
    sample = upload(daily, "user_id,email\n1,\n", by=mesh.owner)

    assert samples.sample_table(sample, daily.fields.all(), reveal=False).rows == [[1, "•••"]]


def test_column_no_longer_in_the_schema_is_masked():
    mesh = Mesh()
    daily, sample = stored_sample(mesh)
    catalog_services.set_output_ports(
        mesh.product,
        ports=[PortSpec("daily", location="bigquery://demo/secret.table", fields=[f for f in SCHEMA if f.name != "country"])],
        confirm_breaking=True,
    )

    table = samples.sample_table(Sample.objects.get(), daily.fields.all(), reveal=False)

    country = next(column for column in table.columns if column.name == "country")
    assert (country.sensitive, country.masked, country.data_type) == (True, True, "")
    assert [row[COLUMNS.index("country")] for row in table.rows] == ["•••", "•••"]


def test_column_classified_after_the_upload_is_masked_from_then_on():
    mesh = Mesh()
    daily, sample = stored_sample(mesh)
    daily.fields.filter(name="country").update(is_pii=True)

    table = samples.sample_table(sample, daily.fields.all(), reveal=False)

    assert [row[COLUMNS.index("country")] for row in table.rows] == ["•••", "•••"]


# --- who sees real values ----------------------------------------------------------------


def test_anonymous_user_does_not_see_real_values():
    mesh = Mesh()

    assert access_queries.sees_real_values(AnonymousUser(), mesh.product) is False


@pytest.mark.parametrize(
    "who, sees",
    [
        ("owner", True),
        ("developer", True),
        ("steward", True),
        ("admin", True),
        ("consumer", False),
        ("other_owner", False),
        ("requester", False),
    ],
)
def test_who_sees_real_values(who, sees):
    mesh = Mesh(contains_pii=True)

    assert access_queries.sees_real_values(fresh(getattr(mesh, who)), mesh.product) is sees


def test_consumer_with_a_pending_request_does_not_see_real_values():
    mesh = Mesh()
    submit(mesh)

    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product) is False


@pytest.mark.parametrize("classification, contains_pii", [("internal", False), ("restricted", True)])
def test_grantee_sees_real_values(classification, contains_pii):
    mesh = Mesh(classification=classification, contains_pii=contains_pii)
    live_grant(mesh)

    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product) is True
    assert access_queries.sees_real_values(fresh(mesh.consumer), mesh.product) is False


def test_grantee_no_longer_sees_real_values_once_the_grant_is_revoked():
    mesh = Mesh()
    grant = live_grant(mesh)

    access_services.revoke_grant(grant, by=mesh.owner, reason="Project ended")

    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product) is False


def test_grantee_no_longer_sees_real_values_once_the_grant_has_ended():
    mesh = Mesh()
    grant = live_grant(mesh)
    Grant.objects.filter(pk=grant.pk).update(starts_at=timezone.now() - timedelta(days=30), ends_at=timezone.now() - timedelta(seconds=1))

    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product) is False


def test_grant_on_another_product_does_not_reveal_this_ones_values():
    mesh, other = Mesh(), Mesh()
    live_grant(other, user=mesh.requester)

    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product) is False
    assert access_queries.sees_real_values(fresh(mesh.requester), other.product) is True


def test_a_read_masked_grant_keeps_sensitive_values_masked():
    mesh = Mesh(contains_pii=True)
    daily, _ = stored_sample(mesh)
    live_grant(mesh, access="read-masked")

    shown = slo_queries.visible_samples(fresh(mesh.requester), mesh.product)

    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product) is False
    assert shown[daily.pk].revealed is False
    assert "ada@example.com" not in repr(shown)


def test_a_grant_on_one_port_reveals_that_ports_values_only():
    mesh = Mesh()
    daily, weekly = catalog_services.set_output_ports(
        mesh.product,
        ports=[PortSpec("daily", fields=list(SCHEMA)), PortSpec("weekly", fields=list(SCHEMA))],
        confirm_breaking=True,
    )
    upload(daily, CSV, by=mesh.owner)
    upload(weekly, CSV, by=mesh.owner)
    live_grant(mesh, port=weekly)

    shown = slo_queries.visible_samples(fresh(mesh.requester), mesh.product)

    assert shown[weekly.pk].rows == ROWS
    assert shown[daily.pk].revealed is False
    assert "ada@example.com" not in repr(shown[daily.pk])
    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product, weekly) is True
    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product, daily) is False
    assert access_queries.sees_real_values(fresh(mesh.requester), mesh.product) is False


# --- visible samples --------------------------------------------------------------------


def test_consumer_sees_the_sample_masked_and_the_owner_sees_it_real():
    mesh = Mesh()
    daily, _ = stored_sample(mesh)

    for_consumer = slo_queries.visible_samples(fresh(mesh.consumer), mesh.product)
    for_owner = slo_queries.visible_samples(fresh(mesh.owner), mesh.product)

    assert list(for_consumer) == list(for_owner) == [daily.pk]
    assert for_consumer[daily.pk].revealed is False
    assert for_consumer[daily.pk].masked_count == 3
    assert for_owner[daily.pk].revealed is True
    assert for_owner[daily.pk].rows == ROWS


@pytest.mark.parametrize("who", ["consumer", "other_owner", "requester"])
def test_a_consumer_never_gets_a_real_value_of_a_personal_column(who):
    mesh = Mesh()
    daily, _ = stored_sample(mesh)
    assert "ada@example.com" in repr(slo_queries.visible_samples(fresh(mesh.owner), mesh.product))

    shown = repr(slo_queries.visible_samples(fresh(getattr(mesh, who)), mesh.product))

    for secret in ("ada@example.com", "bob@example.com", "gold", "emea", "amer", "silver"):
        assert secret not in shown


def test_anonymous_user_gets_masked_samples():
    mesh = Mesh()
    daily, _ = stored_sample(mesh)

    shown = slo_queries.visible_samples(AnonymousUser(), mesh.product)

    assert shown[daily.pk].revealed is False
    assert "ada@example.com" not in repr(shown)


def test_grantee_and_steward_see_real_samples():
    mesh = Mesh(contains_pii=True)
    daily, _ = stored_sample(mesh)
    live_grant(mesh)

    assert slo_queries.visible_samples(fresh(mesh.requester), mesh.product)[daily.pk].rows == ROWS
    assert slo_queries.visible_samples(fresh(mesh.steward), mesh.product)[daily.pk].rows == ROWS
    assert slo_queries.visible_samples(fresh(mesh.admin), mesh.product)[daily.pk].rows == ROWS


def test_product_without_samples_shows_none():
    mesh = Mesh()
    sample_port(mesh)

    assert slo_queries.visible_samples(fresh(mesh.owner), mesh.product) == {}


def test_only_ports_with_a_sample_are_listed():
    mesh = Mesh()
    daily, weekly = catalog_services.set_output_ports(
        mesh.product,
        ports=[PortSpec("daily", fields=list(SCHEMA)), PortSpec("weekly", fields=list(SCHEMA))],
        confirm_breaking=True,
    )
    upload(weekly, CSV, by=mesh.owner)

    shown = slo_queries.visible_samples(fresh(mesh.consumer), mesh.product)

    assert list(shown) == [weekly.pk]
    assert daily.pk not in shown
