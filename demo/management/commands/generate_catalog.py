"""manage.py generate_catalog --products N --seed S

A deterministic synthetic mesh for load tests, search tuning and demos at
scale: domains, their teams and members, and N data products with output
ports, schemas, tags and the owning teams' object permissions. Text comes from
demo.vocabulary (a Zipf-distributed vocabulary of 24 000 terms).

It writes with bulk_create, in one transaction per batch of products, and so
bypasses save() and signals: it does here what catalog.services and
catalog.signals would do one object at a time (team groups and their members,
catalog_services.team_permission_rows for the permissions). Anything that listens to
signals, such as the search index, has to be rebuilt afterwards.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from tqdm import tqdm

from catalog import services as catalog_services
from catalog.models import (
    DataProduct,
    DataProductGroupObjectPermission,
    Domain,
    OutputPort,
    SchemaField,
    SLOStatus,
    Tag,
    Team,
    TeamMembership,
)
from demo.vocabulary import PII_FIELDS, TextGenerator, ZipfSampler, tag_sampler

Kind = DataProduct.Kind
Status = DataProduct.Status
Classification = DataProduct.Classification

# The mix of a mature mesh: mostly published, internal, source-aligned products.
KIND_WEIGHTS = {Kind.SOURCE_ALIGNED: 45, Kind.AGGREGATE: 35, Kind.CONSUMER_ALIGNED: 20}
STATUS_WEIGHTS = {Status.PUBLISHED: 70, Status.DRAFT: 10, Status.DEPRECATED: 12, Status.RETIRED: 8}
CLASSIFICATION_WEIGHTS = {
    Classification.PUBLIC: 10,
    Classification.INTERNAL: 55,
    Classification.CONFIDENTIAL: 25,
    Classification.RESTRICTED: 10,
}
# Stored SLO statuses as a mesh of this size would show them (no objectives
# or measurements are generated: search facets and lists read the column).
SLO_STATUS_WEIGHTS = {SLOStatus.MEETING: 70, SLOStatus.AT_RISK: 10, SLOStatus.BREACHED: 5, SLOStatus.NO_DATA: 15}
# The chance that a product of a classification holds personal data.
PII_CHANCE = {Classification.PUBLIC: 0.0, Classification.INTERNAL: 0.08, Classification.CONFIDENTIAL: 0.45, Classification.RESTRICTED: 0.75}
PORT_TYPE_WEIGHTS = {
    OutputPort.PortType.TABLE: 55,
    OutputPort.PortType.STREAM: 20,
    OutputPort.PortType.FILES: 15,
    OutputPort.PortType.API: 10,
}
PORT_FORMATS = {
    OutputPort.PortType.TABLE: ["Delta", "Iceberg", "BigQuery table", "Snowflake table", "Parquet"],
    OutputPort.PortType.STREAM: ["Avro", "Protobuf", "JSON"],
    OutputPort.PortType.FILES: ["Parquet", "CSV", "JSON Lines", "Avro"],
    OutputPort.PortType.API: ["JSON", "GraphQL"],
}
PII_FIELD_NAMES = {name for name, _ in PII_FIELDS}
TEAM_KINDS = ["Platform", "Insights", "Data", "Analytics", "Engineering", "Operations"]
TERMS_OF_USE = [
    "Internal use only. Do not join with personal data from other products without a privacy review.",
    "Use for reporting and analysis. Not for decisions about individual listeners.",
    "Aggregated figures may be shared outside the company after the owning team's approval.",
    "Royalty figures are provisional until the monthly statement is closed.",
    "",
]
DOMAIN_DIVISOR = 3  # domains ≈ sqrt(N) / 3, so a domain holds about 3·sqrt(N) products on average
MIN_DOMAINS = 3
MAX_SEED = 999_999_999  # keeps gen-<seed>-<name>-<number> within the 80 characters of a slug


@dataclass
class Counts:
    domains: int = 0
    teams: int = 0
    users: int = 0
    products: int = 0
    ports: int = 0
    fields: int = 0
    tag_links: int = 0
    permissions: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{getattr(self, item.name):,} {item.name.replace('_', ' ')}" for item in dataclasses.fields(self))


class _ProgressStream:
    """Lets tqdm redraw its line on the command's stderr, which would otherwise
    end every write with a newline and colour it as an error."""

    def __init__(self, wrapper: OutputWrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self.wrapper.flush()

    def __getattr__(self, name):
        return getattr(self.wrapper, name)  # encoding, isatty: tqdm picks its bar characters from them


def domain_count(products: int) -> int:
    return max(MIN_DOMAINS, round(math.sqrt(products) / DOMAIN_DIVISOR))


def slug_prefix(seed: int) -> str:
    """Every generated slug and username starts with this: it keeps seeds apart
    from each other and from hand-made data, and tells --replace what to delete."""
    return f"gen-{seed}-"


def existing_run(seed: int) -> dict[str, int]:
    prefix = slug_prefix(seed)
    counts = {
        "products": DataProduct.objects.filter(slug__startswith=prefix).count(),
        "domains": Domain.objects.filter(slug__startswith=prefix).count(),
        "teams": Team.objects.filter(slug__startswith=prefix).count(),
        "users": get_user_model().objects.filter(username__startswith=prefix).count(),
        "team groups": Group.objects.filter(name__startswith=f"team:{prefix}").count(),
    }
    return {name: count for name, count in counts.items() if count}


@transaction.atomic
def delete_run(seed: int) -> None:
    """Delete what an earlier run with `seed` made. Refused (ProtectedError) when
    someone has requested access to one of its products."""
    prefix = slug_prefix(seed)
    DataProduct.objects.filter(slug__startswith=prefix).delete()
    Domain.objects.filter(slug__startswith=prefix).delete()
    Team.objects.filter(slug__startswith=prefix).delete()
    Group.objects.filter(name__startswith=f"team:{prefix}").delete()
    get_user_model().objects.filter(username__startswith=prefix).delete()


@dataclass
class _TeamPlan:
    team: Team
    members: list  # users; owners first


class CatalogGenerator:
    """Builds the synthetic mesh for one seed. All randomness comes from one
    random.Random(seed), consumed in the same order every run, so the same
    N and seed give the same names, slugs and text whatever the batch size."""

    def __init__(self, *, products: int, seed: int, batch_size: int = 2000):
        self.product_total = products
        self.seed = seed
        self.batch_size = batch_size
        self.prefix = slug_prefix(seed)
        self.label = f"gen {seed}"
        self.rng = random.Random(seed)
        # Its own generator, so that adding SLO statuses left every other generated value as it was.
        self.slo_rng = random.Random(seed + 0x510)
        self.text = TextGenerator(self.rng)
        self.tags = tag_sampler()
        self.tag_ids: dict[str, int] = {}
        self.counts = Counts()

    # --- the mesh: domains, teams, members ---------------------------------

    @transaction.atomic
    def create_mesh(self) -> None:
        rng = self.rng
        User = get_user_model()
        unusable_password = make_password(None)  # one hash for all: nobody signs in as a generated user
        groups: list[Group] = []
        teams: list[Team] = []
        domains: list[Domain] = []
        users: list = []
        roles: list[str] = []
        team_of_user: list[int] = []
        used_names: set[str] = set()
        self.domain_teams: list[list[_TeamPlan]] = []

        for _ in range(domain_count(self.product_total)):
            words = self.tags.distinct(rng, 2)
            while " ".join(words) in used_names:
                words = self.tags.distinct(rng, 2)
            used_names.add(" ".join(words))
            title = " ".join(word.capitalize() for word in words)
            domain_slug = f"{self.prefix}{'-'.join(words)}"
            plans = []
            for kind in rng.sample(TEAM_KINDS, rng.choice((1, 1, 2, 2, 3))):
                team_slug = f"{domain_slug}-{kind.lower()}"
                group = Group(name=f"team:{team_slug}")
                team = Team(
                    name=f"{title} {kind} ({self.label})",
                    slug=team_slug,
                    description=self.text.sentence(),
                    contact_email=f"{'-'.join(words)}-{kind.lower()}@gen{self.seed}.example.com",
                )
                groups.append(group)
                teams.append(team)
                members = []
                for position in range(rng.randint(2, 5)):
                    first, last = self.text.person()
                    number = len(users) + 1
                    users.append(
                        User(
                            username=f"{self.prefix}{first}.{last}.{number}",
                            first_name=first.capitalize(),
                            last_name=last.capitalize(),
                            email=f"{first}.{last}.{number}@gen{self.seed}.example.com",
                            password=unusable_password,
                        )
                    )
                    is_owner = position == 0 or (position == 1 and rng.random() < 0.3)
                    roles.append(TeamMembership.Role.OWNER if is_owner else TeamMembership.Role.DEVELOPER)
                    team_of_user.append(len(teams) - 1)
                    members.append(users[-1])
                plans.append(_TeamPlan(team=team, members=members))
            domains.append(
                Domain(name=f"{title} ({self.label})", slug=domain_slug, description=self.text.description(), owner_team=plans[0].team)
            )
            self.domain_teams.append(plans)

        Group.objects.bulk_create(groups)
        for team, group in zip(teams, groups):
            team.group = group
        Team.objects.bulk_create(teams)
        for domain, plans in zip(domains, self.domain_teams):
            domain.owner_team = plans[0].team
        Domain.objects.bulk_create(domains)
        User.objects.bulk_create(users)
        # What the TeamMembership signal does one member at a time: join the team's group.
        TeamMembership.objects.bulk_create(
            TeamMembership(team=teams[index], user=user, role=role) for user, role, index in zip(users, roles, team_of_user)
        )
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=groups[index].pk) for user, index in zip(users, team_of_user)
        )
        self.domains = domains
        # Some domains are much bigger than others, as in a real mesh.
        self.domain_sampler = ZipfSampler(range(len(domains)), exponent=0.6)
        self.counts.domains, self.counts.teams, self.counts.users = len(domains), len(teams), len(users)

    # --- products ----------------------------------------------------------

    def _weighted(self, weights: dict) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _product(self, number: int) -> tuple[DataProduct, list[OutputPort], list[SchemaField], list[str]]:
        rng, text = self.rng, self.text
        domain_index = self.domain_sampler.draw(rng)
        domain = self.domains[domain_index]
        plan = rng.choice(self.domain_teams[domain_index])
        name = text.product_name()
        slug = f"{self.prefix}{name.lower().replace(' ', '-')[:50].strip('-')}-{number}"
        classification = self._weighted(CLASSIFICATION_WEIGHTS)
        product = DataProduct(
            domain=domain,
            owner_team=plan.team,
            product_owner=rng.choice(plan.members),
            slug=slug,
            name=name,
            summary=text.summary(name),
            description=text.description(),
            kind=self._weighted(KIND_WEIGHTS),
            status=self._weighted(STATUS_WEIGHTS),
            version=f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 20)}",
            classification=classification,
            contains_pii=rng.random() < PII_CHANCE[classification],
            terms_of_use=rng.choice(TERMS_OF_USE),
            documentation_url=f"https://wiki.example.com/data-products/{slug}" if rng.random() < 0.4 else "",
            slo_status=self.slo_rng.choices(list(SLO_STATUS_WEIGHTS), weights=list(SLO_STATUS_WEIGHTS.values()))[0],
        )
        ports: list[OutputPort] = []
        schema: list[SchemaField] = []
        port_names: set[str] = set()
        for port_number in range(rng.randint(1, 3)):
            port_name = text.port_name()
            while port_name in port_names:
                port_name = text.port_name()
            port_names.add(port_name)
            port_type = self._weighted(PORT_TYPE_WEIGHTS)
            port = OutputPort(
                product=product,
                name=port_name,
                description=text.port_description(),
                port_type=port_type,
                format=rng.choice(PORT_FORMATS[port_type]),
                location=self._location(port_type, domain, slug, port_name),
                version=f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.0",
            )
            ports.append(port)
            schema.extend(self._schema(port, product, with_pii=product.contains_pii and (port_number == 0 or rng.random() < 0.5)))
        tags = self.tags.distinct(rng, rng.randint(2, 5))
        return product, ports, schema, tags

    def _location(self, port_type: str, domain: Domain, slug: str, port_name: str) -> str:
        dataset = domain.slug.replace("-", "_")
        if port_type == OutputPort.PortType.TABLE:
            return f"bigquery://mesh-{self.seed}/{dataset}.{port_name}"
        if port_type == OutputPort.PortType.STREAM:
            return f"kafka://events.internal:9092/{domain.slug}.{port_name}"
        if port_type == OutputPort.PortType.FILES:
            return f"s3://mesh-{domain.slug}/{slug}/{port_name}/"
        return f"https://api.internal/{domain.slug}/{slug}/{port_name}"

    def _schema(self, port: OutputPort, product: DataProduct, *, with_pii: bool) -> list[SchemaField]:
        rng, text = self.rng, self.text
        key = text.key_field()
        columns: list[tuple[str, str, bool]] = [(key, "string", False)]
        names = {key}
        if with_pii:
            for _ in range(rng.randint(1, 2)):
                name, data_type = text.pii_field()
                if name not in names:
                    names.add(name)
                    columns.append((name, data_type, True))
        size = rng.randint(3, 12)
        while len(columns) < size:
            name, data_type = text.field()
            if name not in names and name not in PII_FIELD_NAMES:  # "email" unflagged would be a lie
                names.add(name)
                columns.append((name, data_type, False))
        # Personal data is at least confidential, whatever the product's classification says.
        sensitive = product.classification if product.classification == Classification.RESTRICTED else Classification.CONFIDENTIAL
        return [
            SchemaField(
                port=port,
                position=position,
                name=name,
                data_type=data_type,
                description=text.field_description(name),
                required=position == 0 or rng.random() < 0.3,
                primary_key=position == 0,
                classification=sensitive if is_pii else "",
                is_pii=is_pii,
            )
            for position, (name, data_type, is_pii) in enumerate(columns)
        ]

    def _tag_ids(self, names: set[str]) -> dict[str, int]:
        missing = sorted(names - self.tag_ids.keys())
        if missing:
            Tag.objects.bulk_create([Tag(name=name) for name in missing], ignore_conflicts=True)
            self.tag_ids.update(Tag.objects.filter(name__in=missing).values_list("name", "id"))
        return self.tag_ids

    def create_products(self, progress: tqdm) -> None:
        TagLink = DataProduct.tags.through
        for start in range(0, self.product_total, self.batch_size):
            batch = [self._product(number) for number in range(start + 1, min(start + self.batch_size, self.product_total) + 1)]
            products = [product for product, _, _, _ in batch]
            ports = [port for _, product_ports, _, _ in batch for port in product_ports]
            schema = [field for _, _, product_schema, _ in batch for field in product_schema]
            with transaction.atomic():
                tag_ids = self._tag_ids({name for _, _, _, names in batch for name in names})
                DataProduct.objects.bulk_create(products)
                OutputPort.objects.bulk_create(ports)
                SchemaField.objects.bulk_create(schema)
                links = TagLink.objects.bulk_create(
                    TagLink(dataproduct_id=product.pk, tag_id=tag_ids[name]) for product, _, _, names in batch for name in names
                )
                permissions = DataProductGroupObjectPermission.objects.bulk_create(catalog_services.team_permission_rows(products))
            self.counts.products += len(products)
            self.counts.ports += len(ports)
            self.counts.fields += len(schema)
            self.counts.tag_links += len(links)
            self.counts.permissions += len(permissions)
            progress.update(len(products))


class Command(BaseCommand):
    help = (
        "Create a deterministic synthetic mesh: domains (about sqrt(N)/3), teams and members, N data products "
        "with 1-3 output ports of 3-12 schema fields, 2-5 tags, and the owning teams' permissions. The same "
        "--products and --seed always give the same names, slugs and text. Everything generated has a slug (or "
        "username) starting with gen-<seed>-, so it sits beside existing data; a seed that was already generated "
        "is refused unless --replace deletes the earlier run first (also the way to clean up an interrupted run). "
        "Bulk inserts bypass signals: rebuild the search index afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=1000, help="How many data products to create (default 1000).")
        parser.add_argument("--seed", type=int, default=0, help="Seed for the random generator (0 to 999999999; default 0).")
        parser.add_argument("--batch-size", type=int, default=2000, help="Products per bulk insert and transaction (default 2000).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="First delete what an earlier run with this seed created: the products, domains, teams, team groups and "
            "users whose slug or username starts with gen-<seed>-. Refused when access requests refer to them.",
        )

    def handle(self, *args, products: int, seed: int, batch_size: int, replace: bool, verbosity: int, **options):
        if products < 1:
            raise CommandError("--products must be at least 1.")
        if not 0 <= seed <= MAX_SEED:
            raise CommandError(f"--seed must be a whole number from 0 to {MAX_SEED:,}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        previous = existing_run(seed)
        if previous and not replace:
            found = ", ".join(f"{count:,} {name}" for name, count in previous.items())
            raise CommandError(
                f"Seed {seed} was already generated ({found} named {slug_prefix(seed)}…). "
                "Use --replace to delete them and generate again, or choose another --seed."
            )
        if previous:
            started = time.perf_counter()
            try:
                delete_run(seed)
            except (ProtectedError, RestrictedError):
                raise CommandError(
                    f"Cannot replace seed {seed}: access requests (or other records) refer to its products or users. Choose another --seed."
                ) from None
            if verbosity:
                self.stdout.write(f"Deleted the earlier run of seed {seed} in {time.perf_counter() - started:.1f} s.")

        started = time.perf_counter()
        generator = CatalogGenerator(products=products, seed=seed, batch_size=batch_size)
        generator.create_mesh()
        with tqdm(
            total=products, unit="product", desc="Data products", file=_ProgressStream(self.stderr), disable=verbosity == 0
        ) as progress:
            generator.create_products(progress)
        elapsed = time.perf_counter() - started

        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Generated seed {seed}: {generator.counts} in {elapsed:.1f} s ({products / elapsed:,.0f} products/s).")
            )
            if "reindex" in get_commands():
                self.stdout.write("Run manage.py reindex to make them searchable.")
