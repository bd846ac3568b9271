"""The catalog: domains, teams, data products, their output ports and schemas.

State changes (creating a product, changing its status or owning team) go
through catalog.services, which also keeps the django-guardian object
permissions in step. Reads that depend on who asks live in catalog.queries.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Lower
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, digits and single hyphens, e.g. play-events-daily.",
)


class Team(models.Model):
    """A team that owns domains and data products. Its members are mirrored in
    `group`, the django.contrib.auth group that object permissions are given to."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True, validators=[slug_validator])
    description = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team", editable=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.group_id is None:
            self.group, _ = Group.objects.get_or_create(name=f"team:{self.slug}")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:team", args=[self.slug])


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        DEVELOPER = "developer", "Developer"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.DEVELOPER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="unique_team_member"),
            models.CheckConstraint(condition=Q(role__in=["owner", "developer"]), name="team_role_valid"),
        ]
        ordering = ["team", "role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()} of {self.team})"


class Domain(models.Model):
    """A business domain of the mesh (Listener, Playlists, Finance, ...)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True, validators=[slug_validator])
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="domains")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:domain", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SLOStatus(models.TextChoices):
    """Whether a service level objective (or a product, by its worst objective) keeps its promise."""

    MEETING = "meeting", "Meeting"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    NO_DATA = "no_data", "No data"


class DataProductQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=DataProduct.Status.PUBLISHED)

    def listed(self):
        """Products anyone signed in may see: everything but drafts."""
        return self.exclude(status=DataProduct.Status.DRAFT)

    def with_card_data(self):
        """What a product card or list row shows, in a constant number of queries."""
        return self.select_related("domain", "owner_team", "product_owner").prefetch_related("tags")


class DataProduct(models.Model):
    """A data product. Create and change it through catalog.services
    (create_product, update_product, change_status): they validate status
    transitions and keep the owning team's object permissions in step."""

    class Kind(models.TextChoices):
        SOURCE_ALIGNED = "source-aligned", "Source-aligned"
        AGGREGATE = "aggregate", "Aggregate"
        CONSUMER_ALIGNED = "consumer-aligned", "Consumer-aligned"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        DEPRECATED = "deprecated", "Deprecated"
        RETIRED = "retired", "Retired"

    class Classification(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        CONFIDENTIAL = "confidential", "Confidential"
        RESTRICTED = "restricted", "Restricted"

    # The lifecycle: which status may follow which. Anything else is refused.
    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED, Status.RETIRED},
        Status.PUBLISHED: {Status.DEPRECATED},
        Status.DEPRECATED: {Status.PUBLISHED, Status.RETIRED},
        Status.RETIRED: set(),
    }

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        validators=[slug_validator],
        # Unique in the whole catalog (so also per domain): the API and URLs name a product by slug alone.
        help_text="Part of the product's address and URLs; unique in the catalog, cannot change later.",
    )
    name = models.CharField(max_length=120)
    summary = models.CharField(max_length=280, help_text="One or two sentences shown on cards and in search results.")
    description = models.TextField(blank=True, help_text="Markdown. Scripts and unsafe links are removed.")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="products")
    product_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_products"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SOURCE_ALIGNED)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.CharField(max_length=30, default="1.0.0")
    classification = models.CharField(max_length=20, choices=Classification.choices, default=Classification.INTERNAL)
    contains_pii = models.BooleanField("contains personal data", default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    terms_of_use = models.TextField(blank=True)
    documentation_url = models.URLField("documentation link", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # People using the product (approved requests; live grants once they exist).
    # Kept by catalog.services.refresh_consumer_counts; ranks "most used".
    consumer_count = models.PositiveIntegerField(default=0, editable=False)
    # The worst status of the product's SLOs, stored by catalog.services.refresh_slo_statuses
    # so that lists, cards and search facets never recompute a window (catalog/slo.py).
    slo_status = models.CharField(
        "SLO status", max_length=20, choices=SLOStatus.choices, default=SLOStatus.NO_DATA, editable=False, db_index=True
    )

    objects = DataProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("access_dataproduct", "Can use the data product (a live grant)")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "deprecated", "retired"]), name="product_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=["source-aligned", "aggregate", "consumer-aligned"]), name="product_kind_valid"),
            models.CheckConstraint(
                condition=Q(classification__in=["public", "internal", "confidential", "restricted"]),
                name="product_classification_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name"]),
            models.Index(fields=["domain", "status"]),
            models.Index(fields=["owner_team", "status"]),
            models.Index(fields=["classification", "status"]),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["name"]),
            models.Index(fields=["-created_at"]),
            models.Index(fields=["-updated_at"]),
            models.Index(fields=["-consumer_count", "name"]),
            # Search's first ranking tier walks names shortest first and stops at a page.
            models.Index(Length("name"), F("consumer_count").desc(), F("name"), F("id"), name="product_name_rank"),
            models.Index(Lower("name"), name="product_name_lower"),
            # Facet counts of broad matches walk this instead of the product rows (catalog/search/sqlite.py).
            models.Index(fields=["domain", "owner_team", "status", "kind", "classification", "slo_status"], name="product_facets"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"urn:dataproduct:{self.domain.slug}:{self.slug}"

    @property
    def is_sensitive(self) -> bool:
        return self.contains_pii or self.classification in (self.Classification.CONFIDENTIAL, self.Classification.RESTRICTED)

    def allowed_next_statuses(self) -> list[str]:
        return [status for status in self.Status.values if status in self.TRANSITIONS[self.status]]

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", args=[self.slug])


# Direct foreign keys for guardian's object permissions: joins instead of
# string comparisons on object_pk, which matters at 100 000 products.
class DataProductUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(DataProduct, on_delete=models.CASCADE)


class DataProductGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DataProduct, on_delete=models.CASCADE)


class OutputPort(models.Model):
    """How a data product is consumed. Its location is shown only to people who may use the product."""

    class PortType(models.TextChoices):
        TABLE = "table", "Table"
        FILES = "files", "Files"
        STREAM = "stream", "Stream"
        API = "api", "API"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="output_ports")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    port_type = models.CharField("type", max_length=20, choices=PortType.choices, default=PortType.TABLE)
    format = models.CharField(max_length=60, blank=True, help_text="e.g. Parquet, Avro, Delta, JSON")
    location = models.CharField(max_length=500, blank=True, help_text="Server and path, e.g. bigquery://project/dataset.table")
    version = models.CharField(max_length=30, default="1.0.0")

    class Meta:
        ordering = ["product", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="unique_port_name_per_product"),
            models.CheckConstraint(condition=Q(port_type__in=["table", "files", "stream", "api"]), name="port_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.product} / {self.name}"


class SchemaField(models.Model):
    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120)
    data_type = models.CharField("type", max_length=60, help_text="e.g. string, bigint, timestamp, decimal(12,2)")
    description = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    primary_key = models.BooleanField(default=False)
    classification = models.CharField(max_length=20, choices=DataProduct.Classification.choices, blank=True)
    is_pii = models.BooleanField("personal data", default=False)

    class Meta:
        ordering = ["port", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["port", "name"], name="unique_field_name_per_port")]

    def __str__(self) -> str:
        return f"{self.port} . {self.name}"


class SearchIndexState(models.Model):
    """One row: a counter bumped by every write to the search index, so that
    cached facet counts of an older index are never served (catalog/search)."""

    generation = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "search index state"


# --- lineage -------------------------------------------------------------------


class LineageNodeQuerySet(models.QuerySet):
    def external(self):
        return self.filter(port=None)


class LineageNode(models.Model):
    """A dataset in the lineage graph, named as OpenLineage names it
    (`namespace` + `name`). A node with a `port` is that output port's
    dataset (see catalog.openlineage.dataset_identity for how a port's
    location maps to its identity); one without is an external dataset,
    e.g. a table of an operational database. Written by catalog.services only."""

    namespace = models.CharField(max_length=500)
    name = models.CharField(max_length=1000)
    port = models.OneToOneField(OutputPort, on_delete=models.SET_NULL, null=True, blank=True, related_name="lineage_node")
    # The last `schema` facet an OpenLineage event reported for this dataset: [{"name", "type", "description"}].
    observed_schema = models.JSONField(default=list, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LineageNodeQuerySet.as_manager()

    class Meta:
        ordering = ["namespace", "name"]
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="unique_lineage_dataset")]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def is_external(self) -> bool:
        return self.port_id is None

    @property
    def label(self) -> str:
        """How people name it: "Product / port", or the external dataset's namespace and name."""
        if self.port_id is not None:
            return f"{self.port.product.name} / {self.port.name}"
        return f"{self.namespace} {self.name}"


class LineageEdge(models.Model):
    """`downstream` reads `upstream`, as declared or observed by one origin.
    The same pair may be recorded by several origins (an owner by hand and a
    pipeline's OpenLineage job); traversal follows the pair once."""

    class Origin(models.TextChoices):
        MANUAL = "manual", "Declared by the owners"
        OPENLINEAGE = "openlineage", "OpenLineage run event"

    upstream = models.ForeignKey(LineageNode, on_delete=models.CASCADE, related_name="downstream_edges")
    downstream = models.ForeignKey(LineageNode, on_delete=models.CASCADE, related_name="upstream_edges")
    origin = models.CharField(max_length=20, choices=Origin.choices)
    # OpenLineage's job and its last run that reported the edge; empty for manual edges.
    job_namespace = models.CharField(max_length=500, blank=True)
    job_name = models.CharField(max_length=1000, blank=True)
    run_id = models.CharField(max_length=64, blank=True)
    # The columnLineage facet restricted to this edge: {output field: [input fields]}.
    column_lineage = models.JSONField(default=dict, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["upstream", "downstream"]
        constraints = [
            models.UniqueConstraint(
                fields=["upstream", "downstream", "origin", "job_namespace", "job_name"], name="unique_lineage_edge_per_origin"
            ),
            models.CheckConstraint(condition=Q(origin__in=["manual", "openlineage"]), name="lineage_origin_valid"),
        ]
        indexes = [models.Index(fields=["downstream", "upstream"])]

    def __str__(self) -> str:
        return f"{self.upstream} → {self.downstream}"


class LineageRun(models.Model):
    """One OpenLineage run event received, kept so that a repeated event
    (same run id and event type) is recognised and changes nothing."""

    run_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=20)
    event_time = models.DateTimeField()
    job_namespace = models.CharField(max_length=500)
    job_name = models.CharField(max_length=1000)
    producer = models.CharField(max_length=500, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    edge_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["run_id", "event_type"], name="unique_lineage_run_event")]

    def __str__(self) -> str:
        return f"{self.job_namespace}/{self.job_name} {self.event_type} ({self.run_id})"


# --- service level objectives and samples ---------------------------------------


class ServiceLevelObjective(models.Model):
    """A promise about a data product (or one of its output ports), e.g.
    "freshness ≤ 6 h, 99.5 % of the time over 28 days". Measurements are
    judged good or bad against the threshold when they arrive; the status
    fields below are stored by catalog.services.refresh_slo_statuses from
    catalog.slo.evaluate. Create and change SLOs through catalog.services."""

    class Indicator(models.TextChoices):
        FRESHNESS = "freshness", "Freshness"
        AVAILABILITY = "availability", "Availability"
        COMPLETENESS = "completeness", "Completeness"
        ERROR_RATE = "error_rate", "Error rate"
        LATENCY = "latency", "Latency"
        CUSTOM = "custom", "Custom"

    class Operator(models.TextChoices):
        AT_MOST = "lte", "≤ (at most)"
        AT_LEAST = "gte", "≥ (at least)"

    class Unit(models.TextChoices):
        MILLISECONDS = "ms", "milliseconds"
        SECONDS = "s", "seconds"
        MINUTES = "min", "minutes"
        HOURS = "h", "hours"
        DAYS = "d", "days"
        PERCENT = "%", "percent"
        COUNT = "count", "count"
        NONE = "", "no unit"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="slos")
    port = models.ForeignKey(
        OutputPort, on_delete=models.CASCADE, null=True, blank=True, related_name="slos",
        help_text="Leave empty for an objective about the whole product.",
    )
    indicator = models.CharField(max_length=20, choices=Indicator.choices)
    name = models.CharField(
        max_length=120, blank=True, help_text="Required for a custom indicator, e.g. \"duplicate rate\"; optional otherwise."
    )
    description = models.TextField(blank=True)
    operator = models.CharField(
        max_length=3, choices=Operator.choices, help_text="Whether a good measurement is at most or at least the threshold."
    )
    threshold = models.FloatField(help_text="e.g. 6 for freshness ≤ 6 h.")
    unit = models.CharField(max_length=5, choices=Unit.choices, blank=True)
    target = models.FloatField(
        "target attainment (%)", help_text="Share of measurements in the window that must be good, e.g. 99.5."
    )
    window_days = models.PositiveIntegerField("window (days)", default=28, help_text="Rolling window the target applies to, 1 to 365 days.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Stored by catalog.services.refresh_slo_statuses.
    status = models.CharField(max_length=20, choices=SLOStatus.choices, default=SLOStatus.NO_DATA, editable=False)
    attainment = models.FloatField(null=True, blank=True, editable=False, help_text="Good measurements in the window, in %.")
    budget_remaining = models.FloatField(null=True, blank=True, editable=False, help_text="Error budget left, in % of the budget.")
    good_count = models.PositiveIntegerField(default=0, editable=False)
    total_count = models.PositiveIntegerField(default=0, editable=False)
    status_computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "service level objective"
        ordering = ["product", "indicator", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator__in=["freshness", "availability", "completeness", "error_rate", "latency", "custom"]),
                name="slo_indicator_valid",
            ),
            models.CheckConstraint(condition=Q(operator__in=["lte", "gte"]), name="slo_operator_valid"),
            models.CheckConstraint(condition=Q(target__gt=0, target__lte=100), name="slo_target_valid"),
            models.CheckConstraint(condition=Q(window_days__gte=1, window_days__lte=365), name="slo_window_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.label}"

    @property
    def label(self) -> str:
        return self.name or self.get_indicator_display()

    @property
    def objective(self) -> str:
        """The promise in words: "≤ 6 h, 99.5 % over 28 days"."""
        sign = "≤" if self.operator == self.Operator.AT_MOST else "≥"
        unit = f" {self.unit}" if self.unit else ""
        return f"{sign} {self.threshold:g}{unit}, {self.target:g} % over {self.window_days} days"


class SLOMeasurement(models.Model):
    """One observation of an SLO's indicator, pushed by a pipeline. `good`
    is its judgement against the threshold when it arrived."""

    slo = models.ForeignKey(ServiceLevelObjective, on_delete=models.CASCADE, related_name="measurements")
    measured_at = models.DateTimeField()
    value = models.FloatField(help_text="In the SLO's unit.")
    good = models.BooleanField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "SLO measurement"
        ordering = ["slo", "-measured_at"]
        constraints = [models.UniqueConstraint(fields=["slo", "measured_at"], name="unique_slo_measurement_time")]

    def __str__(self) -> str:
        return f"{self.slo} at {self.measured_at:%Y-%m-%d %H:%M}: {self.value:g} ({'good' if self.good else 'bad'})"


class Sample(models.Model):
    """Example rows of an output port, uploaded by its owners and validated
    against the port's schema. Shown through catalog.samples.sample_table,
    which masks sensitive columns for people without access: read rows only there."""

    port = models.OneToOneField(OutputPort, on_delete=models.CASCADE, related_name="sample")
    columns = models.JSONField(default=list, help_text="Column names, in order.")
    rows = models.JSONField(default=list, help_text="Rows as lists of values, in column order.")
    source_name = models.CharField(max_length=200, blank=True, help_text="The uploaded file's name.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["port"]

    def __str__(self) -> str:
        return f"Sample of {self.port} ({len(self.rows)} rows)"
