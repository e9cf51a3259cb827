"""Slots: places in a page where other apps add a panel, so that an app's page never imports the apps
built on it (the project page shows the workload plan, the budget, the weather…).

An app registers its panels in its ``AppConfig.ready()``::

    slot_register("project.side", "resources/partials/project_workload_panel.html",
                  context=project_workload_context, order=30)

and the page that owns the slot renders every panel registered for it, in `order`::

    {% load slots %}{% slot "project.side" project=project %}

`context(request, **kwargs)` returns the panel's template context (merged over the slot's keyword
arguments), or None to leave the panel out (the user may not see it, the app has nothing to say).
Slots of the core's and the portfolio's pages: ``project.side`` and ``project.main`` (project page),
``dashboard.tiles`` (portfolio dashboard), ``nav.main`` (main navigation entries; the template gets
``namespace`` and ``url_name``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ContextFunction = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    slot: str
    template: str
    context: ContextFunction | None
    order: int


_PANELS: dict[str, list[Panel]] = {}


def slot_register(
    slot: str, template: str, *, context: ContextFunction | None = None, order: int = 100
) -> None:
    """Add a panel to `slot` (idempotent: registering the same template twice keeps one)."""
    panels = [panel for panel in _PANELS.get(slot, []) if panel.template != template]
    panels.append(Panel(slot, template, context, order))
    panels.sort(key=lambda panel: (panel.order, panel.template))
    _PANELS[slot] = panels


def slot_panels(slot: str) -> list[Panel]:
    return list(_PANELS.get(slot, ()))
