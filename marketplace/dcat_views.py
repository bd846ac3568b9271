"""GET /catalog.jsonld and /catalog.ttl: the public DCAT-AP 3 catalogue
(marketplace.dcat says what it holds and who may fetch it: anyone).

`?page=N` pages through it, PAGE_SIZE products a page; each page links the
others through hydra:PartialCollectionView. A page that is not a whole number
from 1 to the last page is a 400 naming `page`.
"""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from . import dcat

JSONLD_CONTEXT = {
    "dcat": str(dcat.DCAT),
    "dct": str(dcat.DCTERMS),
    "foaf": str(dcat.FOAF),
    "skos": str(dcat.SKOS),
    "vcard": str(dcat.VCARD),
    "hydra": str(dcat.HYDRA),
    "xsd": str(dcat.XSD),
}


def serialise(graph: dcat.Graph, extension: str) -> str:
    """`graph` as JSON-LD (compacted with the usual prefixes) or Turtle."""
    if extension == "jsonld":
        return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    return graph.serialize(format="turtle")


def _page(request, extension: str) -> dcat.CatalogPage | JsonResponse:
    raw = request.GET.get("page", "1")
    try:
        return dcat.catalog_graph(page=int(raw) if raw.isascii() and raw.isdigit() else 0, extension=extension)
    except dcat.PageOutOfRange as error:
        return JsonResponse({"page": [str(error)]}, status=400)


def _respond(body: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    # Public and the same for everyone: harvesters and caches may keep it a while.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def catalog_jsonld(request):
    page = _page(request, "jsonld")
    if isinstance(page, JsonResponse):
        return page
    return _respond(serialise(page.graph, "jsonld"), "application/ld+json; charset=utf-8")


@require_GET
def catalog_turtle(request):
    page = _page(request, "ttl")
    if isinstance(page, JsonResponse):
        return page
    return _respond(serialise(page.graph, "ttl"), "text/turtle; charset=utf-8")
