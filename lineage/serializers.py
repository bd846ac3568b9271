from rest_framework import serializers

from core.serializers import StrictStrings

from . import queries
from .models import LineageEdge


class InputSerializer(StrictStrings, serializers.Serializer):
    """A declared input: a data product (`product`, optionally one `port`) or
    an external dataset (`namespace` + `name`)."""

    product = serializers.CharField(max_length=80, required=False, allow_blank=True)
    port = serializers.CharField(max_length=120, required=False, allow_blank=True)
    namespace = serializers.CharField(max_length=500, required=False, allow_blank=True)
    name = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    def to_representation(self, node):
        if node.port_id is not None:
            return {"product": node.port.product.slug, "port": node.port.name}
        return {"namespace": node.namespace, "name": node.name}


class LineageNodeSerializer(serializers.Serializer):
    """A dataset of the graph. A port is named by its product and port only:
    its OpenLineage identity follows its location, which only grantees see."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.SerializerMethodField()
    layer = serializers.IntegerField(help_text="0 for the product's own ports, negative upstream, positive downstream.")
    product = serializers.SerializerMethodField()
    port = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()
    namespace = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    def get_kind(self, node) -> str:
        return "external" if node.port_id is None else "port"

    def get_product(self, node) -> str | None:
        return node.port.product.slug if node.port_id else None

    def get_port(self, node) -> str | None:
        return node.port.name if node.port_id else None

    def get_domain(self, node) -> str | None:
        return node.port.product.domain.slug if node.port_id else None

    def get_namespace(self, node) -> str | None:
        return None if node.port_id else node.namespace

    def get_name(self, node) -> str | None:
        return None if node.port_id else node.name


class LineageOriginSerializer(serializers.Serializer):
    """Who recorded an edge, and when it was last seen."""

    origin = serializers.ChoiceField(choices=LineageEdge.Origin.choices)
    job_namespace = serializers.CharField(help_text="The OpenLineage job's namespace; empty for edges the owners declared.")
    job_name = serializers.CharField()
    run_id = serializers.CharField(help_text="The last run that reported the edge.")
    last_seen = serializers.DateTimeField()
    column_lineage = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Output field → the input fields it is derived from."
    )


class LineageEdgeSerializer(serializers.Serializer):
    upstream = serializers.IntegerField(help_text="The id of the node read.")
    downstream = serializers.IntegerField(help_text="The id of the node that reads it.")
    origins = LineageOriginSerializer(many=True)

    def to_representation(self, pair):
        origins = self.context.get("origins", {}).get(pair, [])
        return {"upstream": pair[0], "downstream": pair[1], "origins": LineageOriginSerializer(origins, many=True).data}


class LineageGraphSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.slug")
    direction = serializers.CharField()
    depth = serializers.IntegerField()
    nodes = LineageNodeSerializer(many=True)
    edges = LineageEdgeSerializer(many=True)


class LineageQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["upstream", "downstream", "both"], default="both")
    depth = serializers.IntegerField(min_value=1, max_value=queries.LINEAGE_MAX_DEPTH, default=3)


class ImpactedProductSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.slug")
    name = serializers.CharField(source="product.name")
    domain = serializers.CharField(source="product.domain.slug")
    owner_team = serializers.CharField(source="product.owner_team.slug")
    distance = serializers.IntegerField()
    owners = serializers.SerializerMethodField(help_text="Usernames of the owning team's owners and the product owner.")
    consumers = serializers.SerializerMethodField(help_text="Usernames of the people holding a live grant on it.")

    def get_owners(self, item) -> list[str]:
        return [user.username for user in item.owners]

    def get_consumers(self, item) -> list[str]:
        return [user.username for user in item.consumers]


class LineageEventResultSerializer(serializers.Serializer):
    runId = serializers.CharField(source="run.run_id")
    eventType = serializers.CharField(source="run.event_type")
    recorded = serializers.BooleanField(help_text="False when this run id and event type had been received before.")
    edges = serializers.IntegerField()
