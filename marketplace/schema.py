"""The OpenAPI schema tells every answer an operation can give, not only its
success: the errors every API view shares are added here, in one place,
with one `Error` body. What is particular to an operation (a 409 for a
refused transition, a 429 for a throttle) is declared beside it with
extend_schema; those declarations win, and get the `Error` body too when
they name none."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong. `detail` says it in words; a 400 for refused input names each refused "
    "field instead of or beside it, with its messages (for a batch: each refused row, by its index, and its fields).",
    "properties": {
        "detail": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "The error, in words.",
        },
    },
    "additionalProperties": True,
}

# Status code → when an operation gives it. Which operations: see AutoSchema.shared_errors.
SHARED_ERRORS = {
    "400": "The input is refused: malformed JSON, JSON nested too deeply, or a field or query parameter that is "
    "missing, of the wrong type or out of range. The answer names each refused field.",
    "401": "No credentials, or an unknown or inactive token. The `WWW-Authenticate` header names the scheme.",
    "403": "You may not do this (or a signed-in browser session sent no CSRF token).",
    "404": "Nothing here that you may see (or a page beyond the last).",
    "406": "The `Accept` header asks for something other than JSON.",
    "413": "The request body is larger than the server takes.",
    "414": "The address (with its query) is longer than the web server takes; its own page, not JSON.",
    "415": "The body's `Content-Type` is not one this operation reads.",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema with the shared error answers."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.shared_errors(operation):
            responses.setdefault(code, {"description": SHARED_ERRORS[code]})
        if "414" in responses:  # the web server's own page: the request never reaches Django
            responses["414"].setdefault("content", {"text/html": {"schema": {"type": "string"}}})
        error = self._error_component()
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                response["content"] = {"application/json": {"schema": error.ref}}
        operation["responses"] = dict(sorted(responses.items()))
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and schema.get("type") == "string" and "enum" not in schema:
                # The API refuses `?name=` without a value (core.api.refuse_empty_parameters);
                # a parameter that may be empty says so with its own minLength.
                schema.setdefault("minLength", 1)
        return operation

    def shared_errors(self, operation: dict) -> list[str]:
        """The shared error codes `operation` can give."""
        # Any caller may send an unknown token, a session without its CSRF token, an Accept
        # header we do not serve, or a body too large (refused before the view, whatever the method).
        codes = ["401", "403", "406", "413"]
        if "requestBody" in operation:
            codes += ["400", "415"]
        elif any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
            codes.append("400")  # a filter's value or a page size refused (a page beyond the last is a 404)
        if any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
            codes.append("414")  # the web server refuses an address longer than it reads (64 KB for runserver, 4 KB for gunicorn)
        if "{" in self.path or (self.method == "GET" and self._is_list_view() and self._get_paginator() is not None):
            codes.append("404")
        return codes

    def _error_component(self) -> ResolvedComponent:
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA, object="Error")
        self.registry.register_on_missing(component)
        return component
