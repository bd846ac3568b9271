"""Reads that depend on who asks. Pages, API and (later) search and tasks
use these, so every one of them shows a user exactly the same products."""

from django.db.models import Count, Prefetch, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from .models import DataProduct, Domain, OutputPort, SchemaField, Tag, Team


def visible_products(user) -> QuerySet[DataProduct]:
    """Products `user` may see: every non-draft product for a signed-in user,
    plus the drafts their teams own (view permission); admins see all."""
    if not user.is_authenticated:
        return DataProduct.objects.none()
    if user.is_superuser:
        return DataProduct.objects.all()
    own = get_objects_for_user(user, "catalog.view_dataproduct", klass=DataProduct, accept_global_perms=True)
    return DataProduct.objects.filter(Q(pk__in=own.values("pk")) | ~Q(status=DataProduct.Status.DRAFT))


def editable_products(user) -> QuerySet[DataProduct]:
    """Products `user` may change: their teams' products (change permission)."""
    if not user.is_authenticated:
        return DataProduct.objects.none()
    return get_objects_for_user(user, "catalog.change_dataproduct", klass=DataProduct, accept_global_perms=True)


def can_edit(user, product: DataProduct) -> bool:
    return user.is_authenticated and user.has_perm("catalog.change_dataproduct", product)


def product_detail(user, slug: str) -> DataProduct:
    """The product page's product with everything it shows, in a constant
    number of queries. Raises DataProduct.DoesNotExist when `user` may not see it."""
    ports = OutputPort.objects.order_by("name").prefetch_related(Prefetch("fields", SchemaField.objects.order_by("position", "name")))
    return (
        visible_products(user)
        .with_card_data()
        .prefetch_related(Prefetch("output_ports", ports))
        .get(slug=slug)
    )


def product_list(user) -> QuerySet[DataProduct]:
    return visible_products(user).with_card_data()


def domains_with_counts(user) -> QuerySet[Domain]:
    """Domains with the number of products `user` can see in each."""
    visible = visible_products(user).values("pk")
    return Domain.objects.select_related("owner_team").annotate(
        product_count=Count("products", filter=Q(products__in=visible))
    )


def newest_products(user, limit: int = 6) -> QuerySet[DataProduct]:
    return product_list(user).filter(status=DataProduct.Status.PUBLISHED).order_by("-created_at")[:limit]


def most_requested_products(user, limit: int = 6) -> QuerySet[DataProduct]:
    """Published products with the most access requests, most first."""
    return (
        product_list(user)
        .filter(status=DataProduct.Status.PUBLISHED)
        .annotate(request_count=Count("access_requests"))
        .filter(request_count__gt=0)
        .order_by("-request_count", "name")[:limit]
    )


def teams_of(user) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


def may_use(user, product: DataProduct) -> bool:
    """May `user` use `product` now: see its ports' locations and real sample
    values. Its owning team and admins may; others need a live grant (the
    one function every page, endpoint and task asks)."""
    if not user.is_authenticated:
        return False
    if can_edit(user, product):
        return True
    from access_requests.queries import has_live_grant

    return has_live_grant(user, product)


def popular_tags(user, limit: int = 12) -> QuerySet[Tag]:
    """The tags on most of the products `user` can see."""
    visible = visible_products(user).values("pk")
    return (
        Tag.objects.annotate(product_count=Count("products", filter=Q(products__in=visible)))
        .filter(product_count__gt=0)
        .order_by("-product_count", "name")[:limit]
    )


def visible_draft_ids(user) -> list[int]:
    """The drafts `user` may see through an object permission (their team's,
    or given to them): what search adds to every non-draft product. Driven
    from the user's own permission rows, so it costs the same in a catalog
    of any size."""
    from .models import DataProductGroupObjectPermission, DataProductUserObjectPermission

    if not user.is_authenticated:
        return []
    draft = {"permission__codename": "view_dataproduct", "content_object__status": DataProduct.Status.DRAFT}
    by_group = DataProductGroupObjectPermission.objects.filter(group__user=user, **draft).values_list("content_object_id", flat=True)
    by_user = DataProductUserObjectPermission.objects.filter(user=user, **draft).values_list("content_object_id", flat=True)
    return sorted(set(by_group) | set(by_user))
