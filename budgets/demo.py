"""The budgets' part of the demonstration data (`manage.py load_demo`, see ppm/demo.py).

Runs its parts in order, each an optional module `budgets/demo_<part>.py` exposing `load(*, today) ->
Counter` and `KINDS`: lines (fiscal years, the 15 M€ « Feuille de route numérique 2024-2027 » envelope by
section with its CP schedule, a recovery-plan grant and an EU grant, budget lines of the projects with
their execution through the current month), then contracts (two framework agreements of the demo vendors
— resources.demo.DEMO_VENDORS — one near its ceiling, one near expiry, orders on most in-progress projects),
then costing (the first stored costing of the portfolio).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import Counter
from datetime import date

PARTS = ("budgets.demo_lines", "budgets.demo_contracts", "budgets.demo_costing")
DEMO_ENVELOPE_CODE = "FRN-2024-2027"


def _parts() -> list:
    return [importlib.import_module(name) for name in PARTS if importlib.util.find_spec(name) is not None]


def load(*, today: date) -> Counter:
    created: Counter = Counter()
    for part in _parts():
        created.update(part.load(today=today))
    return created


def holds_data() -> bool:
    from budgets.models import Envelope

    return Envelope.objects.exists()


def __getattr__(name: str):
    if name == "KINDS":
        kinds: dict = {}
        for part in _parts():
            kinds.update(getattr(part, "KINDS", {}))
        return kinds
    raise AttributeError(name)
