"""The governance part of the demonstration data (`manage.py load_demo`, see ppm/demo.py).

Runs its parts in order, each an optional module `governance/demo_<part>.py` exposing `load(*, today) ->
Counter` and `KINDS`: flash (project offices, committees, cadences, six months of flash reports of every
in-progress project — mostly sunny, a few turning rainy, one stormy —, some reports missing for the current
period, a few returned), then steering (alert rules, open alerts of several kinds, one weekly report pack
already generated).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import Counter
from datetime import date

PARTS = ("governance.demo_flash", "governance.demo_steering")


def _parts() -> list:
    return [importlib.import_module(name) for name in PARTS if importlib.util.find_spec(name) is not None]


def load(*, today: date) -> Counter:
    created: Counter = Counter()
    for part in _parts():
        created.update(part.load(today=today))
    return created


def holds_data() -> bool:
    from governance.models import FlashReport

    return FlashReport.objects.exists()


def __getattr__(name: str):
    if name == "KINDS":
        kinds: dict = {}
        for part in _parts():
            kinds.update(getattr(part, "KINDS", {}))
        return kinds
    raise AttributeError(name)
