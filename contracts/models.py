"""A data product's descriptor (ODPS) and its output ports' data contracts (ODCS),
each kept whole as last imported: what the marketplace has no column for lives in
`document` and is exported unchanged. Writes go through contracts.services."""

from django.conf import settings
from django.db import models

from catalog.models import DataProduct, OutputPort


class ProductDescriptor(models.Model):
    """The ODPS document a product was last imported from. State changes must go
    through contracts.services.import_document."""

    product = models.OneToOneField(DataProduct, on_delete=models.CASCADE, related_name="descriptor")
    odps_id = models.CharField("ODPS id", max_length=200, unique=True)
    document = models.JSONField(help_text="The normalised ODPS document as last imported.")
    digest = models.CharField(max_length=64, help_text="sha256 of the document's canonical JSON: an unchanged re-import writes nothing.")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = "product descriptor"

    def __str__(self) -> str:
        return f"{self.product} ({self.odps_id})"


class PortContract(models.Model):
    """One version of an output port's ODCS data contract. The newest by
    created_at is the port's current contract. State changes must go through
    contracts.services.import_document."""

    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="contracts")
    contract_id = models.CharField("ODCS id", max_length=200, db_index=True)
    version = models.CharField(max_length=60, help_text="The contract's own version (semver).")
    document = models.JSONField(help_text="The normalised ODCS document.")
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["port", "-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["port", "version"], name="unique_contract_version_per_port")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.version}"


class ContractBinding(models.Model):
    """An output port an imported ODPS document names a contract id for
    (outputPorts[].contractId): how an ODCS file finds its port, by an
    indexed lookup rather than a search through every descriptor's text.
    Rewritten with its descriptor by contracts.services.import_document."""

    descriptor = models.ForeignKey(ProductDescriptor, on_delete=models.CASCADE, related_name="bindings")
    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="contract_bindings")
    contract_id = models.CharField("ODCS id", max_length=200, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["descriptor", "port", "contract_id"], name="unique_contract_binding")]

    def __str__(self) -> str:
        return f"{self.contract_id} → port {self.port_id}"
