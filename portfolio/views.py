"""Server-rendered portfolio pages: dashboard, project list and exports, project page, forms.

Views validate input, call one service or selector, and render. Reads come from
portfolio.selectors, writes go through portfolio.services, rights from portfolio.permissions.
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import MONTHS, MONTHS_AP, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portfolio import exports, permissions, selectors, services, sheet_views
from portfolio.filters import ProjectFilterSet
from portfolio.forms import ProjectForm, TransitionForm
from portfolio.models import Priority
from portfolio.rules import ProjectStatus, TransitionError
from ppm.audit import audit_entries_for
from ppm.permissions import requires

PAGE_SIZE = 25
AUDIT_ENTRIES_SHOWN = 100

# One colour per status, shared by the badges (CSS classes) and the charts. Every colour carries
# white text at a contrast ratio of at least 4.5:1, and a status is always written too.
STATUS_COLOURS = {
    ProjectStatus.DEMAND: "#5a6570",
    ProjectStatus.FRAMING: "#6a4fb3",
    ProjectStatus.APPROVED: "#0b6e99",
    ProjectStatus.IN_PROGRESS: "#1d7a3b",
    ProjectStatus.ON_HOLD: "#a35200",
    ProjectStatus.CLOSED: "#2b3a67",
    ProjectStatus.CANCELLED: "#a4262c",
}

# (ordering parameter, column label); the values are the ProjectFilterSet ordering names.
SORTABLE_COLUMNS = (
    ("code", gettext_lazy("Code")),
    ("name", gettext_lazy("Name")),
    ("status", gettext_lazy("Status")),
    ("directorate", gettext_lazy("Directorate")),
    ("planned_start", gettext_lazy("Planned start")),
    ("planned_end", gettext_lazy("Planned end")),
    ("priority", gettext_lazy("Priority")),
)


def _vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same URL answers a full page or a fragment: caches must keep them apart.
    response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "HX-Request"]))
    return response


# --- Dashboard ----------------------------------------------------------------------------


def _dashboard_charts(data: dict) -> dict:
    """Plain JSON for static/js/dashboard.js (labels already translated)."""
    labels = data["status_labels"]
    counts = data["counts"]["by_status"]
    statuses = [
        {"key": key, "label": str(labels[key]), "count": counts.get(key, 0), "colour": STATUS_COLOURS[key]}
        for key in ProjectStatus.values
    ]
    objectives = [
        {
            "axis": str(objective.axis),
            "code": objective.code,
            "name": objective.name,
            "count": objective.n_projects,
            "active": objective.n_active,
        }
        for objective in data["objectives"]
    ]
    directorates = [{"name": d.name, "count": d.n_projects} for d in data["directorates"]]
    # One reverse() for the whole roadmap, not one per project (it can hold a thousand rows).
    sentinel = 987654321
    detail_url = reverse("portfolio:project_detail", args=[sentinel]).replace(str(sentinel), "{}")
    roadmap = [
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
        for row in data["roadmap"]
    ]
    days = [snapshot["day"] for snapshot in data["trend"]]
    trend = [
        {
            "key": status["key"],
            "label": status["label"],
            "colour": status["colour"],
            "values": [snapshot["by_status"].get(status["key"], 0) for snapshot in data["trend"]],
        }
        for status in statuses
    ]
    return {
        "statuses": statuses,
        "objectives": objectives,
        "directorates": directorates,
        "roadmap": roadmap,
        "trend": {"days": days, "series": trend},
        "today": timezone.localdate(),
        "locale": _chart_locale(),
        "text": {
            "projects": _("Projects"),
            "today": _("Today"),
            "activeProjects": _("Approved or in progress"),
            "from": _("from"),
            "to": _("to"),
        },
    }


# Django date-format characters and their d3-time-format (Plotly) equivalents.
D3_DATE_CODES = {
    "d": "%d",
    "j": "%-d",
    "m": "%m",
    "n": "%-m",
    "y": "%y",
    "Y": "%Y",
    "b": "%b",
    "M": "%b",
    "N": "%b",
    "F": "%B",
    "D": "%a",
    "l": "%A",
}


def _d3_date_format(django_format: str, *, short_month: bool = False) -> str:
    """A Django date format ("j F Y") as a d3 one ("%-d %B %Y"): the locale's own order."""
    result = "".join(D3_DATE_CODES.get(char, char) for char in django_format.replace("\\", ""))
    return result.replace("%B", "%b") if short_month else result


def _chart_locale() -> dict:
    """Plotly's locale for the active language: month and day names and number separators from
    Django's translations, so the charts' date axes read in the user's language."""
    weekdays = [str(WEEKDAYS[(index + 6) % 7]) for index in range(7)]  # Plotly starts on Sunday
    weekdays_abbr = [str(WEEKDAYS_ABBR[(index + 6) % 7]) for index in range(7)]
    return {
        # Not "en": registering over Plotly's base locale would replace its defaults.
        "name": f"pilotis-{(get_language() or 'en').lower()}",
        "format": {
            "days": weekdays,
            "shortDays": weekdays_abbr,
            "months": [str(MONTHS[number]) for number in range(1, 13)],
            # Associated-Press abbreviations ("janv.", "juil.", "Sept."): unambiguous in French too.
            "shortMonths": [str(MONTHS_AP[number]) for number in range(1, 13)],
            "decimal": formats.get_format("DECIMAL_SEPARATOR"),
            "thousands": formats.get_format("THOUSAND_SEPARATOR"),
            "date": _d3_date_format(formats.get_format("SHORT_DATE_FORMAT")),
            "dayMonth": _d3_date_format(formats.get_format("MONTH_DAY_FORMAT"), short_month=True),
            "dayMonthYear": _d3_date_format(formats.get_format("DATE_FORMAT"), short_month=True),
            "month": _d3_date_format(formats.get_format("YEAR_MONTH_FORMAT"), short_month=True),
            "year": "%Y",
            "time": "%H:%M:%S",
            "dateTime": "%x %X",
            "periods": ["AM", "PM"],
            "grouping": [3],
            "currency": ["", " €"],
        },
        "dictionary": {
            "Download plot as a PNG": _("Download the chart as a PNG image"),
            "Download plot": _("Download the chart"),
        },
    }


@login_required
def dashboard(request):
    data = selectors.dashboard_data()
    charts = _dashboard_charts(data)
    by_status = data["counts"]["by_status"]
    kpis = [
        {"label": _("Projects in the portfolio"), "value": data["counts"]["total"], "status": None},
        {
            "label": _("In progress"),
            "value": by_status.get(ProjectStatus.IN_PROGRESS, 0),
            "status": ProjectStatus.IN_PROGRESS,
        },
        {
            "label": _("Approved, not started"),
            "value": by_status.get(ProjectStatus.APPROVED, 0),
            "status": ProjectStatus.APPROVED,
        },
        {
            "label": pgettext("dashboard tile: number of projects", "On hold"),
            "value": by_status.get(ProjectStatus.ON_HOLD, 0),
            "status": ProjectStatus.ON_HOLD,
        },
        {
            "label": _("Demands to examine"),
            "value": by_status.get(ProjectStatus.DEMAND, 0),
            "status": ProjectStatus.DEMAND,
        },
    ]
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
            "charts": charts,
            "data": data,
            "trend_rows": trend_rows,
            "can_create": permissions.can_create_project(request.user),
        },
    )


# --- Project list and exports -------------------------------------------------------------


def _filterset(request) -> ProjectFilterSet:
    return ProjectFilterSet(request.GET, queryset=selectors.project_visible_to(request.user), request=request)


def _sort_columns(ordering: str) -> list[dict]:
    current = (ordering or "code").split(",")[0].strip()
    columns = []
    for key, label in SORTABLE_COLUMNS:
        if current == key:
            direction, next_ordering = "ascending", f"-{key}"
        elif current == f"-{key}":
            direction, next_ordering = "descending", key
        else:
            direction, next_ordering = "", key
        columns.append({"key": key, "label": label, "direction": direction, "next": next_ordering})
    return columns


def _tune_filter_form(form) -> None:
    """Page-only presentation of the shared FilterSet: status as checkboxes, "Any" as empty choice,
    reference options from one query."""
    status = form.fields["status"]
    status.widget = forms.CheckboxSelectMultiple(choices=status.choices)
    # Only the widgets' options change (validation still uses the FilterSet's querysets).
    for name, options in selectors.project_filter_choices().items():
        form.fields[name].widget.choices = [("", _("Any")), *options]
    form.fields["priority"].widget.choices = [("", _("Any")), *Priority.choices]


@login_required
def project_list(request):
    filterset = _filterset(request)
    _tune_filter_form(filterset.form)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "filter_form": filterset.form,
        "page_obj": page,
        "projects": page.object_list,
        "columns": _sort_columns(request.GET.get("ordering", "")),
        "status_colours": STATUS_COLOURS,
        "can_create": permissions.can_create_project(request.user),
        "is_filtered": any(
            value
            for key, values in request.GET.lists()
            if key not in ("page", "ordering")
            for value in values
        ),
    }
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == "project-results":
        return _vary_on_htmx(render(request, "portfolio/partials/project_table.html", context))
    return _vary_on_htmx(render(request, "portfolio/project_list.html", context))


@login_required
def project_export(request, fmt: str):
    """The filtered, sorted list (every page) as CSV or XLSX; any other format is a 404."""
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Unknown export format."))
    projects = _filterset(request).qs
    if fmt == "csv":
        delimiter = exports.DELIMITERS.get(request.GET.get("delimiter", ""), ",")
        response = HttpResponse(
            exports.projects_csv(projects, delimiter=delimiter), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.projects_xlsx(projects),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
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
    project = selectors.project_detail_get(user=request.user, pk=pk)
    can_transition = permissions.can_transition_project(request.user, project)
    audit = list(audit_entries_for(project)[: AUDIT_ENTRIES_SHOWN + 1])
    context = {
        "project": project,
        "status_colours": STATUS_COLOURS,
        "objective_groups": _objective_groups(project),
        "status_changes": list(reversed(project.status_changes.all())),
        "audit_entries": audit[:AUDIT_ENTRIES_SHOWN],
        "audit_truncated": len(audit) > AUDIT_ENTRIES_SHOWN,
        "can_edit": permissions.can_edit_project(request.user, project),
        "transitions": selectors.project_transitions_for(project) if can_transition else [],
        **sheet_views.sheet_context(project),
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
    except TransitionError as error:
        messages.error(request, str(error))
    except services.ConflictError:
        messages.error(
            request,
            _(
                "This project was changed by someone else meanwhile. The page now shows its current "
                "state: check it, then try again."
            ),
        )
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
            yours_text = str(dict(field.choices).get(yours, yours))
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
        except services.ConflictError:
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
