"""The lineage graph: datasets (an output port's, or external ones), the
edges between them with their origin, and the OpenLineage runs received.
The tables keep the names they had in catalog."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import OutputPort


class LineageNodeQuerySet(models.QuerySet):
    def external(self):
        return self.filter(port=None)


class LineageNode(models.Model):
    """A dataset in the lineage graph, named as OpenLineage names it
    (`namespace` + `name`). A node with a `port` is that output port's
    dataset (see lineage.openlineage.dataset_identity for how a port's
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
        db_table = "catalog_lineagenode"  # its table since it lived in catalog
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
        db_table = "catalog_lineageedge"  # its table since it lived in catalog
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
        db_table = "catalog_lineagerun"  # its table since it lived in catalog
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["run_id", "event_type"], name="unique_lineage_run_event")]

    def __str__(self) -> str:
        return f"{self.job_namespace}/{self.job_name} {self.event_type} ({self.run_id})"
