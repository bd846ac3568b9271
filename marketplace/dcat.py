"""The public catalogue in the web's own vocabulary: DCAT-3 / DCAT-AP 3.

`catalog_graph(page=…)` builds an rdflib Graph of one page of the published
products, for CKAN's ckanext-dcat, data.europa.eu and any other DCAT
harvester (marketplace.dcat_views serves it as JSON-LD and Turtle).

Who sees what. The catalogue is public: anyone, signed in or not, gets the
same answer, so a harvester and a cache may keep it. It holds the products
whose status is `published` (never a draft, nor a deprecated or retired
product) and whose classification DCAT_CLASSIFICATIONS opens (public, by
default), and of them only what every signed-in user may already see on the
product page: name, summary, description, tags, domain, owning team and its
contact address, version, dates, and each output port's name, description,
type and format. A port's location is only for those who may use the port
(access_requests.queries.usable_port_ids), so it is never read here: each
Distribution's dcat:accessURL is the product's page, where access is requested.

The mapping:
- dcat:Catalog: title, description, publisher (a foaf:Agent), homepage, the
  domains as its theme taxonomy (a skos:ConceptScheme).
- a product → dcat:Dataset: dct:identifier (the product's address,
  urn:dataproduct:<domain>:<slug>), dct:title, dct:description (the summary,
  then the description), dcat:keyword (tags), dcat:theme (its domain, a
  skos:Concept), dct:publisher (the owning team, a foaf:Agent), dcat:contactPoint
  (a vcard:Kind with the team's e-mail, when it has one), dct:issued,
  dct:modified, dcat:landingPage (the product page), dcat:version.
- an output port → dcat:Distribution: dct:title, dct:description,
  dcat:accessURL (the product page), dct:format from the EU file-type
  vocabulary and dcat:mediaType from IANA where the port's format has one
  (Parquet, Avro, CSV, JSON; BigQuery and Delta have none, and get neither).

Paging. A page holds at most PAGE_SIZE (500) products, in slug order; the Catalog
carries a hydra:PartialCollectionView with first, last, previous and next
page addresses and the total, as ckanext-dcat writes and reads them. A page
is built in a constant number of queries (a count, the products with their
domain and team, their tags, their ports).
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, XSD

from catalog.models import DataProduct, OutputPort
from catalog.visibility import Visibility

# rdflib's DCAT namespace object knows DCAT 2 only; DCAT 3 adds dcat:version.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
IANA_MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")

# Products per page. rdflib fills and serialises about 1,000 products a second
# on this 2-core machine (README, "The public catalogue"), so a page of 500 is
# answered in about a second; 100,000 products are 200 pages.
PAGE_SIZE = 500

CATALOG_TITLE = "Data Product Marketplace"
CATALOG_DESCRIPTION = "The published data products of the mesh: who owns them, what they hold, and their output ports."

# A port's format (as owners type it, compared without case) → its EU
# file-type authority code and IANA media type, where such a value exists.
FORMATS: dict[str, tuple[str, str | None]] = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "parquet": ("PARQUET", "application/vnd.apache.parquet"),
    "avro": ("AVRO", None),
}


class PageOutOfRange(ValueError):
    """The page asked for does not exist."""


@dataclass(frozen=True)
class CatalogPage:
    graph: Graph
    page: int
    last_page: int
    total: int


def public_products() -> QuerySet[DataProduct]:
    """The products the public catalogue lists: published ones, which every
    signed-in user sees too (catalog.visibility with no drafts of one's own),
    of the classifications settings.DCAT_CLASSIFICATIONS opens to the world
    (public only, by default: an internal or confidential product's name and
    team are for people signed in to the marketplace, not for harvesters)."""
    return DataProduct.objects.filter(Visibility().q()).published().filter(classification__in=settings.DCAT_CLASSIFICATIONS)


def _ports() -> QuerySet[OutputPort]:
    # The location is never read, so it cannot leak into the graph.
    return OutputPort.objects.only("id", "product_id", "name", "description", "port_type", "format").order_by("position", "name")


def site_url(path: str = "/") -> str:
    return settings.SITE_URL.rstrip("/") + path


def page_url(page: int, extension: str) -> URIRef:
    url = site_url(f"/catalog.{extension}")
    return URIRef(url if page == 1 else f"{url}?page={page}")


def catalog_graph(*, page: int = 1, page_size: int = PAGE_SIZE, extension: str = "jsonld") -> CatalogPage:
    """One page of the public catalogue as an rdflib Graph. `extension` names
    the serialisation the paging links point to. PageOutOfRange when `page`
    is below 1 or past the last page."""
    products = public_products()
    total = products.count()
    last_page = max(1, math.ceil(total / page_size))
    if not 1 <= page <= last_page:
        raise PageOutOfRange(f"page must be between 1 and {last_page}.")
    rows = (
        products.select_related("domain", "owner_team")
        .prefetch_related("tags", Prefetch("output_ports", _ports()))
        .order_by("slug")[(page - 1) * page_size : page * page_size]
    )

    graph = Graph(store="SimpleMemory")  # no named-graph bookkeeping: a third faster to fill
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("skos", SKOS), ("vcard", VCARD), ("hydra", HYDRA)):
        graph.bind(prefix, namespace)
    catalog = _add_catalog(graph)
    _add_paging(graph, catalog, page=page, page_size=page_size, last_page=last_page, total=total, extension=extension)
    builder = _DatasetBuilder(graph)
    for product in rows:
        graph.add((catalog, DCAT.dataset, builder.add(product)))
    return CatalogPage(graph=graph, page=page, last_page=last_page, total=total)


def _add_catalog(graph: Graph) -> URIRef:
    catalog = URIRef(site_url("/#catalog"))
    homepage = URIRef(site_url("/"))
    publisher = URIRef(site_url("/#publisher"))
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(CATALOG_TITLE, lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(CATALOG_DESCRIPTION, lang="en")))
    graph.add((catalog, FOAF.homepage, homepage))
    graph.add((homepage, RDF.type, FOAF.Document))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(CATALOG_TITLE)))
    themes = _themes(graph)
    graph.add((catalog, DCAT.themeTaxonomy, themes))
    return catalog


def _themes(graph: Graph) -> URIRef:
    themes = URIRef(site_url("/#domains"))
    graph.add((themes, RDF.type, SKOS.ConceptScheme))
    graph.add((themes, DCTERMS.title, Literal("Domains", lang="en")))
    return themes


def _add_paging(graph: Graph, catalog: URIRef, *, page: int, page_size: int, last_page: int, total: int, extension: str) -> None:
    view = page_url(page, extension)
    graph.add((catalog, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    graph.add((view, HYDRA.itemsPerPage, Literal(page_size, datatype=XSD.integer)))
    graph.add((view, HYDRA.first, page_url(1, extension)))
    graph.add((view, HYDRA.last, page_url(last_page, extension)))
    if page > 1:
        graph.add((view, HYDRA.previous, page_url(page - 1, extension)))
    if page < last_page:
        graph.add((view, HYDRA.next, page_url(page + 1, extension)))


def _url_maker(view_name: str):
    """A function slug → absolute URL of `view_name`, reversing once: slugs
    are [a-z0-9-] (catalog.models.slug_validator), so no escaping is needed."""
    template = site_url(reverse(view_name, args=["--slug--"]))
    return lambda slug: template.replace("--slug--", slug)


class _DatasetBuilder:
    """Adds products to a graph as dcat:Dataset; each team, domain and format
    node is written once, however many products share it."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.product_url = _url_maker("catalog:product")
        self.team_url = _url_maker("catalog:team")
        self.domain_url = _url_maker("catalog:domain")
        self.seen: set[URIRef] = set()

    def add(self, product: DataProduct) -> URIRef:
        graph = self.graph
        page = URIRef(self.product_url(product.slug))
        dataset = URIRef(f"{page}#dataset")
        graph.add((dataset, RDF.type, DCAT.Dataset))
        graph.add((dataset, DCTERMS.identifier, Literal(product.address)))
        graph.add((dataset, DCTERMS.title, Literal(product.name)))
        description = product.summary if not product.description else f"{product.summary}\n\n{product.description}"
        graph.add((dataset, DCTERMS.description, Literal(description)))
        for tag in product.tags.all():
            graph.add((dataset, DCAT.keyword, Literal(tag.name)))
        graph.add((dataset, DCAT.theme, self.domain(product)))
        graph.add((dataset, DCTERMS.publisher, self.team(product)))
        if product.owner_team.contact_email:
            graph.add((dataset, DCAT.contactPoint, self.contact(product)))
        graph.add((dataset, DCTERMS.issued, Literal(product.created_at, datatype=XSD.dateTime)))
        graph.add((dataset, DCTERMS.modified, Literal(product.updated_at, datatype=XSD.dateTime)))
        graph.add((dataset, DCAT.landingPage, page))
        graph.add((page, RDF.type, FOAF.Document))
        graph.add((dataset, DCAT.version, Literal(product.version)))
        for port in product.output_ports.all():
            graph.add((dataset, DCAT.distribution, self.distribution(page, port)))
        return dataset

    def first_time(self, node: URIRef) -> bool:
        if node in self.seen:
            return False
        self.seen.add(node)
        return True

    def domain(self, product: DataProduct) -> URIRef:
        domain = product.domain
        concept = URIRef(self.domain_url(domain.slug) + "#concept")
        if self.first_time(concept):
            self.graph.add((concept, RDF.type, SKOS.Concept))
            self.graph.add((concept, SKOS.prefLabel, Literal(domain.name)))
            self.graph.add((concept, SKOS.inScheme, URIRef(site_url("/#domains"))))
        return concept

    def team(self, product: DataProduct) -> URIRef:
        team = product.owner_team
        agent = URIRef(self.team_url(team.slug) + "#team")
        if self.first_time(agent):
            self.graph.add((agent, RDF.type, FOAF.Agent))
            self.graph.add((agent, RDF.type, FOAF.Organization))
            self.graph.add((agent, FOAF.name, Literal(team.name)))
        return agent

    def contact(self, product: DataProduct) -> URIRef:
        team = product.owner_team
        contact = URIRef(self.team_url(team.slug) + "#contact")
        if self.first_time(contact):
            self.graph.add((contact, RDF.type, VCARD.Kind))
            self.graph.add((contact, VCARD.fn, Literal(team.name)))
            self.graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{team.contact_email}")))
        return contact

    def distribution(self, page: URIRef, port: OutputPort) -> URIRef:
        graph = self.graph
        distribution = URIRef(f"{page}#port-{port.pk}")
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(port.name)))
        if port.description:
            graph.add((distribution, DCTERMS.description, Literal(port.description)))
        graph.add((distribution, DCAT.accessURL, page))
        known = FORMATS.get(port.format.strip().lower())
        if known is not None:
            file_type, media_type = known
            graph.add((distribution, DCTERMS.format, FILE_TYPE[file_type]))
            if self.first_time(FILE_TYPE[file_type]):
                graph.add((FILE_TYPE[file_type], RDF.type, DCTERMS.MediaTypeOrExtent))
            if media_type is not None:
                graph.add((distribution, DCAT.mediaType, IANA_MEDIA_TYPE[media_type]))
                if self.first_time(IANA_MEDIA_TYPE[media_type]):
                    graph.add((IANA_MEDIA_TYPE[media_type], RDF.type, DCTERMS.MediaType))
        return distribution
