"""manage.py import_descriptors PATH…: a domain's descriptors, from files or
directory trees (a git repository), into the catalog, through
contracts.services.import_tree."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from contracts import services
from core.users import User


def importer(username: str | None, *, action: str = "import") -> User:
    """The user an import or export runs as: `username`, else the first superuser."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}: name one with --as.")
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError(f"There is no superuser to {action} as: create one (manage.py createsuperuser) or name a user with --as.")
    return user


def outcome(result: services.ImportResult) -> str:
    if result.refused:
        return "refused"
    return "created" if result.created else "changed" if result.changed else "unchanged"


class Command(BaseCommand):
    help = (
        "Import ODPS descriptors (kind: DataProduct) and ODCS contracts (kind: DataContract) from files and directory "
        "trees (.yaml, .yml and .json files): descriptors first, then contracts, each file in its own transaction. A file "
        "imported before, unchanged, changes nothing. Prints a summary (created, changed, unchanged, refused) and each "
        "refusal with its file, path and rule; exits with status 1 when any file was refused."
    )

    # The system checks (half a second) say nothing about descriptors: a
    # domain's pipeline may run this on every push, so it starts without them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="A descriptor file, or a directory to search for .yaml, .yml and .json files."
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="The user the import runs as, with their rights (default: the first superuser).",
        )

    def handle(self, *args, paths: list[str], username: str | None, verbosity: int, **options):
        missing = [name for name in paths if not Path(name).exists()]
        if missing:
            raise CommandError(f"{', '.join(missing)}: no such file or directory.")
        by = importer(username)
        files = services.descriptor_files(paths)  # searched once: import_tree takes the files as given
        # tqdm writes carriage returns to the stream itself; the command's wrapper would end each with a newline.
        with tqdm(total=len(files), unit="file", disable=verbosity == 0, desc="Importing descriptors", file=self.stderr._out) as bar:
            results = services.import_tree(files, by=by, progress=lambda result: bar.update())
        counts = dict.fromkeys(("created", "changed", "unchanged", "refused"), 0)
        for result in results:
            counts[outcome(result)] += 1
            for problem in result.problems:
                where = ": ".join(part for part in (problem.get("file") or result.file, problem.get("path", "")) if part)
                self.stderr.write(f"{where}: {problem['rule']}")
            for warning in result.warnings:
                self.stderr.write(self.style.WARNING(f"{result.file}: {warning}"))
        summary = f"{len(results)} file{'s' if len(results) != 1 else ''}: " + ", ".join(
            f"{count} {name}" for name, count in counts.items()
        )
        if counts["refused"]:
            raise CommandError(f"{summary}.")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"{summary}."))
