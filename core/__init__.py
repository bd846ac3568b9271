"""Plumbing every app shares and no feature owns: service errors, the API's
error handling, parsers, pagination, strict serializers and filters, the
broker with a timeout, sanitised Markdown, read-only admin mixins. It imports
no app of the project."""
