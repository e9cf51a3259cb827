"""Timesheet pages: my week, the approvals queue, the team view, a week's read view, export and import.

Views validate, call one service or selector and render; htmx requests get the partial they swap."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ppm import exports
from ppm.exceptions import DomainError, DomainValidationError, StaleVersionError
from ppm.lists import url_pattern
from ppm.report_views import import_page
from resources import timesheet_selectors as selectors
from resources import timesheets as services
from resources.models import Resource, Timesheet, TimesheetStatus
from resources.permissions import RULES
from resources.timesheet_imports import COLUMNS, IMPORT_KIND

STATUS_TONES = {
    TimesheetStatus.DRAFT: "neutral",
    TimesheetStatus.SUBMITTED: "info",
    TimesheetStatus.APPROVED: "success",
    TimesheetStatus.REJECTED: "danger",
    "missing": "warning",
}


def _login(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _week_param(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        day = timezone.localdate()
    return services.week_start(day)


def _own_resource(user) -> Resource | None:
    return Resource.objects.filter(user=user, kind="person").select_related("team").first()


# ------------------------------------------------------------------------------------------ my week


def _rows_from_post(post) -> list[dict]:
    """The grid's inputs (row-<i>-project/-task/-activity/-<YYYY-MM-DD>) as the service's rows."""
    try:
        count = min(int(post.get("rows", "0")), services.MAX_ROWS + 1)
    except ValueError:
        count = 0
    remove = post.get("remove")
    rows = []
    for index in range(count):
        if remove is not None and remove == str(index):
            continue
        prefix = f"row-{index}-"
        row: dict[str, Any] = {
            "project": post.get(prefix + "project") or None,
            "task": post.get(prefix + "task") or None,
            "activity": post.get(prefix + "activity") or None,
            "days": {},
        }
        for key, value in post.items():
            if key.startswith(prefix) and key[len(prefix) :][:2] == "20" and value.strip():
                row["days"][key[len(prefix) :]] = value
        rows.append(row)
    added = post.get("add", "")
    if post.get("action") == "add" and ":" in added:
        kind, _sep, pk = added.partition(":")
        if kind == "t":
            task = _task_project(pk)
            if task is not None:
                rows.append({"project": task, "task": pk, "activity": None, "days": {}})
        elif kind in ("p", "a"):
            rows.append(
                {
                    "project": pk if kind == "p" else None,
                    "task": None,
                    "activity": pk if kind == "a" else None,
                    "days": {},
                }
            )
    return rows


def _task_project(pk: str):
    from portfolio.scheduling.models import Task

    try:
        return Task.objects.filter(pk=int(pk)).values_list("project_id", flat=True).first()
    except ValueError:
        return None


def _week_context(
    request, *, resource: Resource, timesheet: Timesheet, errors=None, warnings=None, typed=None
) -> dict:
    grid = selectors.week_grid(timesheet, typed=typed)
    editable = timesheet.status in services.EDITABLE and RULES.allows(
        request.user, "timesheet.change", timesheet
    )
    return {
        "resource": resource,
        "timesheet": timesheet,
        "grid": grid,
        "editable": editable,
        "errors": errors or {},
        "warnings": warnings or [],
        "typed": typed,
        "unit": services.unit(),
        "decimal_separator": formats.get_format("DECIMAL_SEPARATOR"),  # of the live totals (JS)
        "step": "0.25" if services.unit() == "hours" else str(services.day_step()),
        "max_value": str(services.hours_per_day()) if services.unit() == "hours" else "1",
        "previous_week": timesheet.week - timedelta(weeks=1),
        "next_week": timesheet.week + timedelta(weeks=1),
        "this_week": services.week_start(timezone.localdate()),
        "tone": STATUS_TONES.get(timesheet.status, "neutral"),
        "returned_reason": selectors.last_status_comment(timesheet)
        if timesheet.pk and timesheet.status == TimesheetStatus.REJECTED
        else "",
        "picker": selectors.bookable_rows_for(resource, timesheet.week) if editable else None,
    }


@_login
@never_cache
@require_http_methods(["GET", "POST"])
def timesheet_week(request):
    """GET: the signed-in person's week (?week=YYYY-MM-DD, any day of it). POST: save, add or remove a
    row, copy last week, submit (htmx: the grid alone)."""
    resource = _own_resource(request.user)
    week = _week_param(request.GET.get("week") or request.POST.get("week"))
    if resource is None:
        return render(request, "resources/timesheets_week.html", {"resource": None, "no_resource": True})
    timesheet = (
        Timesheet.objects.filter(resource=resource, week=week).select_related("resource__team").first()
    )
    timesheet = timesheet or Timesheet(resource=resource, week=week)
    if timesheet.pk:
        RULES.check(request.user, "timesheet.view", timesheet)
    status = 200
    context_extra: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        rows = _rows_from_post(request.POST)
        try:
            version = int(request.POST.get("version") or 0)
        except ValueError:
            version = 0
        try:
            with transaction.atomic():
                created = timesheet.pk is None
                timesheet = services.timesheet_get_or_create(actor=request.user, resource=resource, week=week)
                expected = timesheet.version if created and version == 0 else version
                if action == "copy":
                    result = services.timesheet_copy_last_week(
                        actor=request.user, timesheet=timesheet, expected_version=expected
                    )
                else:
                    result = services.timesheet_save(
                        actor=request.user, timesheet=timesheet, expected_version=expected, rows=rows
                    )
                timesheet = result.timesheet
                if action == "submit":
                    timesheet = services.timesheet_submit(
                        actor=request.user, timesheet=timesheet, expected_version=timesheet.version
                    )
            context_extra["warnings"] = result.warnings
            context_extra["saved"] = {
                "submit": _("Week submitted for approval."),
                "copy": _("Last week copied."),
            }.get(action, _("Saved."))
        except StaleVersionError as error:
            status = 409
            context_extra["conflict"] = str(error)
            timesheet = Timesheet.objects.get(resource=resource, week=week)
        except DomainValidationError as error:
            status = 400
            context_extra["errors"] = error.field_errors
            context_extra["error"] = error.text
            context_extra["typed"] = rows
            timesheet = Timesheet.objects.filter(resource=resource, week=week).first() or Timesheet(
                resource=resource, week=week
            )
        except DomainError as error:
            status = error.status
            context_extra["error"] = str(error)
            timesheet = Timesheet.objects.filter(resource=resource, week=week).first() or timesheet
        except PermissionDenied as error:
            raise error
        if status == 200 and not request.htmx:
            messages.success(request, context_extra["saved"])
            for warning in context_extra.get("warnings", []):
                messages.warning(request, warning)
            return redirect(f"{reverse('resources:timesheet_week')}?week={week.isoformat()}")
    context = _week_context(
        request,
        resource=resource,
        timesheet=timesheet,
        errors=context_extra.get("errors"),
        warnings=context_extra.get("warnings"),
        typed=context_extra.get("typed"),
    )
    context.update(context_extra)
    template = (
        "resources/partials/timesheets_week_grid.html" if request.htmx else "resources/timesheets_week.html"
    )
    return render(request, template, context, status=status)


# ------------------------------------------------------------------------------------------ read view


@_login
@never_cache
def timesheet_detail(request, pk: int):
    """A week, read only (the person, their approver, the managers of its projects, the project office);
    its approver reopens an approved week for correction here."""
    timesheet = selectors.timesheet_get_for_user(user=request.user, pk=pk)
    grid = selectors.week_grid(timesheet)
    return render(
        request,
        "resources/timesheets_detail.html",
        {
            "timesheet": timesheet,
            "resource": timesheet.resource,
            "grid": grid,
            "tone": STATUS_TONES.get(timesheet.status, "neutral"),
            "can_approve": timesheet.status == TimesheetStatus.SUBMITTED
            and RULES.allows(request.user, "timesheet.approve", timesheet),
            "can_reopen": timesheet.status == TimesheetStatus.APPROVED
            and RULES.allows(request.user, "timesheet.approve", timesheet),
            "history": timesheet.status_changes.select_related("actor").order_by("at", "pk"),
            "returned_reason": selectors.last_status_comment(timesheet)
            if timesheet.status == TimesheetStatus.REJECTED
            else "",
            "unit": services.unit(),
        },
    )


def _version(request) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _after_decision(request, fallback: str):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


@_login
@require_POST
def timesheet_decide(request, pk: int):
    """The person's approver approves or returns every waiting line of the week (return: a reason)."""
    timesheet = selectors.timesheet_get_for_user(user=request.user, pk=pk, action="timesheet.approve")
    approve = request.POST.get("decision") == "approve"
    try:
        services.timesheet_decide_all(
            actor=request.user,
            timesheet=timesheet,
            approve=approve,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
    except DomainError as error:
        return _decision_error(request, error)
    return _decision_done(request, _("Week approved.") if approve else _("Week returned to the person."))


@_login
@require_POST
def timesheet_reopen(request, pk: int):
    """Reopen an approved week for correction (its approver, with a reason)."""
    timesheet = selectors.timesheet_get_for_user(user=request.user, pk=pk, action="timesheet.approve")
    try:
        services.timesheet_reopen(
            actor=request.user,
            timesheet=timesheet,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
    except DomainError as error:
        messages.error(request, str(getattr(error, "text", error)))
        return redirect("resources:timesheet_detail", pk=pk)
    messages.success(request, _("Week reopened: the person can correct it."))
    return redirect("resources:timesheet_detail", pk=pk)


@_login
@require_POST
def timesheet_line_decide(request, pk: int):
    """Approve or return one line (its project's manager or the week's approver)."""
    line = selectors.line_get_for_user(user=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.timesheet_line_decide(
            actor=request.user,
            line=line,
            approve=approve,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
    except DomainError as error:
        return _decision_error(request, error)
    return _decision_done(request, _("Line approved.") if approve else _("Line returned."))


def _decision_done(request, message: str):
    if request.htmx:
        return _approvals_partial(request, notice=message)
    messages.success(request, message)
    return _after_decision(request, reverse("resources:timesheet_approvals"))


def _decision_error(request, error: DomainError):
    text = str(getattr(error, "text", error))
    if isinstance(error, DomainValidationError) and error.field_errors:
        text = "; ".join(m for messages_ in error.field_errors.values() for m in messages_)
    if request.htmx:
        return _approvals_partial(request, error=text, status=error.status)
    messages.error(request, text)
    return _after_decision(request, reverse("resources:timesheet_approvals"))


# ------------------------------------------------------------------------------------------ approvals


def _approvals_partial(request, *, notice="", error="", status=200):
    return render(
        request,
        "resources/partials/timesheets_approvals_list.html",
        {
            "queue": selectors.approvals_queue(request.user),
            "notice": notice,
            "error": error,
            "unit": services.unit(),
        },
        status=status,
    )


@_login
@never_cache
def timesheet_approvals(request):
    """Weeks and lines waiting for the signed-in user's decision, grouped by week and person (oldest
    first, 20 weeks a page: ?page=)."""
    page = _page(request)
    count = selectors.approvals_queue_count(request.user)
    return render(
        request,
        "resources/timesheets_approvals.html",
        {
            "queue": selectors.approvals_queue(request.user, page=page),
            "count": count,
            "page": page,
            "has_next": page * selectors.QUEUE_PAGE < count,
            "unit": services.unit(),
        },
    )


def _page(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 10_000))
    except ValueError:
        return 1


@_login
@never_cache
def timesheet_team(request):
    """The people the user approves × recent weeks: status, total, missing weeks."""
    try:
        weeks = max(4, min(int(request.GET.get("weeks", 8)), 26))
    except ValueError:
        weeks = 8
    if not RULES.may_on_some(request.user, "timesheet.approve"):
        raise PermissionDenied(RULES.message("timesheet.approve"))
    view = selectors.team_view(
        request.user,
        page=_page(request),
        weeks=weeks,
        today=_week_param(request.GET.get("week")) if request.GET.get("week") else timezone.localdate(),
    )
    context = {"view": view, "weeks": weeks, "tones": STATUS_TONES, "rows_html": team_rows_html(view["rows"])}
    return render(request, "resources/timesheets_team.html", context)


_TEAM_TONES = {"approved": "success", "submitted": "info", "rejected": "danger"}


def team_rows_html(rows: list[dict]) -> SafeString:
    """The team view's rows (a person × 8 to 26 weeks), written in Python: through the template engine
    the 400 cells of a page of 50 people were most of the page's time. Every user text is escaped."""
    detail_url = url_pattern("resources:timesheet_detail")
    missing = '<span class="badge badge--warning">' + escape(_("Missing")) + "</span>"
    parts = []
    for row in rows:
        resource = row["resource"]
        team = f'<br><span class="muted">{escape(resource.team.name)}</span>' if resource.team_id else ""
        cells = []
        for cell in row["cells"]:
            if cell["pk"]:
                tone = _TEAM_TONES.get(cell["status"], "neutral")
                content = (
                    f'<a href="{detail_url.format(int(cell["pk"]))}" class="badge badge--{tone}">'
                    f"{escape(str(cell['label']))}</a><br>"
                    f'<span class="muted">{escape(str(cell["total"]))}</span>'
                )
            elif cell["past"]:
                content = missing
            else:
                content = '<span class="muted">—</span>'
            cells.append(f'<td class="ts-team__cell">{content}</td>')
        parts.append(
            f'<tr><th scope="row">{escape(resource.name)}{team}</th>\n'
            + "\n".join(cells)
            + f'\n<td class="ts-num">{int(row["missing"])}</td></tr>'
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every user text above is escaped


# ------------------------------------------------------------------------------------------ export


class ExportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)
    person = forms.ModelChoiceField(
        queryset=Resource.objects.filter(kind="person"), required=False, label=gettext_lazy("Person")
    )
    project = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Project"))
    status = forms.ChoiceField(
        choices=[("", "")] + list(TimesheetStatus.choices), required=False, label=gettext_lazy("Status")
    )
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")], required=False)


def export_columns():
    return [
        exports.Column(_("Person"), "line.timesheet.resource.name", width=28),
        exports.Column(_("E-mail"), "line.timesheet.resource.email", width=28),
        exports.Column(_("Week"), "line.timesheet.week", width=12),
        exports.Column(_("Date"), "day", width=12),
        exports.Column(
            _("Project code"), lambda e: e.line.project.code if e.line.project_id else "", width=14
        ),
        exports.Column(_("Project"), lambda e: e.line.project.name if e.line.project_id else "", width=30),
        exports.Column(_("Task"), lambda e: e.line.task.name if e.line.task_id else "", width=24),
        exports.Column(
            _("Activity code"), lambda e: e.line.activity.code if e.line.activity_id else "", width=14
        ),
        exports.Column(_("Days"), "days", width=8),
        exports.Column(_("Hours"), lambda e: e.days * services.hours_per_day(), width=8),
        exports.Column(_("Week status"), lambda e: e.line.timesheet.get_status_display(), width=12),
        exports.Column(_("Line approval"), lambda e: e.line.get_approval_display(), width=12),
        exports.Column(_("Note"), "note", width=30),
    ]


@_login
@never_cache
def timesheet_export(request):
    """Time entries the user may see, over a date range (default: the last 4 weeks), as CSV or XLSX."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(str(form.errors.as_text()), status=400, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    today = timezone.localdate()
    end = data["end"] or today
    start = data["start"] or services.week_start(today) - timedelta(weeks=4)
    if end < start or (end - start).days > 400:
        return HttpResponse(
            _("Choose a range of at most 400 days."), status=400, content_type="text/plain; charset=utf-8"
        )
    entries = selectors.entry_list(
        request.user,
        start=start,
        end=end,
        resource=data["person"],
        project=data["project"],
        status=data["status"] or None,
    )
    columns = export_columns()
    if data["format"] == "xlsx":
        body = exports.write_xlsx(columns, entries.iterator(chunk_size=2000), title=_("Time"))
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        extension = "xlsx"
    else:
        body = exports.write_csv(columns, entries.iterator(chunk_size=2000))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        extension = "csv"
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename("pilotis-time", extension)}"'
    )
    return response


# ------------------------------------------------------------------------------------------ import


@_login
@never_cache
@require_http_methods(["GET", "POST"])
def timesheet_import(request):
    """GET: the upload form and the latest import. POST: queue the file (project office)."""
    RULES.check(request.user, "resource.change")
    return import_page(
        request,
        kind=IMPORT_KIND,
        template="resources/timesheets_import.html",
        url_name="resources:timesheet_import",
        columns=COLUMNS,
    )


# ------------------------------------------------------------------------------------------ slots


def project_panel_context(request, project=None, **kwargs):
    """The project page's "Planned vs actual" panel (families × last 6 months and to date)."""
    if project is None or not RULES.allows(request.user, "allocation.view"):
        return None
    table = selectors.planned_vs_actual(project, today=timezone.localdate())
    if not table["rows"]:
        return None
    return {"pva": table}
