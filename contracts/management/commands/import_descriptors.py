"""manage.py import_descriptors PATH…: a domain's descriptors, from files or
directory trees (a git repository), into the catalog."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from contracts import services, standards
from contracts.api import refusal_problems
from core.users import User

SUFFIXES = (".yaml", ".yml", ".json")


def descriptor_files(paths: list[str]) -> list[Path]:
    """The files named, and the YAML and JSON files under the directories named, sorted."""
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(child for child in path.rglob("*") if child.is_file() and child.suffix.lower() in SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{name}: no such file or directory.")
    return files


def importer(username: str | None) -> User:
    """The admin the import runs as: `username`, else the first superuser."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}: name one with --as.")
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError("There is no superuser to import as: create one (manage.py createsuperuser) or name a user with --as.")
    return user


def _kind(path: Path) -> str:
    """The document's kind, to import descriptors before contracts (a contract
    finds its port through the descriptor that names it). Unreadable: "" (refused in turn)."""
    try:
        return standards.kind_of(standards.parse(path.read_bytes(), file=str(path)))
    except (standards.DescriptorInvalid, OSError):
        return ""


class Command(BaseCommand):
    help = (
        "Import ODPS descriptors (kind: DataProduct) and ODCS contracts (kind: DataContract) from files and directory "
        "trees: descriptors first, then contracts, each file in one transaction. A file imported before, unchanged, "
        "changes nothing. Prints a summary (created, changed, unchanged, refused) and each refusal with its file, path "
        "and rule; exits with status 1 when any file was refused."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="A descriptor file, or a directory to search for .yaml, .yml and .json files."
        )
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="The user the import runs as (default: the first superuser).")

    def handle(self, *args, paths: list[str], username: str | None, verbosity: int, **options):
        by = importer(username)
        files = descriptor_files(paths)
        files.sort(key=lambda path: (_kind(path) != standards.ODPS, str(path)))
        counts = {"created": 0, "changed": 0, "unchanged": 0, "refused": 0}
        refusals: list[dict] = []
        with tqdm(files, unit="file", disable=verbosity == 0, desc="Importing descriptors", file=self.stderr._out) as bar:
            for path in bar:
                try:
                    result = services.import_document(path.read_bytes(), by=by, filename=str(path))
                except (standards.DescriptorInvalid, services.DescriptorRefused) as error:
                    counts["refused"] += 1
                    refusals += [{"file": str(path), **problem} for problem in refusal_problems(error)]
                    continue
                except OSError as error:
                    counts["refused"] += 1
                    refusals.append({"file": str(path), "path": "", "rule": f"Unreadable: {error.strerror or error}"})
                    continue
                counts["created" if result.created else "changed" if result.changed else "unchanged"] += 1
        for refusal in refusals:
            where = ": ".join(part for part in (refusal["file"], refusal["path"]) if part)
            self.stderr.write(f"{where}: {refusal['rule']}")
        summary = f"{len(files)} file{'s' if len(files) != 1 else ''}: " + ", ".join(f"{count} {name}" for name, count in counts.items())
        if counts["refused"]:
            raise CommandError(f"{summary}.")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"{summary}."))
