"""Slots: places in a page where other apps add a panel, so that an app's page never imports the apps
built on it (the project page shows the workload plan, the budget, the weather…).

An app registers its panels in its ``AppConfig.ready()``::

    slot_register("project.side", "resources/partials/project_workload_panel.html",
                  context=project_workload_context, order=30)

and the page that owns the slot renders every panel registered for it, in `order`::

    {% load slots %}{% slot "project.side" project=project %}

`context(request, **kwargs)` returns the panel's template context (merged over the slot's keyword
arguments), or None to leave the panel out (the user may not see it, the app has nothing to say).

A panel registered with ``lazy=True`` (one that costs tens of milliseconds to compute) is loaded on
demand where the page asks for it (``{% slot "project.side" project=project lazy=True %}``): the page
holds an empty placeholder that htmx fills as soon as the page has loaded, by asking the page's own
URL with ``?panel=<key>`` (`panel_key`); the page's view answers that request with
`slot_panel_response` after the same permission-checked fetch as the page's. Without JavaScript, a
link asks for the page with ``?panel=all``, which renders every panel in place.
Slots of the core's and the portfolio's pages: ``project.side`` and ``project.main`` (project page),
``dashboard.tiles`` (portfolio dashboard), ``nav.main`` (main navigation entries; the template gets
``namespace`` and ``url_name``), ``project.sheet`` (the project sheet PDF).

Apps also add *list columns* and *payload extensions* (see the section at the end of this module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ppm.memo import freeze, memo_html

ContextFunction = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    slot: str
    template: str
    context: ContextFunction | None
    order: int
    lazy: bool = False
    memo: bool = False

    @property
    def key(self) -> str:
        """The panel's name in a page's ``?panel=`` (its template's app and file name)."""
        return panel_key(self.template)


_PANELS: dict[str, list[Panel]] = {}

# The query parameter that asks a page for one of its lazy panels, and its value that asks for all.
PANEL_PARAMETER = "panel"
ALL_PANELS = "all"


def panel_key(template: str) -> str:
    """``"budgets/partials/contracts_project_panel.html"`` → ``"budgets.contracts_project_panel"``."""
    app, _, rest = template.partition("/")
    return f"{app}.{rest.rsplit('/', 1)[-1].removesuffix('.html')}"


def slot_register(
    slot: str,
    template: str,
    *,
    context: ContextFunction | None = None,
    order: int = 100,
    lazy: bool = False,
    memo: bool = False,
) -> None:
    """Add a panel to `slot` (idempotent: registering the same template twice keeps one); `lazy`: the
    panel is loaded on demand on the pages that allow it (see the module's docstring); `memo`: its HTML
    depends only on its context's values, the slot's arguments, the page's ``namespace`` and
    ``url_name`` and the language (its template reads no ``user``, ``request`` or CSRF token), so it is
    rendered once per process for each distinct set and reused (ppm.memo: the header's menus)."""
    panels = [panel for panel in _PANELS.get(slot, []) if panel.template != template]
    panels.append(Panel(slot, template, context, order, lazy, memo))
    panels.sort(key=lambda panel: (panel.order, panel.template))
    _PANELS[slot] = panels


def slot_panels(slot: str) -> list[Panel]:
    return list(_PANELS.get(slot, ()))


# Keys of the page's context that panels' templates receive as the page had them.
_PAGE_KEYS = ("namespace", "url_name", "perms", "csrf_token", "LANGUAGE_CODE")


def panel_html(panel: Panel, request, kwargs: dict[str, Any], page_context=None) -> str:
    """One panel rendered with the slot's keyword arguments: "" when its context function leaves it out."""
    from django.template.loader import get_template

    values = dict(kwargs)
    if panel.context is not None:
        extra = panel.context(request, **kwargs)
        if extra is None:
            return ""
        values.update(extra)
    if panel.memo:
        page = {
            name: page_context[name]
            for name in ("namespace", "url_name")
            if page_context and name in page_context
        }
        memo_key = ("slot-panel", panel.template, freeze(values), freeze(page))
        return memo_html(memo_key, lambda: get_template(panel.template).render({**values, **page}))
    values.setdefault("request", request)
    values.setdefault("user", getattr(request, "user", None))
    if page_context is not None:
        for key in _PAGE_KEYS:
            if key in page_context and key not in values:
                values[key] = page_context[key]
    return get_template(panel.template).render(values, request)


def lazy_panel_placeholder(panel: Panel, request) -> str:
    """What stands in the page for a lazy panel: an empty block that htmx replaces by the panel (or by
    nothing, when the panel's context leaves it out) as soon as the page has loaded."""
    from django.utils.html import format_html

    return format_html(
        '<div class="slot-lazy" hx-get="{}?{}={}" hx-trigger="load" hx-swap="outerHTML" aria-busy="true">'
        "</div>",
        request.path,
        PANEL_PARAMETER,
        panel.key,
    )


def lazy_panels_fallback(request) -> str:
    """The link that shows the lazy panels without JavaScript: the page with every panel in place."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    return format_html(
        '<noscript><p class="muted"><a href="{}?{}={}">{}</a></p></noscript>',
        request.path,
        PANEL_PARAMETER,
        ALL_PANELS,
        gettext("Show the other panels"),
    )


def panels_shown_in_place(request) -> bool:
    """True when the request asks for the page with every lazy panel rendered in it (no JavaScript)."""
    return request is not None and request.GET.get(PANEL_PARAMETER) == ALL_PANELS


def requested_lazy_panel(request) -> str | None:
    """The key of the lazy panel an htmx request asks its page for (``?panel=<key>``), else None."""
    if request is None or not getattr(request, "htmx", False):
        return None
    key = request.GET.get(PANEL_PARAMETER)
    return key if key and key != ALL_PANELS else None


def slot_panel_response(request, slots: tuple[str, ...], key: str, **kwargs):
    """The HTML of lazy panel `key` of one of `slots`, for the page's htmx request: the page's view calls
    it after fetching, with its own permission checks, the objects the slot's arguments name. Http404 for
    a key that names no lazy panel of those slots; an empty answer when the panel leaves itself out."""
    from django.http import Http404, HttpResponse

    for slot in slots:
        for panel in _PANELS.get(slot, ()):
            if panel.lazy and panel.key == key:
                return HttpResponse(panel_html(panel, request, kwargs))
    raise Http404("No such panel.")


# ------------------------------------------------------------------ list columns and payload extensions
#
# List columns: an app adds a column to a list another app owns (the weather of the project list)::
#
#     column_register("portfolio.projects", "flash_weather", _("Weather"),
#                     annotate=lambda qs: qs.annotate(flash_weather=Subquery(...)),
#                     template="governance/partials/flash_weather_cell.html",
#                     sort_field="flash_weather_rank", filter=ListFilter(...), export=lambda row: ...)
#
# The list's owner applies ``columns_annotate(list_name, queryset)`` once (one annotation, so the query
# count does not grow with the rows), offers ``list_columns(list_name)`` as table columns (the cell
# template gets ``row``, ``value`` — the attribute named `key` — and ``column``), adds each column's
# `sort_field` to its allowed orderings (sort key = the column's `key`), each `filter` to its filter form
# (``filter.apply(queryset, value)``) and each `export` to its CSV/XLSX columns.
#
# Payload extensions: an app adds data to the JSON payloads or pages that show projects (roadmap, Gantt,
# boards, project sheet)::
#
#     payload_extension_register("weather", latest_weather_by_project)  # (ids) -> {id: {...}}
#
# and the owner calls ``payload_extensions(ids)`` once per payload: ``{id: {"weather": {...}}}`` (one
# query per registered extension, whatever the number of projects). Registered lists and names:
# ``portfolio.projects`` (the project list, its sorting, filters and exports); payloads of the roadmap
# (``extensions`` by project id), the Gantt (``project.extensions``), the boards (each project card's
# ``extensions``; the task board's ``project_extensions``) and the project sheet (slot ``project.sheet``).
# An extension whose data holds a ``badge`` ({label, text, icon}) is shown by every generic page without
# knowing it: ``extension_badges(extensions)`` and partials/extension_badges.html on the server, the same
# walk in static/js/gantt_common.js (PilotisGantt.badges) on the roadmap.


@dataclass(frozen=True)
class ListFilter:
    """A filter of a list column: a select of `choices`; `apply(queryset, value)` narrows the list."""

    name: str
    label: Any
    choices: Callable[[], list[tuple[str, Any]]]
    apply: Callable[[Any, str], Any]


@dataclass(frozen=True)
class ListColumn:
    list_name: str
    key: str
    label: Any
    annotate: Callable[[Any], Any]
    template: str
    sort_field: str | None = None
    filter: ListFilter | None = None
    export: Callable[[Any], Any] | None = None
    order: int = 100
    # Optional: the cell's HTML from Python, `render(row, value) -> SafeString`, instead of rendering
    # `template` once per row (a list of 100 rows renders 100 cells).
    render: Callable[[Any, Any], Any] | None = None


_COLUMNS: dict[str, list[ListColumn]] = {}
_EXTENSIONS: dict[str, Callable[[list], dict]] = {}


def column_register(
    list_name: str,
    key: str,
    label: Any,
    *,
    annotate: Callable[[Any], Any],
    template: str,
    sort_field: str | None = None,
    filter: ListFilter | None = None,  # noqa: A002 - the documented name
    export: Callable[[Any], Any] | None = None,
    order: int = 100,
    render: Callable[[Any, Any], Any] | None = None,
) -> None:
    """Add a column to list `list_name` (idempotent by key)."""
    columns = [column for column in _COLUMNS.get(list_name, []) if column.key != key]
    columns.append(
        ListColumn(list_name, key, label, annotate, template, sort_field, filter, export, order, render)
    )
    columns.sort(key=lambda column: (column.order, column.key))
    _COLUMNS[list_name] = columns


def list_columns(list_name: str) -> list[ListColumn]:
    return list(_COLUMNS.get(list_name, ()))


def list_cell_html(column: ListColumn, row, request=None):
    """One cell's content of a registered column: its `render(row, value)`, else its template with
    ``row``, ``value`` (the row's attribute named by the column's key) and ``column``."""
    value = getattr(row, column.key, None)
    if column.render is not None:
        return column.render(row, value)
    from django.template.loader import get_template

    return get_template(column.template).render({"row": row, "value": value, "column": column}, request)


def columns_annotate(list_name: str, queryset):
    """`queryset` with every registered column's annotation of list `list_name`."""
    for column in _COLUMNS.get(list_name, ()):
        queryset = column.annotate(queryset)
    return queryset


def payload_extension_register(name: str, function: Callable[[list], dict]) -> None:
    """`function(project_ids) -> {project_id: {...}}` adds `name` to the payloads of those projects."""
    _EXTENSIONS[name] = function


def extension_badges(extensions: dict[str, Any] | None) -> list[dict[str, str]]:
    """The ``badge`` ({label, text, icon}) of each of one project's extensions that gives one, by name."""
    badges = []
    for _name, data in sorted((extensions or {}).items()):
        badge = data.get("badge") if isinstance(data, dict) else None
        if badge and badge.get("text"):
            badges.append(badge)
    return badges


def payload_extensions(project_ids) -> dict[Any, dict[str, Any]]:
    """``{project_id: {name: data}}`` of every registered extension (only projects with data appear)."""
    ids = list(project_ids)
    result: dict[Any, dict[str, Any]] = {}
    if not ids:
        return result
    for name, function in sorted(_EXTENSIONS.items()):
        for project_id, data in function(ids).items():
            result.setdefault(project_id, {})[name] = data
    return result
