"""Small per-person facts that every page shows (the header's alert count, which menu entries apply),
cached so that a page view does not query for them each time.

A value is kept under its namespace's *generation*: the code that changes what it depends on calls
``invalidate(namespace)`` (a model signal, or the service that writes in bulk) and every person's value
is recomputed at their next page. ``TTL`` bounds what no invalidation sees (a project given to another
manager changes whose alerts they see)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

TTL = 60  # seconds


def _generation_key(namespace: str) -> str:
    return f"usercache:{namespace}:generation"


def cached_for_user(namespace: str, user, compute: Callable[[], Any], *, variant: str = "") -> Any:
    """`compute()` for `user`, from the cache while the namespace's generation holds (and TTL);
    `variant` tells apart values of one person that differ otherwise (the language of their words).

    Off under the tests (PILOTIS_USER_CACHE): a page's query count then counts these queries every
    time, as the query-count tests expect; the tests of the cache itself turn it on."""
    return _cached(namespace, f"{user.pk}:{getattr(user, 'role', '')}", compute, variant)


def cached_shared(namespace: str, compute: Callable[[], Any], *, variant: str = "") -> Any:
    """`compute()` for everyone (reference data that many pages show the same way, such as a list's
    filter options), kept like a person's facts: until `invalidate(namespace)`, at most TTL."""
    return _cached(namespace, "shared", compute, variant)


def _cached(namespace: str, owner: str, compute: Callable[[], Any], variant: str) -> Any:
    if not settings.PILOTIS_USER_CACHE:
        return compute()
    # The value is stored with the generation it was computed under, so that both are read at once
    # (one round trip to Redis per fact instead of two: every page reads a few of them).
    generation_key = _generation_key(namespace)
    key = f"usercache:{namespace}:{owner}:{variant}"
    found = cache.get_many([generation_key, key])
    generation = found.get(generation_key) or 0
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == generation:
        return stored[1]
    value = compute()
    cache.set(key, (generation, value), TTL)
    return value


def invalidate(namespace: str) -> None:
    """Every person's value of `namespace` is stale: the next page view recomputes it."""
    key = _generation_key(namespace)
    if not cache.add(key, 1, timeout=None):
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=None)


def invalidate_on_change(namespace: str, *models) -> None:
    """Make `namespace` stale whenever a row of one of `models` is saved or deleted one by one (bulk
    writes call `invalidate` themselves; TTL bounds what escapes both). Called from an app's ready()."""
    from django.db.models.signals import post_delete, post_save

    def stale(**kwargs):
        invalidate(namespace)

    for model in models:
        label = model._meta.label
        post_save.connect(stale, sender=model, dispatch_uid=f"usercache-{namespace}-{label}", weak=False)
        post_delete.connect(
            stale, sender=model, dispatch_uid=f"usercache-{namespace}-del-{label}", weak=False
        )
