"""The errors services raise for a refused change. Views show them as form
errors or messages; the API answers 400 naming the field, 409 for a
refused transition (Conflict) and 403 for a forbidden one (Forbidden)."""


class ServiceError(ValueError):
    """A refused change. `field` names the input it is about, when there is one;
    `details` (a list of messages, or a mapping such as {row: {field: [messages]}})
    says more, for inputs with many parts."""

    def __init__(self, message: str, *, field: str | None = None, details: list | dict | None = None):
        super().__init__(message)
        self.field = field
        self.details = details


class Conflict(ServiceError):
    """The object's current state does not allow the change (HTTP 409)."""


class Forbidden(ServiceError):
    """The user may not make this change (HTTP 403)."""
