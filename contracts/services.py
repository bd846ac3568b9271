"""Importing and exporting descriptors: ODPS documents describe data products,
ODCS documents their output ports' data contracts. (First version: the
interface; the bodies follow.)"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from catalog.models import DataProduct, OutputPort
from core.errors import ServiceError
from core.users import User

from .standards import DescriptorInvalid

__all__ = ["DescriptorInvalid", "DescriptorRefused", "ImportResult", "import_document", "import_tree", "export_odps", "export_odcs"]


class DescriptorRefused(ServiceError):
    """A valid document the marketplace will not take: an unknown domain, no
    owning team, a slug clash, a change the importer may not make. `field` names
    the document's path when there is one."""


@dataclass
class ImportResult:
    product: DataProduct | None
    created: bool = False
    changed: bool = False
    messages: list[str] = field(default_factory=list)
    file: str = ""


def import_document(data, *, by: User, filename: str = "", product: DataProduct | None = None) -> ImportResult:
    raise NotImplementedError


def import_tree(paths: Iterable[Path | str], *, by: User, progress: Callable | None = None) -> list[ImportResult]:
    raise NotImplementedError


def export_odps(product: DataProduct, *, user) -> dict:
    raise NotImplementedError


def export_odcs(port: OutputPort, *, user) -> dict:
    raise NotImplementedError
