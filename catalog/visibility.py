"""Who may see which data products: the one rule, in each engine's words.

A signed-in user sees every product that is not a draft, and the drafts they
hold the view permission on (their team's group holds it on the team's
products, catalog.services); admins (superusers, or holders of the global view
permission) see every product. visibility_for(user) builds the rule for one
person; the ORM (catalog.queries), raw SQL (the lineage walk, the database
search backends) and Elasticsearch (its filter and suggestion contexts) ask
the same object, each in its own terms (netbox's `restrict()` idea).

Whether someone signed in at all is not this rule: pages and API require it,
and catalog.queries.visible_products shows nothing to an anonymous user.

Imports only Django, core and catalog.models, so that the queries and every search backend can
import it.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db.models import Q

from core.users import AnonymousUser, User

from .models import DataProduct, DataProductGroupObjectPermission, DataProductUserObjectPermission

DRAFT = DataProduct.Status.DRAFT.value

# Elasticsearch completion contexts (search.elastic): every product but
# drafts is indexed as LISTED; a draft as DRAFT and as draft-<id>.
LISTED_CONTEXT = "listed"
DRAFT_CONTEXT = DRAFT


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass(frozen=True)
class Visibility:
    """Who may see which products: every non-draft, plus the drafts in
    `draft_ids`; or every product at all (`sees_everything`, admins)."""

    draft_ids: frozenset[int] = frozenset()
    sees_everything: bool = False

    def may_see(self, *, status: str, product_id: int | None) -> bool:
        """Whether a product with this status and id is visible (for rows
        already fetched, such as an engine's answer)."""
        return self.sees_everything or status != DRAFT or product_id in self.draft_ids

    def q(self) -> Q:
        """The rule as an ORM filter on DataProduct."""
        if self.sees_everything:
            return Q()
        visible = ~Q(status=DRAFT)
        if self.draft_ids:
            visible |= Q(pk__in=sorted(self.draft_ids))
        return visible

    def sql(self, alias: str) -> tuple[str, list]:
        """The rule as a condition on the catalog_dataproduct table aliased
        `alias`, for raw SQL on SQLite and PostgreSQL: (sql, params)."""
        if self.sees_everything:
            return "1 = 1", []
        if not self.draft_ids:
            return self.shared_sql(alias), []
        drafts = sorted(self.draft_ids)
        return f"({alias}.status <> '{DRAFT}' OR {alias}.id IN ({_placeholders(drafts)}))", drafts

    def shared_sql(self, alias: str) -> str:
        """The part of sql() that is the same for everyone who sees what this
        person sees apart from their own drafts (every non-draft, or every
        product for admins): what search may count once for all of them."""
        return "1 = 1" if self.sees_everything else f"{alias}.status <> '{DRAFT}'"

    def own_drafts_sql(self, alias: str) -> tuple[str, list] | None:
        """The rest of sql(): this person's own drafts, or None when there
        are none to add (sql() = shared_sql() OR own_drafts_sql())."""
        if self.sees_everything or not self.draft_ids:
            return None
        drafts = sorted(self.draft_ids)
        return f"{alias}.status = '{DRAFT}' AND {alias}.id IN ({_placeholders(drafts)})", drafts

    def es_filter(self) -> dict | None:
        """The rule as an Elasticsearch (OpenSearch) filter clause on the
        product documents' `status` and `product_id`; None when nothing is
        filtered out."""
        if self.sees_everything:
            return None
        not_draft = {"bool": {"must_not": [{"term": {"status": DRAFT}}]}}
        if not self.draft_ids:
            return not_draft
        own_drafts = {"terms": {"product_id": sorted(self.draft_ids)}}
        return {"bool": {"should": [not_draft, own_drafts], "minimum_should_match": 1}}

    def suggest_contexts(self) -> list[str]:
        """The Elasticsearch completion contexts this person may suggest from
        (the products indexed under them: suggest_contexts_of)."""
        if self.sees_everything:
            return [LISTED_CONTEXT, DRAFT_CONTEXT]
        return [LISTED_CONTEXT, *(f"{DRAFT_CONTEXT}-{product_id}" for product_id in sorted(self.draft_ids))]


def suggest_contexts_of(*, status: str, product_id: int) -> list[str]:
    """The completion contexts a product is indexed under: Visibility.suggest_contexts
    of those who may see it includes one of them."""
    if status == DRAFT:
        return [DRAFT_CONTEXT, f"{DRAFT_CONTEXT}-{product_id}"]
    return [LISTED_CONTEXT]


def visible_draft_ids(user: User | AnonymousUser) -> frozenset[int]:
    """The drafts `user` holds the view permission on (through a group, such
    as their team's, or given to them), in one query driven from their own
    permission rows, so it costs the same in a catalog of any size."""
    if not user.is_authenticated:
        return frozenset()
    draft = {"permission__codename": "view_dataproduct", "content_object__status": DRAFT}
    by_group = DataProductGroupObjectPermission.objects.filter(group__user=user, **draft).values_list("content_object_id", flat=True)
    by_user = DataProductUserObjectPermission.objects.filter(user=user, **draft).values_list("content_object_id", flat=True)
    return frozenset(by_group.union(by_user))


def holds_global_view_permission(user: User | AnonymousUser) -> bool:
    """Whether an active `user` holds the view permission on every product
    (given in the admin, to them or a group of theirs), as Django's model
    backend counts it. Asked of the database each time, not of the
    permission cache on the user object, so every call costs one query."""
    if not (user.is_authenticated and user.is_active):
        return False
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user), content_type__app_label="catalog", codename="view_dataproduct"
    ).exists()


def visibility_for(user: User | AnonymousUser) -> Visibility:
    """What `user` may see. Admins see everything: superusers, and whoever
    holds the view permission globally (guardian's get_objects_for_user
    counts it so, which the product pages used)."""
    if user.is_authenticated and (user.is_superuser or holds_global_view_permission(user)):
        return Visibility(sees_everything=True)
    return Visibility(draft_ids=visible_draft_ids(user))
