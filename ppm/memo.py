"""Fragments of pages rendered once per process and reused: the header's menus are the same for every
page of one kind that one role sees, and rendering them cost a third of a small page. And values kept in
the process under a key naming their content (`memo_value`).

A fragment is kept under a key that must name *everything* its HTML depends on (the caller's values;
the active language and the URL prefix are added here); a fragment holding a CSRF token, a request's
path or anything else outside its key must not be memoised. Keys hold hashable values only (`freeze`
turns dicts and lists of them into tuples). The store is bounded: past `LIMIT` fragments it starts again
empty (the header has a few hundred distinct fragments on a large portfolio)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.core.signals import setting_changed
from django.urls import get_script_prefix
from django.utils.translation import get_language

LIMIT = 4096

_STORE: dict[Hashable, str] = {}


def memo_html(key: Hashable, render: Callable[[], str]) -> str:
    """The HTML `render()` returns for `key` (in the active language), rendered at most once per process
    and key."""
    return _kept(_STORE, LIMIT, (key, get_language(), get_script_prefix()), render)


# Values kept in the process under a key that names their content (a digest of the data they were
# computed from): read from the shared cache once per process instead of unpickled on every request.
VALUES_LIMIT = 32

_VALUES: dict[Hashable, Any] = {}


def memo_value(key: Hashable, load: Callable[[], Any]) -> Any:
    """`load()` (typically: read the shared cache, compute and store on a miss) once per process and
    `key`. The key must change whenever the value would (a fingerprint of its data, the language, the
    day): nothing expires here but by `VALUES_LIMIT`. Callers treat the value as read-only (it is shared
    by every request of the process)."""
    return _kept(_VALUES, VALUES_LIMIT, key, load)


def memo_cached(key: str, compute: Callable[[], Any], timeout: int) -> Any:
    """`compute()` kept under `key` in the shared cache (`timeout` seconds; Django's get_or_set) and in
    the process (`memo_value`): the other processes share one computation, each unpickles it once. The
    key names the value's content, as `memo_value` requires."""
    from django.core.cache import cache

    return memo_value(key, lambda: cache.get_or_set(key, compute, timeout))


def _kept(store: dict, limit: int, key: Hashable, load: Callable[[], Any]) -> Any:
    """`store[key]`, loaded on a miss; a full store starts again empty (None is never kept)."""
    value = store.get(key)
    if value is None:
        value = load()
        if len(store) >= limit:
            store.clear()
        store[key] = value
    return value


def freeze(value: Any) -> Hashable:
    """`value` as a hashable key: dicts (sorted by key), lists, tuples and sets of hashable values."""
    if isinstance(value, dict):
        return tuple(sorted((key, freeze(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(item) for item in value)
    hash(value)  # TypeError for what cannot be a key: better than a fragment shown to the wrong person
    return value


def memo_clear(**kwargs) -> None:
    """Forget every fragment and value (a setting changed under the tests: URLs, languages, templates)."""
    _STORE.clear()
    _VALUES.clear()


setting_changed.connect(memo_clear, dispatch_uid="ppm.memo.clear")
