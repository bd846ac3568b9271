"""manage.py load_demo: the Streamly demo mesh (see catalog/demo_data.py).

Safe to run again: users are found by username, teams, domains and products
by slug, access requests by requester, product and purpose, objectives by
product, indicator, name and port, samples by port. What exists is left as
it is, except what the printed sign-ins promise (names, staff and superuser
flags, the stewards group, team roles, the password "demo").
"""

import heapq
import itertools
import json
import math
import os
import random
import re
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from access_requests import queries as access_queries
from access_requests import services as access_services
from access_requests.models import AccessRequest, Policy
from access_requests.policies import create_default_policies
from api_tokens import queries as token_queries
from api_tokens import services as token_services
from api_tokens.models import SERVICE_ACCOUNTS_GROUP
from catalog import services as catalog_services
from catalog.models import DataProduct, Domain, OutputPort, SLOStatus, Team, TeamMembership
from core.errors import ServiceError
from demo import data as demo_data
from lineage import services as lineage_services
from lineage.models import LineageEdge
from lineage.openlineage import dataset_identity
from notifications import delivery
from notifications.models import Notification
from notifications.services import mark_read
from slos import rules as slo_rules
from slos import samples
from slos import services as slo_services
from slos.models import Sample, ServiceLevelObjective, SLOMeasurement

User = get_user_model()

# create_product starts a product as a draft or published; later statuses are
# reached the way a real product reaches them, along the lifecycle.
LIFECYCLE_AFTER_PUBLISHING = {
    DataProduct.Status.PUBLISHED: [],
    DataProduct.Status.DEPRECATED: [DataProduct.Status.DEPRECATED],
    DataProduct.Status.RETIRED: [DataProduct.Status.DEPRECATED, DataProduct.Status.RETIRED],
}


class Command(BaseCommand):
    help = "Load the demo data mesh of Streamly, an invented music-streaming company, and print its sign-ins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load even with DEBUG off (it sets the password 'demo' on the demo users)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "load_demo gives its users the password 'demo'; it is refused with DEBUG off. Pass --force to load it anyway."
            )
        self.verbose = options["verbosity"] > 0
        started = time.monotonic()
        if self.verbose:
            self.stdout.write("Loading the Streamly demo mesh")
        # The demo's history happened in the past: its notifications are not
        # e-mailed (the dummy backend "delivers" them, in this process).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
            # The demo's requests follow the default access policies, which a
            # fresh install has from its migration: put back any that are missing
            # (existing ones are never changed).
            create_default_policies(Policy)
            users = self.load_users()
            teams = self.load_teams(users)
            self.new_token = self.load_service_account(users, teams)
            domains = self.load_domains(teams)
            products = self.load_products(users, domains)
            self.load_lineage(products)
            self.load_access_requests(users, products)
            self.load_slos(products)
            self.load_samples(products)
            self.mark_old_notifications_read(users)
            access_services.refresh_consumer_counts(product.pk for product in products.values())
            # Before commit, so that a worker (with a real broker) finds them delivered too.
            for notification_id in delivery.undelivered().values_list("pk", flat=True):
                delivery.deliver(notification_id)
        if self.verbose:
            self.print_sign_ins(seconds=time.monotonic() - started)

    def report(self, what: str, total: int, created: int) -> None:
        if self.verbose:
            self.stdout.write(f"  {what:<16} {total:>3} ({created} new)")

    # --- users -------------------------------------------------------------------

    def load_users(self) -> dict[str, User]:
        users, created = {}, 0
        for spec in demo_data.USERS:
            wanted = {
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": spec.email,
                "is_active": True,
                "is_staff": spec.is_superuser,
                "is_superuser": spec.is_superuser,
            }
            user, was_created = User.objects.get_or_create(username=spec.username, defaults=wanted)
            created += was_created
            changed = [name for name, value in wanted.items() if getattr(user, name) != value]
            if changed:
                for name in changed:
                    setattr(user, name, wanted[name])
                user.save(update_fields=changed)
            users[spec.username] = user
        self.set_demo_password(list(users.values()))
        for spec in demo_data.USERS:
            for group_name in spec.groups:
                group, _ = Group.objects.get_or_create(name=group_name)
                users[spec.username].groups.add(group)
        self.report("users", len(users), created)
        return users

    def set_demo_password(self, users: list[User]) -> None:
        """Give every demo user the password "demo". A PBKDF2 hash takes about
        0.4 s, so "demo" is hashed once (with set_password) and that hash shared:
        hashing it per user would take most of the load's time. A second run
        finds the hash already in place and writes nothing."""
        first = users[0]
        if first.password and first.check_password(demo_data.DEMO_PASSWORD):
            demo_hash = first.password
        else:
            first.set_password(demo_data.DEMO_PASSWORD)
            demo_hash = first.password
            first.save(update_fields=["password"])
        for user in users[1:]:
            if user.password != demo_hash:
                user.password = demo_hash
                user.save(update_fields=["password"])

    # --- teams and domains -------------------------------------------------------

    def load_teams(self, users: dict[str, User]) -> dict[str, Team]:
        teams, created = {}, 0
        for spec in demo_data.TEAMS:
            team = Team.objects.filter(slug=spec.slug).first()
            if team is None:
                team = catalog_services.create_team(
                    name=spec.name, slug=spec.slug, description=spec.description, contact_email=spec.contact_email
                )
                created += 1
            for username, role in spec.members:
                if not TeamMembership.objects.filter(team=team, user=users[username], role=role).exists():
                    catalog_services.add_team_member(team, user=users[username], role=role)
            teams[spec.slug] = team
        self.report("teams", len(teams), created)
        return teams

    def load_service_account(self, users: dict[str, User], teams: dict[str, Team]) -> str | None:
        """The Playback team's OpenLineage producer: a service account (no
        password) with one read-write token, made by the admin on the first
        load. Returns the token's secret when it was made now (it is printed
        once), None when the account has one already."""
        spec = demo_data.SERVICE_ACCOUNT
        account, _ = User.objects.get_or_create(
            username=spec.username,
            defaults={"first_name": spec.first_name, "last_name": spec.last_name, "email": spec.email, "password": "!"},
        )
        account.groups.add(Group.objects.get_or_create(name=SERVICE_ACCOUNTS_GROUP)[0])
        team = teams[spec.team]
        if not TeamMembership.objects.filter(team=team, user=account, role=spec.team_role).exists():
            catalog_services.add_team_member(team, user=account, role=spec.team_role)
        if token_queries.tokens_of(account).exists():
            return None
        created = token_services.create_token(
            account, by=users["admin"], name=spec.token_name, scope="write", expires_in_days=token_services.MAX_EXPIRY_DAYS
        )
        return created.secret

    def load_domains(self, teams: dict[str, Team]) -> dict[str, Domain]:
        domains, created = {}, 0
        for spec in demo_data.DOMAINS:
            # No service writes domains yet: they have no rules beyond their fields.
            domain, was_created = Domain.objects.get_or_create(
                slug=spec.slug,
                defaults={"name": spec.name, "description": spec.description, "owner_team": teams[spec.team]},
            )
            created += was_created
            domains[spec.slug] = domain
        self.report("domains", len(domains), created)
        return domains

    # --- data products -----------------------------------------------------------

    def load_products(self, users: dict[str, User], domains: dict[str, Domain]) -> dict[str, DataProduct]:
        existing = DataProduct.objects.in_bulk([spec.slug for spec in demo_data.PRODUCTS], field_name="slug")
        products, created = {}, 0
        now = timezone.now()
        for spec in demo_data.PRODUCTS:
            product = existing.get(spec.slug)
            if product is None:
                product = self.create_product(spec, by=users[spec.owner], domain=domains[spec.domain])
                # Spread creation dates so "newest products" means something; the
                # fields are automatic, so they can only be set after the fact.
                created_at = now - timedelta(days=spec.created_days_ago)
                DataProduct.objects.filter(pk=product.pk).update(
                    created_at=created_at, updated_at=created_at + timedelta(days=spec.created_days_ago * 3 // 4)
                )
                created += 1
            products[spec.slug] = product
        self.report("data products", len(products), created)
        return products

    def create_product(self, spec: demo_data.DemoProduct, *, by: User, domain: Domain) -> DataProduct:
        draft = spec.status == DataProduct.Status.DRAFT
        product = catalog_services.create_product(
            by=by,
            domain=domain,
            owner_team=domain.owner_team,
            slug=spec.slug,
            name=spec.name,
            summary=spec.summary,
            tags=spec.tags,
            ports=spec.ports,
            description=spec.description,
            kind=spec.kind,
            status=DataProduct.Status.DRAFT if draft else DataProduct.Status.PUBLISHED,
            version=spec.version,
            classification=spec.classification,
            contains_pii=spec.contains_pii,
            terms_of_use=spec.terms_of_use,
            documentation_url=spec.documentation_url,
        )
        if not draft:
            for status in LIFECYCLE_AFTER_PUBLISHING[spec.status]:
                product = catalog_services.change_status(product, by=by, status=status)
        return product

    # --- lineage -----------------------------------------------------------------

    def load_lineage(self, products: dict[str, DataProduct]) -> None:
        """Send the demo's pipeline runs as OpenLineage RunEvents through the
        service behind `POST /api/v1/lineage`, by the output product's owner,
        and declare the other products' inputs as their owners would. Run ids
        are derived from the job names, so a second load repeats the same
        events, which change nothing."""
        ports = {
            (port.product.slug, port.name): port
            for port in OutputPort.objects.filter(product__in=products.values()).select_related("product")
        }
        now = timezone.now()
        events = recorded = 0
        declared_before = LineageEdge.objects.filter(origin=LineageEdge.Origin.MANUAL).count()
        for job in demo_data.LINEAGE:
            target = products[job.writes[0].product]
            if not job.openlineage:
                inputs = [lineage_services.InputSpec(product=d.product, port=d.port, namespace=d.namespace, name=d.name) for d in job.reads]
                lineage_services.set_product_inputs(target, by=target.product_owner, inputs=inputs)
                continue
            for event_type, minutes_before in (("START", 35), ("COMPLETE", 0)):
                event = self.run_event(job, event_type, ports, when=now - timedelta(days=job.days_ago, minutes=minutes_before))
                recorded += lineage_services.ingest_run_event(event, by=target.product_owner).recorded
                events += 1
        declared = LineageEdge.objects.filter(origin=LineageEdge.Origin.MANUAL).count()
        self.report("lineage events", events, recorded)
        self.report("declared edges", declared, declared - declared_before)

    def run_event(self, job: demo_data.DemoJob, event_type: str, ports: dict, *, when) -> dict:
        """An OpenLineage RunEvent as a pipeline's client would send it."""

        def dataset(ref: demo_data.Dataset) -> dict:
            if not ref.product:
                return {"namespace": ref.namespace, "name": ref.name}
            identity = dataset_identity(ports[(ref.product, ref.port)])
            return {"namespace": identity.namespace, "name": identity.name}

        outputs = [dataset(ref) for ref in job.writes]
        for (product, port), fields in job.observed_schema:
            output = outputs[job.writes.index(demo_data.port_of(product, port))]
            output["facets"] = {
                "schema": {
                    "_producer": demo_data.LINEAGE_PRODUCER,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                    "fields": [{"name": name, "type": type_, "description": description} for name, type_, description in fields],
                }
            }
        for (product, port), mappings in job.column_lineage:
            output = outputs[job.writes.index(demo_data.port_of(product, port))]
            output.setdefault("facets", {})["columnLineage"] = {
                "_producer": demo_data.LINEAGE_PRODUCER,
                "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
                "fields": {
                    field: {
                        "inputFields": [
                            {**dataset(demo_data.port_of(source, source_port)), "field": source_field}
                            for source, source_port, source_field in sources
                        ]
                    }
                    for field, sources in mappings
                },
            }
        return {
            "eventType": event_type,
            "eventTime": when.isoformat(),
            "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"streamly-demo/{job.name}"))},
            "job": {"namespace": demo_data.LINEAGE_JOB_NAMESPACE, "name": job.name},
            "inputs": [dataset(ref) for ref in job.reads],
            "outputs": outputs,
            "producer": demo_data.LINEAGE_PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        }

    # --- access requests ---------------------------------------------------------

    def load_access_requests(self, users: dict[str, User], products: dict[str, DataProduct]) -> None:
        """Replay the demo's access history through the access request services,
        each step at the time it happened (passed to them as `now`), so that
        steps, grants, expiries, revocations, notifications and the audit chain
        are exactly what the real flow writes. Nothing is e-mailed for the past."""
        now = self.today = timezone.now()
        order = itertools.count()  # ties in time keep the order of the list
        timeline: list[tuple] = []  # (when, order, action, spec, request id); a heap
        total = created = 0
        for index, spec in enumerate(demo_data.ACCESS_REQUESTS):
            total += 1
            requester, product = users[spec.requester], products[spec.product]
            if AccessRequest.objects.filter(requester=requester, product=product, purpose=spec.purpose).exists():
                continue
            created += 1
            submitted_at = now - timedelta(days=spec.days_ago, hours=3 * (index % 5))
            heapq.heappush(timeline, (submitted_at, next(order), "submit", spec, None))
        while timeline:
            when, _, action, spec, request_id = heapq.heappop(timeline)
            try:
                follow_ups = self.replay(action, spec, request_id, users, products, now=when)
            except ServiceError as error:
                raise CommandError(f"Demo request of {spec.requester} for {spec.product} ({action}): {error}") from error
            for follow_up in follow_ups:
                heapq.heappush(timeline, (follow_up[0], next(order), *follow_up[1:]))
        access_services.expire_grants()  # anything that ended before today
        access_services.send_reminders()  # and the pending requests that waited too long
        self.report("access requests", total, created)

    def replay(self, action: str, spec, request_id, users, products, *, now: datetime) -> list[tuple]:
        """Do one step of a demo request's history, at `now`; return what follows it."""
        if action == "submit":
            product = products[spec.product]
            request = access_services.submit_request(
                product,
                by=users[spec.requester],
                purpose=spec.purpose,
                duration_days=spec.duration_days,
                port=product.output_ports.filter(name=spec.port).first() if spec.port else None,
                access=spec.access,
                now=now,
            )
            if request.status == AccessRequest.Status.APPROVED:  # the requester is in the owning team
                return self.grant_follow_ups(request, spec)
            if spec.status == AccessRequest.Status.PENDING:
                return []
            return [(now + timedelta(days=spec.decided_after_days), "decide", spec, request.pk)]
        request = AccessRequest.objects.get(pk=request_id)
        if action == "decide":
            if spec.status == AccessRequest.Status.WITHDRAWN:
                access_services.withdraw_request(request, by=request.requester, now=now)
                return []
            for step in request.steps.order_by("id"):
                decider = access_queries.approvers_of(step).first()
                if spec.status == AccessRequest.Status.REJECTED:
                    access_services.reject_step(step, by=decider, comment=spec.comment or "Not for this purpose.", now=now)
                    return []
                access_services.approve_step(step, by=decider, comment=spec.comment, now=now)
            request.refresh_from_db()
            return self.grant_follow_ups(request, spec)
        if action == "revoke":
            owner = access_queries.product_owners(request.product).first()
            access_services.revoke_grant(request.grant, by=owner, reason=spec.revoke_reason, now=now)
        elif action == "expire":
            access_services.expire_grants(now=now)
        return []

    def grant_follow_ups(self, request: AccessRequest, spec) -> list[tuple]:
        grant = request.grant
        if spec.revoked_after_days:
            return [(grant.starts_at + timedelta(days=spec.revoked_after_days), "revoke", spec, request.pk)]
        if grant.ends_at <= self.today:
            return [(grant.ends_at, "expire", spec, request.pk)]
        return []

    # --- service level objectives ------------------------------------------------

    def load_slos(self, products: dict[str, DataProduct]) -> None:
        """Define each product's objectives as its owner would, then replay
        the readings its pipeline pushed over the last MEASURED_DAYS days, in
        batches through the service behind the measurements API. Batches
        arrive in time order, each at its time (passed as `now`), so
        statuses move as they did and a breach notifies the product's owners
        and consumers of the day. Objectives that exist already are left
        alone, with their measurements."""
        now = timezone.now()
        new: list[tuple[ServiceLevelObjective, demo_data.DemoSLO]] = []
        total = 0
        for spec in demo_data.PRODUCTS:
            product = products[spec.slug]
            existing = {(slo.indicator, slo.name, slo.port.name if slo.port else "") for slo in product.slos.select_related("port")}
            for objective in demo_data.SLOS[spec.slug]:
                total += 1
                if (objective.indicator, objective.name, objective.port) in existing:
                    continue
                try:
                    slo = slo_services.define_slo(
                        product,
                        by=product.product_owner,
                        indicator=objective.indicator,
                        threshold=objective.threshold,
                        target=objective.target,
                        window_days=objective.window_days,
                        operator=objective.operator,
                        unit=objective.unit,
                        name=objective.name,
                        description=objective.description,
                        port=product.output_ports.get(name=objective.port) if objective.port else None,
                    )
                except (ServiceError, OutputPort.DoesNotExist) as error:
                    raise CommandError(f"Demo objective {objective.label} of {spec.slug}: {error}") from error
                new.append((slo, objective))
        self.report("objectives", total, len(new))
        stored = self.replay_readings(new, now=now)
        slo_services.refresh_slo_statuses(product_ids={slo.product_id for slo, _ in new}, now=now)
        demo = [product.pk for product in products.values()]
        self.report("measurements", SLOMeasurement.objects.filter(slo__product__in=demo).count(), stored)
        if self.verbose:
            statuses = Counter(DataProduct.objects.filter(pk__in=demo).values_list("slo_status", flat=True))
            shown = ", ".join(f"{label.lower()} {statuses[value]}" for value, label in SLOStatus.choices if statuses[value])
            self.stdout.write(f"  {'SLO statuses':<16} {shown}")

    def replay_readings(self, new: list[tuple[ServiceLevelObjective, demo_data.DemoSLO]], *, now: datetime) -> int:
        """Push the made-up readings of `new` objectives product by product
        (one pipeline each, pushing as the product's owner), oldest first, in
        batches of at most SLO_MEASUREMENT_BATCH. A batch ends where an
        incident breaches an objective, so its notification has the time the
        breach had."""
        readings: dict[DataProduct, list[tuple[datetime, int, float]]] = {}
        breaches: dict[DataProduct, set[datetime]] = {}
        for slo, objective in new:
            made_up, breached_at = slo_readings(objective, slo, now=now)
            readings.setdefault(slo.product, []).extend((when, slo.pk, value) for when, value in made_up)
            if breached_at is not None:
                breaches.setdefault(slo.product, set()).add(breached_at)
        # A batch older than a full window is a backfill: it is judged at today,
        # when it lies outside every window, since a status computed from a
        # window the demo's history only partly covers would be made up.
        longest_window = max((objective.window_days for _, objective in new), default=0)
        backfill_before = now - timedelta(days=demo_data.MEASURED_DAYS - longest_window)
        total = 0
        for product, rows in readings.items():
            rows.sort()
            for chunk in batches(rows, ends=breaches.get(product, set()), size=settings.SLO_MEASUREMENT_BATCH):
                payload = [slo_services.Measurement(slo=slo_id, measured_at=when, value=value) for when, slo_id, value in chunk]
                arrived = chunk[-1][0]
                at = now if arrived < backfill_before else arrived
                total += slo_services.record_measurements(payload, by=product.product_owner, now=at).stored
        return total

    # --- samples -----------------------------------------------------------------

    def load_samples(self, products: dict[str, DataProduct]) -> None:
        """Upload made-up example rows for every output port without a sample,
        as its owner would: CSV for tables and files, JSON for streams, APIs
        and ports with nested columns (see demo_data's SAMPLE_COLUMNS)."""
        today = timezone.now().date()
        ports = (
            OutputPort.objects.filter(product__in=products.values())
            .select_related("product__product_owner")
            .prefetch_related("fields")
            .order_by("product__slug", "name")
        )
        has_sample = set(Sample.objects.filter(port__in=ports).values_list("port_id", flat=True))
        total = created = 0
        for port in ports:
            total += 1
            if port.pk in has_sample:
                continue
            fields = sorted((f for f in port.fields.all() if f.parent_id is None), key=lambda field: (field.position, field.name))
            content, filename = sample_file(port, fields, sample_rows(port, fields, today=today))
            try:
                slo_services.upload_sample(port, by=port.product.product_owner, content=content, filename=filename)
            except ServiceError as error:
                raise CommandError(f"Demo sample of {port.product.slug}/{port.name}: {error} {getattr(error, 'details', '')}") from error
            created += 1
        self.report("samples", total, created)

    # --- notifications -----------------------------------------------------------

    def mark_old_notifications_read(self, users: dict[str, User]) -> None:
        """What happened before this week has been read; this week's news stays unread."""
        week_ago = timezone.now() - timedelta(days=7)
        for user in users.values():
            old = Notification.objects.filter(recipient=user, read_at=None, created_at__lt=week_ago)
            mark_read(user, notification_ids=old.values_list("pk", flat=True))

    # --- the end -----------------------------------------------------------------

    def token_lines(self) -> list[str]:
        account = demo_data.SERVICE_ACCOUNT.username
        if self.new_token:
            return [
                f"API token of the service account {account} (Playback's OpenLineage producer), shown this once:",
                f"  OPENLINEAGE_API_KEY={self.new_token}",
                "",
            ]
        return [f"The service account {account} has its API token already; admin makes another on its tokens page.", ""]

    def print_sign_ins(self, *, seconds: float) -> None:
        featured = [spec for spec in demo_data.USERS if spec.featured]
        others = [spec.username for spec in demo_data.USERS if not spec.featured]
        width = max(len("username"), *(len(spec.username) for spec in featured))
        lines = [
            "",
            self.style.SUCCESS(f"Demo mesh loaded in {seconds:.1f} s. Sign in as:"),
            "",
            f"  {'username':<{width}}  password  role",
            f"  {'-' * width}  --------  {'-' * 40}",
            *(f"  {spec.username:<{width}}  {demo_data.DEMO_PASSWORD:<8}  {spec.role}" for spec in featured),
            "",
            f"  Team members, same password: {', '.join(others)}.",
            "",
            *self.token_lines(),
            f"Open http://127.0.0.1:{os.environ.get('PORT', '8000')}/",
        ]
        self.stdout.write("\n".join(lines))


# --- made-up SLO readings ---------------------------------------------------------------

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DIGITS = {"ms": 0, "s": 2, "min": 1, "h": 2, "d": 2, "%": 3, "count": 0, "": 4}  # how precisely pipelines report
EXPECTED = {
    demo_data.STEADY: SLOStatus.MEETING,
    demo_data.FLAKY: SLOStatus.AT_RISK,
    demo_data.INCIDENT: SLOStatus.BREACHED,
    demo_data.RECOVERED: SLOStatus.MEETING,
}


def slo_readings(
    objective: demo_data.DemoSLO, slo: ServiceLevelObjective, *, now: datetime
) -> tuple[list[tuple[datetime, float]], datetime | None]:
    """The readings of `objective` over the last MEASURED_DAYS days, oldest
    first: every `every_hours` hours at a few minutes past the hour (on a grid
    fixed in UTC, so the pattern does not depend on the time of loading),
    missing the threshold where its behaviour plans it and keeping it
    elsewhere. And the time of the reading that breaches it, if one does."""
    where = f"{slo.product.slug}: {objective.label}{f' of {objective.port}' if objective.port else ''}"
    rng = random.Random(f"streamly-demo/slo/{where}")
    step = timedelta(hours=objective.every_hours)
    count = demo_data.MEASURED_DAYS * 24 // objective.every_hours
    offset = timedelta(minutes=rng.randrange(1, 20))
    latest = EPOCH + offset + (now - EPOCH - offset) // step * step
    times = [latest - index * step for index in range(count)]  # index 0 is the latest reading
    # Data loaded in periods longer than the readings' interval goes stale at
    # set moments (when a load falls due and has not landed): a run of misses
    # starts at the first reading after one. Elsewhere it may start anywhere.
    periodic = objective.indicator == demo_data.FRESHNESS and objective.loaded_every_hours >= objective.every_hours
    threshold_hours = slo_rules.convert(slo.threshold, from_unit=slo.unit, to_unit="h") if periodic else 0.0
    starts = [
        index
        for index, when in enumerate(times)
        if not periodic or hours_of(when) - fell_due(objective, threshold_hours, when) < objective.every_hours
    ]
    misses = planned_misses(objective, starts, count, rng)
    breach = check_behaviour(objective, misses, count, where=where)
    readings = []
    for index in range(count - 1, -1, -1):
        when = times[index]
        if index not in misses:
            value = kept_reading(objective, slo, when, rng)
        elif periodic:  # stale since the load due before the run's first reading
            since = fell_due(objective, threshold_hours, times[index + misses[index]])
            hours = threshold_hours + hours_of(when) - since + rng.uniform(0, min(0.02 * objective.loaded_every_hours, 0.5))
            value = slo_rules.convert(hours, from_unit="h", to_unit=slo.unit)
        else:
            value = missed_reading(objective, slo, misses[index], rng)
        readings.append((when, reported(value, slo, good=index not in misses)))
    return readings, None if breach is None else times[breach]


def hours_of(when: datetime) -> float:
    return (when - EPOCH).total_seconds() / 3600


def fell_due(objective: demo_data.DemoSLO, threshold_hours: float, when: datetime) -> float:
    """The latest moment (in hours since EPOCH) at or before `when` at which
    the data would have turned stale had the load due then not landed."""
    period = objective.loaded_every_hours
    return math.floor((hours_of(when) - threshold_hours) / period) * period + threshold_hours


def batches(rows: list[tuple], *, ends: set[datetime], size: int):
    """`rows` (time first) in batches of at most `size`, a batch also ending at each time in `ends`."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size or row[0] in ends:
            yield batch
            batch = []
    if batch:
        yield batch


def planned_misses(objective: demo_data.DemoSLO, starts: list[int], count: int, rng: random.Random) -> dict[int, int]:
    """Which readings (0 = the latest) miss the threshold, each with its place
    in a run of misses, runs beginning at `starts`. Sized by the error
    budget: the misses a window allows."""
    window = objective.window_days * 24 // objective.every_hours
    budget = window * (100 - objective.target) / 100
    starts_per_window = window * len(starts) / count
    if objective.behaviour == demo_data.FLAKY:
        # m misses leave under a quarter of the budget; evenly spaced, m and a
        # half to a window, every window holds m or m + 1, which the budget allows.
        return spaced(starts, starts_per_window / (math.floor(0.75 * budget) + 1.5), rng, jitter=False)
    # Steady: on average up to a fifth of the budget per window, some
    # objectives hardly ever missing; with room for it, a miss may last two readings.
    per_window = rng.uniform(0.15, max(0.2 * budget, 0.3))
    misses = spaced(starts, max(starts_per_window / per_window, 2.0), rng, jitter=True, runs=budget >= 8)
    if objective.behaviour in (demo_data.INCIDENT, demo_data.RECOVERED):
        began = round(objective.incident_days_ago * 24 / objective.every_hours)
        first = min(starts, key=lambda index: abs(index - began))
        for position in range(math.ceil(1.3 * budget)):
            if first - position >= 0:
                misses[first - position] = position
    return misses


def spaced(starts: list[int], stride: float, rng: random.Random, *, jitter: bool, runs: bool = False) -> dict[int, int]:
    """A miss at every `stride`-th of `starts`, moved by up to a quarter
    stride with `jitter`, and with `runs` sometimes followed by a second one."""
    misses = {}
    at = rng.uniform(0, stride)
    while at < len(starts):
        place = round(at + (rng.uniform(-stride / 4, stride / 4) if jitter else 0))
        if 0 <= place < len(starts):
            index = starts[place]
            misses[index] = 0
            if runs and index > 0 and rng.random() < 0.3:
                misses[index - 1] = 1
        at += stride
    return misses


def check_behaviour(objective: demo_data.DemoSLO, misses: dict[int, int], count: int, *, where: str) -> int | None:
    """Refuse demo data whose readings would not show its behaviour: the
    latest window must have the status the behaviour promises, and a steady
    or flaky objective must have it in every window of its history. Windows
    are judged as the service judges them: at a reading's own time, a window
    holds one reading more than in between (both of its ends count).
    Returns the reading (0 = the latest) whose window first breaches, if any."""
    window = objective.window_days * 24 // objective.every_hours
    missed = [0] * (count + 1)
    for index in range(count):
        missed[index + 1] = missed[index] + (index in misses)

    def status(start: int, length: int) -> str:
        bad = missed[start + length] - missed[start]
        return slo_rules.status_from_counts(length - bad, length, target=objective.target).status

    between = [status(start, window) for start in range(count - window + 1)]
    at_readings = [status(start, window + 1) for start in range(count - window)]
    expected = EXPECTED[objective.behaviour]
    steady_all_along = objective.behaviour in (demo_data.STEADY, demo_data.FLAKY)
    if between[0] != expected or (steady_all_along and set(between) | set(at_readings) != {expected}):
        found = ", ".join(sorted(set(between) | set(at_readings)))
        raise CommandError(f"Demo objective {where} ({objective.behaviour}) would be {found}: adjust its target or cadence.")
    breaching = [start for start, judged in enumerate(at_readings) if judged == SLOStatus.BREACHED]
    if objective.behaviour == demo_data.RECOVERED and not breaching:
        raise CommandError(f"Demo objective {where} never breached: its incident is too early or too short.")
    return max(breaching) if breaching else None


def kept_reading(objective: demo_data.DemoSLO, slo: ServiceLevelObjective, when: datetime, rng: random.Random) -> float:
    if objective.indicator == demo_data.FRESHNESS:
        hours = freshness_hours(objective, when, rng)
        limit = slo_rules.convert(slo.threshold, from_unit=slo.unit, to_unit="h") * 0.97
        return slo_rules.convert(min(hours, limit), from_unit="h", to_unit=slo.unit)
    if slo.operator == ServiceLevelObjective.Operator.AT_MOST:
        return min(objective.typical * math.exp(rng.gauss(0, objective.spread)), slo.threshold * 0.9)
    value = objective.typical + rng.gauss(0, objective.spread)
    if slo.unit == "%":
        value = min(value, 100.0)
    return max(value, slo.threshold + (objective.typical - slo.threshold) * 0.1)


def freshness_hours(objective: demo_data.DemoSLO, when: datetime, rng: random.Random) -> float:
    """Hours since the end of the newest period whose load had landed at
    `when`. Period j's load lands `lands_after_hours` after it ends, plus a
    delay of up to `late_by_hours` that varies from load to load. Loads more
    frequent than the readings are caught at any point of their cycle."""
    period = objective.loaded_every_hours
    if period < objective.every_hours:
        return objective.lands_after_hours + rng.uniform(0, period) + objective.late_by_hours * rng.random() ** 2
    hours = hours_of(when)
    newest = math.floor(hours / period)
    while newest * period + objective.lands_after_hours + objective.late_by_hours * load_delay(newest) > hours:
        newest -= 1
    # The newest row is a little older than the period's end.
    return hours - newest * period + rng.uniform(0, min(0.02 * period, 0.5))


def load_delay(period: int) -> float:
    """A share in [0, 1) that looks random from one period to the next and is the same on every load (golden ratio steps)."""
    return (period * 0x9E3779B1 % 2**32) / 2**32


def missed_reading(objective: demo_data.DemoSLO, slo: ServiceLevelObjective, position: int, rng: random.Random) -> float:
    """A reading past the threshold (freshness: of data loaded more often
    than it is read); `position` readings into a run of misses, the data is
    that much staler and a degraded service worse."""
    if objective.indicator == demo_data.FRESHNESS:
        threshold = slo_rules.convert(slo.threshold, from_unit=slo.unit, to_unit="h")
        overdue = rng.uniform(0.2, 0.8) * min(objective.every_hours, 4 * objective.loaded_every_hours)
        hours = threshold + overdue + position * objective.every_hours
        return slo_rules.convert(hours, from_unit="h", to_unit=slo.unit)
    severity = rng.uniform(1.5, 6.0) if position else rng.uniform(0.3, 2.0)
    gap = abs(slo.threshold - objective.typical) or abs(slo.threshold) * 0.1
    if slo.operator == ServiceLevelObjective.Operator.AT_MOST:
        return slo.threshold + gap * severity
    return max(slo.threshold - gap * severity, 0.0)


def reported(value: float, slo: ServiceLevelObjective, *, good: bool) -> float:
    """`value` rounded as a pipeline reports it, still on its side of the threshold."""
    digits = DIGITS.get(slo.unit, 3)
    rounded = round(value, digits)
    if slo_rules.judge(slo, rounded) != good:
        nudge = 10**-digits if good == (slo.operator == ServiceLevelObjective.Operator.AT_LEAST) else -(10**-digits)
        rounded = round(slo.threshold + nudge, digits)
    return float(rounded)


# --- made-up sample rows ------------------------------------------------------------------

DECIMAL_SCALE = re.compile(r"^(?:decimal|numeric)\(\s*\d+\s*,\s*(\d+)\s*\)", re.IGNORECASE)


def sample_rows(port: OutputPort, fields: list, *, today) -> list[dict]:
    """SAMPLE_ROWS (at least, at most) rows for `port`, each column's value
    from its rule, no two rows with the same primary key, ordered by time and key."""
    slug = port.product.slug
    rng = random.Random(f"streamly-demo/sample/{slug}/{port.name}")
    wanted = rng.randint(*demo_data.SAMPLE_ROWS)
    keys = [field.name for field in fields if field.primary_key]
    rows: list[dict] = []
    seen: set = set()
    for _ in range(wanted * 5):
        row = demo_data.SampleRow(rng, today=today)
        for field in fields:
            rule = demo_data.SAMPLE_OVERRIDES.get((slug, field.name)) or demo_data.SAMPLE_COLUMNS.get(field.name)
            if rule is None:
                raise CommandError(
                    f"No sample rule for the column {field.name!r} of {slug}/{port.name}: add it to demo_data.SAMPLE_COLUMNS."
                )
            value = rule(row)
            scale = DECIMAL_SCALE.match(field.data_type)
            row.values[field.name] = round(value, int(scale.group(1))) if scale and value is not None else value
        key = json.dumps([row.values[name] for name in keys], sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        rows.append(row.values)
        if len(rows) == wanted:
            break
    when = next((field.name for field in fields if field.required and samples.type_family(field.data_type) in ("date", "timestamp")), None)
    return sorted(rows, key=lambda row: (str(row[when]) if when else "", [(isinstance(row[name], str), row[name]) for name in keys]))


def sample_file(port: OutputPort, fields: list, rows: list[dict]) -> tuple[bytes, str]:
    """The upload: JSON for streams, APIs and nested columns, CSV otherwise."""
    columns = [field.name for field in fields]
    values = [[row[name] for name in columns] for row in rows]
    nested = any(samples.type_family(field.data_type) is None for field in fields)
    if nested or port.port_type in (OutputPort.PortType.STREAM, OutputPort.PortType.API):
        return samples.json_text(columns, values).encode(), f"{port.name}-sample.json"
    return samples.csv_text(columns, values).encode(), f"{port.name}-sample.csv"
