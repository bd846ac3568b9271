"""The demo mesh: Streamly, an invented music-streaming company.

Data only; `manage.py load_demo` writes it through catalog.services. Every
name here (company, people, teams, hosts) is invented. Users, teams, domains
and products are identified by username and slug, so the load can be run
again without creating duplicates.
"""

from dataclasses import dataclass
from textwrap import dedent

from access_requests.models import AccessRequest

from .models import DataProduct, OutputPort, TeamMembership
from .services import FieldSpec, PortSpec

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
    DemoDomain("playlists", "Playlists", "playlist-studio", "Playlists made by listeners, editors and algorithms, and how they are followed."),
    DemoDomain("artists", "Artists", "artist-services", "Artists, tracks and albums, the charts, and the insights we give artists."),
    DemoDomain("podcasts", "Podcasts", "podcast-platform", "Shows, episodes and how podcasts are listened to."),
    DemoDomain("finance", "Finance", "finance-data", "Subscription revenue, payments and royalties paid to rights holders."),
    DemoDomain("recommendations", "Recommendations", "personalisation", "Taste profiles, embeddings and the recommendations we show listeners."),
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
        "bob", "play-events-daily",
        "Weekly marketing dashboard: streams by country and platform, to measure the uplift of the spring campaign.",
        APPROVED, days_ago=40,
    ),
    DemoRequest(
        "bob", "listener-profiles",
        "Size the student-plan campaign audience by country and age band. I need no contact details.",
        APPROVED, days_ago=33, port="profiles-pseudonymised", access=AccessRequest.Access.READ_MASKED, duration_days=60,
    ),
    DemoRequest(
        "bob", "listener-profiles",
        "Export the e-mail addresses of lapsed premium listeners for a win-back newsletter.",
        REJECTED, days_ago=36, port="profiles", duration_days=30, decided_after_days=1,
        comment="Contact details are not released for marketing: use the CRM's consented audiences instead.",
    ),
    DemoRequest(
        "bob", "campaign-performance-daily",
        "Compare conversions of paid social campaigns with in-app ad campaigns for Q3 budget planning.",
        PENDING, days_ago=3,
    ),
    DemoRequest(
        "bob", "subscription-revenue-daily",
        "Attribute revenue to the family-plan promotion that ran in six markets last month.",
        PENDING, days_ago=2, duration_days=30,
    ),
    DemoRequest(
        "bob", "playlist-recommendations",
        "Evaluate which recommended playlists to feature in onboarding e-mails.",
        WITHDRAWN, days_ago=18,
    ),
    DemoRequest(
        "bob", "editorial-playlist-performance",
        "Pick the best-performing editorial playlists for the summer billboard campaign.",
        APPROVED, days_ago=16, duration_days=30,
    ),
    DemoRequest(
        "erin", "play-events",
        "Train the session-level skip prediction model on 30 days of raw play events.",
        PENDING, days_ago=4, port="play-events-hourly", duration_days=90,
    ),
    DemoRequest(
        "erin", "play-events-daily",
        "Baseline engagement features for the premium churn model.",
        APPROVED, days_ago=55, duration_days=180,
    ),
    DemoRequest(
        "erin", "listener-taste-profiles",
        "Offline evaluation of cold-start recommendations for the new onboarding flow.",
        PENDING, days_ago=1, access=AccessRequest.Access.READ_MASKED,
    ),
    DemoRequest(
        "erin", "podcast-play-rate",
        "Analyse episode length against completion for the podcast team's quarterly review.",
        APPROVED, days_ago=27,
    ),
    DemoRequest(
        "erin", "artist-payments",
        "Study whether playlist placement correlates with royalty income for independent artists.",
        REJECTED, days_ago=24, port="statements", decided_after_days=3,
        comment="Individual royalty statements are restricted to Finance; the aggregated revenue product answers this.",
    ),
    DemoRequest(
        "erin", "track-embeddings",
        "Similar-track features for the skip prediction model.",
        APPROVED, days_ago=12, duration_days=180,
    ),
    DemoRequest(
        "erin", "ad-impressions",
        "Measure how ad breaks affect session length on the free tier.",
        WITHDRAWN, days_ago=9,
    ),
    DemoRequest(
        "erin", "listener-sessions-daily",
        "Session features for the premium churn model.",
        APPROVED, days_ago=50, duration_days=180,
    ),
    DemoRequest(
        "niaj", "play-events-daily",
        "Popularity priors for the playlist recommendation model.",
        APPROVED, days_ago=70, duration_days=365,
    ),
    DemoRequest(
        "frank", "play-events-daily",
        "Reconcile royalty-bearing streams in Artist Payments with the player's own counts.",
        APPROVED, days_ago=65, duration_days=365,
    ),
    DemoRequest(
        "olivia", "listener-consents",
        "Ad targeting must exclude listeners who withdrew ads-personalisation consent.",
        PENDING, days_ago=5, port="current-consents", duration_days=90,
    ),
    DemoRequest(
        "judy", "play-events",
        "Podcast plays come through play events: build the real-time listener count for live shows.",
        PENDING, days_ago=6, port="play-events-stream", duration_days=90,
    ),
    DemoRequest(
        "bob", "podcast-play-rate",
        "Which podcast genres to promote in the spring campaign.",
        APPROVED, days_ago=120, duration_days=30, decided_after_days=1,
    ),
    DemoRequest(
        "erin", "playlist-tracks",
        "Co-occurrence features for the playlist continuation model.",
        APPROVED, days_ago=60, duration_days=180, revoked_after_days=25,
        revoke_reason="The export job copied the whole table to a personal bucket; ask again once it reads in place.",
    ),
    DemoRequest(
        "heidi", "playlist-recommendations",
        "Check how often editorial playlists are recommended on the home screen, per market.",
        APPROVED, days_ago=30,
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


LINEAGE_JOB_NAMESPACE = "streamly-airflow"
LINEAGE_PRODUCER = "https://pipelines.streamly.example/airflow/2.10"

LINEAGE = [
    # --- source-aligned products from the operational systems
    DemoJob("ingest.listener_profiles", (external(ACCOUNTS_DB, "accounts.public.accounts"), external(ACCOUNTS_DB, "accounts.public.preferences")),
            (port_of("listener-profiles", "profiles"), port_of("listener-profiles", "profiles-pseudonymised"))),
    DemoJob("ingest.listener_consents", (external(ACCOUNTS_DB, "accounts.public.consent_events"),),
            (port_of("listener-consents", "consent-changes"), port_of("listener-consents", "current-consents"))),
    DemoJob("ingest.play_events", (external(RAW_EVENTS, "player.telemetry.raw"),),
            (port_of("play-events", "play-events-stream"), port_of("play-events", "play-events-hourly"))),
    DemoJob("ingest.playback_errors", (external(RAW_EVENTS, "player.errors.raw"),), (port_of("playback-errors", "errors-stream"),)),
    DemoJob("ingest.device_registry", (external(DEVICES_DB, "devices.registrations"),), (port_of("device-registry", "devices"),)),
    DemoJob("ingest.playlists", (external(PLAYLISTS_DB, "playlists.public.playlists"),),
            (port_of("playlists", "playlists-table"),)),
    DemoJob("ingest.playlist_tracks", (external(PLAYLISTS_DB, "playlists.public.playlist_items"),), (port_of("playlist-tracks", "playlist-tracks-table"),)),
    DemoJob("ingest.artist_catalog", (external(CATALOG_DB, "content.public.artists"), external(CATALOG_DB, "content.public.labels")),
            (port_of("artist-catalog", "artists-table"),)),
    DemoJob("ingest.track_catalog", (external(CATALOG_DB, "content.public.tracks"), external(CATALOG_DB, "content.public.releases")),
            (port_of("track-catalog", "tracks-table"),)),
    DemoJob("ingest.podcast_shows", (external(PODCASTS_DB, "podcasts.public.shows"),), (port_of("podcast-shows", "shows-table"),)),
    DemoJob("ingest.podcast_episodes", (external(PODCASTS_DB, "podcasts.public.episodes"),), (port_of("podcast-episodes", "episodes-table"),)),
    DemoJob("ingest.payment_transactions", (external(BILLING_DB, "billing.transactions"), external(BILLING_DB, "billing.refunds")),
            (port_of("payment-transactions", "transactions"),)),
    DemoJob("ingest.royalty_rate_cards", (external(CONTRACTS, "rate-cards/current"),), (port_of("royalty-rate-cards", "rate-cards"),)),
    DemoJob("ingest.recommendation_impressions", (external(RAW_EVENTS, "recs.impressions.raw"),),
            (port_of("recommendation-impressions", "impressions-stream"), port_of("recommendation-impressions", "impressions-table"))),
    DemoJob("ingest.ad_impressions", (external(RAW_EVENTS, "ads.impressions.raw"),), (port_of("ad-impressions", "impressions-stream"),)),
    # --- aggregates
    DemoJob("aggregate.listener_sessions_daily", (port_of("play-events", "play-events-hourly"), port_of("listener-profiles", "profiles-pseudonymised")),
            (port_of("listener-sessions-daily", "sessions-daily"),)),
    DemoJob("aggregate.play_events_daily", (port_of("play-events", "play-events-hourly"), port_of("track-catalog", "tracks-table"), port_of("device-registry", "devices")),
            (port_of("play-events-daily", "daily-table"), port_of("play-events-daily", "daily-files")),
            observed_schema=(
                (("play-events-daily", "daily-table"), (
                    ("play_date", "DATE", "The day, UTC."), ("track_id", "STRING", "The track played."),
                    ("country", "STRING", "Listener country."), ("plays", "INT64", "Plays of 30 s or more."),
                    ("listeners", "INT64", "Distinct listeners."), ("ms_played", "INT64", "Milliseconds played."),
                    ("skips", "INT64", "Plays skipped before 30 s (added by the pipeline, not yet declared)."),
                )),
            )),
    DemoJob("aggregate.stream_quality_hourly", (port_of("playback-errors", "errors-stream"), port_of("play-events", "play-events-stream"), port_of("device-registry", "devices")),
            (port_of("stream-quality-metrics", "quality-hourly"),)),
    DemoJob("aggregate.playlist_follows_daily", (port_of("playlists", "playlists-table"), external(PLAYLISTS_DB, "playlists.public.follows")),
            (port_of("playlist-follows-daily", "follows-daily"),)),
    DemoJob("aggregate.podcast_play_rate", (port_of("play-events", "play-events-hourly"), port_of("podcast-episodes", "episodes-table")),
            (port_of("podcast-play-rate", "play-rate-daily"), port_of("podcast-play-rate", "play-rate-files"))),
    DemoJob("aggregate.podcast_followers", (port_of("podcast-shows", "shows-table"), port_of("listener-profiles", "profiles-pseudonymised")),
            (port_of("podcast-followers", "followers-daily"),)),
    DemoJob("aggregate.artist_payments", (port_of("play-events-daily", "daily-table"), port_of("royalty-rate-cards", "rate-cards"), port_of("track-catalog", "tracks-table"), port_of("artist-catalog", "artists-table")),
            (port_of("artist-payments", "statements"), port_of("artist-payments", "statements-export"))),
    DemoJob("aggregate.subscription_revenue_daily", (port_of("payment-transactions", "transactions"), port_of("listener-profiles", "profiles")),
            (port_of("subscription-revenue-daily", "revenue-daily"),)),
    DemoJob("ml.track_embeddings", (port_of("play-events-daily", "daily-table"), port_of("track-catalog", "tracks-table"), port_of("playlist-tracks", "playlist-tracks-table")),
            (port_of("track-embeddings", "embeddings"),)),
    DemoJob("ml.listener_taste_profiles", (port_of("play-events-daily", "daily-table"), port_of("listener-profiles", "profiles-pseudonymised"), port_of("playlist-follows-daily", "follows-daily")),
            (port_of("listener-taste-profiles", "taste-profiles"),)),
    DemoJob("aggregate.campaign_performance_daily", (port_of("ad-impressions", "impressions-stream"), port_of("listener-profiles", "profiles-pseudonymised")),
            (port_of("campaign-performance-daily", "performance-daily"), port_of("campaign-performance-daily", "performance-export"))),
    # --- consumer-aligned products
    DemoJob("ml.playlist_recommendations", (port_of("listener-taste-profiles", "taste-profiles"), port_of("track-embeddings", "embeddings"), port_of("recommendation-impressions", "impressions-table"), port_of("playlists", "playlists-table"), port_of("listener-consents", "current-consents")),
            (port_of("playlist-recommendations", "recommendations-table"),)),
    DemoJob("report.top_charts", (port_of("play-events-daily", "daily-table"), port_of("track-catalog", "tracks-table")),
            (port_of("top-charts", "charts-files"),)),
    DemoJob("report.finance_kpis_monthly", (port_of("subscription-revenue-daily", "revenue-daily"), port_of("artist-payments", "statements"), port_of("campaign-performance-daily", "performance-daily")),
            (port_of("finance-kpis-monthly", "kpis-monthly"),)),
    # --- declared by the owners on the edit page
    DemoJob("declared", (port_of("playlist-follows-daily"), port_of("play-events-daily", "daily-table"), port_of("playlists", "playlists-table")),
            (port_of("editorial-playlist-performance"),), openlineage=False),
    DemoJob("declared", (port_of("play-events-daily", "daily-table"), port_of("listener-profiles", "profiles-pseudonymised"), port_of("artist-catalog", "artists-table")),
            (port_of("artist-audience-insights"),), openlineage=False),
    DemoJob("declared", (port_of("top-charts", "charts-files"),), (port_of("weekly-chart-export"),), openlineage=False),
    DemoJob("declared", (port_of("listener-profiles", "profiles"),), (port_of("listener-demographics-legacy"),), openlineage=False),
    DemoJob("declared", (port_of("listener-sessions-daily"), port_of("subscription-revenue-daily"), port_of("listener-consents", "current-consents")),
            (port_of("listener-churn-signals"),), openlineage=False),
]
