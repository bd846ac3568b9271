"""A synthetic vocabulary and the text made from it, for generate_catalog.

The vocabulary is built the same way every time, offline and with no data file:
a few hundred real words of a music-streaming business and its data platform
come first (most frequent first), followed by a long tail of compounds
("playlistledger") and pseudo-words ("vantorel", the code names teams give
their systems). Words are drawn with Zipf weights (rank ** -s, s = 1.07, close
to the exponent measured for English text), so "listener" and "daily" turn
up everywhere and most of the tail is seen only a handful of times, as in a
real catalog. That skew is what makes the generated catalog a fair test for
search ranking, facet counts and index sizes.

Everything random takes a `random.Random` from the caller: the same seed gives
the same text, and the global random generator is never touched.
"""

from __future__ import annotations

import functools
import itertools
import random
from bisect import bisect
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

ZIPF_EXPONENT = 1.07
VOCABULARY_SIZE = 24_000
TAG_VOCABULARY_SIZE = 300
# The vocabulary must not change with the seed the catalog is generated from.
_VOCABULARY_SEED = "catalog.vocabulary/v1"

# Real words, roughly most frequent first. Ranks matter: with Zipf weights the
# first ten words make up a third of all text and these ~580 words three quarters.
CORE_WORDS = """
data daily listener user event stream track play session account revenue playlist artist
content catalog report metric subscription country device payment customer usage search
recommendation model feature release album label royalty churn engagement campaign
impression click conversion cohort segment trial plan price invoice ledger transaction
market partner podcast episode audio video genre skip like follow share download offline
premium free family student retention acquisition funnel experiment variant quality
latency error log api request client platform mobile web desktop speaker region city
language time hour week month quarter year snapshot history aggregate summary fact
dimension raw clean curated enriched reference lookup mapping identity profile consent
privacy compliance audit risk fraud security access role team owner domain pipeline job
batch ingestion export import backfill forecast budget cost spend margin payout rights
licence territory contract publisher songwriter creator upload distribution metadata
editorial curator chart lyrics concert ticket fan follower save repeat shuffle queue
radio mix discovery tempo loudness duration explicit single compilation soundtrack
advertiser advertising brand sponsor inventory auction bid creative reach frequency
attribution touchpoint channel email notification push message inbox onboarding signup
login logout password verification renewal cancellation upgrade downgrade discount
voucher promotion bundle telco billing tax refund chargeback settlement reconciliation
accrual journal forecasting planning finance accounting treasury analytics insight
dashboard kpi target goal baseline benchmark trend anomaly outlier spike drop growth
decline share ratio rate score rank index weight probability prediction estimate
confidence sample population panel survey feedback rating review complaint support
ticketing agent case resolution satisfaction nps sentiment topic keyword query result
ranking relevance personalisation taste embedding vector cluster similarity affinity
preference interest intent context signal feedback exposure position slot shelf card
home browse library collection folder favourite heart block hide report mute restriction
parental age gender demographic household address postcode phone birthdate nickname
avatar locale timezone currency exchange conversion settlement wallet card bank
merchant gateway processor authorisation capture decline retry dunning grace lapse
reactivation winback loyalty reward referral invitation gift code redemption coupon
store app version build crash performance startup memory battery network bandwidth
buffering stall bitrate codec cache cdn edge server node cluster region zone
availability uptime incident outage alert threshold budget capacity quota throughput
storage warehouse lake lakehouse table view partition column schema field type format
parquet avro delta iceberg json csv protobuf topic kafka queue consumer producer
offset watermark window late duplicate deduplication lineage contract sla slo freshness
completeness accuracy consistency validity timeliness steward governance policy
classification masking encryption retention deletion erasure anonymisation
pseudonymisation hashing tokenisation key secret vault certificate rotation permission
grant approval requester catalogue marketplace mesh product port owner consumer
operational analytical source aligned consumer aligned aggregate hub spoke gold silver
bronze staging landing curated serving mart cube rollup facttable cohort weekly monthly
hourly realtime nearline streaming incremental full delta change capture cdc replay
snapshotting compaction vacuum optimise zorder sort bucket shard replica primary backup
restore migration upgrade rollout rollback feature flag toggle experiment holdout
control treatment uplift significance power interval lift baseline guardrail metric
north star active monthly daily weekly minutes hours streams plays listeners creators
followers saves skips completions starts seeks pauses resumes volume output airplay
bluetooth chromecast smartwatch console television automotive voice assistant
wakeword utterance transcript caption translation localisation market launch rollout
pricing elasticity willingness bundle family duo individual student trial intro offer
win back cancel reason survey exit interview moderation takedown claim dispute copyright
infringement fingerprint match isrc upc iswc work recording master composition
mechanical performance synchronisation neighbouring collecting society statement
usage report adjustment reserve recoupment advance minimum guarantee split share
contributor producer engineer featured performer remix cover live acoustic instrumental
classical jazz rock pop hiphop electronic indie folk country latin kpop afrobeats
reggaeton metal punk soul blues gospel ambient lofi soundtrack children audiobook
chapter narrator author show host guest season trailer transcript chapterisation
""".split()

# Glue for sentences; not part of the vocabulary's frequency ranks.
_PRODUCT_NOUNS = [
    "events",
    "daily",
    "snapshot",
    "facts",
    "metrics",
    "aggregates",
    "history",
    "feed",
    "features",
    "scores",
    "ledger",
    "dimension",
    "sessions",
    "summary",
    "hourly",
    "weekly",
    "monthly",
    "signals",
    "profiles",
    "forecast",
    "statements",
    "catalogue",
    "index",
]
_PORT_SUFFIXES = ["daily", "hourly", "latest", "history", "events", "v2", "snapshot", "changes", "by_day", "by_market"]
_FIELD_SUFFIXES = [
    ("_id", "string"),
    ("_id", "bigint"),
    ("_at", "timestamp"),
    ("_date", "date"),
    ("_count", "bigint"),
    ("_amount", "decimal(12,2)"),
    ("_ms", "bigint"),
    ("_rate", "double"),
    ("_score", "double"),
    ("_code", "string"),
    ("_name", "string"),
    ("_type", "string"),
    ("_status", "string"),
    ("_share", "double"),
    ("", "string"),
    ("", "string"),
    ("_flag", "boolean"),
    ("_list", "array<string>"),
    ("_attributes", "map<string,string>"),
]
PII_FIELDS = [
    ("email", "string"),
    ("birth_date", "date"),
    ("ip_address", "string"),
    ("postal_code", "string"),
    ("phone_number", "string"),
    ("full_name", "string"),
    ("device_identifier", "string"),
    ("street_address", "string"),
    ("latitude", "double"),
    ("longitude", "double"),
    ("gender", "string"),
]

_SENTENCES = [
    "One row per {} {} and {}.",
    "Built from {} {} events and joined with the {} {} reference.",
    "Use it to follow {} {} by {} and {}.",
    "Covers every {} {} since the {} {} migration.",
    "Refreshed after the {} {} pipeline finishes, usually before the {} report.",
    "The {} team uses it for {} {} and {} planning.",
    "Late {} events are corrected in the next {} {} run.",
    "Excludes {} {} flagged by the {} {} checks.",
    "{} and {} are deduplicated on the {} {} key.",
    "Answers how {} {} changes with {} {} across markets.",
    "Feeds the {} {} dashboard and the {} {} model.",
    "Amounts are in the {} {} currency after {} {} adjustments.",
    "Derived from {} {}, {} and {} {} sources.",
    "Owners review {} {} quality every {} {}.",
    "Prefer the {} {} port for {} {} questions.",
    "Counts {} {} per {} {} and {}.",
]
_SUMMARIES = [
    "{Name}: {} {} per {} and {}, {} by {}.",
    "{Name} gives {} {} for {} {} teams.",
    "The reference {} {} for {} {} and {} {}.",
    "{Name} tracks {} {} and {} across {} {}.",
    "Curated {} {} with {} {} and {} {} for {} analysis.",
    "{} {} at {} grain, ready for {} {} and {} {}.",
]
_HEADINGS = ["Contents", "How it is built", "Caveats", "Typical questions", "Freshness", "Known issues"]
_FIELD_SENTENCES = [
    "The {} {} of the {}.",
    "{} {} as reported by {}.",
    "{} of the {} {}; empty when unknown.",
    "{} {} from the {} {} source.",
]
# Descriptions that only fit some fields, chosen by the end of the field's name.
_FIELD_SENTENCES_BY_SUFFIX = {
    "_id": ["Key of the {} {} in the {} reference.", "Identifies the {} {}; stable across {} runs."],
    "_at": ["When the {} {} happened, in UTC.", "Time the {} {} was recorded by {}."],
    "_date": ["Day of the {} {}, in the market's time zone.", "Date the {} {} took effect."],
    "_count": ["Number of {} {} in the {}.", "How many {} {} per {}."],
    "_amount": ["{} {} after {} {} adjustments.", "Amount of {} {} in the {} currency."],
    "_ms": ["Duration of the {} {} in milliseconds."],
    "_rate": ["Share of {} {} among all {}.", "{} {} rate over the {} window."],
    "_score": ["{} score of the {} {}, between 0 and 1.", "Model score for {} {}."],
}
_PORT_SENTENCES = [
    "{} {} {} for {} consumers.",
    "The {} {} partitioned by {} {}.",
    "Latest {} {} per {}, replayable from {} {}.",
]

FIRST_NAMES = """
amara ana andrea anton astrid ben camille carlos chen dara david elena elif emil emma
fatima felix freya gabriel hana hugo ines ivan jakob jana jonas julia kai karin kenji
lars lea leila liam lina lucas maja marco maria mateo mei mia nadia nils noah nora omar
oskar paula pedro priya rafael riya sara sofia stefan tariq thea tomas valentina yusuf zoe
""".split()
LAST_NAMES = """
andersson berg chen costa dubois eriksson fernandes fischer garcia hansen hoffmann
ibrahim ito jensen johansson kaya khan kim kowalski larsen lindqvist lopez martin meyer
moreau muller nakamura nguyen nilsson novak okafor olsen patel perez petrov rossi santos
schmidt silva singh sorensen suzuki tanaka virtanen wagner wang weber yilmaz zhang
""".split()

# Pseudo-words are built from syllables; these keep an accidental slur or
# obscenity out of a catalog that is shown in demos.
_ONSETS = [
    "b",
    "br",
    "c",
    "d",
    "dr",
    "f",
    "fl",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "kr",
    "l",
    "m",
    "n",
    "p",
    "pl",
    "qu",
    "r",
    "s",
    "sk",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "z",
    "",
]
_NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
_CODAS = ["", "", "", "n", "r", "l", "s", "x", "m", "nd", "rk", "lt", "th"]
_INNER_CODAS = ["n", "r", "l", "s"]
_BLOCKED = (
    "nig",
    "fag",
    "fuk",
    "fuc",
    "cum",
    "sex",
    "tit",
    "dik",
    "dic",
    "cok",
    "coc",
    "rap",
    "nazi",
    "shit",
    "cunt",
    "twat",
    "slut",
    "whor",
    "porn",
    "anal",
    "anus",
    "jiz",
    "piss",
    "spic",
    "paki",
    "homo",
    "dyk",
    "kik",
    "rape",
    "cuk",
    "puss",
    "damn",
    "hell",
    "poo",
    "pee",
)


class ZipfSampler(Generic[T]):
    """Draws items of `ranked` (most frequent first) with weight rank ** -s.
    Cumulative weights are computed once; each draw is a bisect."""

    def __init__(self, ranked: Sequence[T], exponent: float = ZIPF_EXPONENT):
        self.items = tuple(ranked)
        self.cum_weights = tuple(itertools.accumulate(rank**-exponent for rank in range(1, len(self.items) + 1)))
        self.total = self.cum_weights[-1]

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect(self.cum_weights, rng.random() * self.total)]

    def draws(self, rng: random.Random, k: int) -> list[T]:
        return rng.choices(self.items, cum_weights=self.cum_weights, k=k)

    def distinct(self, rng: random.Random, k: int) -> list[T]:
        """`k` different items (fewer only if there are not that many), in the order drawn."""
        k = min(k, len(self.items))
        chosen: dict[T, None] = {}
        attempts = 0
        while len(chosen) < k and attempts < 50 * k:
            chosen[self.draw(rng)] = None
            attempts += 1
        return list(chosen)


def _pseudo_word(rng: random.Random) -> str:
    # Closed syllables only at the end (and now and then inside) keep the words pronounceable.
    syllables = [rng.choice(_ONSETS) + rng.choice(_NUCLEI) for _ in range(rng.choice((2, 2, 2, 3)))]
    for index in range(len(syllables) - 1):
        if rng.random() < 0.2:
            syllables[index] += rng.choice(_INNER_CODAS)
    return "".join(syllables) + rng.choice(_CODAS)


@functools.cache
def terms() -> tuple[str, ...]:
    """The vocabulary, most frequent first: the real words, then a shuffled long
    tail of compounds and pseudo-words. The same on every call and machine."""
    core = list(dict.fromkeys(CORE_WORDS))
    seen = set(core)
    rng = random.Random(_VOCABULARY_SEED)
    tail: list[str] = []
    # Compounds of two real words: about half of the tail.
    while len(tail) < (VOCABULARY_SIZE - len(core)) // 2:
        first, second = rng.choice(core), rng.choice(core)
        word = first + second
        if first != second and len(word) <= 22 and word not in seen:
            seen.add(word)
            tail.append(word)
    while len(core) + len(tail) < VOCABULARY_SIZE:
        word = _pseudo_word(rng)
        if len(word) >= 4 and word not in seen and not any(blocked in word for blocked in _BLOCKED):
            seen.add(word)
            tail.append(word)
    rng.shuffle(tail)
    return tuple(core + tail)


@functools.cache
def word_sampler() -> ZipfSampler[str]:
    return ZipfSampler(terms())


@functools.cache
def tag_sampler() -> ZipfSampler[str]:
    """Tags come from the most frequent real words only: a catalog's tag list is short."""
    return ZipfSampler(terms()[:TAG_VOCABULARY_SIZE])


def _fill(template: str, words: list[str]) -> str:
    """`template` with its {} slots filled in order and a capital first letter.
    Other braces ({Name}) are left for the caller."""
    pieces = template.split("{}")
    text = "".join(itertools.chain.from_iterable(zip(pieces, [*words, ""])))
    return text[0].upper() + text[1:]


class TextGenerator:
    """Names, summaries, descriptions and schema text drawn from the Zipf vocabulary."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = word_sampler()

    def phrase(self, count: int) -> list[str]:
        """`count` words, no word twice in a row ("user user" reads like a typo)."""
        words = self.words.draws(self.rng, count)
        for index in range(1, count):
            while words[index] == words[index - 1]:
                words[index] = self.words.draw(self.rng)
        return words

    def product_name(self) -> str:
        words = self.phrase(self.rng.choice((1, 2, 2, 2, 3)))
        words.append(self.rng.choice(_PRODUCT_NOUNS))
        return " ".join(word.capitalize() for word in words)[:120]

    def sentence(self, templates: Sequence[str] = _SENTENCES) -> str:
        template = self.rng.choice(templates)
        return _fill(template, self.phrase(template.count("{}")))

    def summary(self, name: str) -> str:
        template = self.rng.choice(_SUMMARIES)
        text = _fill(template, self.phrase(template.count("{}"))).replace("{Name}", name)
        return text if len(text) <= 280 else text[:279].rstrip() + "…"

    def description(self) -> str:
        """A few Markdown paragraphs, sometimes with a heading and a list."""
        rng = self.rng
        parts = [" ".join(self.sentence() for _ in range(rng.randint(2, 4)))]
        if rng.random() < 0.6:
            bullets = "\n".join(f"- {self.sentence()}" for _ in range(rng.randint(2, 4)))
            parts.append(f"## {rng.choice(_HEADINGS)}\n\n{bullets}")
        if rng.random() < 0.5:
            parts.append(" ".join(self.sentence() for _ in range(rng.randint(1, 3))))
        return "\n\n".join(parts)

    def port_name(self) -> str:
        return "_".join(self.phrase(self.rng.choice((1, 2, 2)))) + "_" + self.rng.choice(_PORT_SUFFIXES)

    def port_description(self) -> str:
        return self.sentence(_PORT_SENTENCES)

    def field(self) -> tuple[str, str]:
        """A snake_case field name and a data type that fits its suffix."""
        suffix, data_type = self.rng.choice(_FIELD_SUFFIXES)
        name = "_".join(self.phrase(self.rng.choice((1, 1, 2, 2, 3)))) + suffix
        if data_type == "boolean":
            name = "is_" + name.removesuffix("_flag")
        return name[:120], data_type

    def key_field(self) -> str:
        return self.words.draw(self.rng) + "_id"

    def field_description(self, name: str) -> str:
        suffix = name[name.rfind("_") :] if "_" in name else ""
        return self.sentence(_FIELD_SENTENCES_BY_SUFFIX.get(suffix, _FIELD_SENTENCES))

    def pii_field(self) -> tuple[str, str]:
        return self.rng.choice(PII_FIELDS)

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
