"""The capacity plan's pages: heatmap (/capacity/), cell drill-down, line chart, freshness and rebuild.

Every page reads a stored snapshot (resources.snapshot, built by Celery): a handful of queries whatever
the size of the organisation. The heatmap's data table is written here as one string (1,500 cells
through the template engine would cost more than the whole budget of the page).
"""

from __future__ import annotations

import hashlib
from datetime import date
from html import escape
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portfolio.models import Objective
from ppm import charts
from ppm.memo import memo_cached
from ppm.models import Directorate
from ppm.permissions import requires
from ppm.presentation import PALETTE, Tone
from resources.capacity_plan import (
    capacity_snapshot_request,
    snapshot_cell_loads,
    snapshot_for,
    snapshot_freshness,
    snapshot_row,
    snapshot_rows,
)
from resources.models import CapacityDimension, CapacitySnapshot, PeriodGrain, SnapshotStatus
from resources.permissions import RULES
from resources.snapshot import DEFAULT_STATUSES, UNDER_STUDY_STATUSES, PlanParams, snapshot_periods

ROWS_PER_PAGE = 40
DRAWN_PAGE_SECONDS = 24 * 3600
REPORT_PDF = "capacity_report_pdf"
REPORT_XLSX = "capacity_report_xlsx"


def report_schedule_url() -> str:
    """The admin page of the monthly report's periodic task (administrators change it there)."""
    from django_celery_beat.models import PeriodicTask

    task = (
        PeriodicTask.objects.filter(task="resources.tasks.send_capacity_report")
        .values_list("pk", flat=True)
        .first()
    )
    return reverse("admin:django_celery_beat_periodictask_change", args=[task]) if task else ""


HEATMAP_MAX = 150  # % where the colour scale saturates


class CapacityPlanForm(forms.Form):
    """The plan's filters and view, shared by the pages and the API (GET parameters)."""

    dimension = forms.ChoiceField(
        label=gettext_lazy("Rows"), choices=CapacityDimension.choices, required=False, initial="team"
    )
    grain = forms.ChoiceField(label=gettext_lazy("Periods"), choices=PeriodGrain.choices, required=False)
    objective = forms.TypedChoiceField(
        label=gettext_lazy("Objective"), coerce=int, required=False, empty_value=None
    )
    directorate = forms.TypedChoiceField(
        label=gettext_lazy("Project's directorate"), coerce=int, required=False, empty_value=None
    )
    under_study = forms.BooleanField(label=gettext_lazy("Include demands under study"), required=False)

    def __init__(self, *args, choices: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if choices:
            objective: Any = self.fields["objective"]
            directorate: Any = self.fields["directorate"]
            objective.choices = [("", _("All objectives"))] + [
                (pk, f"{code} · {name}")
                for pk, code, name in Objective.objects.values_list("pk", "code", "name")
            ]
            directorate.choices = [("", _("All directorates"))] + [
                (pk, f"{code} · {name}")
                for pk, code, name in Directorate.objects.order_by("code").values_list("pk", "code", "name")
            ]
        else:  # the API: any integer (an unknown id filters everything out)
            self.fields["objective"] = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
            self.fields["directorate"] = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def plan(self) -> tuple[PlanParams, str]:
        data = self.cleaned_data if self.is_valid() else {}
        statuses = DEFAULT_STATUSES + (UNDER_STUDY_STATUSES if data.get("under_study") else ())
        params = PlanParams(
            grain=data.get("grain") or PeriodGrain.MONTH.value,
            statuses=tuple(sorted(statuses)),
            objective=data.get("objective"),
            directorate=data.get("directorate"),
        )
        return params, data.get("dimension") or CapacityDimension.TEAM.value


def _query(params: PlanParams, dimension: str, **extra: Any) -> str:
    query: dict[str, Any] = {"dimension": dimension, "grain": params.grain}
    if params.objective:
        query["objective"] = params.objective
    if params.directorate:
        query["directorate"] = params.directorate
    if params.includes_under_study:
        query["under_study"] = "on"
    query.update(extra)
    return urlencode(query)


def period_labels(snapshot: CapacitySnapshot) -> list[str]:
    if snapshot.grain == PeriodGrain.WEEK:
        return [
            _("W%(week)02d %(year)d") % {"week": lo.isocalendar()[1], "year": lo.isocalendar()[0]}
            for lo, _hi in snapshot_periods(snapshot)
        ]
    return [formats.date_format(lo, "M Y") for lo, _hi in snapshot_periods(snapshot)]


def _percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{round(ratio * 100):d} %"


def _days(value: float, separator: str | None = None) -> str:
    """One decimal, with the language's decimal separator (formats.number_format costs ~10 µs a call:
    too much for 1,500 cells × 3 figures; callers in loops pass the separator)."""
    text = f"{value:.1f}"
    separator = separator or formats.get_format("DECIMAL_SEPARATOR")
    return text if separator == "." else text.replace(".", separator)


def _cell_class(ratio: float | None, load: float) -> str:
    if ratio is None:
        return "cap-cell--none" if load <= 0 else "cap-cell--over"
    if ratio > settings.PILOTIS_CAPACITY_OVERLOAD:
        return "cap-cell--over"
    if ratio < settings.PILOTIS_CAPACITY_UNDERLOAD:
        return "cap-cell--under"
    return "cap-cell--ok"


def _table_html(
    rows, labels: list[str], cell_url: str, line_url: str, params: PlanParams, dimension: str
) -> str:
    """The heatmap as an accessible table: row headers, % per cell, load / capacity, an overload
    marker in words (not colour only), each cell a link to its drill-down."""
    mark = '<span class="cap-cell__mark" aria-hidden="true">{}</span><span class="visually-hidden">{}</span>'
    over_mark = mark.format("▲", escape(_("overloaded")))
    none_mark = mark.format("▲", escape(_("load without capacity")))
    under_mark = mark.format("▽", escape(_("under-loaded")))
    head = "".join(f'<th scope="col" class="num">{escape(label)}</th>' for label in labels)
    parts = [
        '<thead><tr><th scope="col">' + escape(_("Row")) + f"</th>{head}</tr></thead><tbody>",
    ]
    base = _query(params, dimension)
    sep = formats.get_format("DECIMAL_SEPARATOR")
    for row in rows:
        key = escape(row.dim_key)
        line = f"{line_url}?{base}&amp;key={key}"
        parts.append(f'<tr><th scope="row"><a href="{line}">{escape(row.label)}</a></th>')
        cells = []
        for index, (ratio, load, capacity) in enumerate(zip(row.ratio, row.load, row.capacity, strict=False)):
            css = _cell_class(ratio, load)
            marker = ""
            if css == "cap-cell--over":
                marker = over_mark if ratio is not None else none_mark
            elif css == "cap-cell--under":
                marker = under_mark
            if load <= 0 and capacity <= 0:
                cells.append('<td class="num cap-cell cap-cell--none">—</td>')
                continue
            cells.append(
                f'<td class="num cap-cell {css}">'
                f'<a href="{cell_url}?{base}&amp;key={key}&amp;period={index}">'
                f"{marker}{_percent(ratio)}"
                f'<span class="cap-cell__figures">{_days(load, sep)} / {_days(capacity, sep)}</span></a></td>'
            )
        parts.append("".join(cells) + "</tr>")
    parts.append("</tbody>")
    return "".join(parts)


def heatmap_figure(rows, labels: list[str], cell_url: str, params: PlanParams, dimension: str) -> dict:
    """A Plotly heatmap of load ÷ capacity (%), rows top to bottom; each cell links to its drill-down."""
    under = settings.PILOTIS_CAPACITY_UNDERLOAD * 100 / HEATMAP_MAX
    full = settings.PILOTIS_CAPACITY_OVERLOAD * 100 / HEATMAP_MAX
    base = _query(params, dimension)
    sep = formats.get_format("DECIMAL_SEPARATOR")
    hover = _("load %(load)s d (outsourced %(external)s, unstaffed %(unstaffed)s) / capacity %(capacity)s d")
    z, text, links = [], [], []
    for row in rows:
        z.append([None if ratio is None else min(round(ratio * 100), HEATMAP_MAX) for ratio in row.ratio])
        text.append(
            [
                [
                    charts.plotly_text(row.label),
                    label,
                    _percent(ratio),
                    hover
                    % {
                        "load": _days(load, sep),
                        "external": _days(external, sep),
                        "unstaffed": _days(unstaffed, sep),
                        "capacity": _days(capacity, sep),
                    },
                ]
                for label, ratio, load, external, unstaffed, capacity in zip(
                    labels,
                    row.ratio,
                    row.load,
                    row.load_external,
                    row.load_unstaffed,
                    row.capacity,
                    strict=False,
                )
            ]
        )
        links.append(
            [f"{cell_url}?{base}&key={row.dim_key}&period={index}" for index in range(len(row.ratio))]
        )
    trace = {
        "type": "heatmap",
        "z": z,
        "x": list(range(len(labels))),
        "y": list(range(len(rows))),
        "zmin": 0,
        "zmax": HEATMAP_MAX,
        "xgap": 1,
        "ygap": 1,
        "colorscale": [
            [0, "#d6e6f5"],
            [under, "#9ecae1"],
            [under, "#c7e9c0"],
            [full, "#74c476"],
            [full, "#fdae6b"],
            [1, PALETTE[Tone.DANGER]],
        ],
        "colorbar": {"title": {"text": "%"}, "thickness": 12, "ticksuffix": " %"},
        "customdata": text,
        "hovertemplate": (
            "%{customdata[0]} · %{customdata[1]}<br>%{customdata[2]}<br>%{customdata[3]}<extra></extra>"
        ),
    }
    return {
        "data": [trace],
        "layout": charts.base_layout(
            margin={"l": 16, "r": 16, "t": 8, "b": 60},
            xaxis={
                "tickvals": list(range(len(labels))),
                "ticktext": [charts.plotly_text(label) for label in labels],
                "tickangle": -45,
                "fixedrange": True,
                "automargin": True,
            },
            yaxis={
                "tickvals": list(range(len(rows))),
                "ticktext": [charts.label(row.label, 32) for row in rows],
                "autorange": "reversed",
                "fixedrange": True,
                "automargin": True,
            },
        ),
        "links": [links],
        "height": max(220, len(rows) * 26 + 110),
        "compact": {"ticktext": {"y": [charts.label(row.label, 14) for row in rows]}},
    }


def _freshness_context(snapshot: CapacitySnapshot, params: PlanParams, dimension: str, request) -> dict:
    freshness = snapshot_freshness(snapshot)
    return {
        "freshness": freshness,
        "snapshot": snapshot,
        "since": request.GET.get("since", ""),
        "status_query": _query(params, dimension),
        "can_rebuild": RULES.allows(request.user, "capacity.rebuild"),
    }


def _drawn_page(snapshot: CapacitySnapshot, params: PlanParams, dimension: str, page: int):
    """The heatmap figure and the table of one page of rows: drawn once per built snapshot, page and
    language, then read from the cache (a built snapshot's rows never change; a rebuild gives a new
    `built_at`, so a new key). Drawing 40 rows × 36 periods costs more than the rest of the page."""
    if snapshot.built_at is None:
        return _draw_page(snapshot, params, dimension, page)
    parts = (
        snapshot.pk,
        snapshot.built_at.isoformat(),
        dimension,
        page,
        translation.get_language(),
        _query(params, dimension),
        settings.PILOTIS_CAPACITY_OVERLOAD,
        settings.PILOTIS_CAPACITY_UNDERLOAD,
    )
    key = "capacity-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    # In the shared cache and in the process (read-only): not unpickled on each view (ppm.memo).
    return memo_cached(key, lambda: _draw_page(snapshot, params, dimension, page), DRAWN_PAGE_SECONDS)


def _draw_page(snapshot: CapacitySnapshot, params: PlanParams, dimension: str, page: int):
    rows = snapshot_rows(snapshot, dimension, offset=(page - 1) * ROWS_PER_PAGE, limit=ROWS_PER_PAGE)
    labels = period_labels(snapshot)
    cell_url, line_url = reverse("resources:capacity_cell"), reverse("resources:capacity_line")
    return (
        heatmap_figure(rows, labels, cell_url, params, dimension) if rows else None,
        _table_html(rows, labels, cell_url, line_url, params, dimension),
    )


@requires(RULES, "capacity.view")
@require_GET
def capacity_plan(request):
    form = CapacityPlanForm(request.GET or None)
    params, dimension = form.plan()
    snapshot = snapshot_for(params)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    total = (snapshot.summary.get("counts") or {}).get(dimension, 0)
    pages = max(1, -(-total // ROWS_PER_PAGE))
    page = min(page, pages)
    figure, table = _drawn_page(snapshot, params, dimension, page)
    context = {
        "form": form,
        "params": params,
        "dimension": dimension,
        "dimension_label": CapacityDimension(dimension).label,
        "figure": figure,
        "table": mark_safe(table),  # noqa: S308 - escaped by _table_html
        "page": page,
        "pages": pages,
        "prev_query": _query(params, dimension, page=page - 1) if page > 1 else "",
        "next_query": _query(params, dimension, page=page + 1) if page < pages else "",
        "overloaded": (snapshot.summary.get("overloaded_next_quarter") or [])[:10],
        "underload": round(settings.PILOTIS_CAPACITY_UNDERLOAD * 100),
        "can_report": RULES.allows(request.user, "capacity.view"),
        "manages_report": RULES.allows(request.user, "capacity.report"),
        "report_kinds": [
            (REPORT_PDF, _("Download the report (PDF)")),
            (REPORT_XLSX, _("Download the report (XLSX)")),
        ],
        "schedule_url": report_schedule_url() if RULES.allows(request.user, "capacity.report") else "",
        "query": _query(params, dimension),
        **_freshness_context(snapshot, params, dimension, request),
    }
    return render(request, "resources/capacity_plan.html", context)


@requires(RULES, "capacity.view")
@require_GET
@never_cache
def capacity_status(request):
    """The freshness banner (htmx polls it while a build is queued); once the snapshot was built or
    checked after `since`, the page reloads (HX-Refresh)."""
    form = CapacityPlanForm(request.GET or None, choices=False)
    params, dimension = form.plan()
    snapshot = snapshot_for(params)
    context = _freshness_context(snapshot, params, dimension, request)
    since = request.GET.get("since", "")
    done_at = snapshot.checked_at or snapshot.built_at
    if (
        request.htmx
        and since
        and done_at is not None
        and snapshot.queued_at is None
        and snapshot.status != SnapshotStatus.BUILDING
        and done_at.isoformat() >= since
    ):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "resources/partials/capacity_freshness.html", context)


@requires(RULES, "capacity.rebuild")
@require_POST
def capacity_rebuild(request):
    """Queue a build now (no debounce); htmx gets the banner polling until it is done."""
    form = CapacityPlanForm(QueryDict(request.POST.get("query", "")[:1000]), choices=False)
    params, dimension = form.plan()
    snapshot = capacity_snapshot_request(params, reason="rebuild asked", countdown=0)
    if request.htmx:
        context = _freshness_context(snapshot, params, dimension, request)
        context["since"] = (snapshot.requested_at or timezone.now()).isoformat()
        return render(request, "resources/partials/capacity_freshness.html", context)
    return redirect(f"{reverse('resources:capacity')}?{_query(params, dimension)}")


def _row_or_404(snapshot, dimension, key):
    from django.http import Http404

    row = snapshot_row(snapshot, dimension, key) if snapshot.built_at else None
    if row is None:
        raise Http404(_("No such row in the capacity plan."))
    return row


def project_workload_url(project_id: int) -> str:
    try:
        return reverse("resources:project_workload", args=[project_id])
    except NoReverseMatch:
        return reverse("portfolio:project_detail", args=[project_id])


@requires(RULES, "capacity.view")
@require_GET
def capacity_cell(request):
    """Drill-down of one cell: the projects and people making its load, with their days."""
    from django.http import Http404

    form = CapacityPlanForm(request.GET or None, choices=False)
    params, dimension = form.plan()
    snapshot = snapshot_for(params)
    row = _row_or_404(snapshot, dimension, request.GET.get("key", "")[:40])
    try:
        period = int(request.GET.get("period", ""))
    except ValueError:
        raise Http404(_("No such period in the capacity plan.")) from None
    labels = period_labels(snapshot)
    if not 0 <= period < len(labels):
        raise Http404(_("No such period in the capacity plan."))
    loads = snapshot_cell_loads(snapshot, dimension, row.dim_key, period)
    for item in loads:
        item["url"] = project_workload_url(item["load"].project_id)
    context = {
        "row": row,
        "dimension": dimension,
        "dimension_label": CapacityDimension(dimension).label,
        "period_label": labels[period],
        "period": period,
        "load": row.load[period],
        "capacity": row.capacity[period],
        "gross": row.gross[period],
        "external": row.load_external[period],
        "unstaffed": row.load_unstaffed[period],
        "ratio": _percent(row.ratio[period]),
        "overloaded": _cell_class(row.ratio[period], row.load[period]) == "cap-cell--over",
        "loads": loads,
        "back_query": _query(params, dimension),
        "line_query": _query(params, dimension, key=row.dim_key),
        "prev_query": _query(params, dimension, key=row.dim_key, period=period - 1) if period else "",
        "next_query": _query(params, dimension, key=row.dim_key, period=period + 1)
        if period + 1 < len(labels)
        else "",
        **_freshness_context(snapshot, params, dimension, request),
    }
    return render(request, "resources/capacity_cell.html", context)


@requires(RULES, "capacity.view")
@require_GET
def capacity_line(request):
    """Load vs capacity (net, gross) over time for one row: a role family or role, a team, a person."""
    form = CapacityPlanForm(request.GET or None, choices=False)
    params, dimension = form.plan()
    snapshot = snapshot_for(params)
    row = _row_or_404(snapshot, dimension, request.GET.get("key", "")[:40])
    starts: list[date] = [lo for lo, _hi in snapshot_periods(snapshot)]
    labels = period_labels(snapshot)
    internal = [
        round(load - external, 2) for load, external in zip(row.load, row.load_external, strict=False)
    ]
    figure = charts.line_figure(
        starts,
        [
            charts.Series(_("Load"), row.load, PALETTE[Tone.DANGER]),
            charts.Series(_("Internal load"), internal, "#6f42c1", dash="dot"),
            charts.Series(_("Outsourced load"), row.load_external, "#b35c00", dash="dot"),
            charts.Series(_("Net capacity"), row.capacity, "#1a7f37"),
            charts.Series(_("Gross capacity"), row.gross, "#57606a", dash="dash"),
        ],
        value_title=_("person-days"),
    )
    table = [
        {
            "label": label,
            "load": load,
            "internal": inside,
            "external": external,
            "unstaffed": unstaffed,
            "capacity": capacity,
            "gross": gross,
            "ratio": _percent(ratio),
            "over": _cell_class(ratio, load) == "cap-cell--over",
        }
        for label, load, inside, external, unstaffed, capacity, gross, ratio in zip(
            labels,
            row.load,
            internal,
            row.load_external,
            row.load_unstaffed,
            row.capacity,
            row.gross,
            row.ratio,
            strict=False,
        )
    ]
    context = {
        "row": row,
        "dimension": dimension,
        "dimension_label": CapacityDimension(dimension).label,
        "figure": figure,
        "locale": charts.chart_locale(),
        "table": table,
        "back_query": _query(params, dimension),
        **_freshness_context(snapshot, params, dimension, request),
    }
    return render(request, "resources/capacity_line.html", context)
