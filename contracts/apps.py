from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Descriptors and data contracts (ODPS, ODCS)"
