"""manage.py load_demo: the Streamly demo mesh (see catalog/demo_data.py).

Safe to run again: users are found by username, teams, domains and products
by slug, access requests by requester, product and purpose. What exists is
left as it is, except what the printed sign-ins promise (names, staff and
superuser flags, the stewards group, team roles, the password "demo").
"""

import heapq
import itertools
import os
import time
import uuid
from datetime import timedelta

import time_machine

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from access_requests import notifications as access_notifications, queries as access_queries, services as access_services
from access_requests.models import AccessRequest, Notification
from access_requests.notifications import mark_read
from catalog import demo_data, services
from catalog.models import DataProduct, Domain, LineageEdge, OutputPort, Team, TeamMembership
from catalog.openlineage import dataset_identity
from marketplace.errors import ServiceError

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
            raise CommandError("load_demo gives its users the password 'demo'; it is refused with DEBUG off. Pass --force to load it anyway.")
        self.verbose = options["verbosity"] > 0
        started = time.monotonic()
        if self.verbose:
            self.stdout.write("Loading the Streamly demo mesh")
        # The demo's history happened in the past: its notifications are not
        # e-mailed (the dummy backend "delivers" them, in this process).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
            users = self.load_users()
            teams = self.load_teams(users)
            domains = self.load_domains(teams)
            products = self.load_products(users, domains)
            self.load_lineage(products)
            self.load_access_requests(users, products)
            services.refresh_consumer_counts(product.pk for product in products.values())
            # Before commit, so that a worker (with a real broker) finds them delivered too.
            for notification_id in access_notifications.undelivered().values_list("pk", flat=True):
                access_notifications.deliver(notification_id)
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
                team = services.create_team(
                    name=spec.name, slug=spec.slug, description=spec.description, contact_email=spec.contact_email
                )
                created += 1
            for username, role in spec.members:
                if not TeamMembership.objects.filter(team=team, user=users[username], role=role).exists():
                    services.add_team_member(team, user=users[username], role=role)
            teams[spec.slug] = team
        self.report("teams", len(teams), created)
        return teams

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
        product = services.create_product(
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
                product = services.change_status(product, by=by, status=status)
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
                inputs = [services.InputSpec(product=d.product, port=d.port, namespace=d.namespace, name=d.name) for d in job.reads]
                services.set_product_inputs(target, by=target.product_owner, inputs=inputs)
                continue
            for event_type, minutes_before in (("START", 35), ("COMPLETE", 0)):
                event = self.run_event(job, event_type, ports, when=now - timedelta(days=job.days_ago, minutes=minutes_before))
                recorded += services.ingest_run_event(event, by=target.product_owner).recorded
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
        each step at the time it happened (a travelling clock), so that steps,
        grants, expiries, revocations, notifications and the audit chain are
        exactly what the real flow writes. Nothing is e-mailed for the past."""
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
            with time_machine.travel(when, tick=False):
                try:
                    follow_ups = self.replay(action, spec, request_id, users, products)
                except ServiceError as error:
                    raise CommandError(f"Demo request of {spec.requester} for {spec.product} ({action}): {error}") from error
            for follow_up in follow_ups:
                heapq.heappush(timeline, (follow_up[0], next(order), *follow_up[1:]))
        access_services.expire_grants()  # anything that ended before today
        access_services.send_reminders()  # and the pending requests that waited too long
        for user in users.values():  # what happened before this week has been read
            old = Notification.objects.filter(recipient=user, read_at=None, created_at__lt=now - timedelta(days=7))
            mark_read(user, notification_ids=old.values_list("pk", flat=True))
        self.report("access requests", total, created)

    def replay(self, action: str, spec, request_id, users, products) -> list[tuple]:
        """Do one step of a demo request's history; return what follows it."""
        now = timezone.now()
        if action == "submit":
            product = products[spec.product]
            request = access_services.submit_request(
                product,
                by=users[spec.requester],
                purpose=spec.purpose,
                duration_days=spec.duration_days,
                port=product.output_ports.filter(name=spec.port).first() if spec.port else None,
                access=spec.access,
            )
            if request.status == AccessRequest.Status.APPROVED:  # the requester is in the owning team
                return self.grant_follow_ups(request, spec)
            if spec.status == AccessRequest.Status.PENDING:
                return []
            return [(now + timedelta(days=spec.decided_after_days), "decide", spec, request.pk)]
        request = AccessRequest.objects.get(pk=request_id)
        if action == "decide":
            if spec.status == AccessRequest.Status.WITHDRAWN:
                access_services.withdraw_request(request, by=request.requester)
                return []
            for step in request.steps.order_by("id"):
                decider = access_queries.approvers_of(step).first()
                if spec.status == AccessRequest.Status.REJECTED:
                    access_services.reject_step(step, by=decider, comment=spec.comment or "Not for this purpose.")
                    return []
                access_services.approve_step(step, by=decider, comment=spec.comment)
            request.refresh_from_db()
            return self.grant_follow_ups(request, spec)
        if action == "revoke":
            owner = access_queries.product_owners(request.product).first()
            access_services.revoke_grant(request.grant, by=owner, reason=spec.revoke_reason)
        elif action == "expire":
            access_services.expire_grants()
        return []

    def grant_follow_ups(self, request: AccessRequest, spec) -> list[tuple]:
        grant = request.grant
        if spec.revoked_after_days:
            return [(grant.starts_at + timedelta(days=spec.revoked_after_days), "revoke", spec, request.pk)]
        if grant.ends_at <= self.today:
            return [(grant.ends_at, "expire", spec, request.pk)]
        return []

    # --- the end -----------------------------------------------------------------

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
            f"Open http://127.0.0.1:{os.environ.get('PORT', '8000')}/",
        ]
        self.stdout.write("\n".join(lines))
