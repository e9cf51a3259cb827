"""The resources' part of the demonstration data (`manage.py load_demo`, see ppm/demo.py).

Runs its parts in order, each an optional module `resources/demo_<part>.py` exposing
`load(*, today) -> Counter` and `KINDS` (like an app's demo module):

1. people: vendors, teams, about 60 resources (internal staff by directorate — the demo users with a
   resource of their own — external consultants of two vendors, generic roles), absences, background load;
2. workload: the MOE 1 : MOA 1 : AMOA 0.5 template applied to most approved and in-progress projects,
   staffed in part, making the teams DEMO_OVERLOADED_TEAMS overloaded next quarter;
3. capacity: the first capacity snapshot;
4. timesheets: 12 weeks of timesheets of the people with an account, some missing, some waiting.

Every part is idempotent (looks objects up by natural key) and deterministic.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import Counter
from datetime import date

PARTS = (
    "resources.demo_people",
    "resources.demo_workload",
    "resources.demo_capacity",
    "resources.demo_timesheets",
)
# Team codes of the demo organisation (written by demo_people, loaded by demo_workload).
DEMO_TEAMS = {
    "DSI-ETU": ("Études et développements", "DSI"),
    "DSI-INFRA": ("Infrastructures et exploitation", "DSI"),
    "DSI-DATA": ("Données et décisionnel", "DSI"),
    "DSI-PMO": ("Bureau des projets", "DSI"),
    "DAUT-SI": ("Pôle SI de l'autonomie", "DAUT"),
    "DINS-MET": ("Référents métier de l'insertion", "DINS"),
    "DEC-NUM": ("Numérique éducatif", "DEC"),
    "DRH-SIRH": ("SIRH", "DRH"),
}
DEMO_OVERLOADED_TEAMS = ("DSI-ETU", "DSI-DATA")
DEMO_VENDORS = ("Numeria Conseil", "Atlantique Services Numériques")


def _parts() -> list:
    return [importlib.import_module(name) for name in PARTS if importlib.util.find_spec(name) is not None]


def _kinds() -> dict:
    kinds: dict = {}
    for part in _parts():
        kinds.update(getattr(part, "KINDS", {}))
    return kinds


def load(*, today: date) -> Counter:
    created: Counter = Counter()
    for part in _parts():
        created.update(part.load(today=today))
    return created


def holds_data() -> bool:
    from resources.models import Resource

    return Resource.objects.exists()


def __getattr__(name: str):
    if name == "KINDS":
        return _kinds()
    raise AttributeError(name)
