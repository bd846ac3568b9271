"""The demo mesh: Streamly, an invented music-streaming company.

Data only; `manage.py load_demo` writes it through catalog.services. Every
name here (company, people, teams, hosts) is invented. Users, teams, domains
and products are identified by username and slug, so the load can be run
again without creating duplicates.
"""

import hashlib
import random
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from textwrap import dedent

from access_requests.models import AccessRequest
from catalog.models import DataProduct, OutputPort, TeamMembership
from catalog.services import FieldSpec, PortSpec

DEMO_PASSWORD = "demo"
DOCS = "https://docs.example.com/data-products"
STEWARDS_GROUP = "stewards"

OWNER = TeamMembership.Role.OWNER
DEVELOPER = TeamMembership.Role.DEVELOPER

SOURCE_ALIGNED = DataProduct.Kind.SOURCE_ALIGNED
AGGREGATE = DataProduct.Kind.AGGREGATE
CONSUMER_ALIGNED = DataProduct.Kind.CONSUMER_ALIGNED

DRAFT = DataProduct.Status.DRAFT
PUBLISHED = DataProduct.Status.PUBLISHED
DEPRECATED = DataProduct.Status.DEPRECATED
RETIRED = DataProduct.Status.RETIRED

PUBLIC = DataProduct.Classification.PUBLIC
INTERNAL = DataProduct.Classification.INTERNAL
CONFIDENTIAL = DataProduct.Classification.CONFIDENTIAL
RESTRICTED = DataProduct.Classification.RESTRICTED

TABLE = OutputPort.PortType.TABLE
FILES = OutputPort.PortType.FILES
STREAM = OutputPort.PortType.STREAM
API = OutputPort.PortType.API


def md(text: str) -> str:
    return dedent(text).strip() + "\n"


def column(
    name: str,
    data_type: str,
    description: str,
    *,
    key: bool = False,
    required: bool = False,
    pii: str = "",
) -> FieldSpec:
    """A schema field. `pii` is the classification of a personal-data column
    (confidential or restricted); giving it marks the column as personal data."""
    return FieldSpec(
        name=name,
        data_type=data_type,
        description=description,
        required=required or key,
        primary_key=key,
        classification=pii,
        is_pii=bool(pii),
    )


# --- people ------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # what the sign-in table says about them
    is_superuser: bool = False
    groups: tuple[str, ...] = ()
    featured: bool = False  # listed one per line in the sign-in table

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


USERS = [
    DemoUser("admin", "Morgan", "Reyes", "administrator (superuser, Django admin)", is_superuser=True, featured=True),
    DemoUser("alice", "Alice", "Moreau", "owner of the Playback team (Media Player domain)", featured=True),
    DemoUser("dave", "Dave", "Okafor", "owner of the Listener Identity team (Listener domain)", featured=True),
    DemoUser("bob", "Bob", "Lindqvist", "consumer: marketing analyst, no team", featured=True),
    DemoUser("erin", "Erin", "Castillo", "consumer: data scientist, no team", featured=True),
    DemoUser("carol", "Carol", "Nguyen", "governance steward (group stewards)", groups=(STEWARDS_GROUP,), featured=True),
    DemoUser("ivan", "Ivan", "Petrov", "owner of the Playback team"),
    DemoUser("sybil", "Sybil", "Marsh", "developer in the Playback team"),
    DemoUser("peggy", "Peggy", "Larsen", "developer in Listener Identity and Finance Data"),
    DemoUser("heidi", "Heidi", "Novak", "owner of Playlist Studio"),
    DemoUser("victor", "Victor", "Haddad", "developer in Playlist Studio and Artist Services"),
    DemoUser("grace", "Grace", "Whitfield", "owner of Artist Services"),
    DemoUser("judy", "Judy", "Tanaka", "owner of the Podcast Platform team"),
    DemoUser("ravi", "Ravi", "Menon", "developer in the Podcast Platform team"),
    DemoUser("frank", "Frank", "Adeyemi", "owner of Finance Data"),
    DemoUser("quinn", "Quinn", "Delacroix", "owner of Finance Data"),
    DemoUser("niaj", "Niaj", "Brooks", "owner of Personalisation (Recommendations domain)"),
    DemoUser("trent", "Trent", "Sørensen", "developer in Personalisation and Ad Platform"),
    DemoUser("olivia", "Olivia", "Santos", "owner of Ad Platform"),
]


@dataclass(frozen=True)
class DemoServiceAccount:
    """A machine user: no password, a member of `team`, signing in with API tokens only."""

    username: str
    first_name: str
    last_name: str
    team: str
    team_role: str
    token_name: str

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


SERVICE_ACCOUNT = DemoServiceAccount(
    "openlineage-producer", "OpenLineage", "producer", "playback", DEVELOPER, "Airflow OpenLineage transport"
)


@dataclass(frozen=True)
class DemoTeam:
    slug: str
    name: str
    description: str
    members: tuple[tuple[str, str], ...]  # (username, role)

    @property
    def contact_email(self) -> str:
        return f"{self.slug}@example.com"


TEAMS = [
    DemoTeam(
        "listener-identity",
        "Listener Identity",
        "Accounts, profiles, consents and sign-in. Owns everything Streamly knows about who a listener is.",
        (("dave", OWNER), ("peggy", DEVELOPER)),
    ),
    DemoTeam(
        "playback",
        "Playback",
        "The media player on mobile, desktop, web, cars and speakers, and the events it emits.",
        (("alice", OWNER), ("ivan", OWNER), ("sybil", DEVELOPER)),
    ),
    DemoTeam(
        "playlist-studio",
        "Playlist Studio",
        "Listener and editorial playlists: creation, collaboration, following, and the editors' tools.",
        (("heidi", OWNER), ("victor", DEVELOPER)),
    ),
    DemoTeam(
        "artist-services",
        "Artist Services",
        "The artist and track catalogue, label ingestion, and Streamly for Artists insights.",
        (("grace", OWNER), ("victor", DEVELOPER)),
    ),
    DemoTeam(
        "podcast-platform",
        "Podcast Platform",
        "Podcast ingestion from RSS and hosted shows, episode playback and creator analytics.",
        (("judy", OWNER), ("ravi", DEVELOPER)),
    ),
    DemoTeam(
        "finance-data",
        "Finance Data",
        "Revenue, payments and royalty accounting for Finance, Legal and artist relations.",
        (("frank", OWNER), ("quinn", OWNER), ("peggy", DEVELOPER)),
    ),
    DemoTeam(
        "personalisation",
        "Personalisation",
        "Recommendation models, taste profiles and experimentation for everything personalised.",
        (("niaj", OWNER), ("trent", DEVELOPER)),
    ),
    DemoTeam(
        "ad-platform",
        "Ad Platform",
        "Audio and podcast advertising on the free tier: campaigns, delivery and measurement.",
        (("olivia", OWNER), ("trent", DEVELOPER)),
    ),
]


@dataclass(frozen=True)
class DemoDomain:
    slug: str
    name: str
    team: str  # team slug
    description: str


DOMAINS = [
    DemoDomain("listener", "Listener", "listener-identity", "Who our listeners are: accounts, profiles, consents, sessions."),
    DemoDomain("media-player", "Media Player", "playback", "What happens in the player: plays, skips, errors, devices and stream quality."),
    DemoDomain(
        "playlists", "Playlists", "playlist-studio", "Playlists made by listeners, editors and algorithms, and how they are followed."
    ),
    DemoDomain("artists", "Artists", "artist-services", "Artists, tracks and albums, the charts, and the insights we give artists."),
    DemoDomain("podcasts", "Podcasts", "podcast-platform", "Shows, episodes and how podcasts are listened to."),
    DemoDomain("finance", "Finance", "finance-data", "Subscription revenue, payments and royalties paid to rights holders."),
    DemoDomain(
        "recommendations", "Recommendations", "personalisation", "Taste profiles, embeddings and the recommendations we show listeners."
    ),
    DemoDomain("advertising", "Advertising", "ad-platform", "Ads on the free tier and in podcasts: impressions, campaigns, revenue."),
]


# --- terms of use ---------------------------------------------------------------

TERMS_INTERNAL = md(
    """
    For internal analysis, reporting and product work at Streamly. Keep the data on the
    company data platform; do not export it to personal devices or third-party tools.
    Name this product's address as the source in dashboards and models built on it.
    """
)

TERMS_PERSONAL = md(
    """
    Contains personal data of listeners (GDPR). Use it only for the purpose stated in your
    approved access request, never to contact or single out a listener, and never to
    re-identify pseudonymised records. Keep copies in the EU region and delete them when
    your grant ends. Prefer the masked port whenever the analysis allows it.
    """
)

TERMS_FINANCE = md(
    """
    Financial data subject to audit. Figures are final only after the monthly close
    (fifth working day of the following month). Do not share outside Finance, Legal and
    the named consumers in approved requests, and never before quarterly results are
    published. Changes to reconciliation logic are announced two weeks ahead.
    """
)

TERMS_PUBLIC = md(
    """
    Public data: may be used in external material, press releases and partner reports,
    with attribution to "Streamly". Rankings are recomputed daily; quote the date.
    """
)

TERMS_ADVERTISING = md(
    """
    Contains device and network identifiers. Use only for ad delivery, frequency capping,
    measurement and fraud detection. Listeners who withdrew consent for ad personalisation
    are already filtered out; do not re-join their identifiers from other products.
    """
)


# --- data products -----------------------------------------------------------


@dataclass(frozen=True)
class DemoProduct:
    domain: str  # domain slug; the product belongs to the domain's team
    slug: str
    name: str
    owner: str  # username: the team member who creates it and becomes its product owner
    summary: str
    kind: str
    classification: str
    tags: tuple[str, ...]
    description: str
    terms_of_use: str
    ports: tuple[PortSpec, ...]
    status: str = PUBLISHED
    version: str = "1.0.0"
    contains_pii: bool = False
    created_days_ago: int = 90

    @property
    def documentation_url(self) -> str:
        return f"{DOCS}/{self.domain}/{self.slug}"


PRODUCTS = [
    # --- Listener -----------------------------------------------------------------
    DemoProduct(
        domain="listener",
        slug="listener-profiles",
        name="Listener Profiles",
        owner="dave",
        summary="One row per listener account: contact details, country, plan and preferences, updated within 15 minutes of a change.",
        kind=SOURCE_ALIGNED,
        classification=RESTRICTED,
        contains_pii=True,
        version="3.2.0",
        tags=("listeners", "personal-data", "gdpr", "subscriptions"),
        created_days_ago=410,
        description=md(
            """
            The system of record for **who a listener is**. Every account created in any
            Streamly app appears here within 15 minutes, with its current plan and
            preferences. Deleted accounts disappear within 30 days (GDPR erasure).

            ### Which port to use

            | Port | Personal data | Typical use |
            |---|---|---|
            | `profiles` | e-mail, birth date, postal code | CRM, support tooling, legal requests |
            | `profiles-pseudonymised` | none (hashed id, age band, region) | segmentation, analytics, modelling |

            Most analyses need only the pseudonymised port; requests for `profiles` are
            reviewed by a governance steward.

            ### Known limitations

            - `birth_date` is self-declared and missing for about 8 % of accounts created before 2019.
            - `postal_code` is only collected in markets where we sell physical gift cards.
            - Family plan members share the manager's `subscription_tier`.
            """
        ),
        terms_of_use=TERMS_PERSONAL,
        ports=(
            PortSpec(
                name="profiles",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/listener.profiles",
                version="3.2.0",
                description="Current state of every listener account, one row per listener.",
                fields=[
                    column("listener_id", "string", "Stable account identifier (UUID).", key=True),
                    column("email", "string", "Sign-in e-mail address, lower-cased.", required=True, pii=RESTRICTED),
                    column("display_name", "string", "Name shown on the listener's public profile.", pii=CONFIDENTIAL),
                    column("birth_date", "date", "Self-declared date of birth.", pii=RESTRICTED),
                    column("country", "string", "ISO 3166-1 alpha-2 country of the account.", required=True),
                    column("postal_code", "string", "Postal code, where collected.", pii=CONFIDENTIAL),
                    column("preferred_language", "string", "BCP 47 language tag chosen in settings."),
                    column("subscription_tier", "string", "free, student, premium, duo or family.", required=True),
                    column("marketing_opt_in", "boolean", "Whether the listener accepts marketing e-mail.", required=True),
                    column("signed_up_at", "timestamp", "When the account was created (UTC).", required=True),
                    column("updated_at", "timestamp", "Last change to any column (UTC).", required=True),
                ],
            ),
            PortSpec(
                name="profiles-pseudonymised",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/listener.profiles_pseudonymised",
                version="3.2.0",
                description="The same accounts with direct identifiers removed and quasi-identifiers coarsened.",
                fields=[
                    column("listener_key", "string", "Salted hash of listener_id; the join key used by analytics products.", key=True),
                    column("age_band", "string", "13-17, 18-24, 25-34, 35-44, 45-54, 55+ or unknown."),
                    column("country", "string", "ISO 3166-1 alpha-2 country of the account.", required=True),
                    column("region", "string", "First-level subdivision (ISO 3166-2), where known."),
                    column("subscription_tier", "string", "free, student, premium, duo or family.", required=True),
                    column("signup_month", "date", "First day of the month the account was created.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="listener",
        slug="listener-consents",
        name="Listener Consents",
        owner="peggy",
        summary="Every consent a listener gives or withdraws (marketing, personalisation, analytics, ads), as an audit log and a current-state table.",
        kind=SOURCE_ALIGNED,
        classification=CONFIDENTIAL,
        contains_pii=True,
        version="2.0.1",
        tags=("listeners", "gdpr", "personal-data", "real-time"),
        created_days_ago=320,
        description=md(
            """
            Consents are collected by the consent banner, the privacy settings page and
            customer support. This product is the **only** place other products should read
            them from: anything that personalises, advertises or e-mails must filter on it.

            ### Purposes

            - `marketing` — e-mail and push about offers.
            - `personalisation` — recommendations based on listening history.
            - `analytics` — inclusion in product analytics beyond what is strictly necessary.
            - `ads-personalisation` — targeted ads on the free tier.

            ### Guarantees

            The stream delivers a change within 5 seconds, at least once; consumers must be
            idempotent on `consent_event_id`. The current-state table is rebuilt every 10 minutes.
            """
        ),
        terms_of_use=TERMS_PERSONAL,
        ports=(
            PortSpec(
                name="consent-changes",
                port_type=STREAM,
                format="Avro",
                location="kafka://events.streamly.internal/consent-changes.v1",
                description="One event per consent given or withdrawn.",
                fields=[
                    column("consent_event_id", "string", "Unique event id (UUID); use it to de-duplicate.", key=True),
                    column("listener_id", "string", "Account the consent belongs to.", required=True),
                    column("purpose", "string", "marketing, personalisation, analytics or ads-personalisation.", required=True),
                    column("granted", "boolean", "True when given, false when withdrawn.", required=True),
                    column("source", "string", "banner, settings, support or signup."),
                    column("ip_address", "string", "IP address the change was made from, kept as proof of consent.", pii=RESTRICTED),
                    column("recorded_at", "timestamp", "When the listener made the choice (UTC).", required=True),
                ],
            ),
            PortSpec(
                name="current-consents",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/listener.current_consents",
                description="The latest choice per listener and purpose.",
                fields=[
                    column("listener_id", "string", "Account the consent belongs to.", key=True),
                    column("purpose", "string", "The consent purpose.", key=True),
                    column("granted", "boolean", "The listener's latest choice.", required=True),
                    column("updated_at", "timestamp", "When that choice was made (UTC).", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="listener",
        slug="listener-sessions-daily",
        name="Listener Sessions Daily",
        owner="dave",
        summary="Listening sessions per pseudonymised listener and day: sessions, minutes, distinct tracks and platforms.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="1.6.0",
        tags=("listeners", "listening", "daily", "kpi"),
        created_days_ago=240,
        description=md(
            """
            A **session** starts with a play and ends after 30 minutes without one. Sessions
            are built from Play Events Daily and attributed to the listener's home country.

            ### Use it for

            - daily and monthly active listeners (DAL / MAL),
            - engagement trends by tier and platform,
            - the churn and lifetime-value models.

            The table is complete for a day at 06:00 UTC the next day; late events
            (offline plays synced later) are added in a restatement on day +3.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="sessions-daily",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/listener.sessions_daily",
                version="1.6.0",
                description="One row per listener key and day with at least one play.",
                fields=[
                    column("session_date", "date", "Day in UTC.", key=True),
                    column("listener_key", "string", "Pseudonymised listener (see Listener Profiles).", key=True),
                    column("sessions", "integer", "Number of sessions started that day.", required=True),
                    column("minutes_listened", "decimal(10,2)", "Total minutes played, music and podcasts.", required=True),
                    column("distinct_tracks", "integer", "Distinct tracks and episodes played."),
                    column("platforms", "array<string>", "Platforms used: ios, android, desktop, web, car, speaker."),
                    column("country", "string", "Home country of the account.", required=True),
                    column("subscription_tier", "string", "Tier on that day."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="listener",
        slug="listener-churn-signals",
        name="Listener Churn Signals",
        owner="dave",
        status=DRAFT,
        summary="A daily churn-risk score per premium listener with the top three reasons, for retention campaigns.",
        kind=CONSUMER_ALIGNED,
        classification=CONFIDENTIAL,
        version="0.3.0",
        tags=("listeners", "churn", "subscriptions", "ml-features"),
        created_days_ago=12,
        description=md(
            """
            **Draft: not ready for use.** The model is being validated against last quarter's
            cancellations; expect breaking changes to the schema.

            ### Planned contents

            - a score between 0 and 1 (probability of cancelling in the next 30 days),
            - the three features that contributed most, as reason codes,
            - days since last play and the current tier.

            Scores will be produced for premium, duo and family managers only.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="churn-scores",
                port_type=TABLE,
                format="Delta",
                location="s3://streamly-lake/listener/churn-signals/",
                version="0.3.0",
                description="Scores for the latest run; history kept for 90 days.",
                fields=[
                    column("listener_key", "string", "Pseudonymised listener.", key=True),
                    column("as_of_date", "date", "Day the score was computed for.", key=True),
                    column("churn_score", "double", "Probability of cancelling in the next 30 days.", required=True),
                    column("reason_codes", "array<string>", "Top three contributing features."),
                    column("days_since_last_play", "integer", "Days since the listener last played anything."),
                    column("subscription_tier", "string", "Current tier."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="listener",
        slug="listener-demographics-legacy",
        name="Listener Demographics (legacy)",
        owner="peggy",
        status=DEPRECATED,
        summary="Monthly CSV extract of listener counts by age, gender and region. Replaced by the pseudonymised port of Listener Profiles.",
        kind=AGGREGATE,
        classification=CONFIDENTIAL,
        version="1.9.4",
        tags=("listeners", "legacy", "marketing"),
        created_days_ago=900,
        description=md(
            """
            **Deprecated.** This extract will be switched off at the end of next quarter.
            Use the `profiles-pseudonymised` port of *Listener Profiles*, which has the same
            breakdowns, is updated continuously and respects erasure requests.

            ### Migration

            1. Replace `age_group` with `age_band` (the bands are identical).
            2. Gender is no longer collected; drop it from your reports.
            3. Count distinct `listener_key` instead of summing `listeners`.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="monthly-extract",
                port_type=FILES,
                format="CSV",
                location="s3://streamly-lake/legacy/listener-demographics/",
                version="1.9.4",
                description="One CSV file per month, semicolon-separated.",
                fields=[
                    column("month", "date", "First day of the month.", key=True),
                    column("country", "string", "ISO country code.", key=True),
                    column("region", "string", "Region name as in the old CRM.", key=True),
                    column("age_group", "string", "Age group.", key=True),
                    column("gender", "string", "Self-declared gender, no longer collected.", key=True),
                    column("listeners", "integer", "Active listeners in the group.", required=True),
                ],
            ),
        ),
    ),
    # --- Media Player -----------------------------------------------------------
    DemoProduct(
        domain="media-player",
        slug="play-events",
        name="Play Events",
        owner="alice",
        summary="Every play, skip and pause from every Streamly player, as a near-real-time stream and an hourly table.",
        kind=SOURCE_ALIGNED,
        classification=CONFIDENTIAL,
        contains_pii=True,
        version="2.4.0",
        tags=("listening", "events", "real-time", "playback", "personal-data"),
        created_days_ago=380,
        description=md(
            """
            The heartbeat of Streamly: one event each time a track or episode **ends** in any
            player (mobile, desktop, web, cars, speakers), with how long it played and why it
            ended. Around 1.2 billion events a day.

            ### Delivery

            | Port | Latency | Retention |
            |---|---|---|
            | `play-events-stream` | p95 under 10 seconds | 7 days on Kafka |
            | `play-events-hourly` | hourly partitions, complete at hh:20 | 25 months |

            ### Semantics

            - A *stream* in the royalty sense is a play with `ms_played` ≥ 30 000; filter on it
              yourself, or use *Play Events Daily*, which does.
            - Offline plays arrive when the device reconnects: up to 30 days late.
            - `ip_address` is truncated to /24 (IPv4) or /48 (IPv6) after 7 days.

            Schema changes follow the events contract: additive changes are announced one
            week ahead, breaking changes get a new topic version.
            """
        ),
        terms_of_use=TERMS_PERSONAL,
        ports=(
            PortSpec(
                name="play-events-stream",
                port_type=STREAM,
                format="Avro",
                location="kafka://events.streamly.internal/play-events.v2",
                version="2.4.0",
                description="Near-real-time topic, keyed by listener_id, 48 partitions. Schema in the registry as play-events-value.",
                fields=[
                    column("event_id", "string", "Unique id of the event (UUID v7); de-duplicate on it.", key=True),
                    column("listener_id", "string", "Account that played.", required=True),
                    column("track_id", "string", "Track or episode played.", required=True),
                    column("context_type", "string", "playlist, album, artist, search, radio, podcast or collection."),
                    column("context_id", "string", "Id of the playlist, album, ... the play started from."),
                    column("device_id", "string", "Installation id of the player.", required=True),
                    column("platform", "string", "ios, android, desktop, web, car or speaker.", required=True),
                    column("started_at", "timestamp", "When playback started (UTC, device clock corrected).", required=True),
                    column("ms_played", "bigint", "Milliseconds actually played.", required=True),
                    column("reason_end", "string", "trackdone, fwdbtn, backbtn, endplay, logout or remote."),
                    column("shuffle", "boolean", "Shuffle was on."),
                    column("offline", "boolean", "Played from a download without a connection."),
                    column("ip_address", "string", "Client IP address at the time of the play.", pii=CONFIDENTIAL),
                    column("country", "string", "Country the play happened in, from the IP address.", required=True),
                ],
            ),
            PortSpec(
                name="play-events-hourly",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/player.play_events",
                version="2.4.0",
                description="The same events, partitioned by hour of started_at, clustered by listener_id.",
                fields=[
                    column("event_id", "string", "Unique id of the event.", key=True),
                    column("listener_id", "string", "Account that played.", required=True),
                    column("track_id", "string", "Track or episode played.", required=True),
                    column("platform", "string", "Player platform.", required=True),
                    column("started_at", "timestamp", "When playback started (UTC).", required=True),
                    column("ms_played", "bigint", "Milliseconds actually played.", required=True),
                    column("reason_end", "string", "Why playback ended."),
                    column("ip_address", "string", "Client IP address, truncated after 7 days.", pii=CONFIDENTIAL),
                    column("country", "string", "Country of the play.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="media-player",
        slug="play-events-daily",
        name="Play Events Daily",
        owner="ivan",
        summary="Streams, listeners and skips per track, country and platform per day: the standard source for listening KPIs.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="1.8.0",
        tags=("listening", "daily", "kpi", "playback"),
        created_days_ago=350,
        description=md(
            """
            Daily aggregate of *Play Events*. It applies the company definitions once so that
            every dashboard counts the same way:

            - a **stream** is a play of at least 30 seconds,
            - a **skip** is a play that ended with `fwdbtn` before 30 seconds,
            - **listeners** are distinct accounts (exact, not approximate).

            ### Freshness

            Each day is complete at 05:00 UTC the next day and restated on day +3 and day +30
            to include offline plays. Restated partitions are announced on the
            `#data-play-events` channel.

            ### Example

            ```sql
            select country, sum(streams) as streams
            from player.play_events_daily
            where play_date = current_date() - 1
            group by country order by streams desc
            ```
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="daily-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/player.play_events_daily",
                version="1.8.0",
                description="Partitioned by play_date.",
                fields=[
                    column("play_date", "date", "Day of the plays (UTC).", key=True),
                    column("track_id", "string", "Track or episode.", key=True),
                    column("country", "string", "Country of the plays.", key=True),
                    column("platform", "string", "Player platform.", key=True),
                    column("streams", "bigint", "Plays of 30 seconds or more.", required=True),
                    column("plays", "bigint", "All plays, whatever their length.", required=True),
                    column("listeners", "bigint", "Distinct listeners.", required=True),
                    column("skips", "bigint", "Plays skipped within 30 seconds."),
                    column("ms_played_total", "bigint", "Total milliseconds played."),
                    column("completion_rate", "double", "Share of plays that reached the end of the track."),
                ],
            ),
            PortSpec(
                name="daily-files",
                port_type=FILES,
                format="Parquet",
                location="s3://streamly-lake/player/play-events-daily/",
                version="1.8.0",
                description="The same data as Parquet files, one folder per play_date, for Spark jobs.",
                fields=[
                    column("play_date", "date", "Day of the plays (UTC).", key=True),
                    column("track_id", "string", "Track or episode.", key=True),
                    column("country", "string", "Country of the plays.", key=True),
                    column("platform", "string", "Player platform.", key=True),
                    column("streams", "bigint", "Plays of 30 seconds or more.", required=True),
                    column("listeners", "bigint", "Distinct listeners.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="media-player",
        slug="playback-errors",
        name="Playback Errors",
        owner="sybil",
        summary="Errors raised by the players (failed starts, stalls, DRM and network failures) with device, app version and CDN edge.",
        kind=SOURCE_ALIGNED,
        classification=INTERNAL,
        version="1.3.1",
        tags=("playback", "quality", "devices", "events", "real-time"),
        created_days_ago=200,
        description=md(
            """
            Client-side errors reported by every player. Used by the Playback on-call to spot
            bad releases and CDN incidents, and by the Devices team to prioritise fixes.

            ### Error codes

            | Prefix | Meaning |
            |---|---|
            | `NET-` | network or CDN failure |
            | `DRM-` | licence could not be obtained or verified |
            | `DEC-` | the audio could not be decoded |
            | `APP-` | crash or unexpected state in the app |

            Errors are sampled at 100 % for `DRM-` and `DEC-`, 10 % for the others; the
            `sample_rate` column lets you scale counts back up.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="errors-stream",
                port_type=STREAM,
                format="Avro",
                location="kafka://events.streamly.internal/playback-errors.v1",
                version="1.3.1",
                description="One event per error, keyed by device_id.",
                fields=[
                    column("error_id", "string", "Unique id of the error event.", key=True),
                    column("occurred_at", "timestamp", "When the error happened (UTC).", required=True),
                    column("device_id", "string", "Installation id of the player.", required=True),
                    column("platform", "string", "Player platform.", required=True),
                    column("app_version", "string", "Semantic version of the app.", required=True),
                    column("error_code", "string", "Error code, e.g. NET-504 or DRM-012.", required=True),
                    column("track_id", "string", "Track that was playing or starting, if any."),
                    column("cdn_edge", "string", "CDN point of presence that served the audio."),
                    column("network_type", "string", "wifi, cellular, ethernet or unknown."),
                    column("sample_rate", "double", "Share of errors of this kind that are reported.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="media-player",
        slug="device-registry",
        name="Device Registry",
        owner="ivan",
        summary="Every player installation linked to its account, with device type, OS and app version, first and last seen.",
        kind=SOURCE_ALIGNED,
        classification=CONFIDENTIAL,
        contains_pii=True,
        version="2.1.0",
        tags=("devices", "playback", "personal-data"),
        created_days_ago=300,
        description=md(
            """
            A device is an *installation* of a Streamly player: reinstalling the app creates a
            new device. The registry links devices to accounts so that plays and errors can be
            attributed, and so that listeners can see and sign out their devices.

            ### Notes

            - Devices not seen for 13 months are deleted.
            - `device_model` comes from the OS and is free text on some Android builds.
            - Car and speaker integrations report the partner's model names.
            """
        ),
        terms_of_use=TERMS_PERSONAL,
        ports=(
            PortSpec(
                name="devices",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/player.devices",
                version="2.1.0",
                description="Current state, one row per device.",
                fields=[
                    column("device_id", "string", "Installation id.", key=True),
                    column("listener_id", "string", "Account signed in on the device.", required=True, pii=CONFIDENTIAL),
                    column("device_type", "string", "phone, tablet, computer, browser, car, speaker or tv.", required=True),
                    column("device_model", "string", "Manufacturer's model name."),
                    column("os", "string", "Operating system."),
                    column("os_version", "string", "Operating system version."),
                    column("app_version", "string", "Version of the Streamly app."),
                    column("first_seen_at", "timestamp", "First contact from this installation.", required=True),
                    column("last_seen_at", "timestamp", "Latest contact from this installation.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="media-player",
        slug="stream-quality-metrics",
        name="Stream Quality Metrics",
        owner="sybil",
        summary="Hourly startup time, rebuffering ratio and error rate per platform and country: how good playback feels.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="1.2.0",
        tags=("playback", "quality", "kpi", "devices"),
        created_days_ago=150,
        description=md(
            """
            The quality-of-experience indicators the Playback team is measured on, computed
            hourly from *Play Events* and *Playback Errors*.

            ### Targets

            | Indicator | Target |
            |---|---|
            | startup time p95 | under 800 ms |
            | rebuffering ratio | under 0.4 % |
            | error rate | under 0.2 % of plays |

            A row is produced only when there were at least 1 000 plays in the hour, so small
            markets appear in the daily roll-up only.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="quality-hourly",
                port_type=TABLE,
                format="Delta",
                location="s3://streamly-lake/player/stream-quality-hourly/",
                version="1.2.0",
                description="Delta table partitioned by day.",
                fields=[
                    column("hour", "timestamp", "Start of the hour (UTC).", key=True),
                    column("platform", "string", "Player platform.", key=True),
                    column("country", "string", "Country of the plays.", key=True),
                    column("plays", "bigint", "Plays started in the hour.", required=True),
                    column("startup_time_p50_ms", "integer", "Median time from tap to sound."),
                    column("startup_time_p95_ms", "integer", "95th percentile time from tap to sound."),
                    column("rebuffer_ratio", "double", "Time spent rebuffering over time played."),
                    column("error_rate", "double", "Errors per play."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="media-player",
        slug="offline-downloads",
        name="Offline Downloads",
        owner="alice",
        status=DRAFT,
        summary="Tracks and episodes downloaded for offline listening, with licence expiry, per device.",
        kind=SOURCE_ALIGNED,
        classification=CONFIDENTIAL,
        version="0.2.0",
        tags=("playback", "devices", "events"),
        created_days_ago=6,
        description=md(
            """
            **Draft.** Being built for the licence-compliance audit: labels require that
            downloads expire after 30 days without a connection.

            ### Open questions

            - Should removed downloads be events or a current-state table?
            - Do we need the licence region per download or per device?
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="downloads",
                port_type=TABLE,
                format="Delta",
                location="s3://streamly-lake/player/offline-downloads/",
                version="0.2.0",
                fields=[
                    column("download_id", "string", "Unique id of the download.", key=True),
                    column("device_id", "string", "Device holding the download.", required=True),
                    column("track_id", "string", "Track or episode downloaded.", required=True),
                    column("downloaded_at", "timestamp", "When the download finished (UTC).", required=True),
                    column("expires_at", "timestamp", "When the licence runs out unless renewed."),
                    column("licence_region", "string", "Region whose licence terms apply."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="media-player",
        slug="play-events-v1",
        name="Play Events v1 (stream)",
        owner="alice",
        status=DEPRECATED,
        summary="The first play events topic, in JSON. Superseded by Play Events (v2, Avro); producers stop writing to it next quarter.",
        kind=SOURCE_ALIGNED,
        classification=CONFIDENTIAL,
        contains_pii=True,
        version="1.11.0",
        tags=("listening", "events", "legacy", "real-time"),
        created_days_ago=1100,
        description=md(
            """
            **Deprecated.** Move to the `play-events-stream` port of *Play Events*.

            ### Differences in v2

            - Avro with a registered schema instead of untyped JSON.
            - `ts` (seconds, device clock) became `started_at` (UTC, corrected).
            - `user` became `listener_id`; `ms` became `ms_played`.
            - Podcast episodes are included (they had their own topic before).

            The topic keeps flowing until the last three consumers have moved.
            """
        ),
        terms_of_use=TERMS_PERSONAL,
        ports=(
            PortSpec(
                name="play-events-v1-stream",
                port_type=STREAM,
                format="JSON",
                location="kafka://events.streamly.internal/play-events.v1",
                version="1.11.0",
                fields=[
                    column("id", "string", "Event id.", key=True),
                    column("user", "string", "Account that played.", required=True),
                    column("track", "string", "Track played.", required=True),
                    column("ts", "bigint", "Start time, seconds since epoch, device clock.", required=True),
                    column("ms", "bigint", "Milliseconds played."),
                    column("ip", "string", "Client IP address.", pii=CONFIDENTIAL),
                ],
            ),
        ),
    ),
    # --- Playlists ----------------------------------------------------------------
    DemoProduct(
        domain="playlists",
        slug="playlists",
        name="Playlists",
        owner="heidi",
        summary="Every playlist on Streamly (listener, editorial and algorithmic) with its title, owner, visibility and follower count.",
        kind=SOURCE_ALIGNED,
        classification=INTERNAL,
        version="3.0.2",
        tags=("playlists", "catalog", "editorial"),
        created_days_ago=500,
        description=md(
            """
            About 4 billion playlists, of which 6 000 are editorial and 120 000 are generated
            per listener by Recommendations. Tracks in a playlist are in *Playlist Tracks*.

            ### Owner types

            - `listener` — made by a listener; private unless `is_public`.
            - `editorial` — curated by Streamly's editors, always public.
            - `algorithmic` — generated (Daily Mix, Discover Weekly, Radar), private to one listener.

            Private listener playlists are included because the recommendation models need
            them; titles of private playlists must not be shown outside the owner's account.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="playlists-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/playlists.playlists",
                version="3.0.2",
                description="Daily snapshot, partitioned by snapshot_date.",
                fields=[
                    column("playlist_id", "string", "Playlist id.", key=True),
                    column("owner_type", "string", "listener, editorial or algorithmic.", required=True),
                    column("owner_listener_id", "string", "Account that owns a listener playlist."),
                    column("title", "string", "Playlist title.", required=True),
                    column("description", "string", "Description text, may contain HTML entities."),
                    column("is_public", "boolean", "Visible to others.", required=True),
                    column("collaborative", "boolean", "Others may add tracks."),
                    column("track_count", "integer", "Number of tracks.", required=True),
                    column("followers", "bigint", "Listeners following it."),
                    column("created_at", "timestamp", "When it was created (UTC).", required=True),
                    column("updated_at", "timestamp", "Last change to title, description or tracks."),
                ],
            ),
            PortSpec(
                name="playlists-api",
                port_type=API,
                format="JSON",
                location="https://api.streamly.internal/playlists/v3",
                version="3.0.2",
                description="Read API for single playlists, 2 000 requests per second per consumer.",
                fields=[
                    column("id", "string", "Playlist id.", key=True),
                    column("title", "string", "Playlist title.", required=True),
                    column("owner_type", "string", "listener, editorial or algorithmic.", required=True),
                    column("is_public", "boolean", "Visible to others.", required=True),
                    column("tracks", "array<string>", "Track ids in order."),
                    column("followers", "bigint", "Listeners following it."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="playlists",
        slug="playlist-tracks",
        name="Playlist Tracks",
        owner="victor",
        summary="Which tracks are in which playlist, in order, with when and by whom each was added.",
        kind=SOURCE_ALIGNED,
        classification=INTERNAL,
        version="3.0.2",
        tags=("playlists", "catalog", "editorial"),
        created_days_ago=500,
        description=md(
            """
            The contents of every playlist in *Playlists*, one row per position. Positions are
            dense (0, 1, 2, ...) in each daily snapshot.

            ### Tips

            - Join on `playlist_id` and the snapshot date: positions change every day.
            - For "how many playlists contain this track", use `approx_count_distinct` — exact
              counts over all playlists take minutes.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="playlist-tracks-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/playlists.playlist_tracks",
                version="3.0.2",
                fields=[
                    column("snapshot_date", "date", "Day of the snapshot.", key=True),
                    column("playlist_id", "string", "Playlist.", key=True),
                    column("position", "integer", "0-based position in the playlist.", key=True),
                    column("track_id", "string", "Track or episode at that position.", required=True),
                    column("added_at", "timestamp", "When it was added (UTC)."),
                    column("added_by_listener_id", "string", "Who added it, for collaborative playlists."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="playlists",
        slug="playlist-follows-daily",
        name="Playlist Follows Daily",
        owner="heidi",
        summary="New follows, unfollows and net followers per public playlist and country each day.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="1.1.0",
        tags=("playlists", "daily", "kpi"),
        created_days_ago=180,
        description=md(
            """
            Follower movements for **public** playlists (editorial and listener-made). Private
            and algorithmic playlists cannot be followed and are not included.

            Countries with fewer than 10 follows on a day are grouped as `ZZ` so that
            individual listeners cannot be singled out.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="follows-daily",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/playlists.follows_daily",
                version="1.1.0",
                fields=[
                    column("follow_date", "date", "Day (UTC).", key=True),
                    column("playlist_id", "string", "Playlist.", key=True),
                    column("country", "string", "Country of the followers, or ZZ.", key=True),
                    column("follows", "integer", "New follows.", required=True),
                    column("unfollows", "integer", "Unfollows.", required=True),
                    column("net_followers", "integer", "follows minus unfollows.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="playlists",
        slug="editorial-playlist-performance",
        name="Editorial Playlist Performance",
        owner="heidi",
        summary="How each editorial playlist and each track in it performs: streams, saves, skips and follower growth, for the editors' weekly review.",
        kind=CONSUMER_ALIGNED,
        classification=INTERNAL,
        version="2.2.0",
        tags=("playlists", "editorial", "kpi", "artists"),
        created_days_ago=140,
        description=md(
            """
            Built for Streamly's editors, who refresh editorial playlists every Friday. It
            combines *Play Events Daily*, *Playlist Tracks* and *Playlist Follows Daily*.

            ### Metrics

            | Metric | Definition |
            |---|---|
            | streams from playlist | streams whose context is the playlist |
            | skip rate | skips over plays, first 30 seconds |
            | save rate | tracks saved to library after a play from the playlist |
            | follower growth | net followers over the last 7 days |

            Tracks that were in the playlist for fewer than 3 days are flagged `too_new`.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="playlist-weekly",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/playlists.editorial_performance_weekly",
                version="2.2.0",
                fields=[
                    column("week_start", "date", "Monday of the week.", key=True),
                    column("playlist_id", "string", "Editorial playlist.", key=True),
                    column("track_id", "string", "Track in the playlist.", key=True),
                    column("streams_from_playlist", "bigint", "Streams started from the playlist.", required=True),
                    column("skip_rate", "double", "Share of plays skipped in 30 seconds."),
                    column("save_rate", "double", "Share of plays followed by a save."),
                    column("follower_growth", "integer", "Net new followers of the playlist in the week."),
                    column("too_new", "boolean", "In the playlist for fewer than 3 days."),
                ],
            ),
        ),
    ),
    # --- Artists --------------------------------------------------------------------
    DemoProduct(
        domain="artists",
        slug="artist-catalog",
        name="Artist Catalog",
        owner="grace",
        summary="Every artist on Streamly with names, genres, country, label and verification, as delivered by labels and distributors.",
        kind=SOURCE_ALIGNED,
        classification=PUBLIC,
        version="4.1.0",
        tags=("artists", "catalog", "public"),
        created_days_ago=700,
        description=md(
            """
            Artist metadata as ingested from label and distributor deliveries (DDEX), merged
            with corrections made by artists in Streamly for Artists.

            ### Identity

            An artist has one `artist_id` for ever. When two profiles turn out to be the same
            artist they are merged: the losing id is kept in `merged_into` and appears in no
            new data.

            Everything here is shown publicly in the apps, so the product is classified public.
            """
        ),
        terms_of_use=TERMS_PUBLIC,
        ports=(
            PortSpec(
                name="artists-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/artists.artists",
                version="4.1.0",
                fields=[
                    column("artist_id", "string", "Artist id.", key=True),
                    column("name", "string", "Name as shown in the apps.", required=True),
                    column("sort_name", "string", "Name used for alphabetical sorting."),
                    column("country", "string", "Country of origin, when known."),
                    column("genres", "array<string>", "Genres from the editorial taxonomy."),
                    column("label_id", "string", "Label or distributor of the latest release."),
                    column("verified", "boolean", "The artist has claimed their profile.", required=True),
                    column("popularity", "integer", "0-100, relative listening over the last 28 days."),
                    column("merged_into", "string", "Surviving artist_id after a merge."),
                ],
            ),
            PortSpec(
                name="artists-api",
                port_type=API,
                format="JSON",
                location="https://api.streamly.internal/catalog/v2/artists",
                version="4.1.0",
                description="Look up artists by id or name; cached for 1 hour.",
                fields=[
                    column("id", "string", "Artist id.", key=True),
                    column("name", "string", "Name as shown in the apps.", required=True),
                    column("genres", "array<string>", "Genres."),
                    column("verified", "boolean", "Profile claimed by the artist."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="artists",
        slug="track-catalog",
        name="Track Catalog",
        owner="victor",
        summary="Every track and album with ISRC, duration, explicit flag, release date, label and the territories it is licensed in.",
        kind=SOURCE_ALIGNED,
        classification=PUBLIC,
        version="4.1.0",
        tags=("artists", "catalog", "public", "royalties"),
        created_days_ago=700,
        description=md(
            """
            The track side of the catalogue: 110 million tracks, delivered by labels and
            distributors. Royalty accounting joins plays to this product on `track_id` and
            to rights holders on `isrc`.

            ### Availability

            A track is playable in a country when the country is in `territories` and the
            current date is after `release_date`. Takedowns remove the country from
            `territories` within an hour.
            """
        ),
        terms_of_use=TERMS_PUBLIC,
        ports=(
            PortSpec(
                name="tracks-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/artists.tracks",
                version="4.1.0",
                fields=[
                    column("track_id", "string", "Track id.", key=True),
                    column("isrc", "string", "International Standard Recording Code.", required=True),
                    column("title", "string", "Track title.", required=True),
                    column("artist_ids", "array<string>", "Main and featured artists, main first.", required=True),
                    column("album_id", "string", "Album or single the track belongs to."),
                    column("duration_ms", "integer", "Length in milliseconds.", required=True),
                    column("explicit", "boolean", "Explicit lyrics."),
                    column("release_date", "date", "Release date in the label's delivery."),
                    column("label_id", "string", "Label or distributor."),
                    column("territories", "array<string>", "Countries where the track is licensed."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="artists",
        slug="artist-audience-insights",
        name="Artist Audience Insights",
        owner="grace",
        summary="Listeners, streams and audience breakdowns per artist, aggregated for the Streamly for Artists dashboards.",
        kind=CONSUMER_ALIGNED,
        classification=INTERNAL,
        version="2.0.0",
        tags=("artists", "listening", "kpi", "daily"),
        created_days_ago=260,
        description=md(
            """
            What artists and their teams see in Streamly for Artists, computed daily from
            *Play Events Daily*, *Listener Profiles* (pseudonymised port) and *Playlist Tracks*.

            ### Privacy

            Breakdowns by age band, country and city are shown only when a cell has at least
            50 listeners; smaller cells are merged into "other". This is what makes the
            product safe to share with artists, who are outside the company.

            ### Sources of streams

            `source` is one of `own-profile`, `listener-playlists`, `editorial-playlists`,
            `algorithmic-playlists`, `search` and `other`.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="audience-daily",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/artists.audience_daily",
                version="2.0.0",
                fields=[
                    column("audience_date", "date", "Day (UTC).", key=True),
                    column("artist_id", "string", "Artist.", key=True),
                    column("country", "string", "Listeners' country, or other.", key=True),
                    column("age_band", "string", "Listeners' age band, or other.", key=True),
                    column("source", "string", "Where the streams came from.", key=True),
                    column("listeners", "integer", "Distinct listeners (cells under 50 merged).", required=True),
                    column("streams", "integer", "Streams.", required=True),
                    column("saves", "integer", "Tracks saved to libraries."),
                ],
            ),
            PortSpec(
                name="insights-api",
                port_type=API,
                format="JSON",
                location="https://api.streamly.internal/artists/v1/insights",
                version="2.0.0",
                description="Backs the Streamly for Artists web app.",
                fields=[
                    column("artist_id", "string", "Artist.", key=True),
                    column("period", "string", "7d, 28d or 12m.", key=True),
                    column("listeners", "integer", "Distinct listeners in the period.", required=True),
                    column("streams", "integer", "Streams in the period.", required=True),
                    column("top_countries", "array<string>", "Countries with most listeners."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="artists",
        slug="top-charts",
        name="Top Charts",
        owner="grace",
        summary="The daily Top 200 and Viral 50 per country and globally, as published on charts.streamly.example.",
        kind=CONSUMER_ALIGNED,
        classification=PUBLIC,
        version="2.3.0",
        tags=("artists", "public", "daily", "kpi"),
        created_days_ago=45,
        description=md(
            """
            Streamly's public charts. Computed every day at 08:00 UTC from *Play Events Daily*
            with anti-fraud filtering (streams from accounts flagged as bots do not count).

            ### Charts

            - **Top 200** — most streamed tracks, per country and global.
            - **Viral 50** — fastest-growing tracks by share and playlist adds.

            Positions are final once published; late corrections appear in the next day's chart.
            """
        ),
        terms_of_use=TERMS_PUBLIC,
        ports=(
            PortSpec(
                name="charts-files",
                port_type=FILES,
                format="CSV",
                location="s3://streamly-lake/artists/top-charts/",
                version="2.3.0",
                description="One CSV per chart, country and day.",
                fields=[
                    column("chart_date", "date", "Day the chart is for.", key=True),
                    column("chart", "string", "top-200 or viral-50.", key=True),
                    column("country", "string", "Country code, or global.", key=True),
                    column("position", "integer", "1-based chart position.", key=True),
                    column("track_id", "string", "Track.", required=True),
                    column("streams", "bigint", "Streams counted for the chart."),
                    column("previous_position", "integer", "Position the day before, if charted."),
                ],
            ),
            PortSpec(
                name="charts-api",
                port_type=API,
                format="JSON",
                location="https://api.streamly.internal/charts/v2",
                version="2.3.0",
                fields=[
                    column("chart", "string", "top-200 or viral-50.", key=True),
                    column("country", "string", "Country code, or global.", key=True),
                    column("date", "date", "Chart date.", key=True),
                    column("entries", "array<struct>", "Positions with track, artists and streams.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="artists",
        slug="weekly-chart-export",
        name="Weekly Chart Export",
        owner="victor",
        status=RETIRED,
        summary="The old weekly Top 100 CSV sent to press partners. Retired: use Top Charts.",
        kind=CONSUMER_ALIGNED,
        classification=PUBLIC,
        version="1.4.0",
        tags=("artists", "legacy", "public"),
        created_days_ago=1300,
        description=md(
            """
            **Retired.** No new files are written. The archive stays readable for one year.

            Press partners now download daily and weekly charts from *Top Charts*, which uses
            the same anti-fraud rules and covers every market.
            """
        ),
        terms_of_use=TERMS_PUBLIC,
        ports=(
            PortSpec(
                name="weekly-csv",
                port_type=FILES,
                format="CSV",
                location="s3://streamly-lake/legacy/weekly-chart-export/",
                version="1.4.0",
                fields=[
                    column("week", "string", "ISO week, e.g. 2023-W14.", key=True),
                    column("position", "integer", "1-based position.", key=True),
                    column("track_title", "string", "Track title.", required=True),
                    column("artist_name", "string", "Main artist.", required=True),
                    column("streams", "integer", "Streams in the week."),
                ],
            ),
        ),
    ),
    # --- Podcasts ---------------------------------------------------------------------
    DemoProduct(
        domain="podcasts",
        slug="podcast-shows",
        name="Podcast Shows",
        owner="ravi",
        summary="Every podcast show available on Streamly, from RSS feeds and hosted creators, with publisher, categories and language.",
        kind=SOURCE_ALIGNED,
        classification=PUBLIC,
        version="1.5.0",
        tags=("podcasts", "catalog", "public"),
        created_days_ago=420,
        description=md(
            """
            The podcast directory: 5 million shows. Shows come from public RSS feeds (crawled
            every 30 minutes) or are hosted on Streamly by creators.

            ### Categories

            Categories follow the standard podcast taxonomy (Arts, Business, Comedy, ...), as
            declared by the publisher; editors may override them (`category_source = editorial`).
            """
        ),
        terms_of_use=TERMS_PUBLIC,
        ports=(
            PortSpec(
                name="shows-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/podcasts.shows",
                version="1.5.0",
                fields=[
                    column("show_id", "string", "Show id.", key=True),
                    column("title", "string", "Show title.", required=True),
                    column("publisher", "string", "Publisher as declared in the feed.", required=True),
                    column("categories", "array<string>", "Podcast categories."),
                    column("category_source", "string", "feed or editorial."),
                    column("language", "string", "BCP 47 language tag."),
                    column("hosting", "string", "rss or hosted.", required=True),
                    column("explicit", "boolean", "Declared explicit."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="podcasts",
        slug="podcast-episodes",
        name="Podcast Episodes",
        owner="ravi",
        summary="Every episode of every show: title, duration, publication time, language and availability.",
        kind=SOURCE_ALIGNED,
        classification=PUBLIC,
        version="1.5.0",
        tags=("podcasts", "catalog", "public"),
        created_days_ago=420,
        description=md(
            """
            Episodes of the shows in *Podcast Shows*. An episode keeps its `episode_id` when the
            publisher edits it; a re-upload with a new RSS GUID becomes a new episode.

            - `duration_s` is measured on our copy of the audio, not taken from the feed.
            - Episodes removed from a feed stay here with `available = false`.
            """
        ),
        terms_of_use=TERMS_PUBLIC,
        ports=(
            PortSpec(
                name="episodes-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/podcasts.episodes",
                version="1.5.0",
                fields=[
                    column("episode_id", "string", "Episode id.", key=True),
                    column("show_id", "string", "Show the episode belongs to.", required=True),
                    column("title", "string", "Episode title.", required=True),
                    column("published_at", "timestamp", "Publication time from the feed (UTC).", required=True),
                    column("duration_s", "integer", "Length in seconds, measured.", required=True),
                    column("language", "string", "BCP 47 language tag."),
                    column("explicit", "boolean", "Declared explicit."),
                    column("rss_guid", "string", "GUID from the RSS feed."),
                    column("available", "boolean", "Still playable.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="podcasts",
        slug="podcast-play-rate",
        name="Podcast Play Rate",
        owner="judy",
        summary="Starts, completions and play rate per episode per day: how much of each episode listeners actually hear.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="1.3.0",
        tags=("podcasts", "listening", "daily", "kpi"),
        created_days_ago=30,
        description=md(
            """
            The podcast team's main engagement measure, shared with creators in aggregate.

            ### Definitions

            | Metric | Definition |
            |---|---|
            | start | a play of the episode of at least 60 seconds |
            | completion | a listener reached 90 % of the episode (over any number of plays) |
            | play rate | completions over starts |
            | median listen | median share of the episode heard by starters |

            Listening across several days is attributed to the day of the first start.
            Episodes with fewer than 20 starts on a day have `play_rate` null.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="play-rate-daily",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/podcasts.play_rate_daily",
                version="1.3.0",
                fields=[
                    column("play_date", "date", "Day of the first start (UTC).", key=True),
                    column("episode_id", "string", "Episode.", key=True),
                    column("show_id", "string", "Show.", required=True),
                    column("starts", "integer", "Starts of at least 60 seconds.", required=True),
                    column("completions", "integer", "Listeners who reached 90 %.", required=True),
                    column("play_rate", "double", "completions / starts; null under 20 starts."),
                    column("median_listen_pct", "double", "Median share of the episode heard."),
                    column("avg_listen_s", "double", "Average seconds heard per starter."),
                ],
            ),
            PortSpec(
                name="play-rate-files",
                port_type=FILES,
                format="Parquet",
                location="s3://streamly-lake/podcasts/play-rate-daily/",
                version="1.3.0",
                description="Monthly Parquet exports for the creator reports.",
                fields=[
                    column("month", "date", "First day of the month.", key=True),
                    column("episode_id", "string", "Episode.", key=True),
                    column("starts", "integer", "Starts in the month.", required=True),
                    column("completions", "integer", "Completions in the month.", required=True),
                    column("play_rate", "double", "completions / starts."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="podcasts",
        slug="podcast-followers",
        name="Podcast Followers",
        owner="judy",
        summary="Follows and unfollows of podcast shows per day and country, and each show's follower total.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="1.0.0",
        tags=("podcasts", "daily", "kpi"),
        created_days_ago=20,
        description=md(
            """
            Follower counts for every show, as shown to creators in the podcast dashboard
            and used to rank shows in the podcast directory.

            ### Notes

            - A follow from a family-plan member counts once per account, not per device.
            - Countries with fewer than 10 follows on a day are grouped as `ZZ`, so that
              individual listeners cannot be singled out.
            - `followers_total` is corrected overnight when accounts are deleted.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="followers-daily",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/podcasts.followers_daily",
                fields=[
                    column("follow_date", "date", "Day (UTC).", key=True),
                    column("show_id", "string", "Show.", key=True),
                    column("country", "string", "Followers' country, or ZZ.", key=True),
                    column("follows", "integer", "New follows.", required=True),
                    column("unfollows", "integer", "Unfollows.", required=True),
                    column("followers_total", "bigint", "Followers at the end of the day.", required=True),
                ],
            ),
        ),
    ),
    # --- Finance --------------------------------------------------------------------
    DemoProduct(
        domain="finance",
        slug="artist-payments",
        name="Artist Payments",
        owner="frank",
        summary="Monthly royalty statements and payouts per rights holder, artist and territory, reconciled with the bank.",
        kind=AGGREGATE,
        classification=RESTRICTED,
        contains_pii=True,
        version="2.5.0",
        tags=("finance", "royalties", "artists", "payments"),
        created_days_ago=600,
        description=md(
            """
            What Streamly owes and pays to rights holders (labels, distributors, publishers and
            self-releasing artists) every month.

            ### How it is computed

            1. Streams per track and territory come from *Play Events Daily*.
            2. Revenue per territory comes from *Subscription Revenue Daily* and ad revenue.
            3. The pro-rata share of each rights holder is applied with the rates in
               *Royalty Rate Cards*.
            4. Payouts are matched to bank statements; `paid_at` is set when the bank confirms.

            ### Personal data

            Self-releasing artists are natural persons: their legal name and bank account are
            personal data and restricted. Requests for the `statements` port are reviewed by
            Finance and a governance steward.

            | Column | Who may see it |
            |---|---|
            | `payee_legal_name`, `payout_iban` | Finance payments team only |
            | everything else | approved consumers |
            """
        ),
        terms_of_use=TERMS_FINANCE,
        ports=(
            PortSpec(
                name="statements",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/finance.artist_payments",
                version="2.5.0",
                description="One row per rights holder, artist, territory and statement month.",
                fields=[
                    column("payment_id", "string", "Statement line id.", key=True),
                    column("statement_month", "date", "First day of the month accounted for.", required=True),
                    column("rights_holder_id", "string", "Label, distributor, publisher or artist paid.", required=True),
                    column("payee_legal_name", "string", "Legal name of the payee.", pii=RESTRICTED),
                    column("artist_id", "string", "Artist the streams belong to.", required=True),
                    column("territory", "string", "Country the revenue was earned in.", required=True),
                    column("streams", "bigint", "Royalty-bearing streams.", required=True),
                    column("gross_revenue_eur", "decimal(14,2)", "Revenue attributed to these streams, in EUR."),
                    column("royalty_rate", "decimal(6,5)", "Rate applied from the rate card."),
                    column("amount_due", "decimal(14,2)", "Amount owed, in the payout currency.", required=True),
                    column("currency", "string", "ISO 4217 payout currency.", required=True),
                    column("fx_rate", "decimal(12,6)", "EUR to payout currency at month end."),
                    column("payout_iban", "string", "Bank account of the payee.", pii=RESTRICTED),
                    column("paid_at", "timestamp", "When the bank confirmed the payment."),
                ],
            ),
            PortSpec(
                name="statements-export",
                port_type=FILES,
                format="Parquet",
                location="s3://streamly-lake/finance/artist-payments/",
                version="2.5.0",
                description="Monthly files without payee names and bank details, for the artist relations team.",
                fields=[
                    column("statement_month", "date", "Month accounted for.", key=True),
                    column("rights_holder_id", "string", "Rights holder.", key=True),
                    column("artist_id", "string", "Artist.", key=True),
                    column("territory", "string", "Country.", key=True),
                    column("streams", "bigint", "Royalty-bearing streams.", required=True),
                    column("amount_due_eur", "decimal(14,2)", "Amount owed, in EUR.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="finance",
        slug="subscription-revenue-daily",
        name="Subscription Revenue Daily",
        owner="quinn",
        summary="Recognised subscription revenue per day, country, plan and currency, with net adds and cancellations.",
        kind=AGGREGATE,
        classification=CONFIDENTIAL,
        version="1.7.0",
        tags=("finance", "revenue", "subscriptions", "daily", "kpi"),
        created_days_ago=480,
        description=md(
            """
            Revenue recognised under the company's accounting policy: a monthly subscription is
            recognised evenly over its billing period; refunds reverse it on the refund day.

            ### Plans

            `premium`, `student`, `duo`, `family`, plus `trial` (zero revenue, counted for
            conversion) and `bundle` (sold through telecom partners, revenue net of their share).

            Numbers before the monthly close are provisional (`is_final = false`).
            """
        ),
        terms_of_use=TERMS_FINANCE,
        ports=(
            PortSpec(
                name="revenue-daily",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/finance.subscription_revenue_daily",
                version="1.7.0",
                fields=[
                    column("revenue_date", "date", "Day (UTC).", key=True),
                    column("country", "string", "Billing country.", key=True),
                    column("plan", "string", "Subscription plan.", key=True),
                    column("currency", "string", "ISO 4217 billing currency.", key=True),
                    column("subscribers", "integer", "Paying subscribers at the end of the day.", required=True),
                    column("net_adds", "integer", "New minus cancelled subscriptions."),
                    column("cancellations", "integer", "Subscriptions cancelled that day."),
                    column("revenue_local", "decimal(14,2)", "Recognised revenue, billing currency.", required=True),
                    column("revenue_eur", "decimal(14,2)", "Recognised revenue in EUR.", required=True),
                    column("is_final", "boolean", "True after the monthly close.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="finance",
        slug="payment-transactions",
        name="Payment Transactions",
        owner="frank",
        summary="Every subscription charge, refund and chargeback from our payment providers, with billing details.",
        kind=SOURCE_ALIGNED,
        classification=RESTRICTED,
        contains_pii=True,
        version="1.2.3",
        tags=("finance", "payments", "subscriptions", "personal-data"),
        created_days_ago=550,
        description=md(
            """
            Raw transactions from the three payment providers, normalised to one schema.
            Card numbers never reach Streamly; only the provider's token and the last four
            digits are kept.

            ### Use it for

            - reconciliation with provider settlements,
            - chargeback and fraud investigations,
            - answering listeners' billing questions in support.

            For revenue reporting use *Subscription Revenue Daily* instead.
            """
        ),
        terms_of_use=TERMS_FINANCE,
        ports=(
            PortSpec(
                name="transactions",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/finance.payment_transactions",
                version="1.2.3",
                fields=[
                    column("transaction_id", "string", "Provider transaction id, prefixed by provider.", key=True),
                    column("listener_id", "string", "Account charged.", required=True, pii=CONFIDENTIAL),
                    column("kind", "string", "charge, refund or chargeback.", required=True),
                    column("amount", "decimal(12,2)", "Amount in the billing currency.", required=True),
                    column("currency", "string", "ISO 4217 currency.", required=True),
                    column("provider", "string", "Payment provider.", required=True),
                    column("card_last4", "string", "Last four digits of the card.", pii=RESTRICTED),
                    column("billing_email", "string", "E-mail on the receipt.", pii=RESTRICTED),
                    column("billing_postal_code", "string", "Billing postal code (address verification).", pii=RESTRICTED),
                    column("ip_address", "string", "IP address of the checkout.", pii=RESTRICTED),
                    column("created_at", "timestamp", "When the provider created it (UTC).", required=True),
                    column("status", "string", "succeeded, failed or pending.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="finance",
        slug="royalty-rate-cards",
        name="Royalty Rate Cards",
        owner="quinn",
        summary="The contractual royalty rates per rights holder, territory, plan and period, as agreed in licensing deals.",
        kind=SOURCE_ALIGNED,
        classification=CONFIDENTIAL,
        version="3.0.0",
        tags=("finance", "royalties", "artists"),
        created_days_ago=620,
        description=md(
            """
            Maintained by the licensing team in the contracts system and published here nightly.
            A rate is valid from `valid_from` to `valid_to` (exclusive); there are no gaps
            for an active contract.

            Rates are **commercially confidential**: they differ per label and must never
            be shown to another rights holder.
            """
        ),
        terms_of_use=TERMS_FINANCE,
        ports=(
            PortSpec(
                name="rate-cards",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/finance.royalty_rate_cards",
                version="3.0.0",
                fields=[
                    column("rights_holder_id", "string", "Rights holder.", key=True),
                    column("territory", "string", "Country, or WW for worldwide.", key=True),
                    column("plan", "string", "Plan the rate applies to, or all.", key=True),
                    column("valid_from", "date", "First day the rate applies.", key=True),
                    column("valid_to", "date", "Day the rate stops applying (exclusive)."),
                    column("revenue_share", "decimal(6,5)", "Share of attributable revenue.", required=True),
                    column("per_stream_minimum_eur", "decimal(8,6)", "Minimum per stream, if any."),
                    column("contract_id", "string", "Contract in the licensing system.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="finance",
        slug="finance-kpis-monthly",
        name="Finance KPIs Monthly",
        owner="frank",
        summary="The board pack numbers: MRR, ARPU, churn, gross margin and royalty cost share per month and region.",
        kind=CONSUMER_ALIGNED,
        classification=CONFIDENTIAL,
        version="1.1.0",
        tags=("finance", "kpi", "revenue", "subscriptions", "churn"),
        created_days_ago=90,
        description=md(
            """
            The monthly key figures as presented to the leadership team and the board,
            computed after the monthly close from *Subscription Revenue Daily*,
            *Artist Payments* and ad revenue.

            | KPI | Definition |
            |---|---|
            | MRR | recognised subscription revenue of the month |
            | ARPU | MRR / average paying subscribers |
            | churn | cancellations / subscribers at the start of the month |
            | royalty cost share | royalties due / total revenue |

            These are insider information until the quarterly results are published.
            """
        ),
        terms_of_use=TERMS_FINANCE,
        ports=(
            PortSpec(
                name="kpis-monthly",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/finance.kpis_monthly",
                version="1.1.0",
                fields=[
                    column("month", "date", "First day of the month.", key=True),
                    column("region", "string", "EMEA, NA, LATAM, APAC or global.", key=True),
                    column("mrr_eur", "decimal(16,2)", "Monthly recurring revenue in EUR.", required=True),
                    column("arpu_eur", "decimal(8,2)", "Average revenue per paying user in EUR."),
                    column("churn_rate", "double", "Monthly subscriber churn."),
                    column("gross_margin", "double", "Gross margin share."),
                    column("royalty_cost_share", "double", "Royalties over total revenue."),
                ],
            ),
        ),
    ),
    # --- Recommendations ------------------------------------------------------------
    DemoProduct(
        domain="recommendations",
        slug="playlist-recommendations",
        name="Playlist Recommendations",
        owner="niaj",
        summary="The playlists recommended to each listener on the home screen, ranked, with score, model version and reason.",
        kind=CONSUMER_ALIGNED,
        classification=INTERNAL,
        version="5.0.1",
        tags=("recommendations", "playlists", "ml-features", "listeners"),
        created_days_ago=75,
        description=md(
            """
            Up to 50 playlists per listener, regenerated every night and refreshed during the
            day when listening changes a lot. The home screen shows the first 12.

            ### Reasons

            - `because-you-played` — similar to recent listening.
            - `popular-near-you` — trending in the listener's region.
            - `new-for-you` — recently created or updated playlists matching the taste profile.
            - `editorial-pick` — boosted by editors.

            Only listeners who consented to personalisation are included (see *Listener Consents*).
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="recommendations-table",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/recommendations.playlist_recommendations",
                version="5.0.1",
                description="The latest run, plus 30 days of history partitioned by generated_date.",
                fields=[
                    column("listener_key", "string", "Pseudonymised listener.", key=True),
                    column("generated_date", "date", "Day of the run.", key=True),
                    column("rank", "integer", "1-based rank on the home screen.", key=True),
                    column("playlist_id", "string", "Recommended playlist.", required=True),
                    column("score", "double", "Model score, higher is better.", required=True),
                    column("reason", "string", "Why it is recommended.", required=True),
                    column("model_version", "string", "Model that produced it.", required=True),
                ],
            ),
            PortSpec(
                name="recommendations-api",
                port_type=API,
                format="JSON",
                location="https://api.streamly.internal/recommendations/v5/playlists",
                version="5.0.1",
                description="Serving API for apps; p99 latency under 40 ms.",
                fields=[
                    column("listener_id", "string", "Account asking.", key=True),
                    column("items", "array<struct>", "Ranked playlists with reason.", required=True),
                    column("model_version", "string", "Model that produced them.", required=True),
                    column("generated_at", "timestamp", "When they were produced (UTC).", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="recommendations",
        slug="track-embeddings",
        name="Track Embeddings",
        owner="trent",
        summary="A 128-dimension vector per track learned from co-listening and audio, for similarity search and model features.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="7.2.0",
        tags=("recommendations", "ml-features", "catalog"),
        created_days_ago=110,
        description=md(
            """
            Embeddings are retrained weekly on 90 days of *Play Events* co-occurrence and the
            audio features of each track. Vectors of different `model_version`s are **not**
            comparable; always filter on one.

            ### Quality

            Nearest-neighbour precision@10 on the editorial similarity set is tracked per
            version in the model card linked from the documentation.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="embeddings",
                port_type=FILES,
                format="Parquet",
                location="s3://streamly-lake/recommendations/track-embeddings/",
                version="7.2.0",
                description="One folder per model_version.",
                fields=[
                    column("track_id", "string", "Track.", key=True),
                    column("model_version", "string", "Embedding model version.", key=True),
                    column("embedding", "array<float>", "128 floats, L2-normalised.", required=True),
                    column("trained_at", "timestamp", "When the model was trained.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="recommendations",
        slug="listener-taste-profiles",
        name="Listener Taste Profiles",
        owner="niaj",
        summary="What each listener likes: top genres, artists and moods, discovery appetite and listening times, updated daily.",
        kind=AGGREGATE,
        classification=CONFIDENTIAL,
        contains_pii=True,
        version="2.3.0",
        tags=("recommendations", "listeners", "ml-features", "personal-data"),
        created_days_ago=160,
        description=md(
            """
            A compact description of each listener's taste, used as input by every
            recommendation model and by the year-in-review campaign.

            Listening history reveals sensitive traits (religion through devotional music,
            politics through podcasts), so this product is personal data even though it
            holds no contact details. Requests are reviewed by a steward.

            ### Fields worth knowing

            - `discovery_affinity` — 0 means the listener replays favourites, 1 means they
              mostly play things new to them.
            - `daypart_profile` — share of listening in morning, day, evening, night.
            """
        ),
        terms_of_use=TERMS_PERSONAL,
        ports=(
            PortSpec(
                name="taste-profiles",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/recommendations.taste_profiles",
                version="2.3.0",
                fields=[
                    column("listener_id", "string", "Account.", key=True, pii=CONFIDENTIAL),
                    column("top_genres", "array<string>", "Top 10 genres over 90 days.", pii=CONFIDENTIAL),
                    column("top_artist_ids", "array<string>", "Top 20 artists over 90 days.", pii=CONFIDENTIAL),
                    column("moods", "array<string>", "Dominant moods of the listening."),
                    column("discovery_affinity", "double", "0 = replays favourites, 1 = explores."),
                    column("daypart_profile", "map<string,double>", "Share of listening per part of day."),
                    column("updated_at", "timestamp", "When the profile was computed.", required=True),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="recommendations",
        slug="recommendation-impressions",
        name="Recommendation Impressions",
        owner="trent",
        summary="What was recommended, where on screen, and whether the listener played it: the feedback loop of every model.",
        kind=SOURCE_ALIGNED,
        classification=INTERNAL,
        version="1.4.0",
        tags=("recommendations", "events", "experimentation", "real-time"),
        created_days_ago=130,
        description=md(
            """
            One event per recommended item rendered on screen, joined within 30 minutes with
            the play it led to, if any. Used for click-through rates, model training and
            A/B test readouts.

            ### Surfaces

            `home`, `search-suggestions`, `radio`, `autoplay`, `daily-mix`.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="impressions-stream",
                port_type=STREAM,
                format="Avro",
                location="kafka://events.streamly.internal/recommendation-impressions.v1",
                version="1.4.0",
                fields=[
                    column("impression_id", "string", "Unique id.", key=True),
                    column("listener_key", "string", "Pseudonymised listener.", required=True),
                    column("surface", "string", "Where it was shown.", required=True),
                    column("item_type", "string", "track, playlist, album, artist or episode.", required=True),
                    column("item_id", "string", "Recommended item.", required=True),
                    column("position", "integer", "0-based position on screen."),
                    column("model_version", "string", "Model that recommended it."),
                    column("experiment_arm", "string", "A/B test arm, if any."),
                    column("shown_at", "timestamp", "When it was rendered (UTC).", required=True),
                    column("played", "boolean", "Played within 30 minutes."),
                ],
            ),
            PortSpec(
                name="impressions-table",
                port_type=TABLE,
                format="Delta",
                location="s3://streamly-lake/recommendations/impressions/",
                version="1.4.0",
                fields=[
                    column("impression_id", "string", "Unique id.", key=True),
                    column("listener_key", "string", "Pseudonymised listener.", required=True),
                    column("surface", "string", "Where it was shown.", required=True),
                    column("item_id", "string", "Recommended item.", required=True),
                    column("shown_at", "timestamp", "When it was rendered (UTC).", required=True),
                    column("played", "boolean", "Played within 30 minutes."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="recommendations",
        slug="experiment-assignments",
        name="Experiment Assignments",
        owner="niaj",
        status=DRAFT,
        summary="Which listener is in which arm of which A/B test, from the moment of assignment.",
        kind=SOURCE_ALIGNED,
        classification=INTERNAL,
        version="0.9.0",
        tags=("experimentation", "recommendations", "events"),
        created_days_ago=9,
        description=md(
            """
            **Draft.** Moving from the experimentation team's private tables to a proper data
            product. The schema is stable; the retention policy is still under discussion.

            Use it to join any metric to A/B test arms without re-implementing the hashing.
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="assignments",
                port_type=TABLE,
                format="Delta",
                location="s3://streamly-lake/recommendations/experiment-assignments/",
                version="0.9.0",
                fields=[
                    column("experiment_id", "string", "Experiment.", key=True),
                    column("listener_key", "string", "Pseudonymised listener.", key=True),
                    column("arm", "string", "control or a treatment name.", required=True),
                    column("assigned_at", "timestamp", "First exposure (UTC).", required=True),
                    column("platform", "string", "Platform at first exposure."),
                ],
            ),
        ),
    ),
    # --- Advertising --------------------------------------------------------------------
    DemoProduct(
        domain="advertising",
        slug="ad-impressions",
        name="Ad Impressions",
        owner="olivia",
        summary="Every audio, video and display ad served on the free tier and in podcasts, with device, placement and campaign.",
        kind=SOURCE_ALIGNED,
        classification=CONFIDENTIAL,
        contains_pii=True,
        version="2.0.0",
        tags=("advertising", "events", "real-time", "personal-data", "podcasts"),
        created_days_ago=340,
        description=md(
            """
            Impressions from the ad server, for music breaks on the free tier and for
            dynamically inserted podcast ads.

            ### Counting rules

            - An audio impression counts when 2 seconds of the ad have played.
            - A display impression counts when 50 % of the banner was visible for 1 second.
            - Impressions flagged by the invalid-traffic filter have `is_valid = false`;
              advertisers are billed for valid impressions only.

            `ip_address` and `postal_code` are needed for geo targeting and fraud detection
            and are deleted after 30 days.
            """
        ),
        terms_of_use=TERMS_ADVERTISING,
        ports=(
            PortSpec(
                name="impressions-stream",
                port_type=STREAM,
                format="Avro",
                location="kafka://events.streamly.internal/ad-impressions.v2",
                version="2.0.0",
                fields=[
                    column("impression_id", "string", "Unique id.", key=True),
                    column("campaign_id", "string", "Campaign.", required=True),
                    column("creative_id", "string", "Creative (the ad itself).", required=True),
                    column("placement", "string", "music-break, podcast-preroll, podcast-midroll or banner.", required=True),
                    column("device_id", "string", "Player installation.", required=True, pii=CONFIDENTIAL),
                    column("ip_address", "string", "Client IP address.", pii=CONFIDENTIAL),
                    column("postal_code", "string", "Postal code derived from the IP address.", pii=CONFIDENTIAL),
                    column("country", "string", "Country of the impression.", required=True),
                    column("served_at", "timestamp", "When the ad started (UTC).", required=True),
                    column("is_valid", "boolean", "Passed the invalid-traffic filter.", required=True),
                    column("price_eur", "decimal(10,6)", "Price of this impression for the advertiser."),
                ],
            ),
        ),
    ),
    DemoProduct(
        domain="advertising",
        slug="campaign-performance-daily",
        name="Campaign Performance Daily",
        owner="olivia",
        summary="Impressions, reach, clicks, completions and spend per campaign, creative and country each day.",
        kind=AGGREGATE,
        classification=INTERNAL,
        version="1.5.0",
        tags=("advertising", "daily", "kpi", "marketing"),
        created_days_ago=220,
        description=md(
            """
            The numbers advertisers see in their reports and that sales teams use for
            renewals. Built from valid impressions in *Ad Impressions* only.

            | Metric | Definition |
            |---|---|
            | reach | distinct devices that saw the campaign |
            | completion rate | audio ads heard to the end over impressions |
            | CTR | clicks over display impressions |
            | spend | price of valid impressions, EUR |
            """
        ),
        terms_of_use=TERMS_INTERNAL,
        ports=(
            PortSpec(
                name="performance-daily",
                port_type=TABLE,
                format="BigQuery",
                location="bigquery://streamly-prod/advertising.campaign_performance_daily",
                version="1.5.0",
                fields=[
                    column("report_date", "date", "Day (UTC).", key=True),
                    column("campaign_id", "string", "Campaign.", key=True),
                    column("creative_id", "string", "Creative.", key=True),
                    column("country", "string", "Country.", key=True),
                    column("impressions", "bigint", "Valid impressions.", required=True),
                    column("reach", "bigint", "Distinct devices reached."),
                    column("clicks", "bigint", "Clicks on display ads."),
                    column("completions", "bigint", "Audio ads heard to the end."),
                    column("spend_eur", "decimal(14,2)", "Billed amount in EUR.", required=True),
                ],
            ),
            PortSpec(
                name="performance-export",
                port_type=FILES,
                format="JSON",
                location="s3://streamly-lake/advertising/campaign-performance/",
                version="1.5.0",
                description="Newline-delimited JSON per advertiser and day, picked up by the reporting portal.",
                fields=[
                    column("report_date", "date", "Day (UTC).", key=True),
                    column("advertiser_id", "string", "Advertiser.", key=True),
                    column("campaign_id", "string", "Campaign.", key=True),
                    column("impressions", "bigint", "Valid impressions.", required=True),
                    column("spend_eur", "decimal(14,2)", "Billed amount in EUR.", required=True),
                ],
            ),
        ),
    ),
]


# --- access requests ------------------------------------------------------------------

PENDING = AccessRequest.Status.PENDING
APPROVED = AccessRequest.Status.APPROVED
REJECTED = AccessRequest.Status.REJECTED
WITHDRAWN = AccessRequest.Status.WITHDRAWN


@dataclass(frozen=True)
class DemoRequest:
    requester: str  # username
    product: str  # product slug
    purpose: str
    status: str
    days_ago: int  # when it was submitted
    port: str = ""  # output port name, when the request is for one port
    access: str = AccessRequest.Access.READ
    duration_days: int = 90
    decided_after_days: int = 2  # for approved, rejected and withdrawn requests
    comment: str = ""  # the deciders' comment (a rejection's reason)
    revoked_after_days: int = 0  # approved requests: the grant is revoked this long after the decision
    revoke_reason: str = ""


ACCESS_REQUESTS = [
    DemoRequest(
        "bob",
        "play-events-daily",
        "Weekly marketing dashboard: streams by country and platform, to measure the uplift of the spring campaign.",
        APPROVED,
        days_ago=40,
    ),
    DemoRequest(
        "bob",
        "listener-profiles",
        "Size the student-plan campaign audience by country and age band. I need no contact details.",
        APPROVED,
        days_ago=33,
        port="profiles-pseudonymised",
        access=AccessRequest.Access.READ_MASKED,
        duration_days=60,
    ),
    DemoRequest(
        "bob",
        "listener-profiles",
        "Export the e-mail addresses of lapsed premium listeners for a win-back newsletter.",
        REJECTED,
        days_ago=36,
        port="profiles",
        duration_days=30,
        decided_after_days=1,
        comment="Contact details are not released for marketing: use the CRM's consented audiences instead.",
    ),
    DemoRequest(
        "bob",
        "campaign-performance-daily",
        "Compare conversions of paid social campaigns with in-app ad campaigns for Q3 budget planning.",
        PENDING,
        days_ago=3,
    ),
    DemoRequest(
        "bob",
        "subscription-revenue-daily",
        "Attribute revenue to the family-plan promotion that ran in six markets last month.",
        PENDING,
        days_ago=2,
        duration_days=30,
    ),
    DemoRequest(
        "bob",
        "playlist-recommendations",
        "Evaluate which recommended playlists to feature in onboarding e-mails.",
        WITHDRAWN,
        days_ago=18,
    ),
    DemoRequest(
        "bob",
        "editorial-playlist-performance",
        "Pick the best-performing editorial playlists for the summer billboard campaign.",
        APPROVED,
        days_ago=16,
        duration_days=30,
    ),
    DemoRequest(
        "erin",
        "play-events",
        "Train the session-level skip prediction model on 30 days of raw play events.",
        PENDING,
        days_ago=4,
        port="play-events-hourly",
        duration_days=90,
    ),
    DemoRequest(
        "erin",
        "play-events-daily",
        "Baseline engagement features for the premium churn model.",
        APPROVED,
        days_ago=55,
        duration_days=180,
    ),
    DemoRequest(
        "erin",
        "listener-taste-profiles",
        "Offline evaluation of cold-start recommendations for the new onboarding flow.",
        PENDING,
        days_ago=1,
        access=AccessRequest.Access.READ_MASKED,
    ),
    DemoRequest(
        "erin",
        "podcast-play-rate",
        "Analyse episode length against completion for the podcast team's quarterly review.",
        APPROVED,
        days_ago=27,
    ),
    DemoRequest(
        "erin",
        "artist-payments",
        "Study whether playlist placement correlates with royalty income for independent artists.",
        REJECTED,
        days_ago=24,
        port="statements",
        decided_after_days=3,
        comment="Individual royalty statements are restricted to Finance; the aggregated revenue product answers this.",
    ),
    DemoRequest(
        "erin",
        "track-embeddings",
        "Similar-track features for the skip prediction model.",
        APPROVED,
        days_ago=12,
        duration_days=180,
    ),
    DemoRequest(
        "erin",
        "ad-impressions",
        "Measure how ad breaks affect session length on the free tier.",
        WITHDRAWN,
        days_ago=9,
    ),
    DemoRequest(
        "erin",
        "listener-sessions-daily",
        "Session features for the premium churn model.",
        APPROVED,
        days_ago=50,
        duration_days=180,
    ),
    DemoRequest(
        "niaj",
        "play-events-daily",
        "Popularity priors for the playlist recommendation model.",
        APPROVED,
        days_ago=70,
        duration_days=365,
    ),
    DemoRequest(
        "frank",
        "play-events-daily",
        "Reconcile royalty-bearing streams in Artist Payments with the player's own counts.",
        APPROVED,
        days_ago=65,
        duration_days=365,
    ),
    DemoRequest(
        "olivia",
        "listener-consents",
        "Ad targeting must exclude listeners who withdrew ads-personalisation consent.",
        PENDING,
        days_ago=5,
        port="current-consents",
        duration_days=90,
    ),
    DemoRequest(
        "judy",
        "play-events",
        "Podcast plays come through play events: build the real-time listener count for live shows.",
        PENDING,
        days_ago=6,
        port="play-events-stream",
        duration_days=90,
    ),
    DemoRequest(
        "bob",
        "podcast-play-rate",
        "Which podcast genres to promote in the spring campaign.",
        APPROVED,
        days_ago=120,
        duration_days=30,
        decided_after_days=1,
    ),
    DemoRequest(
        "erin",
        "playlist-tracks",
        "Co-occurrence features for the playlist continuation model.",
        APPROVED,
        days_ago=60,
        duration_days=180,
        revoked_after_days=25,
        revoke_reason="The export job copied the whole table to a personal bucket; ask again once it reads in place.",
    ),
    DemoRequest(
        "heidi",
        "playlist-recommendations",
        "Check how often editorial playlists are recommended on the home screen, per market.",
        APPROVED,
        days_ago=30,
    ),
]


# --- lineage ----------------------------------------------------------------------------
#
# Where the mesh's data comes from and goes. Source-aligned products read the
# operational systems (external datasets); aggregates and consumer-aligned
# products read other products. Jobs with `openlineage=True` are sent by
# load_demo as OpenLineage RunEvents (START, then COMPLETE) through the same
# service as `POST /api/v1/lineage`, by a member of the output's team, as a
# pipeline would; the others are inputs declared by the owners on the edit page.


@dataclass(frozen=True)
class Dataset:
    """A product's output port (`product` + `port`), or an external dataset (`namespace` + `name`)."""

    product: str = ""
    port: str = ""
    namespace: str = ""
    name: str = ""


def port_of(product: str, port: str = "") -> Dataset:
    return Dataset(product=product, port=port)


def external(namespace: str, name: str) -> Dataset:
    return Dataset(namespace=namespace, name=name)


ACCOUNTS_DB = "postgres://accounts-db.streamly.internal:5432"
PLAYLISTS_DB = "postgres://playlists-db.streamly.internal:5432"
CATALOG_DB = "postgres://content-db.streamly.internal:5432"
PODCASTS_DB = "postgres://podcasts-db.streamly.internal:5432"
BILLING_DB = "mysql://billing-db.streamly.internal:3306"
DEVICES_DB = "mysql://devices-db.streamly.internal:3306"
RAW_EVENTS = "kafka://ingest.streamly.internal:9092"
CONTRACTS = "s3://streamly-contracts"


@dataclass(frozen=True)
class DemoJob:
    name: str  # the OpenLineage job name (namespace: LINEAGE_JOB_NAMESPACE)
    reads: tuple[Dataset, ...]
    writes: tuple[Dataset, ...]  # declared jobs: the product whose inputs these are (port left empty)
    openlineage: bool = True
    days_ago: int = 1  # when the run completed
    # The outputs' `schema` facet, for jobs that report one: {(product, port): [(name, type, description)]}
    observed_schema: tuple = ()
    # The outputs' `columnLineage` facet: {(product, port): [(output field, [(input product, input port, input field)])]}
    column_lineage: tuple = ()


LINEAGE_JOB_NAMESPACE = "streamly-airflow"
LINEAGE_PRODUCER = "https://pipelines.streamly.example/airflow/2.10"

LINEAGE = [
    # --- source-aligned products from the operational systems
    DemoJob(
        "ingest.listener_profiles",
        (external(ACCOUNTS_DB, "accounts.public.accounts"), external(ACCOUNTS_DB, "accounts.public.preferences")),
        (port_of("listener-profiles", "profiles"), port_of("listener-profiles", "profiles-pseudonymised")),
    ),
    DemoJob(
        "ingest.listener_consents",
        (external(ACCOUNTS_DB, "accounts.public.consent_events"),),
        (port_of("listener-consents", "consent-changes"), port_of("listener-consents", "current-consents")),
    ),
    DemoJob(
        "ingest.play_events",
        (external(RAW_EVENTS, "player.telemetry.raw"),),
        (port_of("play-events", "play-events-stream"), port_of("play-events", "play-events-hourly")),
    ),
    DemoJob("ingest.playback_errors", (external(RAW_EVENTS, "player.errors.raw"),), (port_of("playback-errors", "errors-stream"),)),
    DemoJob("ingest.device_registry", (external(DEVICES_DB, "devices.registrations"),), (port_of("device-registry", "devices"),)),
    DemoJob("ingest.playlists", (external(PLAYLISTS_DB, "playlists.public.playlists"),), (port_of("playlists", "playlists-table"),)),
    DemoJob(
        "ingest.playlist_tracks",
        (external(PLAYLISTS_DB, "playlists.public.playlist_items"),),
        (port_of("playlist-tracks", "playlist-tracks-table"),),
    ),
    DemoJob(
        "ingest.artist_catalog",
        (external(CATALOG_DB, "content.public.artists"), external(CATALOG_DB, "content.public.labels")),
        (port_of("artist-catalog", "artists-table"),),
    ),
    DemoJob(
        "ingest.track_catalog",
        (external(CATALOG_DB, "content.public.tracks"), external(CATALOG_DB, "content.public.releases")),
        (port_of("track-catalog", "tracks-table"),),
    ),
    DemoJob("ingest.podcast_shows", (external(PODCASTS_DB, "podcasts.public.shows"),), (port_of("podcast-shows", "shows-table"),)),
    DemoJob(
        "ingest.podcast_episodes", (external(PODCASTS_DB, "podcasts.public.episodes"),), (port_of("podcast-episodes", "episodes-table"),)
    ),
    DemoJob(
        "ingest.payment_transactions",
        (external(BILLING_DB, "billing.transactions"), external(BILLING_DB, "billing.refunds")),
        (port_of("payment-transactions", "transactions"),),
    ),
    DemoJob("ingest.royalty_rate_cards", (external(CONTRACTS, "rate-cards/current"),), (port_of("royalty-rate-cards", "rate-cards"),)),
    DemoJob(
        "ingest.recommendation_impressions",
        (external(RAW_EVENTS, "recs.impressions.raw"),),
        (port_of("recommendation-impressions", "impressions-stream"), port_of("recommendation-impressions", "impressions-table")),
    ),
    DemoJob("ingest.ad_impressions", (external(RAW_EVENTS, "ads.impressions.raw"),), (port_of("ad-impressions", "impressions-stream"),)),
    # --- aggregates
    DemoJob(
        "aggregate.listener_sessions_daily",
        (port_of("play-events", "play-events-hourly"), port_of("listener-profiles", "profiles-pseudonymised")),
        (port_of("listener-sessions-daily", "sessions-daily"),),
    ),
    DemoJob(
        "aggregate.play_events_daily",
        (port_of("play-events", "play-events-hourly"), port_of("track-catalog", "tracks-table"), port_of("device-registry", "devices")),
        (port_of("play-events-daily", "daily-table"), port_of("play-events-daily", "daily-files")),
        observed_schema=(
            (
                ("play-events-daily", "daily-table"),
                (
                    ("play_date", "DATE", "The day, UTC."),
                    ("track_id", "STRING", "The track played."),
                    ("country", "STRING", "Listener country."),
                    ("plays", "INT64", "Plays of 30 s or more."),
                    ("listeners", "INT64", "Distinct listeners."),
                    ("ms_played", "INT64", "Milliseconds played."),
                    ("skips", "INT64", "Plays skipped before 30 s (added by the pipeline, not yet declared)."),
                ),
            ),
        ),
        column_lineage=(
            (
                ("play-events-daily", "daily-table"),
                (
                    ("play_date", (("play-events", "play-events-hourly", "started_at"),)),
                    ("track_id", (("play-events", "play-events-hourly", "track_id"), ("track-catalog", "tracks-table", "track_id"))),
                    ("country", (("play-events", "play-events-hourly", "country"),)),
                    ("platform", (("play-events", "play-events-hourly", "platform"), ("device-registry", "devices", "os"))),
                    ("plays", (("play-events", "play-events-hourly", "ms_played"),)),
                    ("listeners", (("play-events", "play-events-hourly", "listener_id"),)),
                    ("ms_played_total", (("play-events", "play-events-hourly", "ms_played"),)),
                    (
                        "completion_rate",
                        (("play-events", "play-events-hourly", "ms_played"), ("track-catalog", "tracks-table", "duration_ms")),
                    ),
                ),
            ),
        ),
    ),
    DemoJob(
        "aggregate.stream_quality_hourly",
        (port_of("playback-errors", "errors-stream"), port_of("play-events", "play-events-stream"), port_of("device-registry", "devices")),
        (port_of("stream-quality-metrics", "quality-hourly"),),
    ),
    DemoJob(
        "aggregate.playlist_follows_daily",
        (port_of("playlists", "playlists-table"), external(PLAYLISTS_DB, "playlists.public.follows")),
        (port_of("playlist-follows-daily", "follows-daily"),),
    ),
    DemoJob(
        "aggregate.podcast_play_rate",
        (port_of("play-events", "play-events-hourly"), port_of("podcast-episodes", "episodes-table")),
        (port_of("podcast-play-rate", "play-rate-daily"), port_of("podcast-play-rate", "play-rate-files")),
    ),
    DemoJob(
        "aggregate.podcast_followers",
        (port_of("podcast-shows", "shows-table"), port_of("listener-profiles", "profiles-pseudonymised")),
        (port_of("podcast-followers", "followers-daily"),),
    ),
    DemoJob(
        "aggregate.artist_payments",
        (
            port_of("play-events-daily", "daily-table"),
            port_of("royalty-rate-cards", "rate-cards"),
            port_of("track-catalog", "tracks-table"),
            port_of("artist-catalog", "artists-table"),
        ),
        (port_of("artist-payments", "statements"), port_of("artist-payments", "statements-export")),
    ),
    DemoJob(
        "aggregate.subscription_revenue_daily",
        (port_of("payment-transactions", "transactions"), port_of("listener-profiles", "profiles")),
        (port_of("subscription-revenue-daily", "revenue-daily"),),
    ),
    DemoJob(
        "ml.track_embeddings",
        (
            port_of("play-events-daily", "daily-table"),
            port_of("track-catalog", "tracks-table"),
            port_of("playlist-tracks", "playlist-tracks-table"),
        ),
        (port_of("track-embeddings", "embeddings"),),
    ),
    DemoJob(
        "ml.listener_taste_profiles",
        (
            port_of("play-events-daily", "daily-table"),
            port_of("listener-profiles", "profiles-pseudonymised"),
            port_of("playlist-follows-daily", "follows-daily"),
        ),
        (port_of("listener-taste-profiles", "taste-profiles"),),
    ),
    DemoJob(
        "aggregate.campaign_performance_daily",
        (port_of("ad-impressions", "impressions-stream"), port_of("listener-profiles", "profiles-pseudonymised")),
        (port_of("campaign-performance-daily", "performance-daily"), port_of("campaign-performance-daily", "performance-export")),
    ),
    # --- consumer-aligned products
    DemoJob(
        "ml.playlist_recommendations",
        (
            port_of("listener-taste-profiles", "taste-profiles"),
            port_of("track-embeddings", "embeddings"),
            port_of("recommendation-impressions", "impressions-table"),
            port_of("playlists", "playlists-table"),
            port_of("listener-consents", "current-consents"),
        ),
        (port_of("playlist-recommendations", "recommendations-table"),),
    ),
    DemoJob(
        "report.top_charts",
        (port_of("play-events-daily", "daily-table"), port_of("track-catalog", "tracks-table")),
        (port_of("top-charts", "charts-files"),),
    ),
    DemoJob(
        "report.finance_kpis_monthly",
        (
            port_of("subscription-revenue-daily", "revenue-daily"),
            port_of("artist-payments", "statements"),
            port_of("campaign-performance-daily", "performance-daily"),
        ),
        (port_of("finance-kpis-monthly", "kpis-monthly"),),
    ),
    # --- declared by the owners on the edit page
    DemoJob(
        "declared",
        (port_of("playlist-follows-daily"), port_of("play-events-daily", "daily-table"), port_of("playlists", "playlists-table")),
        (port_of("editorial-playlist-performance"),),
        openlineage=False,
    ),
    DemoJob(
        "declared",
        (
            port_of("play-events-daily", "daily-table"),
            port_of("listener-profiles", "profiles-pseudonymised"),
            port_of("artist-catalog", "artists-table"),
        ),
        (port_of("artist-audience-insights"),),
        openlineage=False,
    ),
    DemoJob("declared", (port_of("top-charts", "charts-files"),), (port_of("weekly-chart-export"),), openlineage=False),
    DemoJob("declared", (port_of("listener-profiles", "profiles"),), (port_of("listener-demographics-legacy"),), openlineage=False),
    DemoJob(
        "declared",
        (port_of("listener-sessions-daily"), port_of("subscription-revenue-daily"), port_of("listener-consents", "current-consents")),
        (port_of("listener-churn-signals"),),
        openlineage=False,
    ),
]


# --- service level objectives -------------------------------------------------------------
#
# What each product promises, and how it kept the promise over the last
# MEASURED_DAYS days. load_demo makes up the readings the product's pipeline
# took every `every_hours` hours and pushes them through the service
# behind `POST /api/v1/slo-measurements/`, oldest first, each batch at the
# time it arrived (a travelling clock), so statuses and breach notifications
# are exactly what the real flow writes.
#
# A behaviour says how often the readings miss the threshold, in terms of the
# error budget (the misses the target allows in a window):
#   steady     a miss now and then, a fifth of the budget or less: meeting
#   flaky      a miss every few days, spending 75 to 100 % of the budget: at risk
#   incident   steady, and a run of misses `incident_days_ago` that overspends
#              the budget: breached, its owners and consumers notified
#   recovered  the same incident, long enough ago to have left the window:
#              meeting again (the breach was notified when it happened)
# load_demo checks every window of every objective against its behaviour.

MEASURED_DAYS = 90

STEADY = "steady"
FLAKY = "flaky"
INCIDENT = "incident"
RECOVERED = "recovered"

FRESHNESS = "freshness"
AVAILABILITY = "availability"
COMPLETENESS = "completeness"
ERROR_RATE = "error_rate"
LATENCY = "latency"
CUSTOM = "custom"


@dataclass(frozen=True)
class DemoSLO:
    indicator: str
    threshold: float
    target: float  # % of readings in the window that keep the threshold
    description: str
    port: str = ""  # an output port's name, or the whole product
    unit: str | None = None  # the indicator's default when None
    name: str = ""
    operator: str = ""  # the indicator's default when empty
    window_days: int = 28
    every_hours: int = 4  # how often the pipeline takes a reading
    behaviour: str = STEADY
    incident_days_ago: float = 0  # incident, recovered: when the run of misses began
    # Readings of a level (latency, availability, ...): `typical`, varying by
    # `spread` (a factor's log for "at most" indicators, plus or minus otherwise).
    typical: float = 0.0
    spread: float = 0.0
    # Freshness: the data is loaded every `loaded_every_hours`, each load
    # landing `lands_after_hours` (plus up to `late_by_hours`) after its period ends.
    loaded_every_hours: float = 0.0
    lands_after_hours: float = 0.0
    late_by_hours: float = 0.0

    @property
    def label(self) -> str:
        return self.name or self.indicator


def freshness(
    threshold: float,
    *,
    loaded_every_hours: float,
    lands_after_hours: float,
    description: str,
    late_by_hours: float = 1.0,
    unit: str = "h",
    port: str = "",
    target: float = 95.0,
    every_hours: int = 4,
    behaviour: str = STEADY,
    incident_days_ago: float = 0,
) -> DemoSLO:
    """Age of the newest data, in `unit`: a sawtooth that drops when a load lands."""
    return DemoSLO(
        FRESHNESS,
        threshold,
        target,
        description,
        port=port,
        unit=unit,
        every_hours=every_hours,
        behaviour=behaviour,
        incident_days_ago=incident_days_ago,
        loaded_every_hours=loaded_every_hours,
        lands_after_hours=lands_after_hours,
        late_by_hours=late_by_hours,
    )


def daily_freshness(*, lands_by: int, description: str, port: str = "", **options) -> DemoSLO:
    """A table loaded once a day: yesterday lands `lands_by` hours after midnight UTC at the latest."""
    return freshness(
        24 + lands_by,
        loaded_every_hours=24,
        lands_after_hours=lands_by - 2.5,
        late_by_hours=1.5,
        description=description,
        port=port,
        **options,
    )


def level(indicator: str, threshold: float, *, typical: float, spread: float, description: str, **options) -> DemoSLO:
    options.setdefault("every_hours", 4)
    options.setdefault("target", 95.0)
    return DemoSLO(indicator, threshold, options.pop("target"), description, typical=typical, spread=spread, **options)


def latency(threshold_ms: float, *, typical_ms: float, description: str, **options) -> DemoSLO:
    return level(LATENCY, threshold_ms, typical=typical_ms, spread=0.25, description=description, **options)


def availability(threshold: float, *, description: str, typical: float = 99.98, **options) -> DemoSLO:
    options.setdefault("target", 97.0)
    return level(AVAILABILITY, threshold, typical=typical, spread=0.02, description=description, **options)


def completeness(threshold: float, *, description: str, typical: float = 99.97, spread: float = 0.05, **options) -> DemoSLO:
    return level(COMPLETENESS, threshold, typical=typical, spread=spread, description=description, **options)


def error_rate(threshold: float, *, typical: float, description: str, **options) -> DemoSLO:
    options.setdefault("target", 97.0)
    return level(ERROR_RATE, threshold, typical=typical, spread=0.3, description=description, **options)


# One incident in the player's telemetry, which two products report: after a
# broker upgrade the errors stream's consumers stalled for almost two days, and
# the hourly quality metrics built on it stopped advancing until they caught up.
ERRORS_STREAM_INCIDENT_DAYS_AGO = 5

SLOS: dict[str, tuple[DemoSLO, ...]] = {
    # --- Listener
    "listener-profiles": (
        freshness(
            30,
            unit="min",
            port="profiles",
            loaded_every_hours=0.25,
            lands_after_hours=0.1,
            late_by_hours=0.1,
            target=97.0,
            description="Minutes since the newest change in the accounts database reached the table (change data capture, merged every 15 minutes).",
        ),
        completeness(
            99.9,
            port="profiles-pseudonymised",
            typical=99.99,
            spread=0.01,
            description="Share of the accounts in profiles that appear in the pseudonymised port.",
        ),
    ),
    "listener-consents": (
        latency(
            2000,
            typical_ms=420,
            port="consent-changes",
            description="95th percentile of the time from the listener's choice to its event on the topic.",
        ),
        freshness(
            60,
            unit="min",
            port="current-consents",
            loaded_every_hours=0.25,
            lands_after_hours=0.15,
            late_by_hours=0.15,
            target=97.0,
            description="Minutes since the newest consent change reached the current-state table.",
        ),
    ),
    "listener-sessions-daily": (
        daily_freshness(lands_by=6, description="Hours since the newest complete day; yesterday lands by 06:00 UTC."),
    ),
    "listener-churn-signals": (
        daily_freshness(lands_by=8, description="Hours since the newest daily scoring run; yesterday's scores by 08:00 UTC."),
    ),
    "listener-demographics-legacy": (
        freshness(
            40,
            unit="d",
            loaded_every_hours=30 * 24,
            lands_after_hours=4 * 24,
            late_by_hours=48,
            target=95.0,
            description="Days since the newest monthly extract; a month is extracted within 10 days of its end.",
        ),
        availability(
            99.5,
            port="monthly-extract",
            typical=99.9,
            target=95.0,
            behaviour=FLAKY,
            description="Share of download attempts from the legacy file server that succeed. The server is due to be switched off with the product.",
        ),
    ),
    # --- Media Player
    "play-events": (
        latency(
            5000,
            typical_ms=1400,
            port="play-events-stream",
            every_hours=2,
            description="95th percentile of the time from the end of a play on the device to its event on the topic (online plays).",
        ),
        freshness(
            3,
            port="play-events-hourly",
            loaded_every_hours=1,
            lands_after_hours=0.4,
            late_by_hours=0.4,
            every_hours=2,
            target=97.0,
            description="Hours since the newest complete hour landed in the table.",
        ),
        level(
            CUSTOM,
            0.1,
            name="Duplicate events",
            unit="%",
            typical=0.02,
            spread=0.35,
            description="Share of events on the stream whose event_id was already seen in the last 24 hours (client retries).",
        ),
    ),
    "play-events-daily": (
        daily_freshness(
            lands_by=6,
            port="daily-table",
            behaviour=RECOVERED,
            incident_days_ago=47,
            description="Hours since the newest complete day; yesterday lands by 06:00 UTC.",
        ),
        completeness(
            99.5, port="daily-table", description="Streams in the table over royalty-bearing plays counted by the player for the same day."
        ),
    ),
    "playback-errors": (
        latency(
            10_000,
            typical_ms=2300,
            port="errors-stream",
            behaviour=INCIDENT,
            incident_days_ago=ERRORS_STREAM_INCIDENT_DAYS_AGO,
            description="95th percentile of the time from an error on the device to its event on the topic.",
        ),
        availability(
            99.5,
            port="errors-stream",
            typical=99.97,
            description="Share of the intervals' minutes in which the topic accepted and served events.",
        ),
    ),
    "device-registry": (
        freshness(
            4,
            loaded_every_hours=1,
            lands_after_hours=0.5,
            late_by_hours=0.5,
            description="Hours since the newest registration or sign-in reached the table.",
        ),
    ),
    "stream-quality-metrics": (
        freshness(
            3,
            port="quality-hourly",
            loaded_every_hours=1,
            lands_after_hours=0.75,
            late_by_hours=0.5,
            behaviour=INCIDENT,
            incident_days_ago=ERRORS_STREAM_INCIDENT_DAYS_AGO,
            description="Hours since the newest complete hour of metrics.",
        ),
    ),
    "offline-downloads": (
        freshness(
            2,
            loaded_every_hours=0.5,
            lands_after_hours=0.3,
            late_by_hours=0.3,
            description="Hours since the newest download event reached the table.",
        ),
    ),
    "play-events-v1": (
        error_rate(
            1.0,
            typical=0.25,
            port="play-events-v1-stream",
            description="Share of v1 events rejected as malformed (old clients send free-text fields).",
        ),
    ),
    # --- Playlists
    "playlists": (
        freshness(
            6,
            port="playlists-table",
            loaded_every_hours=1,
            lands_after_hours=1,
            late_by_hours=1,
            description="Hours since the newest playlist change reached the table.",
        ),
        latency(250, typical_ms=85, port="playlists-api", description="95th percentile response time of GET /playlists/{id}."),
        availability(99.9, port="playlists-api", description="Share of requests answered without a server error."),
    ),
    "playlist-tracks": (daily_freshness(lands_by=5, description="Hours since the newest daily snapshot; yesterday's by 05:00 UTC."),),
    "playlist-follows-daily": (
        daily_freshness(lands_by=7, description="Hours since the newest complete day; yesterday lands by 07:00 UTC."),
    ),
    "editorial-playlist-performance": (
        freshness(
            9,
            unit="d",
            loaded_every_hours=7 * 24,
            lands_after_hours=30,
            late_by_hours=6,
            description="Days since the newest complete week; a week lands by Tuesday.",
        ),
    ),
    # --- Artists
    "artist-catalog": (
        freshness(
            6,
            port="artists-table",
            loaded_every_hours=2,
            lands_after_hours=1,
            late_by_hours=1,
            description="Hours since the newest change in the content database reached the table.",
        ),
        latency(200, typical_ms=60, port="artists-api", description="95th percentile response time of GET /artists/{id}."),
    ),
    "track-catalog": (
        freshness(
            12,
            loaded_every_hours=6,
            lands_after_hours=1.5,
            late_by_hours=1.5,
            description="Hours since the newest label delivery was ingested; deliveries are processed every 6 hours.",
        ),
        completeness(99.9, typical=99.99, spread=0.02, description="Share of delivered tracks that have a valid ISRC and duration."),
    ),
    "artist-audience-insights": (
        daily_freshness(lands_by=9, port="audience-daily", description="Hours since the newest complete day; yesterday by 09:00 UTC."),
        latency(400, typical_ms=140, port="insights-api", description="95th percentile response time of the insights API."),
    ),
    "top-charts": (
        daily_freshness(
            lands_by=10, port="charts-files", description="Hours since the newest chart day; yesterday's charts are published by 10:00 UTC."
        ),
        availability(99.9, port="charts-api", description="Share of chart API requests answered without a server error."),
    ),
    "weekly-chart-export": (
        freshness(
            9, unit="d", loaded_every_hours=7 * 24, lands_after_hours=20, late_by_hours=4, description="Days since the newest weekly file."
        ),
    ),
    # --- Podcasts
    "podcast-shows": (
        freshness(
            12,
            loaded_every_hours=6,
            lands_after_hours=2,
            late_by_hours=1.5,
            description="Hours since the newest crawl of the shows' feeds completed.",
        ),
    ),
    "podcast-episodes": (
        freshness(
            6, loaded_every_hours=2, lands_after_hours=1, late_by_hours=1, description="Hours since the newest episode crawl completed."
        ),
        completeness(99.0, typical=99.8, spread=0.2, description="Share of episodes in the feeds that have a measured duration."),
    ),
    "podcast-play-rate": (
        daily_freshness(
            lands_by=8,
            port="play-rate-daily",
            behaviour=FLAKY,
            description="Hours since the newest complete day; yesterday by 08:00 UTC. The job waits for the episodes crawl and runs late when it does.",
        ),
    ),
    "podcast-followers": (daily_freshness(lands_by=7, description="Hours since the newest complete day; yesterday by 07:00 UTC."),),
    # --- Finance
    "artist-payments": (
        freshness(
            40,
            unit="d",
            port="statements",
            loaded_every_hours=30 * 24,
            lands_after_hours=6 * 24,
            late_by_hours=48,
            description="Days since the newest closed month; statements follow the close on the fifth working day.",
        ),
        level(
            CUSTOM,
            0.5,
            name="Unreconciled streams",
            unit="%",
            typical=0.08,
            spread=0.4,
            port="statements",
            description="Share of royalty-bearing streams in the player's counts that no statement line accounts for.",
        ),
    ),
    "subscription-revenue-daily": (
        daily_freshness(lands_by=6, description="Hours since the newest complete day; yesterday by 06:00 UTC."),
        completeness(99.5, description="Recognised revenue over the billing system's invoiced total for the same day."),
    ),
    "payment-transactions": (
        freshness(
            2,
            loaded_every_hours=0.5,
            lands_after_hours=0.25,
            late_by_hours=0.25,
            target=97.0,
            description="Hours since the newest provider transaction reached the table.",
        ),
        completeness(
            99.5,
            typical=99.9,
            spread=0.15,
            behaviour=FLAKY,
            description="Transactions in the table over those in the providers' settlement files; one provider's files often arrive incomplete.",
        ),
    ),
    "royalty-rate-cards": (daily_freshness(lands_by=6, description="Hours since the newest export from the contracts system."),),
    "finance-kpis-monthly": (
        freshness(
            40,
            unit="d",
            loaded_every_hours=30 * 24,
            lands_after_hours=7 * 24,
            late_by_hours=24,
            description="Days since the newest closed month.",
        ),
    ),
    # --- Recommendations
    "playlist-recommendations": (
        daily_freshness(lands_by=5, port="recommendations-table", description="Hours since the newest nightly run; by 05:00 UTC."),
        latency(
            150,
            typical_ms=70,
            port="recommendations-api",
            behaviour=FLAKY,
            description="95th percentile response time of the home-screen recommendations API. Cache misses after each model release push it up.",
        ),
    ),
    "track-embeddings": (
        freshness(
            9,
            unit="d",
            loaded_every_hours=7 * 24,
            lands_after_hours=30,
            late_by_hours=6,
            description="Days since the newest weekly training run.",
        ),
        level(
            CUSTOM,
            0.9,
            name="Recall@10",
            unit="",
            operator="gte",
            typical=0.93,
            spread=0.006,
            description="Recall at 10 of the nearest-neighbour benchmark (held-out co-listening pairs), checked on the serving index.",
        ),
    ),
    "listener-taste-profiles": (
        daily_freshness(lands_by=7, description="Hours since the newest nightly profile computation; by 07:00 UTC."),
    ),
    "recommendation-impressions": (
        latency(
            3000,
            typical_ms=900,
            port="impressions-stream",
            description="95th percentile of the time from rendering to the event on the topic.",
        ),
        completeness(
            99.0,
            port="impressions-table",
            typical=99.6,
            spread=0.25,
            behaviour=FLAKY,
            description="Impressions in the table over those counted by the apps' own telemetry. Some clients drop events when offline.",
        ),
    ),
    "experiment-assignments": (
        freshness(
            2,
            loaded_every_hours=0.5,
            lands_after_hours=0.25,
            late_by_hours=0.25,
            description="Hours since the newest assignment reached the table.",
        ),
    ),
    # --- Advertising
    "ad-impressions": (
        latency(
            2000,
            typical_ms=650,
            port="impressions-stream",
            description="95th percentile of the time from the ad starting to its event on the topic.",
        ),
        error_rate(0.5, typical=0.08, port="impressions-stream", description="Share of events rejected by the schema registry."),
    ),
    "campaign-performance-daily": (
        daily_freshness(lands_by=6, port="performance-daily", description="Hours since the newest complete day; yesterday by 06:00 UTC."),
        completeness(99.5, port="performance-daily", description="Valid impressions in the table over those on the impressions stream."),
    ),
}


# --- samples -----------------------------------------------------------------------------------
#
# Example rows for every output port, made up by load_demo from the port's
# schema: each column takes its value from SAMPLE_COLUMNS by name (or from
# SAMPLE_OVERRIDES for a product whose column means something else). A row is
# about one listener, one track, one playlist, ... picked from the invented
# people and catalogue below, so ids, names and e-mail addresses agree within
# a row and across products. Addresses use the example domains and IP
# addresses the documentation ranges (RFC 2606, RFC 5737, RFC 3849).


def _slug_id(prefix: str, *parts: str) -> str:
    return f"{prefix}_{hashlib.sha256('/'.join(parts).encode()).hexdigest()[:12]}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("'", "").replace(" ", "")


@dataclass(frozen=True)
class Listener:
    first_name: str
    last_name: str
    mail_domain: str
    country: str
    region: str  # ISO 3166-2
    language: str
    postal_code: str  # "" where not collected
    tier: str
    birth_date: str  # "" when not declared
    signed_up: str

    @property
    def id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"streamly-demo/listener/{self.email}"))

    @property
    def key(self) -> str:
        return hashlib.sha256(f"streamly-salt/{self.id}".encode()).hexdigest()[:32]

    @property
    def email(self) -> str:
        return f"{_ascii(self.first_name)}.{_ascii(self.last_name)}@{self.mail_domain}"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name[0]}."

    @property
    def age_band(self) -> str:
        if not self.birth_date:
            return "unknown"
        age = date.today().year - int(self.birth_date[:4])
        bands = ((17, "13-17"), (24, "18-24"), (34, "25-34"), (44, "35-44"), (54, "45-54"))
        return next((band for limit, band in bands if age <= limit), "55+")


LISTENERS = [
    Listener("María", "López", "example.net", "ES", "ES-MD", "es-ES", "28013", "premium", "1991-04-17", "2016-09-02"),
    Listener("Jonas", "Berg", "example.org", "SE", "SE-AB", "sv-SE", "114 52", "family", "1984-11-03", "2012-02-19"),
    Listener("Aïcha", "Diallo", "example.com", "FR", "FR-ARA", "fr-FR", "69003", "student", "2003-06-25", "2021-10-11"),
    Listener("Tomasz", "Wójcik", "example.net", "PL", "PL-14", "pl-PL", "", "free", "1996-01-30", "2019-05-07"),
    Listener("Priya", "Raman", "example.org", "IN", "IN-KA", "en-IN", "", "premium", "1989-08-12", "2020-03-28"),
    Listener("Lucas", "Ferreira", "example.com", "BR", "BR-SP", "pt-BR", "01310-100", "duo", "1993-12-09", "2018-07-15"),
    Listener("Emma", "Schulz", "example.net", "DE", "DE-BE", "de-DE", "10997", "premium", "1978-05-21", "2013-11-30"),
    Listener("Kenji", "Watanabe", "example.org", "JP", "JP-13", "ja-JP", "150-0002", "free", "2001-02-14", "2022-01-09"),
    Listener("Sofia", "Rossi", "example.com", "IT", "IT-25", "it-IT", "20121", "family", "", "2015-04-23"),
    Listener("Olumide", "Bakare", "example.net", "NG", "NG-LA", "en-NG", "", "free", "1999-07-19", "2023-02-14"),
    Listener("Liam", "O'Connor", "example.org", "IE", "IE-D", "en-IE", "D08 K2F7", "student", "2005-03-11", "2023-09-01"),
    Listener("Chloé", "Martin", "example.com", "FR", "FR-NAQ", "fr-FR", "33000", "premium", "1987-09-27", "2014-06-18"),
    Listener("Mateo", "García", "example.net", "MX", "MX-CMX", "es-MX", "06700", "premium", "1995-10-05", "2017-12-24"),
    Listener("Hannah", "Whitaker", "example.org", "US", "US-OR", "en-US", "97214", "duo", "1982-01-16", "2011-08-08"),
    Listener("Ingrid", "Solberg", "example.com", "NO", "NO-03", "nb-NO", "0557", "family", "1969-12-02", "2012-10-30"),
    Listener("Yusuf", "Demir", "example.net", "DE", "DE-HH", "tr-TR", "20357", "free", "2000-08-21", "2024-03-17"),
]


@dataclass(frozen=True)
class RightsHolder:
    name: str
    legal_name: str
    country: str
    currency: str

    @property
    def id(self) -> str:
        return _slug_id("rh", self.name)


RIGHTS_HOLDERS = [
    RightsHolder("Northern Echo Records", "Northern Echo Records AB", "SE", "SEK"),
    RightsHolder("Blue Fern Music", "Blue Fern Music SAS", "FR", "EUR"),
    RightsHolder("Kestrel Distribution", "Kestrel Distribution Ltd", "GB", "GBP"),
    RightsHolder("Copperline Audio", "Copperline Audio LLC", "US", "USD"),
]


@dataclass(frozen=True)
class Artist:
    name: str
    country: str
    genres: tuple[str, ...]
    label: RightsHolder
    verified: bool = True
    sort_name: str = ""

    @property
    def id(self) -> str:
        return _slug_id("ar", self.name)


_NORTHERN_ECHO, _BLUE_FERN, _KESTREL, _COPPERLINE = RIGHTS_HOLDERS
ARTISTS = [
    Artist("The Velvet Lanterns", "GB", ("indie rock", "dream pop"), _KESTREL, sort_name="Velvet Lanterns, The"),
    Artist("Mira Solenne", "FR", ("chanson", "electropop"), _BLUE_FERN),
    Artist("Kofi & the Tidewater", "GH", ("afrobeats", "highlife"), _KESTREL),
    Artist("Ashgrove", "SE", ("folk", "indie folk"), _NORTHERN_ECHO),
    Artist("Lune Électrique", "CA", ("synthwave", "electronic"), _COPPERLINE),
    Artist("Dusty Meridian", "US", ("americana", "country"), _COPPERLINE),
    Artist("Nadia Ferro", "IT", ("jazz", "soul"), _BLUE_FERN),
    Artist("Northbound Owls", "NO", ("post-rock", "ambient"), _NORTHERN_ECHO, verified=False),
    Artist("DJ Sable", "DE", ("techno", "house"), _KESTREL),
    Artist("Rosa Quintana", "MX", ("latin pop", "reggaeton"), _COPPERLINE),
    Artist("Harbour Lights Choir", "IE", ("choral", "folk"), _KESTREL, verified=False),
    Artist("Saffron Static", "IN", ("indie pop", "lo-fi"), _NORTHERN_ECHO),
]


@dataclass(frozen=True)
class Track:
    title: str
    artist: Artist
    duration_ms: int
    album: str
    release_date: str
    explicit: bool = False

    @property
    def id(self) -> str:
        return _slug_id("tr", self.artist.name, self.title)

    @property
    def album_id(self) -> str:
        return _slug_id("al", self.artist.name, self.album)

    @property
    def isrc(self) -> str:
        digest = hashlib.sha256(self.id.encode()).hexdigest()
        return f"{self.artist.label.country}{digest[:3].upper()}{self.release_date[2:4]}{int(digest[3:9], 16) % 100000:05d}"


(_LANTERNS, _MIRA, _KOFI, _ASHGROVE, _LUNE, _DUSTY, _NADIA, _OWLS, _SABLE, _ROSA, _CHOIR, _SAFFRON) = ARTISTS
TRACKS = [
    Track("Paper Satellites", _LANTERNS, 214_306, "Glasshouse Summer", "2024-05-10"),
    Track("Slow Tide", _LANTERNS, 251_880, "Glasshouse Summer", "2024-05-10"),
    Track("Les Heures Bleues", _MIRA, 198_412, "Néons", "2023-11-03"),
    Track("Fais-moi Signe", _MIRA, 176_950, "Fais-moi Signe", "2025-02-14"),
    Track("Harbour Dance", _KOFI, 232_004, "Lagoon Nights", "2024-08-23"),
    Track("Pinewood Letters", _ASHGROVE, 267_533, "Winter Ledger", "2022-12-02"),
    Track("Neon Cartography", _LUNE, 301_245, "Grid Runner", "2023-06-16"),
    Track("Gravel Road Hymn", _DUSTY, 224_790, "Dustbowl Radio", "2021-09-24"),
    Track("Midnight in Trastevere", _NADIA, 289_118, "Velluto", "2024-02-09"),
    Track("We Were the Weather", _OWLS, 412_660, "Cartographers", "2020-10-30"),
    Track("Concrete Bloom", _SABLE, 366_091, "Concrete Bloom EP", "2025-01-17", explicit=True),
    Track("Fuego Lento", _ROSA, 189_377, "Fuego Lento", "2025-03-07", explicit=True),
    Track("Corazón de Papel", _ROSA, 203_512, "Mar Adentro", "2023-07-21"),
    Track("Wild Mountain Tide", _CHOIR, 243_009, "Shore Songs", "2019-03-15"),
    Track("Chai at 3am", _SAFFRON, 158_224, "Monsoon Tapes", "2024-10-11"),
    Track("Postcard from Pune", _SAFFRON, 171_870, "Monsoon Tapes", "2024-10-11"),
]


@dataclass(frozen=True)
class Playlist:
    title: str
    owner_type: str  # listener, editorial or algorithmic
    description: str
    followers: int
    track_count: int
    owner: Listener | None = None
    is_public: bool = True
    collaborative: bool = False

    @property
    def id(self) -> str:
        return _slug_id("pl", self.title, self.owner.email if self.owner else self.owner_type)


PLAYLISTS = [
    Playlist("Morning Acoustic", "editorial", "Gentle guitars and warm voices for a slow start.", 1_284_310, 80),
    Playlist("Deep Focus", "editorial", "Keep calm and concentrate: ambient and post-rock without words.", 3_902_117, 150),
    Playlist("Fresh Finds: Nordic", "editorial", "New artists from Sweden, Norway, Denmark, Finland &amp; Iceland.", 88_412, 50),
    Playlist("Rainy Day Jazz", "editorial", "Smoky rooms, soft brushes, long evenings.", 640_233, 100),
    Playlist("Fiesta Latina", "editorial", "The hottest Latin tracks right now.", 2_210_586, 60),
    Playlist("Weekly Discoveries", "algorithmic", "New music picked for you every Monday.", 0, 30, is_public=False),
    Playlist("Mix of the Day 1", "algorithmic", "Made for you from what you play most.", 0, 50, is_public=False),
    Playlist("gym bangers", "listener", "", 12, 47, owner=LISTENERS[0]),
    Playlist("sunday cleaning", "listener", "add anything that makes vacuuming bearable", 3, 112, owner=LISTENERS[1], collaborative=True),
    Playlist("road trip 2025", "listener", "Porto to Seville, August", 0, 64, owner=LISTENERS[5], is_public=False),
]


@dataclass(frozen=True)
class Show:
    title: str
    publisher: str
    categories: tuple[str, ...]
    language: str
    hosting: str = "rss"
    explicit: bool = False

    @property
    def id(self) -> str:
        return _slug_id("sh", self.title)


SHOWS = [
    Show("The Long Listen", "Harbor Audio", ("Society & Culture", "Documentary"), "en"),
    Show("Data Over Coffee", "Tinkerbird Media", ("Technology", "Business"), "en", hosting="hosted"),
    Show("Midnight Histories", "Lantern Podcasts", ("History",), "en"),
    Show("Kitchen Table Science", "Harbor Audio", ("Science", "Education"), "en"),
    Show("Pitch & Roll", "Touchline Audio", ("Sports",), "en", explicit=True),
    Show("Historias de Medianoche", "Lantern Podcasts", ("History",), "es", hosting="hosted"),
    Show("Zwei Minuten Wirtschaft", "Kompass Audio", ("News", "Business"), "de"),
    Show("Le Goût des Mots", "Studio Pivoine", ("Arts", "Books"), "fr", hosting="hosted"),
]


@dataclass(frozen=True)
class Episode:
    show: Show
    title: str
    duration_s: int

    @property
    def id(self) -> str:
        return _slug_id("ep", self.show.title, self.title)


(_LONG_LISTEN, _DATA_COFFEE, _MIDNIGHT, _KITCHEN, _PITCH, _HISTORIAS, _ZWEI, _GOUT) = SHOWS
EPISODES = [
    Episode(_LONG_LISTEN, "The Lighthouse Keepers' Daughters", 3_412),
    Episode(_LONG_LISTEN, "A Town Without Cars", 2_878),
    Episode(_DATA_COFFEE, "Is Your Dashboard Lying?", 1_955),
    Episode(_DATA_COFFEE, "Data Mesh, Two Years In", 2_610),
    Episode(_MIDNIGHT, "The Great Stink of 1858", 4_020),
    Episode(_MIDNIGHT, "Lost Maps of the Baltic", 3_598),
    Episode(_KITCHEN, "Why Bread Rises", 1_702),
    Episode(_PITCH, "Derby Day Post-Mortem", 3_155),
    Episode(_HISTORIAS, "El Galeón de Manila", 2_940),
    Episode(_ZWEI, "Was ist eigentlich Inflation?", 131),
    Episode(_GOUT, "Les mots voyageurs", 1_823),
    Episode(_KITCHEN, "The Chemistry of Coffee", 1_996),
]


@dataclass(frozen=True)
class Device:
    owner: Listener
    device_type: str
    model: str
    os: str
    os_version: str
    platform: str
    app_version: str

    @property
    def id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"streamly-demo/device/{self.owner.email}/{self.model}"))


_PHONES = (
    ("phone", "Pixel 8", "Android", "15", "android"),
    ("phone", "iPhone 15", "iOS", "18.3", "ios"),
    ("phone", "Galaxy A54", "Android", "14", "android"),
    ("tablet", "iPad Air", "iPadOS", "18.2", "ios"),
)
_OTHERS = (
    ("computer", "MacBook Air", "macOS", "15.3", "desktop"),
    ("browser", "Firefox 135", "Windows", "11", "web"),
    ("speaker", "Sonora Mini", "SonoraOS", "7.1", "speaker"),
    ("car", "Volta EV infotainment", "Android Automotive", "13", "car"),
    ("tv", "Lumina 55 TV", "Tizen", "8.0", "web"),
    ("computer", "ThinkPad X1", "Windows", "11", "desktop"),
)
DEVICES = [
    Device(listener, *kind, app_version=f"9.{(index * 7) % 10}.{(index * 3) % 40}")
    for index, listener in enumerate(LISTENERS)
    for kind in (_PHONES[index % len(_PHONES)], _OTHERS[index % len(_OTHERS)])[: 1 + index % 2]
]


@dataclass(frozen=True)
class Campaign:
    advertiser: str
    name: str
    creatives: int

    @property
    def id(self) -> str:
        return _slug_id("cmp", self.advertiser, self.name)

    @property
    def advertiser_id(self) -> str:
        return _slug_id("adv", self.advertiser)


CAMPAIGNS = [
    Campaign("Northwind Coffee", "Spring roast launch", 3),
    Campaign("Bluepeak Running", "Marathon season", 2),
    Campaign("Alba Bank", "Student account", 4),
    Campaign("Verdant Greens", "Meal boxes trial", 2),
    Campaign("Orbit Mobile", "Unlimited data summer", 3),
    Campaign("Cinema Paradiso Streaming", "Autumn premieres", 2),
]

COUNTRIES = ("SE", "DE", "FR", "ES", "GB", "US", "BR", "MX", "IT", "PL", "NL", "JP", "IN", "NG", "NO", "IE")
PLATFORMS = ("ios", "android", "desktop", "web", "car", "speaker")
MODEL_VERSIONS = ("recs-2025.03.1", "recs-2025.03.2")
GENRES = (
    "indie rock",
    "dream pop",
    "chanson",
    "afrobeats",
    "folk",
    "synthwave",
    "americana",
    "jazz",
    "soul",
    "post-rock",
    "techno",
    "latin pop",
    "lo-fi",
    "hip hop",
    "classical",
)
CURRENCIES = {
    "SE": "SEK",
    "GB": "GBP",
    "US": "USD",
    "BR": "BRL",
    "MX": "MXN",
    "PL": "PLN",
    "JP": "JPY",
    "IN": "INR",
    "NG": "NGN",
    "NO": "NOK",
}  # the euro elsewhere
EUR_RATES = {
    "EUR": 1.0,
    "SEK": 11.2315,
    "GBP": 0.8412,
    "USD": 1.0824,
    "BRL": 5.9127,
    "MXN": 19.8713,
    "PLN": 4.2702,
    "JPY": 163.21,
    "INR": 90.412,
    "NGN": 1650.3,
    "NOK": 11.6804,
}  # a euro in each currency, at month end
PAYMENT_PROVIDERS = ("stripe", "adyen", "paypal", "carrier-billing")
MOODS = ("calm", "upbeat", "melancholic", "energetic", "romantic", "focused", "dark")


class SampleRow:
    """One made-up row: what it is about (one listener, track, playlist,
    episode, device, campaign) and helpers for values, from a seeded random
    generator. The columns' rules read it; `values` holds the row's columns
    made so far (in schema order), for columns that follow from others."""

    def __init__(self, rng: random.Random, *, today: date):
        self.rng = rng
        self.today = today
        self.listener = rng.choice(LISTENERS)
        self.device = rng.choice([device for device in DEVICES if device.owner == self.listener])
        self.track = rng.choice(TRACKS)
        self.artist = self.track.artist
        self.playlist = rng.choice(PLAYLISTS)
        self.episode = rng.choice(EPISODES)
        self.show = self.episode.show
        self.campaign = rng.choice(CAMPAIGNS)
        self.provider = rng.choice(PAYMENT_PROVIDERS)
        self.day = today - timedelta(days=rng.randint(1, 3))
        self.moment = datetime.combine(self.day, dt_time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), tzinfo=UTC)
        self.values: dict = {}

    # helpers for the rules
    def pick(self, *options):
        return self.rng.choice(options)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def between(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def number(self, low: float, high: float, digits: int = 4) -> float:
        return round(self.rng.uniform(low, high), digits)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def at(self, *, hours: float = 0, days: float = 0) -> str:
        """The row's moment moved by some hours or days, as ISO 8601 in UTC."""
        return timestamp(self.moment + timedelta(hours=hours, days=days))

    def ip_address(self) -> str:
        if self.chance(0.2):
            return f"2001:db8:{self.rng.randrange(0x10000):x}::{self.rng.randrange(1, 0x10000):x}"
        return f"{self.pick('192.0.2', '198.51.100', '203.0.113')}.{self.between(1, 254)}"

    def month(self, months_ago: int = 1) -> str:
        first = self.today.replace(day=1)
        for _ in range(months_ago):
            first = (first - timedelta(days=1)).replace(day=1)
        return first.isoformat()

    def week_start(self) -> str:
        return (self.day - timedelta(days=self.day.weekday() + 7)).isoformat()


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Column name -> its value in a row. Types follow the schemas: dates as
# "YYYY-MM-DD", timestamps as ISO 8601 in UTC, None for an empty cell.
SAMPLE_COLUMNS: dict[str, Callable[[SampleRow], object]] = {
    # listeners
    "listener_id": lambda r: r.listener.id,
    "listener_key": lambda r: r.listener.key,
    "user": lambda r: r.listener.id,
    "owner_listener_id": lambda r: r.playlist.owner.id if r.playlist.owner else None,
    "added_by_listener_id": lambda r: r.listener.id if r.playlist.collaborative else None,
    "email": lambda r: r.listener.email,
    "billing_email": lambda r: r.listener.email,
    "display_name": lambda r: r.listener.display_name,
    "birth_date": lambda r: r.listener.birth_date or None,
    "postal_code": lambda r: r.listener.postal_code or None,
    "billing_postal_code": lambda r: r.listener.postal_code or None,
    "country": lambda r: r.listener.country,
    "region": lambda r: r.listener.region,
    "preferred_language": lambda r: r.listener.language,
    "language": lambda r: r.show.language,
    "subscription_tier": lambda r: r.listener.tier,
    "marketing_opt_in": lambda r: r.chance(0.4),
    "signed_up_at": lambda r: f"{r.listener.signed_up}T{r.between(6, 22):02d}:{r.between(0, 59):02d}:{r.between(0, 59):02d}Z",
    "signup_month": lambda r: r.listener.signed_up[:8] + "01",
    "age_band": lambda r: r.listener.age_band,
    "age_group": lambda r: r.listener.age_band,
    "gender": lambda r: r.pick("female", "male", "non-binary", "not stated"),
    "ip_address": lambda r: r.ip_address(),
    "ip": lambda r: r.ip_address(),
    "card_last4": lambda r: f"{r.between(0, 9999):04d}",
    # devices
    "device_id": lambda r: r.device.id,
    "device_type": lambda r: r.device.device_type,
    "device_model": lambda r: r.device.model,
    "os": lambda r: r.device.os,
    "os_version": lambda r: r.device.os_version,
    "app_version": lambda r: r.device.app_version,
    "platform": lambda r: r.device.platform,
    "platforms": lambda r: sorted(r.rng.sample(PLATFORMS, r.between(1, 3))),
    "network_type": lambda r: r.pick("wifi", "wifi", "cellular", "ethernet", "unknown"),
    "licence_region": lambda r: r.pick("EU", "EU", "NA", "LATAM", "APAC"),
    # artists and tracks
    "artist_id": lambda r: r.artist.id,
    "artist_ids": lambda r: [r.artist.id] + ([r.pick(*ARTISTS).id] if r.chance(0.2) else []),
    "artist_name": lambda r: r.artist.name,
    "name": lambda r: r.artist.name,
    "sort_name": lambda r: r.artist.sort_name or r.artist.name,
    "genres": lambda r: list(r.artist.genres),
    "verified": lambda r: r.artist.verified,
    "popularity": lambda r: r.between(18, 91),
    "merged_into": lambda r: None,
    "label_id": lambda r: r.artist.label.id,
    "track_id": lambda r: r.track.id,
    "track": lambda r: r.track.id,
    "track_title": lambda r: r.track.title,
    "title": lambda r: r.track.title,
    "isrc": lambda r: r.track.isrc,
    "album_id": lambda r: r.track.album_id,
    "duration_ms": lambda r: r.track.duration_ms,
    "explicit": lambda r: r.track.explicit,
    "release_date": lambda r: r.track.release_date,
    "territories": lambda r: sorted(r.rng.sample(COUNTRIES, r.between(4, 9))),
    "top_countries": lambda r: r.rng.sample(COUNTRIES, 5),
    # playlists
    "playlist_id": lambda r: r.playlist.id,
    "owner_type": lambda r: r.playlist.owner_type,
    "description": lambda r: r.playlist.description or None,
    "is_public": lambda r: r.playlist.is_public,
    "collaborative": lambda r: r.playlist.collaborative,
    "track_count": lambda r: r.playlist.track_count,
    "followers": lambda r: r.playlist.followers,
    "tracks": lambda r: [track.id for track in r.rng.sample(TRACKS, 5)],
    "position": lambda r: r.between(0, 49),
    "context_type": lambda r: r.pick("playlist", "playlist", "album", "artist", "search", "radio", "collection"),
    "context_id": lambda r: {
        "playlist": r.playlist.id,
        "album": r.track.album_id,
        "artist": r.artist.id,
        "radio": r.artist.id,
    }.get(r.values.get("context_type")),
    # plays and player
    "event_id": lambda r: r.uuid(),
    "started_at": lambda r: r.at(),
    "ms_played": lambda r: r.pick(r.track.duration_ms, r.between(2_000, 29_000), r.between(30_000, r.track.duration_ms)),
    "ms": lambda r: r.between(2_000, r.track.duration_ms),
    "ts": lambda r: int(r.moment.timestamp()),
    "reason_end": lambda r: r.pick("trackdone", "trackdone", "trackdone", "fwdbtn", "backbtn", "endplay", "logout", "remote"),
    "shuffle": lambda r: r.chance(0.35),
    "offline": lambda r: r.chance(0.08),
    "error_id": lambda r: r.uuid(),
    "occurred_at": lambda r: r.at(),
    "error_code": lambda r: r.pick("NET-504", "NET-TIMEOUT", "DRM-012", "CDN-403", "DEC-201", "AUTH-401"),
    "cdn_edge": lambda r: r.pick("fra1", "ams2", "arn1", "iad3", "gru1", "nrt2", "bom1"),
    "sample_rate": lambda r: r.pick(1.0, 1.0, 0.1, 0.01),
    "first_seen_at": lambda r: r.at(days=-r.between(30, 900)),
    "last_seen_at": lambda r: r.at(),
    "hour": lambda r: timestamp(r.moment.replace(minute=0, second=0)),
    "startup_time_p50_ms": lambda r: r.between(180, 420),
    "startup_time_p95_ms": lambda r: r.between(700, 2_100),
    "rebuffer_ratio": lambda r: r.number(0.001, 0.02, 5),
    "error_rate": lambda r: r.number(0.0005, 0.012, 5),
    "download_id": lambda r: r.uuid(),
    "downloaded_at": lambda r: r.at(),
    "expires_at": lambda r: r.at(days=30),
    # listening aggregates
    "session_date": lambda r: r.day.isoformat(),
    "sessions": lambda r: r.between(1, 9),
    "minutes_listened": lambda r: r.number(3, 310, 2),
    "distinct_tracks": lambda r: r.between(2, 140),
    "play_date": lambda r: r.day.isoformat(),
    "streams": lambda r: r.between(150, 250_000),
    "plays": lambda r: r.between(200, 320_000),
    "listeners": lambda r: r.between(60, 90_000),
    "skips": lambda r: r.between(10, 40_000),
    "ms_played_total": lambda r: r.between(5_000_000, 9_000_000_000),
    "completion_rate": lambda r: r.number(0.35, 0.82),
    "saves": lambda r: r.between(0, 4_000),
    "source": lambda r: (
        r.pick("banner", "settings", "support", "signup")
        if "purpose" in r.values
        else r.pick("playlists", "search", "artist page", "radio", "library")
    ),
    # consents
    "consent_event_id": lambda r: r.uuid(),
    "purpose": lambda r: r.pick("marketing", "personalisation", "analytics", "ads-personalisation"),
    "granted": lambda r: r.chance(0.7),
    "recorded_at": lambda r: r.at(),
    "updated_at": lambda r: r.at(),
    "created_at": lambda r: r.at(),
    "added_at": lambda r: r.at(days=-r.between(1, 300)),
    # playlists aggregates
    "snapshot_date": lambda r: r.day.isoformat(),
    "follow_date": lambda r: r.day.isoformat(),
    "follows": lambda r: r.between(5, 4_800),
    "unfollows": lambda r: r.between(0, 900),
    "net_followers": lambda r: r.values.get("follows", 0) - r.values.get("unfollows", 0),
    "followers_total": lambda r: r.between(1_200, 2_500_000),
    "week_start": lambda r: r.week_start(),
    "streams_from_playlist": lambda r: r.between(500, 180_000),
    "skip_rate": lambda r: r.number(0.08, 0.45),
    "save_rate": lambda r: r.number(0.01, 0.12),
    "follower_growth": lambda r: r.between(-300, 9_000),
    "too_new": lambda r: r.chance(0.15),
    "audience_date": lambda r: r.day.isoformat(),
    "period": lambda r: r.pick("7d", "28d", "12m"),
    # charts
    "chart_date": lambda r: r.day.isoformat(),
    "date": lambda r: r.day.isoformat(),
    "chart": lambda r: r.pick("top-200", "top-200", "viral-50"),
    "previous_position": lambda r: r.between(1, 200) if r.chance(0.8) else None,
    "entries": lambda r: [
        {"position": position, "track_id": track.id, "artist_ids": [track.artist.id], "streams": 400_000 // position}
        for position, track in enumerate(r.rng.sample(TRACKS, 3), start=1)
    ],
    "week": lambda r: f"{(r.today.year - 2)}-W{r.between(1, 52):02d}",
    # podcasts
    "show_id": lambda r: r.show.id,
    "publisher": lambda r: r.show.publisher,
    "categories": lambda r: list(r.show.categories),
    "category_source": lambda r: r.pick("feed", "feed", "editorial"),
    "hosting": lambda r: r.show.hosting,
    "episode_id": lambda r: r.episode.id,
    "published_at": lambda r: r.at(days=-r.between(1, 60)),
    "duration_s": lambda r: r.episode.duration_s,
    "rss_guid": lambda r: f"https://feeds.example.org/{_ascii(r.show.title)}/{r.between(100, 999)}" if r.show.hosting == "rss" else None,
    "available": lambda r: r.chance(0.97),
    "starts": lambda r: r.between(20, 40_000),
    "completions": lambda r: int(r.values.get("starts", r.between(100, 5_000)) * r.number(0.2, 0.7)),
    "play_rate": lambda r: round(r.values["completions"] / r.values["starts"], 4) if r.values.get("starts") else None,
    "median_listen_pct": lambda r: r.number(0.3, 0.95),
    "avg_listen_s": lambda r: r.number(300, 2_800, 1),
    "month": lambda r: r.month(),
    # finance
    "payment_id": lambda r: r.uuid(),
    "statement_month": lambda r: r.month(2),
    "rights_holder_id": lambda r: r.artist.label.id,
    "payee_legal_name": lambda r: r.artist.label.legal_name,
    "territory": lambda r: r.listener.country,
    "gross_revenue_eur": lambda r: round(r.values["streams"] * r.number(0.0031, 0.0046, 5), 2),
    "royalty_rate": lambda r: r.number(0.45, 0.58, 5),
    "amount_due": lambda r: round(r.values["gross_revenue_eur"] * r.values["royalty_rate"] * EUR_RATES[r.artist.label.currency], 2),
    "amount_due_eur": lambda r: round(r.values["streams"] * r.number(0.0015, 0.0024, 5), 2),
    "currency": lambda r: (
        r.artist.label.currency if "rights_holder_id" in r.values else CURRENCIES.get(r.values.get("country", r.listener.country), "EUR")
    ),
    "fx_rate": lambda r: EUR_RATES[r.artist.label.currency],
    "payout_iban": lambda r: f"{r.artist.label.country}{r.between(10, 99)}{r.between(10**19, 10**20 - 1)}",
    "paid_at": lambda r: r.at(days=-r.between(20, 40)) if r.chance(0.8) else None,
    "revenue_date": lambda r: r.day.isoformat(),
    "plan": lambda r: r.pick("premium", "duo", "family", "student"),
    "subscribers": lambda r: r.between(1_500, 2_400_000),
    "net_adds": lambda r: r.between(-800, 3_500),
    "cancellations": lambda r: r.between(20, 2_200),
    "revenue_local": lambda r: round(r.values["subscribers"] * r.number(0.25, 0.45) * EUR_RATES[r.values["currency"]], 2),
    "revenue_eur": lambda r: round(r.values["revenue_local"] / EUR_RATES[r.values["currency"]], 2),
    "is_final": lambda r: False,
    "transaction_id": lambda r: f"{r.provider[:3]}_{r.rng.getrandbits(64):016x}",
    "kind": lambda r: r.pick("charge", "charge", "charge", "charge", "refund", "chargeback"),
    "amount": lambda r: r.pick(10.99, 16.99, 5.99, 19.99, 109.0),
    "provider": lambda r: r.provider,
    "status": lambda r: r.pick("succeeded", "succeeded", "succeeded", "failed", "pending"),
    "valid_from": lambda r: f"{r.today.year}-01-01",
    "valid_to": lambda r: None if r.chance(0.7) else f"{r.today.year + 1}-01-01",
    "revenue_share": lambda r: r.number(0.45, 0.6, 5),
    "per_stream_minimum_eur": lambda r: r.number(0.0008, 0.0031, 6) if r.chance(0.5) else None,
    "contract_id": lambda r: f"LIC-{r.today.year - r.between(0, 4)}-{r.between(100, 999)}",
    "mrr_eur": lambda r: r.number(8_000_000, 95_000_000, 2),
    "arpu_eur": lambda r: r.number(4.1, 9.8, 2),
    "churn_rate": lambda r: r.number(0.018, 0.041),
    "gross_margin": lambda r: r.number(0.27, 0.33),
    "royalty_cost_share": lambda r: r.number(0.64, 0.71),
    # recommendations
    "generated_date": lambda r: r.day.isoformat(),
    "generated_at": lambda r: r.at(),
    "rank": lambda r: r.between(1, 20),
    "score": lambda r: r.number(0.12, 0.97),
    "reason": lambda r: r.pick(
        "similar to your recent plays", "popular in your area", "new from artists you follow", "because you follow similar playlists"
    ),
    "model_version": lambda r: r.pick(*MODEL_VERSIONS),
    "items": lambda r: [
        {"playlist_id": playlist.id, "reason": "similar to your recent plays"} for playlist in r.rng.sample(PLAYLISTS[:7], 3)
    ],
    "embedding": lambda r: [round(r.rng.gauss(0, 0.088), 4) for _ in range(128)],
    "trained_at": lambda r: r.at(days=-r.day.weekday()),
    "top_genres": lambda r: r.rng.sample(GENRES, 10),
    "top_artist_ids": lambda r: [artist.id for artist in r.rng.sample(ARTISTS, 8)],
    "moods": lambda r: r.rng.sample(MOODS, 3),
    "discovery_affinity": lambda r: r.number(0.05, 0.9, 3),
    "daypart_profile": lambda r: dict(zip(("morning", "afternoon", "evening", "night"), _shares(r, 4))),
    "impression_id": lambda r: r.uuid(),
    "surface": lambda r: r.pick("home", "home", "search", "now-playing", "library"),
    "item_type": lambda r: r.pick("track", "playlist", "album", "artist", "episode"),
    "item_id": lambda r: r.pick(r.track.id, r.playlist.id, r.episode.id),
    "experiment_arm": lambda r: r.pick("control", "treatment-a", None),
    "shown_at": lambda r: r.at(),
    "played": lambda r: r.chance(0.18),
    "experiment_id": lambda r: r.pick("exp-home-shelf-order", "exp-cold-start-v2"),
    "arm": lambda r: r.pick("control", "treatment"),
    "assigned_at": lambda r: r.at(),
    "as_of_date": lambda r: r.day.isoformat(),
    "churn_score": lambda r: r.number(0.01, 0.74),
    "reason_codes": lambda r: r.rng.sample(["listening_down_30d", "payment_failed", "no_saves_14d", "skips_up", "student_plan_ending"], 3),
    "days_since_last_play": lambda r: r.between(0, 45),
    # advertising
    "campaign_id": lambda r: r.campaign.id,
    "advertiser_id": lambda r: r.campaign.advertiser_id,
    "creative_id": lambda r: f"{r.campaign.id}-c{r.between(1, r.campaign.creatives)}",
    "placement": lambda r: r.pick("music-break", "music-break", "podcast-preroll", "podcast-midroll", "banner"),
    "served_at": lambda r: r.at(),
    "is_valid": lambda r: r.chance(0.96),
    "price_eur": lambda r: r.number(0.002, 0.03, 6),
    "report_date": lambda r: r.day.isoformat(),
    "impressions": lambda r: r.between(2_000, 900_000),
    "reach": lambda r: int(r.values.get("impressions", 10_000) * r.number(0.3, 0.7)),
    "clicks": lambda r: int(r.values.get("impressions", 10_000) * r.number(0.001, 0.01)),
    "spend_eur": lambda r: round(r.values.get("impressions", 10_000) * r.number(0.004, 0.02), 2),
}


def _shares(r: SampleRow, count: int) -> list[float]:
    weights = [r.rng.random() + 0.2 for _ in range(count)]
    return [round(weight / sum(weights), 3) for weight in weights]


# Where a product's column means something else than SAMPLE_COLUMNS says: {(product, column): rule}.
SAMPLE_OVERRIDES: dict[tuple[str, str], Callable[[SampleRow], object]] = {
    ("artist-catalog", "country"): lambda r: r.artist.country,
    ("artist-catalog", "id"): lambda r: r.artist.id,
    ("artist-audience-insights", "country"): lambda r: r.listener.country if r.chance(0.85) else "other",
    ("play-events-v1", "id"): lambda r: r.uuid(),
    ("playlists", "id"): lambda r: r.playlist.id,
    ("playlists", "title"): lambda r: r.playlist.title,
    ("playlists", "created_at"): lambda r: r.at(days=-r.between(30, 2_000)),
    ("podcast-shows", "title"): lambda r: r.show.title,
    ("podcast-shows", "explicit"): lambda r: r.show.explicit,
    ("podcast-episodes", "title"): lambda r: r.episode.title,
    ("podcast-episodes", "explicit"): lambda r: r.show.explicit,
    ("top-charts", "country"): lambda r: r.pick("global", *COUNTRIES[:6]),
    ("top-charts", "position"): lambda r: r.between(1, 50),
    ("weekly-chart-export", "position"): lambda r: r.between(1, 100),
    ("editorial-playlist-performance", "playlist_id"): lambda r: r.rng.choice(PLAYLISTS[:5]).id,
    ("listener-demographics-legacy", "month"): lambda r: r.month(r.between(2, 4)),
    ("listener-demographics-legacy", "region"): lambda r: r.pick("Stockholm", "Île-de-France", "Bayern", "Lombardia", "Madrid", "Ontario"),
    ("listener-demographics-legacy", "listeners"): lambda r: r.between(50, 120_000),
    ("finance-kpis-monthly", "month"): lambda r: r.month(r.between(1, 3)),
    ("finance-kpis-monthly", "region"): lambda r: r.pick("EMEA", "NA", "LATAM", "APAC", "global"),
    ("listener-taste-profiles", "updated_at"): lambda r: timestamp(datetime.combine(r.day, dt_time(4, r.between(0, 59)), tzinfo=UTC)),
    ("playlist-recommendations", "rank"): lambda r: r.between(1, 12),
    ("podcast-followers", "country"): lambda r: r.pick(*COUNTRIES, "ZZ"),
    ("playlist-follows-daily", "country"): lambda r: r.pick(*COUNTRIES, "ZZ"),
}

SAMPLE_ROWS = (8, 15)  # rows per port, at least and at most
