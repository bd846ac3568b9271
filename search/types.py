"""The search contract every backend answers: what is asked, what comes back."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Facets, in the order the page shows them: (name, label).
FACETS: tuple[tuple[str, str], ...] = (
    ("domain", "Domain"),
    ("tag", "Tag"),
    ("classification", "Classification"),
    ("status", "Lifecycle status"),
    ("slo_status", "SLO status"),
    ("kind", "Kind"),
    ("owner_team", "Owning team"),
)
FACET_NAMES = tuple(name for name, _ in FACETS)
SORTS: tuple[tuple[str, str], ...] = (
    ("relevance", "Relevance"),
    ("name", "Name"),
    ("newest", "Newest"),
    ("most_used", "Most used"),
)
SORT_NAMES = tuple(name for name, _ in SORTS)
MAX_QUERY_LENGTH = 200  # characters of user text kept; the rest is ignored
MAX_TERMS = 12  # words of user text kept
MAX_TERM_LENGTH = 40
MAX_PAGE_SIZE = 100
FACET_SIZE = 30  # values per facet (tags have many)

WORD = re.compile(r"\w+", re.UNICODE)
WORD_PART = re.compile(r"[^\W_]+", re.UNICODE)  # a word, with identifiers split at underscores


def terms_of(text: str) -> list[str]:
    """The words of the user's text, lowercased: all a backend ever matches on.
    Punctuation, quotes, operators and field syntax are dropped, so no user
    text is ever parsed as query syntax by any engine."""
    words = WORD.findall((text or "")[:MAX_QUERY_LENGTH].lower())
    return [word[:MAX_TERM_LENGTH] for word in words if word.strip("_")][:MAX_TERMS]


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # facet name -> values (slugs)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    # Products whose words match by the location of an output port the person
    # searching may use (search.locations.products_found_by_location; search()
    # fills it in). Locations are not in any index: these ids are added to
    # what the index matches, ranked after it, and never highlighted.
    location_matches: frozenset[int] = frozenset()

    @property
    def terms(self) -> list[str]:
        return terms_of(self.text)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass
class Hit:
    product_id: int
    slug: str
    name: str
    summary: str
    domain: str  # slug
    domain_name: str
    owner_team: str  # slug
    status: str
    kind: str
    classification: str
    contains_pii: bool
    tags: list[str]
    score: float = 0.0
    slo_status: str = "no_data"  # catalog.models.SLOStatus
    # Safe HTML: the product's own text escaped, with <mark> around matches.
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]]
    query: SearchQuery
    backend: str
    degraded: bool = False
    corrections: dict[str, str] = field(default_factory=dict)  # typed term -> term searched instead

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


@dataclass
class Suggestion:
    slug: str
    name: str
    domain_name: str


class SearchUnavailable(Exception):
    """The external search engine did not answer (in time)."""
