"""Searching the demo mesh as a new user would: misspellings, partial words,
a domain name, a column name. The product meant is in the first three hits."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from search import engines as search
from search.types import SearchQuery

pytestmark = pytest.mark.django_db

MEANT = {
    "recomendations": "playlist-recommendations",
    "play evnts": "play-events",
    "listener profils": "listener-profiles",
    "artist paymnts": "artist-payments",
    "podcast play rate": "podcast-play-rate",
    "royalt": "royalty-rate-cards",
    "sesions": "listener-sessions-daily",
    "subscription revenue": "subscription-revenue-daily",
    "finance kpi": "finance-kpis-monthly",
    "ms_played": "play-events",
    "isrc": "track-catalog",
    "consent": "listener-consents",
    "embeddings": "track-embeddings",
    "ad impressions": "ad-impressions",
    "payment transactions": "payment-transactions",
}


def test_the_product_meant_is_in_the_first_three_hits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", force=True, verbosity=0)
    bob = User.objects.get(username="bob")

    misses = {}
    for text, slug in MEANT.items():
        top = [hit.slug for hit in search.search(SearchQuery(text=text), user=bob).hits[:3]]
        if slug not in top:
            misses[text] = top

    assert misses == {}


def test_a_domain_name_finds_that_domains_products(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", force=True, verbosity=0)

    result = search.search(SearchQuery(text="podcasts"), user=User.objects.get(username="erin"))

    assert {hit.domain for hit in result.hits[:4]} == {"podcasts"}
