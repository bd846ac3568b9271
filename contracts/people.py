"""Who a descriptor names and how to reach them: an ODCS contract's roles
(which feed the access policy, through access_requests.services.set_port_roles),
and the support channels, price and team members of an ODPS descriptor and
its ports' ODCS contracts (shown on the product page and in its API answer).
Reads of stored documents only; no writes here.

The mapping, as documented in the README ("Roles, support, price and team"):

- ODCS `roles[]` → access_requests.PortRole per port: `role` → name,
  `description`, `access` (as given), `firstLevelApprovers` and
  `secondLevelApprovers` (as given, and split into names that resolve to
  users or teams). `customProperties` stay in the stored contract.
- ODPS `support[]` and ODCS `support[]` → SupportChannel; ODCS `price` →
  Price; ODPS `team[]` and ODCS `team` (the v3.1.0 object with `members`, or
  the older list) → TeamMember. Links other than http, https and mailto are
  shown as text, never as links.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from access_requests.services import RoleSpec

SAFE_SCHEMES = {"http", "https", "mailto"}
MAX_TEXT = 500


def _text(value, limit: int = MAX_TEXT) -> str:
    """A document's value as display text (escaping is the template's)."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()[:limit]


def safe_url(value) -> str:
    """`value` when it is an http, https or mailto link, else ""."""
    url = _text(value, 2000)
    if not url or any(ord(char) < 33 for char in url):
        return ""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in SAFE_SCHEMES else ""


# --- roles → the access policy ---------------------------------------------------


def role_specs(document: dict) -> list[RoleSpec]:
    """The ODCS document's `roles`, for access_requests.services.set_port_roles."""
    specs = []
    for entry in document.get("roles") or []:
        if not isinstance(entry, dict) or not _text(entry.get("role"), 200):
            continue
        specs.append(
            RoleSpec(
                name=_text(entry.get("role"), 200),
                description=_text(entry.get("description"), 2000),
                access=_text(entry.get("access"), 60),
                first_level_approvers=_text(entry.get("firstLevelApprovers"), 1000),
                second_level_approvers=_text(entry.get("secondLevelApprovers"), 1000),
            )
        )
    return specs


# --- support channels, price, team ------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a channel, price or member comes from: the product's ODPS
    descriptor (port None) or the data contract of one port."""

    port: str | None = None

    @property
    def label(self) -> str:
        return f"data contract of {self.port}" if self.port else "product descriptor"


@dataclass(frozen=True)
class SupportChannel:
    channel: str
    url: str  # http, https or mailto only; "" otherwise
    invitation_url: str
    description: str
    tool: str
    scope: str
    source: Source
    unsafe_url: str = ""  # a link given with another scheme: shown as text


@dataclass(frozen=True)
class Price:
    amount: Decimal | None
    currency: str
    unit: str
    source: Source


@dataclass(frozen=True)
class TeamMember:
    username: str
    name: str
    role: str
    description: str
    date_in: date | None
    date_out: date | None
    replaced_by: str
    source: Source
    past: bool = False  # left the team: dateOut is today or before


@dataclass(frozen=True)
class SupportAndTeam:
    """What a product's descriptors say about reaching its people."""

    support: list[SupportChannel]
    prices: list[Price]
    team: list[TeamMember]
    team_names: dict[str, str]  # source label → the ODCS team's name, where given

    def __bool__(self) -> bool:
        return bool(self.support or self.prices or self.team)


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value, 40))
    except ValueError:
        return None


def support_channels(document: dict, source: Source) -> list[SupportChannel]:
    channels = []
    for entry in document.get("support") or []:
        if not isinstance(entry, dict):
            continue
        url = safe_url(entry.get("url"))
        channels.append(
            SupportChannel(
                channel=_text(entry.get("channel"), 200),
                url=url,
                invitation_url=safe_url(entry.get("invitationUrl")),
                description=_text(entry.get("description")),
                tool=_text(entry.get("tool"), 60),
                scope=_text(entry.get("scope"), 60),
                source=source,
                unsafe_url="" if url else _text(entry.get("url"), 200),
            )
        )
    return channels


def price(document: dict, source: Source) -> Price | None:
    entry = document.get("price")
    if not isinstance(entry, dict) or not entry:
        return None
    try:
        amount = Decimal(str(entry["priceAmount"])) if isinstance(entry.get("priceAmount"), int | float) else None
    except InvalidOperation:
        amount = None
    if amount is not None and not amount.is_finite():
        amount = None
    return Price(amount=amount, currency=_text(entry.get("priceCurrency"), 20), unit=_text(entry.get("priceUnit"), 60), source=source)


def team_members(document: dict, source: Source, *, today: date) -> tuple[str, list[TeamMember]]:
    """(the team's name, its members): ODPS `team[]`, ODCS v3.1.0 `team`
    {name, members}, or ODCS's older `team[]`. A member whose dateOut is
    `today` or before is a past member."""
    team = document.get("team")
    name, entries = "", team
    if isinstance(team, dict):
        name, entries = _text(team.get("name"), 200), team.get("members")
    members = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        date_out = _date(entry.get("dateOut"))
        members.append(
            TeamMember(
                username=_text(entry.get("username"), 200),
                name=_text(entry.get("name"), 200),
                role=_text(entry.get("role"), 200),
                description=_text(entry.get("description")),
                date_in=_date(entry.get("dateIn")),
                date_out=date_out,
                replaced_by=_text(entry.get("replacedByUsername"), 200),
                source=source,
                past=date_out is not None and date_out <= today,
            )
        )
    return name, members


def support_and_team(descriptor: dict | None, contracts: list[tuple[str, dict]], *, today: date) -> SupportAndTeam:
    """Support channels, prices and team members of a product's ODPS
    `descriptor` (None: not imported) and its ports' current ODCS contracts
    ((port name, document), in port order), team members as of `today`."""
    support: list[SupportChannel] = []
    prices: list[Price] = []
    team: list[TeamMember] = []
    names: dict[str, str] = {}
    documents = ([(Source(), descriptor)] if descriptor else []) + [(Source(port), document) for port, document in contracts]
    for source, document in documents:
        support += support_channels(document, source)
        if source.port and (found := price(document, source)) is not None:
            prices.append(found)
        name, members = team_members(document, source, today=today)
        team += members
        if name:
            names[source.label] = name
    return SupportAndTeam(support=support, prices=prices, team=team, team_names=names)
