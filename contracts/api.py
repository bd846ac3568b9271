"""Descriptors over HTTP: a product's ODPS descriptor and its ports' ODCS
contracts in (PUT /api/v1/products/<slug>/descriptor, POST /api/v1/descriptors/)
and out (GET …/descriptor?format=odps|odcs), as JSON or YAML.

A refused document is a 400 `{"file": …, "problems": [{"path", "rule"}]}`, the
same shape for a body that is not YAML or JSON at all as for a valid document
the standard's schema refuses, so a GitOps job reads one kind of answer."""

import re

import yaml
from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, renderers, serializers, status
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import queries as catalog_queries
from core.api import refuse_empty_parameters
from core.parsers import MAX_JSON_DEPTH

from . import services, standards

BODY = "request body"  # the `file` a refusal names when the document came as the body

# --- reading the body ---------------------------------------------------------------


def _problems(error: "standards.DescriptorInvalid | services.DescriptorRefused", *, file: str = BODY) -> dict:
    return {"file": file, "problems": refusal_problems(error)}


class YAMLParser(parsers.BaseParser):
    """A descriptor as YAML (`application/yaml`): read as contracts.standards.parse
    reads a file, within its bounds (size, nesting as core.parsers, no aliases).
    A body it refuses is the descriptor's 400, naming the problem."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        # The body is already bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (marketplace.request_limits);
        # one byte past the document's own bound is enough to refuse it.
        content = stream.read(standards.MAX_DOCUMENT_BYTES + 1) if stream is not None else b""
        try:
            return standards.parse(content, file=BODY)
        except standards.DescriptorInvalid as error:
            raise ParseError(_problems(error)) from None


class TextYAMLParser(YAMLParser):
    media_type = "text/yaml"


class DescriptorJSONParser(YAMLParser):
    """JSON, read by the same parser: YAML is a superset of JSON, and one reader
    gives one set of bounds and one shape of refusal."""

    media_type = "application/json"


# --- writing YAML -----------------------------------------------------------------


class YAMLRenderer(renderers.BaseRenderer):
    """A descriptor as YAML, keys in the document's order. A list of contracts is
    one YAML document, a sequence, as the JSON answer is one array (a stream of
    `---`-separated documents would be handier to split, but YAML clients and
    OpenAPI tools read one document per answer)."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return dump_yaml(data).encode()


def file_name(*parts: str) -> str:
    """A file name from a slug and a port's name, joined by dots. A port's name is
    free text: anything but letters, digits, `_` and `-` becomes `-`, so the name
    is safe in a Content-Disposition header and in a directory (no `/`, no `..`)."""
    return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "-", part).strip("-") or "-" for part in parts)


def dump_yaml(document) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


class DescriptorNegotiation(DefaultContentNegotiation):
    """`?format=` names the standard here, not a renderer; `?download=yaml`
    asks for YAML whatever the Accept header says (a browser's link)."""

    settings = type("Settings", (), {"URL_FORMAT_OVERRIDE": None})

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get("download") == "yaml":
            renderer = next(renderer for renderer in renderers if isinstance(renderer, YAMLRenderer))
            return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)


# --- the schema's shapes ---------------------------------------------------------------

PROBLEMS = inline_serializer(
    "DescriptorProblems",
    {
        "file": serializers.CharField(help_text=f"The file refused: an upload's name, or `{BODY}`."),
        "problems": inline_serializer(
            "DescriptorProblem",
            {
                "path": serializers.CharField(
                    help_text="Where in the document, e.g. `schema[2].properties[5].logicalType`; empty for the document as a whole."
                ),
                "rule": serializers.CharField(help_text="What the standard (or the marketplace) asks there."),
            },
            many=True,
        ),
    },
)
REFUSED = OpenApiResponse(
    PROBLEMS,
    description="The document is refused, and nothing was written: not YAML or JSON, not a mapping, nested too deeply, "
    "invalid against its standard's JSON Schema (each problem with its path and rule), or naming what may not be "
    "used (a domain or team that does not exist, a slug another product has).",
)
IMPORTED = inline_serializer(
    "DescriptorImport",
    {
        "product": serializers.CharField(help_text="The product's slug."),
        "created": serializers.BooleanField(help_text="Whether the import created the product."),
        "changed": serializers.BooleanField(help_text="False when the document was imported before, unchanged: nothing written."),
        "messages": serializers.ListField(child=serializers.CharField(), help_text="What the import did, in words."),
        "warnings": serializers.ListField(
            child=serializers.CharField(),
            help_text="What was imported but needs a look, in words: a contract role's approver who is no marketplace user or team.",
        ),
    },
)
EXPORTED = {
    "oneOf": [
        {"type": "object", "additionalProperties": True, "description": "One document: ODPS, or one port's ODCS contract."},
        {"type": "array", "items": {"type": "object", "additionalProperties": True}, "description": "The ODCS contracts, one per port."},
    ]
}
DOCUMENT_BODY = {
    "type": "object",
    "additionalProperties": True,
    "description": "An ODPS v1.1.0, v1.0.0 or v0.9.0 document (`kind: DataProduct`) or an ODCS v3.2.0, v3.1.0 or v3.0.x document "
    "(`kind: DataContract`).",
}
REQUEST_BODY = {"application/yaml": DOCUMENT_BODY, "text/yaml": DOCUMENT_BODY, "application/json": DOCUMENT_BODY}
IMPORT_DESCRIPTION = (
    "The document is validated against its standard's published JSON Schema (chosen by `kind` and `apiVersion`) "
    "before anything is written; a refusal names each problem's path and rule. Importing a document again, "
    f"unchanged, writes nothing and says so. YAML or JSON, at most {min(standards.MAX_DOCUMENT_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE):,} bytes, "
    f"nested at most {MAX_JSON_DEPTH} levels."
)


def _imported(result) -> dict:
    return {
        "product": result.product.slug,
        "created": result.created,
        "changed": result.changed,
        "messages": list(result.messages),
        "warnings": list(result.warnings),
    }


def _import(request, *, product=None):
    """Import the body through contracts.services: its refusals as the descriptor's 400."""
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError({"file": BODY, "problems": [{"path": "", "rule": "A descriptor is a mapping (kind, apiVersion, …)."}]})
    try:
        return services.import_document(data, by=request.user, filename="", product=product)
    except standards.DescriptorInvalid as error:
        raise ValidationError(_problems(error)) from None
    except services.DescriptorRefused as error:
        raise ValidationError(_problems(error)) from None


def refusal_problems(error: "standards.DescriptorInvalid | services.DescriptorRefused") -> list[dict]:
    """A refusal's problems, each {"path", "rule"}: DescriptorInvalid lists them,
    DescriptorRefused is one, at the path its `field` names."""
    problems = getattr(error, "problems", None)
    if problems:
        return [{"path": problem.get("path", ""), "rule": problem["rule"]} for problem in problems]
    return [{"path": getattr(error, "field", None) or "", "rule": str(error)}]


class DescriptorImportMixin:
    parser_classes = [YAMLParser, TextYAMLParser, DescriptorJSONParser]


class ProductDescriptorView(DescriptorImportMixin, APIView):
    """A product's ODPS descriptor and its ports' ODCS contracts."""

    renderer_classes = [renderers.JSONRenderer, YAMLRenderer]
    content_negotiation_class = DescriptorNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        """An error is JSON, as the schema says of every error, even when YAML was asked for."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and isinstance(getattr(response, "accepted_renderer", None), YAMLRenderer):
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = response.accepted_renderer.media_type
            response.headers.pop("Content-Disposition", None)
        return response

    @extend_schema(
        summary="Export a product's descriptor (ODPS) or its ports' contracts (ODCS)",
        description="`format=odps` (the default): the product's ODPS v1.0.0 document. `format=odcs`: a list, one ODCS "
        "contract per output port, or `port=<name>` for that port's alone. The stored document as last imported with "
        "the marketplace's current values over the fields it keeps; a product never imported is described from the "
        "catalog. A port's servers are given only to those who may use the port (its team, a live grant, an admin). "
        "JSON by default; YAML with `Accept: application/yaml` or `download=yaml` (as a file to save).",
        parameters=[
            OpenApiParameter("format", str, enum=["odps", "odcs"], description="Which standard. Default: odps, or odcs with `port`."),
            OpenApiParameter("port", str, description="An output port's name, for its contract alone (format=odcs)."),
            OpenApiParameter("download", str, enum=["yaml"], description="YAML, as an attachment (`<slug>.odps.yaml`)."),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(EXPORTED, description="The ODPS document, or the ODCS contracts."),
            (200, "application/yaml"): OpenApiResponse(EXPORTED, description="The same, as YAML."),
            404: OpenApiResponse(description="No product with this slug that you may see, or it has no such port."),
        },
    )
    def get(self, request, slug):
        refuse_empty_parameters(request.query_params)
        product = catalog_queries.visible_product_or_404(request.user, slug)
        port_name = request.query_params.get("port")
        standard = request.query_params.get("format", "odcs" if port_name is not None else "odps")
        if standard not in ("odps", "odcs"):
            raise ValidationError({"format": ["Use odps or odcs."]})
        download = request.query_params.get("download")
        if download is not None and download != "yaml":
            raise ValidationError({"download": ["Use yaml."]})
        if port_name is not None and standard != "odcs":
            raise ValidationError({"port": ["A port has a contract (format=odcs), not a descriptor."]})
        if standard == "odps":
            body, filename = services.export_odps(product, user=request.user), file_name(product.slug, "odps", "yaml")
        elif port_name is not None:
            port = product.output_ports.filter(name=port_name).first()
            if port is None:
                raise Http404(f"{product.name} has no output port {port_name!r}.")
            body, filename = services.export_odcs(port, user=request.user), file_name(product.slug, port.name, "odcs", "yaml")
        else:
            ports = product.output_ports.order_by("position", "name")
            body, filename = [services.export_odcs(port, user=request.user) for port in ports], file_name(product.slug, "odcs", "yaml")
        response = Response(body)
        if download == "yaml":
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(
        summary="Import a product's descriptor (ODPS) or one of its ports' contracts (ODCS)",
        description="An ODPS document for this product, or an ODCS document for one of its output ports (the port whose "
        "ODPS output port names the contract's `id`). Owning team only. " + IMPORT_DESCRIPTION,
        request=REQUEST_BODY,
        responses={
            200: IMPORTED,
            400: REFUSED,
            403: OpenApiResponse(description="You may not edit this product (its owning team may)."),
            404: OpenApiResponse(description="No product with this slug that you may see."),
        },
    )
    def put(self, request, slug):
        product = catalog_queries.visible_product_or_404(request.user, slug)
        if not catalog_queries.can_edit(request.user, product):
            raise PermissionDenied("Only members of the owning team can import this product's descriptor.")
        return Response(_imported(_import(request, product=product)))


class DescriptorsView(DescriptorImportMixin, APIView):
    """New products from their ODPS descriptors."""

    @extend_schema(
        summary="Create a data product from its ODPS descriptor",
        description="An ODPS v1.1.0, v1.0.0 or v0.9.0 document (`kind: DataProduct`). The owning team is the customProperty `owningTeam` "
        "(a team's slug) of yours, else your only team; the domain must exist unless you are an admin (it is then created). "
        "A document imported before (the same ODPS `id`) updates its product when you may edit it. " + IMPORT_DESCRIPTION,
        request=REQUEST_BODY,
        responses={
            200: OpenApiResponse(IMPORTED, description="The product existed: updated, or unchanged."),
            201: OpenApiResponse(IMPORTED, description="The product was created."),
            400: REFUSED,
        },
    )
    def post(self, request):
        result = _import(request)
        return Response(_imported(result), status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
