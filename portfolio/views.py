"""Server-rendered portfolio pages: dashboard, project list and exports, project page, forms.

Views validate input, call one service or selector, and render. Reads come from
portfolio.selectors, writes go through portfolio.services, rights from portfolio.permissions.
"""

from datetime import date
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import json_script
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portfolio import exports, permissions, selectors, services, sheet_views
from portfolio.filters import ProjectFilterSet
from portfolio.forms import ProjectForm, TransitionForm
from portfolio.list_rows import project_rows_html
from portfolio.models import Priority
from portfolio.rules import ACTIVE_STATUSES, TERMINAL_STATUSES, ProjectStatus
from portfolio.scheduling import selectors as schedule_selectors
from ppm import charts, lists, slots
from ppm.audit import audit_entries_for
from ppm.exceptions import DomainError, StaleVersionError
from ppm.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from ppm.lists import url_pattern
from ppm.memo import memo_cached
from ppm.permissions import requires
from ppm.presentation import SERIES_COLOURS, colour_for, legend, tone_for

PAGE_SIZE = lists.PAGE_SIZE
AUDIT_ENTRIES_SHOWN = 100

# The slots of the project page, whose lazy panels the page loads on demand (ppm.slots).
PROJECT_PAGE_SLOTS = ("project.side", "project.main")

# Sortable columns of the project list: the keys are the ProjectFilterSet ordering names.
SORTABLE_COLUMNS = (
    lists.SortColumn("code", gettext_lazy("Code")),
    lists.SortColumn("name", gettext_lazy("Name")),
    lists.SortColumn("status", gettext_lazy("Status")),
    lists.SortColumn("directorate", gettext_lazy("Directorate")),
    lists.SortColumn("planned_start", gettext_lazy("Planned start")),
    lists.SortColumn("planned_end", gettext_lazy("Planned end")),
    lists.SortColumn("slippage", gettext_lazy("Slippage")),
    lists.SortColumn("priority", gettext_lazy("Priority")),
)
# Dashboard trend lines: one dash style per status besides its colour (never colour alone).
TREND_DASHES = ("solid", "dot", "dash", "longdash", "dashdot", "longdashdot")


def _list_url(**filters) -> str:
    """The project list filtered by `filters` (a value may be a list: the parameter repeats)."""
    return reverse("portfolio:project_list") + "?" + urlencode(filters, doseq=True)


# --- Dashboard ----------------------------------------------------------------------------


class RoadmapFilterForm(forms.Form):
    """The roadmap's filters; options come from the dashboard's own data (no extra query)."""

    axis = forms.TypedChoiceField(label=gettext_lazy("Strategic axis"), required=False, coerce=int)
    objective = forms.TypedChoiceField(label=gettext_lazy("Objective"), required=False, coerce=int)
    directorate = forms.TypedChoiceField(label=gettext_lazy("Directorate"), required=False, coerce=int)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), required=False, coerce=int)
    prefix = "roadmap"

    def __init__(self, *args, objectives, directorates, years, **kwargs):
        super().__init__(*args, **kwargs)
        any_choice = ("", _("Any"))
        axes = {objective.axis_id: objective.axis for objective in objectives}
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["axis"].choices = [any_choice, *((pk, str(axis)) for pk, axis in axes.items())]
        fields["objective"].choices = [
            any_choice,
            *((objective.pk, f"{objective.code} · {objective.name}") for objective in objectives),
        ]
        fields["directorate"].choices = [any_choice, *((d.pk, d.name) for d in directorates)]
        fields["year"].choices = [any_choice, *((year, str(year)) for year in years)]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


def _roadmap_rows(data: dict, filters: dict) -> list[dict]:
    """Plain rows of the roadmap, active projects first (closed ones after them), then by start."""
    rows = selectors.roadmap_rows(**filters) if filters else data["roadmap"]
    labels = data["status_labels"]
    # One reverse() for the whole roadmap, not one per project (it can hold a thousand rows).
    detail_url = url_pattern("portfolio:project_detail")
    ordered = sorted(
        rows, key=lambda row: (row["status"] in TERMINAL_STATUSES, row["planned_start"], row["code"])
    )
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "status": row["status"],
            "status_label": str(labels.get(row["status"], row["status"])),
            "start": row["planned_start"],
            "end": row["planned_end"],
            "directorate": row["directorate__name"],
            "url": detail_url.format(row["id"]),
        }
        for row in ordered
    ]


def _roadmap_figures(rows: list[dict], today: date) -> dict:
    short_date = charts.date_formatter(formats.get_format("SHORT_DATE_FORMAT"))
    period = _("from %(start)s to %(end)s")
    spans = [
        charts.Span(
            key=row["code"],
            label=f"{row['code']} · {row['name']}",
            start=row["start"],
            end=row["end"],
            colour=colour_for(ProjectStatus, row["status"]),
            link=row["url"],
            hover=(
                f"{row['code']} · {row['name']}",
                row["status_label"],
                row["directorate"],
                period % {"start": short_date(row["start"]), "end": short_date(row["end"])},
            ),
        )
        for row in rows
    ]
    if not spans:
        return {}
    x_range = charts.timeline_range(spans, today)
    return {
        "roadmap_axis": charts.timeline_axis_figure(today=today, x_range=x_range),
        "roadmap": charts.timeline_figure(spans, today=today, x_range=x_range),
    }


def _dashboard_charts(data: dict, roadmap_filters: dict) -> dict:
    """The charts' data (labels already translated) and their Plotly figures (ppm.charts)."""
    labels = data["status_labels"]
    counts = data["counts"]["by_status"]
    statuses = [
        {
            "key": key,
            "label": str(labels[key]),
            "count": counts.get(key, 0),
            "colour": colour_for(ProjectStatus, key),
            "url": _list_url(status=key),
        }
        for key in ProjectStatus.values
    ]
    objectives = [
        {
            "axis": str(objective.axis),
            "axis_id": objective.axis_id,
            "code": objective.code,
            "name": objective.name,
            "count": objective.n_projects,
            "active": objective.n_active,
            "url": _list_url(objective=objective.pk),
        }
        for objective in data["objectives"]
    ]
    directorates = [
        {"name": d.name, "count": d.n_projects, "url": _list_url(directorate=d.pk)}
        for d in data["directorates"]
    ]
    roadmap = _roadmap_rows(data, roadmap_filters)
    days = [snapshot["day"] for snapshot in data["trend"]]
    trend = [
        {
            "key": status["key"],
            "label": status["label"],
            "colour": status["colour"],
            "url": status["url"],
            "values": [snapshot["by_status"].get(status["key"], 0) for snapshot in data["trend"]],
        }
        for status in statuses
    ]
    today = timezone.localdate()
    projects = _("Projects")
    figures = {
        "status": charts.bar_figure(
            [
                charts.Point(s["label"], s["count"], s["colour"], s["url"], (f"{s['label']}: {s['count']}",))
                for s in statuses
            ],
            value_title=projects,
        ),
        "directorate": charts.bar_figure(
            [
                charts.Point(
                    d["name"], d["count"], SERIES_COLOURS[0], d["url"], (f"{d['name']}: {d['count']}",)
                )
                for d in directorates
            ],
            value_title=projects,
        ),
        "objective": _objective_figure(objectives, projects),
        **_roadmap_figures(roadmap, today),
    }
    if days:
        figures["trend"] = charts.line_figure(
            days,
            [
                charts.Series(line["label"], line["values"], line["colour"], line["url"], dash)
                for line, dash in zip(trend, TREND_DASHES * 2, strict=False)
            ],
            value_title=projects,
        )
    return {
        "statuses": statuses,
        "objectives": objectives,
        "directorates": directorates,
        "roadmap": roadmap,
        "trend": {"days": days, "series": trend},
        "today": today,
        "figures": figures,
        # The figures as the page embeds them (json_script), written once with the cached charts.
        "figures_html": mark_safe(  # noqa: S308 - json_script escapes its JSON
            "".join(json_script(figure, f"figure-{name}") for name, figure in figures.items())
        ),
        "locale": charts.chart_locale(),
    }


def _dashboard_charts_cached(data: dict, roadmap_filters: dict) -> dict:
    """`_dashboard_charts`, from the cache while the portfolio, the language and the day are the same
    (a roadmap narrowed by filters is drawn for its own request: too many combinations to keep)."""
    if roadmap_filters:
        return _dashboard_charts(data, roadmap_filters)
    key = ":".join(
        (
            "portfolio:dashboard:charts:v2",
            get_language() or "default",
            data["fingerprint"],
            timezone.localdate().isoformat(),
        )
    )
    # In the shared cache and in the process (read-only): not unpickled on each view.
    return memo_cached(
        key, lambda: _dashboard_charts(data, roadmap_filters), selectors.DASHBOARD_CACHE_SECONDS
    )


def _objective_figure(objectives: list[dict], projects: str) -> dict:
    groups: dict[str, list[charts.Point]] = {}
    active = _("Approved or in progress")
    for objective in objectives:
        groups.setdefault(objective["axis"], []).append(
            charts.Point(
                f"{objective['code']} · {objective['name']}",
                objective["count"],
                link=objective["url"],
                hover=(
                    f"{objective['code']} · {objective['name']}",
                    objective["axis"],
                    f"{projects}: {objective['count']}",
                    f"{active}: {objective['active']}",
                ),
            )
        )
    return charts.grouped_bar_figure(
        [charts.Group(name, points) for name, points in groups.items()], value_title=projects
    )


@login_required
def dashboard(request):
    data = selectors.dashboard_data()
    years = sorted(
        {
            year
            for row in data["roadmap"]
            for year in range(row["planned_start"].year, row["planned_end"].year + 1)
        }
    )
    roadmap_form = RoadmapFilterForm(
        request.GET or None, objectives=data["objectives"], directorates=data["directorates"], years=years
    )
    charts_data = _dashboard_charts_cached(data, roadmap_form.filters())
    # The roadmap's legend: the statuses it shows, in the lifecycle's order.
    shown = {row["status"] for row in charts_data["roadmap"]}
    roadmap_statuses = [key for key in ProjectStatus.values if key in shown]
    by_status = data["counts"]["by_status"]
    active = sorted(ACTIVE_STATUSES)
    kpis = [
        {
            "label": _("Active projects"),
            "value": sum(by_status.get(status, 0) for status in active),
            "status": None,
            "tone": None,
            "url": _list_url(status=active),
        },
        *(
            {
                "label": label,
                "value": by_status.get(status, 0),
                "status": status,
                "tone": tone_for(ProjectStatus, status).value,
                "url": _list_url(status=status),
            }
            for status, label in (
                (ProjectStatus.IN_PROGRESS, _("In progress")),
                (ProjectStatus.APPROVED, _("Approved, not started")),
                (ProjectStatus.ON_HOLD, pgettext("dashboard tile: number of projects", "On hold")),
                (ProjectStatus.DEMAND, _("Demands to examine")),
            )
        ),
    ]
    slipping = schedule_selectors.slipping_projects()
    kpis.append(
        {
            "label": _("Projects slipping"),
            "value": slipping["count"],
            "status": None,
            "tone": "warning" if slipping["count"] else None,
            "url": reverse("portfolio:project_list") + "?ordering=-slippage",
        }
    )
    trend_rows = [
        {
            "day": snapshot["day"],
            "total": snapshot["total"],
            "values": [snapshot["by_status"].get(key, 0) for key in ProjectStatus.values],
        }
        for snapshot in data["trend"]
    ]
    return render(
        request,
        "portfolio/dashboard.html",
        {
            "kpis": kpis,
            "charts": charts_data,
            "data": data,
            "trend_rows": trend_rows,
            "slipping": slipping,
            "roadmap_form": roadmap_form,
            "roadmap_legend": legend(ProjectStatus, roadmap_statuses),
            "roadmap_filtered": bool(roadmap_form.filters()),
            "can_create": permissions.can_create_project(request.user),
        },
    )


# --- Project list and exports -------------------------------------------------------------


def _filterset(request) -> ProjectFilterSet:
    return ProjectFilterSet(request.GET, queryset=selectors.project_visible_to(request.user), request=request)


def _tune_filter_form(form) -> None:
    """Page-only presentation of the shared FilterSet: status as checkboxes, "Any" as empty choice,
    reference options from one query."""
    lists.tune_filter_form(
        form,
        checkboxes=["status"],
        options={**selectors.project_filter_choices(), "priority": Priority.choices},
    )


def _sortable_columns() -> tuple:
    """The list's own sortable columns and those other apps registered (ppm.slots.column_register)."""
    extra = tuple(
        lists.SortColumn(column.key, column.label)
        for column in slots.list_columns(exports.LIST_NAME)
        if column.sort_field
    )
    # Shown right after the status (a project's state at a glance), before the dates.
    index = next(i for i, column in enumerate(SORTABLE_COLUMNS) if column.key == "status") + 1
    return SORTABLE_COLUMNS[:index] + extra + SORTABLE_COLUMNS[index:]


@login_required
def project_list(request):
    filterset = _filterset(request)
    _tune_filter_form(filterset.form)
    extra_columns = slots.list_columns(exports.LIST_NAME)
    return lists.render_list(
        request,
        "portfolio/project_list.html",
        "portfolio/partials/project_table.html",
        target="project-results",
        queryset=selectors.project_list_page(filterset.qs),
        columns=_sortable_columns(),
        per_page=PAGE_SIZE,
        rows=lambda projects: project_rows_html(projects, extra_columns=extra_columns, request=request),
        context={
            "extra_columns": extra_columns,
            "extra_filter_fields": [
                filterset.form[column.filter.name] for column in extra_columns if column.filter is not None
            ],
            "filterset": filterset,
            "filter_form": filterset.form,
            "can_create": permissions.can_create_project(request.user),
            "filters_open": lists.is_filtered(request.GET),
        },
    )


@login_required
def project_export(request, fmt: str):
    """The filtered, sorted list (every page) as CSV or XLSX; any other format is a 404."""
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Unknown export format."))
    projects = _filterset(request).qs
    if fmt == "csv":
        delimiter = exports.csv_delimiter(request)
        response = HttpResponse(
            exports.projects_csv(projects, delimiter=delimiter), content_type=CSV_CONTENT_TYPE
        )
    else:
        response = HttpResponse(exports.projects_xlsx(projects), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename(fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Project page and lifecycle -----------------------------------------------------------


def _objective_groups(project) -> list[dict]:
    groups: dict[int, dict] = {}
    for objective in (
        selectors.objective_list().filter(projects=project).order_by("axis__order", "order", "code")
    ):
        groups.setdefault(objective.axis_id, {"axis": objective.axis, "objectives": []})["objectives"].append(
            objective
        )
    return list(groups.values())


@login_required
def project_detail(request, pk: int):
    panel = slots.requested_lazy_panel(request)
    if panel is not None:  # one of the page's lazy panels, asked for by htmx once the page has loaded
        # The page's permission check (the project's own row: no panel reads the list's prefetches).
        project = selectors.project_get_for_user(user=request.user, pk=pk)
        return slots.slot_panel_response(request, PROJECT_PAGE_SLOTS, panel, project=project)
    project = selectors.project_detail_get(user=request.user, pk=pk)
    can_transition = permissions.can_transition_project(request.user, project)
    audit = list(audit_entries_for(project)[: AUDIT_ENTRIES_SHOWN + 1])
    context = {
        "project": project,
        "objective_groups": _objective_groups(project),
        "status_changes": list(reversed(project.status_changes.all())),
        "audit_entries": audit[:AUDIT_ENTRIES_SHOWN],
        "audit_truncated": len(audit) > AUDIT_ENTRIES_SHOWN,
        "can_edit": permissions.can_edit_project(request.user, project),
        "transitions": selectors.project_transitions_for(project, actor=request.user)
        if can_transition
        else [],
        **sheet_views.sheet_context(project),
        "schedule": schedule_selectors.project_schedule_summary(project),
    }
    return render(request, "portfolio/project_detail.html", context)


@login_required
@require_POST
def project_transition(request, pk: int):
    project = selectors.project_get_for_user(user=request.user, pk=pk, action="transition")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The status change was incomplete. Reload the page and try again."))
        return redirect("portfolio:project_detail", pk=project.pk)
    old_status = project.get_status_display()
    try:
        project = services.project_transition(
            actor=request.user,
            project=project,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleVersionError:
        messages.error(
            request,
            _(
                "This project was changed by someone else meanwhile. The page now shows its current "
                "state: check it, then try again."
            ),
        )
    except DomainError as error:  # refused move, missing reason, role: the message says why
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Status changed from “%(old)s” to “%(new)s”.")
            % {"old": old_status, "new": project.get_status_display()},
        )
    return redirect("portfolio:project_detail", pk=project.pk)


# --- Create and edit ----------------------------------------------------------------------


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    if hasattr(value, "all"):  # a queryset or a related manager
        return (
            ", ".join(sorted(str(item.code if hasattr(item, "code") else item) for item in value.all()))
            or "—"
        )
    return str(value)


def _conflicting_values(form: ProjectForm, current) -> list[dict]:
    """Fields where what the user submitted differs from what is stored now."""
    rows = []
    current_values = {
        "objectives": ", ".join(sorted(o.code for o in current.objectives.all())) or "—",
        "tags": ", ".join(sorted(t.name for t in current.tags.all())) or "—",
        "priority": current.get_priority_display(),
    }
    for name, field in form.fields.items():
        if name == "version" or name not in form.cleaned_data:
            continue
        yours = form.cleaned_data[name]
        if name == "objectives":
            yours_text = ", ".join(sorted(o.code for o in yours)) or "—"
        elif name == "tags":
            yours_text = ", ".join(sorted(yours)) or "—"
        elif name == "priority":
            yours_text = str(dict(getattr(field, "choices", ())).get(yours, yours))
        else:
            yours_text = _display(yours)
        current_text = current_values.get(name, _display(getattr(current, name)))
        if yours_text != current_text:
            rows.append({"label": field.label, "yours": yours_text, "current": current_text})
    return rows


def _render_form(request, form, *, project=None, conflicts=None, status=200):
    return render(
        request,
        "portfolio/project_form.html",
        {
            "form": form,
            "project": project,
            "conflicts": conflicts,
            "objective_groups": form.objective_groups(),
        },
        status=status,
    )


@requires(permissions.RULES, "project.create")
def project_create(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.service_data())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Project “%(project)s” created.") % {"project": project})
            return redirect("portfolio:project_detail", pk=project.pk)
    return _render_form(request, form)


@login_required
def project_edit(request, pk: int):
    project = selectors.project_get_for_user(user=request.user, pk=pk, action="change")
    if request.method != "POST":
        return _render_form(request, ProjectForm(instance=project, user=request.user), project=project)
    form = ProjectForm(request.POST, instance=project, user=request.user)
    if form.is_valid():
        try:
            services.project_update(
                actor=request.user,
                project=project,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersionError:
            current = selectors.project_get_for_user(user=request.user, pk=pk)
            conflicts = _conflicting_values(form, current)
            # Start again from what is stored now; the user's entries are listed beside it.
            return _render_form(
                request,
                ProjectForm(instance=current, user=request.user),
                project=current,
                conflicts=conflicts,
                status=409,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Project “%(project)s” saved.") % {"project": project})
            return redirect("portfolio:project_detail", pk=project.pk)
    return _render_form(request, form, project=selectors.project_get_for_user(user=request.user, pk=pk))
