"""The outbox retry schedule: a refused product is parked before it could make the shop fall back."""

from __future__ import annotations

import datetime

from search import delivery
from search.services import MAX_LAG
from search.synonyms import SYNONYMS_FILE, load_synonyms


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = [delivery.backoff(n) for n in range(1, 12)]
    assert delays[0] == delivery.BACKOFF_BASE
    assert delays[1] == 2 * delivery.BACKOFF_BASE
    assert max(delays) == delivery.BACKOFF_CAP
    assert delays == sorted(delays)


def test_a_refused_change_is_parked_well_before_the_lag_limit() -> None:
    waited = sum((delivery.backoff(n) for n in range(1, delivery.MAX_ATTEMPTS)), datetime.timedelta(0))
    assert waited + delivery.LEASE < MAX_LAG


def test_production_synonyms_ship_with_the_search_package() -> None:
    assert SYNONYMS_FILE.parent.parent.name == "search"
    assert load_synonyms(SYNONYMS_FILE)["migor"]
