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
    full_key = (key, get_language(), get_script_prefix())
    html = _STORE.get(full_key)
    if html is None:
        html = render()
        if len(_STORE) >= LIMIT:
            _STORE.clear()
        _STORE[full_key] = html
    return html


# Values kept in the process under a key that names their content (a digest of the data they were
# computed from): read from the shared cache once per process instead of unpickled on every request.
VALUES_LIMIT = 32

_VALUES: dict[Hashable, Any] = {}


def memo_value(key: Hashable, load: Callable[[], Any]) -> Any:
    """`load()` (typically: read the shared cache, compute and store on a miss) once per process and
    `key`. The key must change whenever the value would (a fingerprint of its data, the language, the
    day): nothing expires here but by `VALUES_LIMIT`. Callers treat the value as read-only (it is shared
    by every request of the process)."""
    value = _VALUES.get(key)
    if value is None:
        value = load()
        if len(_VALUES) >= VALUES_LIMIT:
            _VALUES.clear()
        _VALUES[key] = value
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
