from django.apps import AppConfig


class LineageConfig(AppConfig):
    name = "lineage"
    verbose_name = "Lineage"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (receivers connect on import: nodes follow the catalog's ports)
