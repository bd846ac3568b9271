from django.apps import AppConfig


class AccessRequestsConfig(AppConfig):
    name = "access_requests"
    verbose_name = "Access requests"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (receivers connect on import: grant holders hear of contract changes)
