"""Reads that depend on who asks. Pages, API and (later) search and tasks
use these, so every one of them shows a user exactly the same products."""

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from core.users import AnonymousUser, User

from .models import DataProduct, Domain, Follow, OutputPort, ScheduledPortChange, SchemaField, Tag, Team, TeamMembership
from .visibility import visibility_for


def visible_products(user: User | AnonymousUser) -> QuerySet[DataProduct]:
    """Products `user` may see (catalog.visibility): every non-draft product
    for a signed-in user, plus the drafts their teams own; admins see all."""
    if not user.is_authenticated:
        return DataProduct.objects.none()
    return DataProduct.objects.filter(visibility_for(user).q())


def editable_products(user: User | AnonymousUser) -> QuerySet[DataProduct]:
    """Products `user` may change: their teams' products (change permission)."""
    if not user.is_authenticated:
        return DataProduct.objects.none()
    return get_objects_for_user(user, "catalog.change_dataproduct", klass=DataProduct, accept_global_perms=True)


def can_edit(user: User | AnonymousUser, product: DataProduct) -> bool:
    return user.is_authenticated and user.has_perm("catalog.change_dataproduct", product)


def is_steward(user: User | AnonymousUser) -> bool:
    """Whether `user` is a governance steward (a member of settings.STEWARDS_GROUP)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_steward", None)
    if cached is None:
        cached = user.groups.filter(name=settings.STEWARDS_GROUP).exists()
        user._is_steward = cached
    return cached


def is_team_member(user: User | AnonymousUser, team: Team) -> bool:
    return user.is_authenticated and TeamMembership.objects.filter(team=team, user=user).exists()


def may_see_consumers(user: User | AnonymousUser, product: DataProduct) -> bool:
    """Who uses a product (its consumers, and the impact analysis that names
    them) is for its owning team, governance stewards and admins."""
    return user.is_superuser or is_steward(user) or is_team_member(user, product.owner_team)


# A missing product and one `user` may not see get the same answer, so a
# slug tells nobody whether a draft exists.
PRODUCT_NOT_FOUND = "No data product here, or you may not see it."


def visible_product_or_404(user: User | AnonymousUser, slug: str, products: QuerySet[DataProduct] | None = None) -> DataProduct:
    """The product with `slug` that `user` may see, with its domain and team,
    else Http404(PRODUCT_NOT_FOUND). `products` narrows or enriches the
    lookup; it must be drawn from visible_products(user)."""
    if products is None:
        products = visible_products(user).select_related("domain", "owner_team")
    try:
        return products.get(slug=slug)
    except DataProduct.DoesNotExist:
        raise Http404(PRODUCT_NOT_FOUND) from None


def product_detail(user: User | AnonymousUser, slug: str) -> DataProduct:
    """The product page's product with everything it shows, in a constant
    number of queries. Http404 when `user` may not see it (visible_product_or_404)."""
    ports = (
        OutputPort.objects.order_by("position", "name")
        .select_related("lineage_node")
        .prefetch_related(Prefetch("fields", SchemaField.objects.order_by("position", "name")))
    )
    return visible_product_or_404(user, slug, visible_products(user).with_card_data().prefetch_related(Prefetch("output_ports", ports)))


def product_list(user: User | AnonymousUser) -> QuerySet[DataProduct]:
    return visible_products(user).with_card_data()


def domains_with_counts(user: User | AnonymousUser) -> QuerySet[Domain]:
    """Domains with the number of products `user` can see in each."""
    visible = visible_products(user).values("pk")
    return Domain.objects.select_related("owner_team").annotate(product_count=Count("products", filter=Q(products__in=visible)))


def newest_products(user: User | AnonymousUser, limit: int = 6) -> QuerySet[DataProduct]:
    return product_list(user).filter(status=DataProduct.Status.PUBLISHED).order_by("-created_at")[:limit]


def most_requested_products(user: User | AnonymousUser, limit: int = 6) -> QuerySet[DataProduct]:
    """Published products with the most access requests, most first."""
    return (
        product_list(user)
        .filter(status=DataProduct.Status.PUBLISHED)
        .annotate(request_count=Count("access_requests"))
        .filter(request_count__gt=0)
        .order_by("-request_count", "name")[:limit]
    )


def teams_of(user: User) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


def popular_tags(user: User | AnonymousUser, limit: int = 12) -> QuerySet[Tag]:
    """The tags on most of the products `user` can see."""
    visible = visible_products(user).values("pk")
    return (
        Tag.objects.annotate(product_count=Count("products", filter=Q(products__in=visible)))
        .filter(product_count__gt=0)
        .order_by("-product_count", "name")[:limit]
    )


# --- followers and scheduled changes ---------------------------------------------


def is_following(user: User | AnonymousUser, product: DataProduct) -> bool:
    return user.is_authenticated and Follow.objects.filter(user=user, product=product).exists()


def follower_count(product: DataProduct) -> int:
    return Follow.objects.filter(product=product).count()


def followers_shown_to(user: User | AnonymousUser, product: DataProduct) -> QuerySet[Follow]:
    """Who follows `product`, newest first, for those who may see its
    consumers (may_see_consumers); nobody for anyone else, who sees the count only."""
    if not may_see_consumers(user, product):
        return Follow.objects.none()
    return Follow.objects.filter(product=product).select_related("user").order_by("-created_at", "-id")


FOLLOWERS_SHOWN = 50


def follow_box(user: User | AnonymousUser, product: DataProduct) -> dict:
    """What the product page's Follow box shows `user`: whether they follow
    it, how many do, and (to its team, stewards and admins) who, newest first."""
    count = follower_count(product)
    followers = list(followers_shown_to(user, product)[:FOLLOWERS_SHOWN])
    return {
        "following": is_following(user, product),
        "follower_count": count,
        "followers": followers,
        "more_followers": count - len(followers) if followers else 0,
    }


def followers_to_tell(product: DataProduct) -> list[User]:
    """The active users following `product` who may still see it (a draft's
    followers who left its team are not told of it: catalog.visibility)."""
    users = [follow.user for follow in Follow.objects.filter(product=product, user__is_active=True).select_related("user")]
    if product.status != DataProduct.Status.DRAFT:
        return users
    return [user for user in users if visibility_for(user).may_see(status=product.status, product_id=product.pk)]


def pending_scheduled_changes(product: DataProduct) -> QuerySet[ScheduledPortChange]:
    """The product's port changes still to take effect, soonest first (shown
    to everyone who may see the product: its consumers should know)."""
    return (
        product.scheduled_port_changes.filter(status=ScheduledPortChange.Status.PENDING)
        .select_related("created_by")
        .order_by("effective_at", "pk")
    )
