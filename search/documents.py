"""What is searched for each product, built from the database in a constant
number of queries. Every backend indexes these documents."""

import html
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from catalog.models import DataProduct, OutputPort, SchemaField

from .types import WORD_PART


@dataclass
class ProductDocument:
    product_id: int
    slug: str
    name: str
    summary: str
    description: str  # plain text
    domain: str
    domain_name: str
    owner_team: str
    owner_team_name: str
    tags: list[str]
    ports: str  # port names, types, formats and descriptions: never locations
    fields: str  # schema field names and descriptions
    status: str
    kind: str
    classification: str
    slo_status: str  # catalog.models.SLOStatus: the worst of the product's SLOs
    contains_pii: bool
    created_at: datetime
    popularity: int
    extra_terms: list[str] = field(default_factory=list)

    @property
    def tags_text(self) -> str:
        return " ".join(self.tags)

    def words(self) -> set[str]:
        """Distinct words of the fields people search for, for typo correction
        and the expansion of words typed in part. Identifiers are split at
        underscores (listener_id: listener, id), as the engines' tokenizers
        split them: kept whole, the schema fields' names made 97 % of the
        table at 100 000 products, slowed every look-up and crowded the real
        words out of the candidates for a correction."""
        words: set[str] = set()
        for text in (self.name, self.summary, self.domain_name, self.owner_team_name, self.tags_text, self.ports, self.fields):
            words.update(WORD_PART.findall(text.lower()))
        return {word for word in words if 3 <= len(word) <= 40 and not word.isdigit()}


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]*>")
_MARKUP = re.compile(r"[*_`~#>|]+|^\s*[-+]\s+|^\s*\d+\.\s+|-{3,}", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def plain_text(markdown_text: str) -> str:
    """Markdown as the words a reader sees: link texts kept, markup and tags
    dropped. (Rendering Markdown costs a millisecond per product; this is
    what indexing 100 000 products can afford, and snippets are escaped.)"""
    text = _LINK.sub(r"\1", markdown_text or "")
    text = _MARKUP.sub(" ", _TAG.sub(" ", text))
    return html.unescape(_SPACE.sub(" ", text)).strip()


def documents_for(product_ids: Iterable[int]) -> list[ProductDocument]:
    """The documents of these products, in five queries whatever their number:
    rows as tuples, since building model instances for every schema field
    would dominate a rebuild."""
    product_ids = list(product_ids)
    ports: dict[int, list[str]] = defaultdict(list)
    port_product: dict[int, int] = {}
    # Never the port's location: whoever may search would find, and read in
    # snippets, what only those who may use the port may see. Search looks
    # locations up apart, for those people (search.locations.products_found_by_location).
    for port_id, product_id, name, port_type, port_format, description in (
        OutputPort.objects.filter(product_id__in=product_ids)
        .order_by("name")
        .values_list("pk", "product_id", "name", "port_type", "format", "description")
    ):
        port_product[port_id] = product_id
        ports[product_id].append(" ".join(part for part in (name, port_type, port_format, description) if part))
    fields: dict[int, list[str]] = defaultdict(list)
    for port_id, name, description in (
        SchemaField.objects.filter(port__product_id__in=product_ids)
        .order_by("port_id", "position", "name")
        .values_list("port_id", "name", "description")
    ):
        fields[port_product[port_id]].append(f"{name} {description}".strip())
    tags: dict[int, list[str]] = defaultdict(list)
    for product_id, tag in DataProduct.tags.through.objects.filter(dataproduct_id__in=product_ids).values_list(
        "dataproduct_id", "tag__name"
    ):
        tags[product_id].append(tag)
    rows = (
        DataProduct.objects.filter(pk__in=product_ids)
        .order_by("pk")
        .values_list(
            "pk",
            "slug",
            "name",
            "summary",
            "description",
            "domain__slug",
            "domain__name",
            "owner_team__slug",
            "owner_team__name",
            "status",
            "kind",
            "classification",
            "slo_status",
            "contains_pii",
            "created_at",
            "consumer_count",
        )
    )
    return [
        ProductDocument(
            product_id=pk,
            slug=slug,
            name=name,
            summary=summary,
            description=plain_text(description),
            domain=domain,
            domain_name=domain_name,
            owner_team=team,
            owner_team_name=team_name,
            tags=sorted(tags[pk]),
            ports="\n".join(ports[pk]),
            fields="\n".join(fields[pk]),
            status=status,
            kind=kind,
            classification=classification,
            slo_status=slo_status,
            contains_pii=contains_pii,
            created_at=created_at,
            popularity=consumers,
        )
        for (
            pk,
            slug,
            name,
            summary,
            description,
            domain,
            domain_name,
            team,
            team_name,
            status,
            kind,
            classification,
            slo_status,
            contains_pii,
            created_at,
            consumers,
        ) in rows
    ]
