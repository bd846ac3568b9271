"""What is searched for each product, built from the database in a constant
number of queries. Every backend indexes these documents."""

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

import nh3
from django.db.models import Prefetch

from ..markdown import render_markdown
from .types import WORD
from ..models import DataProduct, OutputPort


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
    ports: str  # port names, types, formats and locations
    fields: str  # schema field names and descriptions
    status: str
    kind: str
    classification: str
    contains_pii: bool
    created_at: datetime
    popularity: int
    extra_terms: list[str] = field(default_factory=list)

    @property
    def tags_text(self) -> str:
        return " ".join(self.tags)

    def words(self) -> set[str]:
        """Distinct words of the fields people search for, for typo correction."""
        words: set[str] = set()
        for text in (self.name, self.summary, self.domain_name, self.owner_team_name, self.tags_text, self.ports, self.fields):
            words.update(WORD.findall(text.lower()))
        return {word for word in words if 3 <= len(word) <= 40 and not word.isdigit()}


def plain_text(markdown_text: str) -> str:
    return html.unescape(nh3.clean(render_markdown(markdown_text), tags=set())).strip()


def documents_for(product_ids: Iterable[int]) -> list[ProductDocument]:
    ports = OutputPort.objects.prefetch_related("fields").order_by("name")
    products = (
        DataProduct.objects.filter(pk__in=list(product_ids))
        .select_related("domain", "owner_team")
        .prefetch_related("tags", Prefetch("output_ports", ports))
        .order_by("pk")
    )
    return [document_for(product) for product in products]


def document_for(product: DataProduct) -> ProductDocument:
    port_text, field_text = [], []
    for port in product.output_ports.all():
        port_text.append(" ".join(part for part in (port.name, port.port_type, port.format, port.location, port.description) if part))
        for schema_field in port.fields.all():
            field_text.append(f"{schema_field.name} {schema_field.description}".strip())
    return ProductDocument(
        product_id=product.pk,
        slug=product.slug,
        name=product.name,
        summary=product.summary,
        description=plain_text(product.description),
        domain=product.domain.slug,
        domain_name=product.domain.name,
        owner_team=product.owner_team.slug,
        owner_team_name=product.owner_team.name,
        tags=sorted(tag.name for tag in product.tags.all()),
        ports="\n".join(port_text),
        fields="\n".join(field_text),
        status=product.status,
        kind=product.kind,
        classification=product.classification,
        contains_pii=product.contains_pii,
        created_at=product.created_at,
        popularity=product.consumer_count,
    )
