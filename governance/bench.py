"""Governance's part of the benchmark (`make bench`, see ppm/bench.py).

Each part of the app adds its seed and screens in `governance/bench_<part>.py` (`seed(*, projects)` in PARTS
order, `screens()`, optional `figures()`, `SEEDED_MODELS` parents first, `WATCHED_TABLES`).
"""

from __future__ import annotations

import importlib
import importlib.util

PARTS = ("governance.bench_flash", "governance.bench_steering")


def _parts() -> list:
    return [importlib.import_module(name) for name in PARTS if importlib.util.find_spec(name) is not None]


def seed(*, projects: int) -> None:
    from governance.latest_reports import latest_reports_refresh

    for part in _parts():
        if hasattr(part, "seed"):
            part.seed(projects=projects)
    latest_reports_refresh()  # the parts bulk-create their reports (no signal)


def screens() -> list:
    return [screen for part in _parts() for screen in getattr(part, "screens", list)()]


def figures() -> list[str]:
    return [line for part in _parts() for line in getattr(part, "figures", list)()]


def __getattr__(name: str):
    if name in ("SEEDED_MODELS", "WATCHED_TABLES"):
        return tuple(item for part in _parts() for item in getattr(part, name, ()))
    raise AttributeError(name)
