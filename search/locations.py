from django.db.models import Q

from access_requests.models import Grant
from access_requests.queries import usable_port_ids
from catalog.models import OutputPort
from catalog.queries import editable_products
from core.users import AnonymousUser, User

from .types import WORD, WORD_PART

LOCATION_MATCHES_AT_MOST = 200  # ports looked at for one search (an admin's words may match thousands)


def products_found_by_location(user: User | AnonymousUser, terms: list[str]) -> frozenset[int]:
    """The products with an output port whose location has every one of the
    words `terms` (each the start of one of its words, as search matches
    words) and which `user` may use (usable_port_ids decides). Search adds
    these to the products its index finds: locations are kept out of the
    index, so that nobody else finds a product, a snippet or a word by one.
    The ports looked at are those of products `user` can edit or holds a
    live grant on (a handful); usable_port_ids then applies the rule."""
    if not terms or not user.is_authenticated:
        return frozenset()
    ports = OutputPort.objects.exclude(location="")
    if not user.is_superuser:
        granted = Grant.objects.live().filter(user=user).values("product_id")
        ports = ports.filter(Q(product__in=editable_products(user).values("pk")) | Q(product__in=granted))
    for term in terms:
        ports = ports.filter(location__icontains=term)
    by_product: dict[int, list[OutputPort]] = {}
    for port in ports.select_related("product").order_by("pk")[:LOCATION_MATCHES_AT_MOST]:
        words = WORD.findall(port.location.lower())
        words += [part for word in words for part in WORD_PART.findall(word)]
        if all(any(word.startswith(term) for word in words) for term in terms):
            by_product.setdefault(port.product_id, []).append(port)
    return frozenset(
        product_id
        for product_id, matching in by_product.items()
        if usable_port_ids(user, matching[0].product, [port.pk for port in matching])
    )
