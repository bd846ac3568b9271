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
from django.utils import timezone
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
    # Kept by access_requests.services.refresh_consumer_counts; ranks "most used".
    consumer_count = models.PositiveIntegerField(default=0, editable=False)
    # The worst status of the product's SLOs, stored by slos.services.refresh_slo_statuses
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
            # Facet counts of broad matches walk this instead of the product rows (search/sqlite.py).
            models.Index(fields=["domain", "owner_team", "status", "kind", "classification", "slo_status"], name="product_facets"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", args=[self.slug])

    @property
    def address(self) -> str:
        return f"urn:dataproduct:{self.domain.slug}:{self.slug}"

    @property
    def is_sensitive(self) -> bool:
        return self.contains_pii or self.classification in (self.Classification.CONFIDENTIAL, self.Classification.RESTRICTED)

    def allowed_next_statuses(self) -> list[str]:
        return [status for status in self.Status.values if status in self.TRANSITIONS[self.status]]


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
    # The order the owner (or the product's document) gives the ports: the page,
    # the API, the exports and DCAT list them in it.
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="unique_port_name_per_product"),
            models.CheckConstraint(condition=Q(port_type__in=["table", "files", "stream", "api"]), name="port_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.product} / {self.name}"


class LogicalType(models.TextChoices):
    """ODCS v3 logicalType: what a field holds, whatever the store calls it (its physical type)."""

    STRING = "string", "string"
    DATE = "date", "date"
    TIMESTAMP = "timestamp", "timestamp"
    TIME = "time", "time"
    NUMBER = "number", "number"
    INTEGER = "integer", "integer"
    OBJECT = "object", "object"
    ARRAY = "array", "array"
    BOOLEAN = "boolean", "boolean"


class SchemaField(models.Model):
    """One field of an output port's schema, possibly nested.

    A field of an object (logical type `object`) has its properties as
    `children`; a field of an array (logical type `array`) has the properties
    of its items as `children` when the items are objects. An array of scalars
    has no children: its physical type says what the items are, e.g.
    `array<string>` (ODCS `items` with that logical type).

    `position` counts through the whole port depth first (a parent, then its
    children, then its next sibling), so a port's fields in position order read
    as the schema tree; names are unique among siblings. Written only by
    catalog.services.set_output_ports."""

    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="fields")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        help_text="The object or array field this one is nested in; empty for a top-level field.",
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120)
    data_type = models.CharField("type", max_length=60, help_text="e.g. string, bigint, timestamp, decimal(12,2)")
    logical_type = models.CharField(
        max_length=20,
        choices=LogicalType.choices,
        blank=True,
        help_text="The ODCS logical type: string, date, timestamp, time, number, integer, object, array or boolean.",
    )
    description = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    primary_key = models.BooleanField(default=False)
    classification = models.CharField(max_length=20, choices=DataProduct.Classification.choices, blank=True)
    is_pii = models.BooleanField("personal data", default=False)

    class Meta:
        ordering = ["port", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["port", "name"], condition=Q(parent=None), name="unique_top_field_name_per_port"),
            models.UniqueConstraint(fields=["parent", "name"], condition=Q(parent__isnull=False), name="unique_field_name_per_parent"),
            models.CheckConstraint(condition=Q(logical_type__in=["", *LogicalType.values]), name="field_logical_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.port} . {self.name}"


class PortVersion(models.Model):
    """One version of an output port's contract: what the port looked like
    after a change (`snapshot`, catalog.schema_changes.snapshot; empty for a
    removed port), what changed since the version before (`changes`: [{text,
    breaking}]), and who changed it when. Written by
    catalog.services.set_output_ports, whatever path the change came by."""

    port = models.ForeignKey(OutputPort, on_delete=models.SET_NULL, null=True, blank=True, related_name="versions")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="port_versions")
    port_name = models.CharField(max_length=120)
    version = models.CharField(max_length=30, help_text="The port's version (semver) after the change.")
    snapshot = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=list, blank=True)
    breaking = models.BooleanField(default=False)
    removed = models.BooleanField(default=False, help_text="The change removed the port.")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["product", "port_name", "-changed_at", "-id"]
        indexes = [models.Index(fields=["product", "port_name", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.product} / {self.port_name} {self.version}"


class Follow(models.Model):
    """A user following a data product: they hear of its contract changes,
    published or scheduled, as its grant holders do. Written only by
    catalog.services.follow_product / unfollow_product, which allow it only on
    a product the user may see. (Issue 18 adds per-kind preferences beside it.)"""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="unique_follow_per_user_and_product")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.product}"


class ScheduledPortChange(models.Model):
    """New output ports for a product that take effect at `effective_at`.
    `ports` holds them as JSON (dataclasses.asdict of catalog.services.PortSpec;
    catalog.services.port_specs_from_json reads them back), `changes` the
    differences consumers were told of when it was scheduled ({port name:
    [{text, breaking}]}, from the ports as they were then).

    State changes go through catalog.services: schedule_output_ports (pending),
    cancel_scheduled_change (cancelled) and apply_due_changes (applied, or
    failed when the ports changed since so that it no longer does what
    consumers were told; `failure` says why)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPLIED = "applied", "Applied"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="scheduled_port_changes")
    ports = models.JSONField(default=list, help_text="The product's output ports after the change (PortSpec dicts).")
    changes = models.JSONField(default=dict, blank=True, help_text="Per port name, the changes consumers were told of.")
    breaking = models.BooleanField(default=False)
    confirm_breaking = models.BooleanField(default=False, help_text="The owner confirmed a breaking change without a major version.")
    product_version_before = models.CharField(
        max_length=30, blank=True, help_text="The product's version before the edit that scheduled it."
    )
    effective_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    failure = models.TextField(blank=True, help_text="Why it could not be applied.")

    class Meta:
        ordering = ["effective_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "applied", "cancelled", "failed"]), name="scheduled_port_change_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_at"]), models.Index(fields=["product", "status"])]

    def __str__(self) -> str:
        return f"{self.product}: ports on {self.effective_at:%Y-%m-%d %H:%M} ({self.status})"
