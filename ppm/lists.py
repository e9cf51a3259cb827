"""Shared helpers of list pages: sortable columns from an allow-list, pagination, the htmx partial
answer (with `Vary: HX-Request`), and the page-only tuning of a FilterSet's form.

A list view declares its columns and lets `render_list` answer::

    COLUMNS = (SortColumn("code", _("Code")), SortColumn("name", _("Name")), ...)

    def thing_list(request):
        filterset = ThingFilterSet(request.GET, queryset=selectors.thing_list(), request=request)
        return render_list(request, "app/thing_list.html", "app/partials/thing_table.html",
                           target="thing-results", queryset=filterset.qs, columns=COLUMNS,
                           context={"filterset": filterset})
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

PAGE_SIZE = 25
# Query parameters that do not filter a list (they page or sort it).
NOT_FILTERS = ("page", "ordering")


@dataclass(frozen=True)
class SortColumn:
    """A column the user may sort by: `key` is the FilterSet's ordering name."""

    key: str
    label: str | Promise


def sort_columns(columns: Sequence[SortColumn], ordering: str, *, default: str | None = None) -> list[dict]:
    """Each column's current direction (for aria-sort) and the ordering its header link asks for.
    Only the allowed keys count: anything else in `ordering` sorts by the default (first) column."""
    allowed = {column.key for column in columns}
    current = (ordering or "").split(",")[0].strip()
    if current.lstrip("-") not in allowed:
        current = default or columns[0].key
    result = []
    for column in columns:
        if current == column.key:
            direction, next_ordering = "ascending", f"-{column.key}"
        elif current == f"-{column.key}":
            direction, next_ordering = "descending", column.key
        else:
            direction, next_ordering = "", column.key
        result.append(
            {"key": column.key, "label": column.label, "direction": direction, "next": next_ordering}
        )
    return result


def paginate(items: Any, page_number: int | str | None, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page; an out-of-range or malformed number gives the nearest valid page."""
    return Paginator(items, per_page).get_page(page_number)


def is_filtered(query: QueryDict) -> bool:
    """Whether any parameter other than paging and sorting has a value."""
    return any(value for key, values in query.lists() if key not in NOT_FILTERS for value in values)


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """The same URL answers a full page or a fragment: caches must keep them apart."""
    vary = [part.strip() for part in (response.get("Vary") or "").split(",") if part.strip()]
    if "HX-Request" not in vary:
        vary.append("HX-Request")
    response["Vary"] = ", ".join(vary)
    return response


def wants_partial(request: HttpRequest, target: str) -> bool:
    """An htmx request aimed at `target` (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request and htmx.target == target)


def render_partial_or_page(
    request: HttpRequest, page_template: str, partial_template: str, *, target: str, context: Mapping
) -> HttpResponse:
    """The fragment for htmx requests aimed at `target`, the whole page otherwise; `Vary: HX-Request`."""
    template = partial_template if wants_partial(request, target) else page_template
    return vary_on_htmx(render(request, template, dict(context)))


def url_pattern(viewname: str) -> str:
    """The URL of `viewname` for one object id, with "{}" where the id goes: lists written in Python
    format it once per row instead of calling reverse() (~20 µs) for each."""
    sentinel = 987654321
    return reverse(viewname, args=[sentinel]).replace(str(sentinel), "{}")


def render_list(
    request: HttpRequest,
    page_template: str,
    partial_template: str,
    *,
    target: str,
    queryset: Any,
    columns: Sequence[SortColumn],
    context: Mapping | None = None,
    per_page: int = PAGE_SIZE,
    rows: Callable[[Any], Any] | None = None,
) -> HttpResponse:
    """A sortable, paginated list page. The context gets `page_obj`, `object_list`, `columns`,
    `is_filtered` besides the caller's, and `rows_html` = `rows(object_list)` when the caller writes
    its rows in Python."""
    page = paginate(queryset, request.GET.get("page"), per_page=per_page)
    full_context = {
        "page_obj": page,
        "object_list": page.object_list,
        "columns": sort_columns(columns, request.GET.get("ordering", "")),
        "is_filtered": is_filtered(request.GET),
        **(context or {}),
    }
    if rows is not None:
        full_context["rows_html"] = rows(page.object_list)
    return render_partial_or_page(
        request, page_template, partial_template, target=target, context=full_context
    )


def tune_filter_form(
    form: forms.Form,
    *,
    checkboxes: Iterable[str] = (),
    options: Mapping[str, Iterable[tuple[Any, Any]]] | None = None,
    any_label: str | Promise | None = None,
) -> None:
    """Page-only presentation of a shared FilterSet's form: multiple choices as checkboxes, an "Any"
    empty choice, and select options given ready-made (e.g. from one query). Only the widgets change:
    validation still uses the FilterSet's own fields and querysets."""
    empty = ("", any_label if any_label is not None else _("Any"))
    for name in checkboxes:
        field = form.fields[name]
        field.widget = forms.CheckboxSelectMultiple(choices=getattr(field, "choices", ()))
    for name, choices in (options or {}).items():
        form.fields[name].widget.choices = [empty, *choices]
