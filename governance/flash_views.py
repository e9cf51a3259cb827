"""Pages of flash reports: a project's history, a report, its form, the workflow, the project office's
queue, the PDF request, and the panels other pages show (project page, project sheet).

Views validate, call one service or selector and render; rights come from governance.permissions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from governance import flash, flash_selectors, periods
from governance.models import (
    Committee,
    Dimension,
    FlashReport,
    FlashReportStatus,
    ItemKind,
    ItemStatus,
    ProjectOffice,
    Weather,
)
from governance.permissions import RULES
from portfolio.selectors import project_get_for_user
from ppm import lists
from ppm.exceptions import DomainError, DomainValidationError, StaleVersionError
from ppm.models import ReportJob
from ppm.reports import JobRequest, report_job_latest

PDF_KIND = "flash_report_pdf"
S = FlashReportStatus
ITEM_ROWS_MAX = flash.ITEMS_MAX


def _language() -> str:
    return get_language() or ""


# ------------------------------------------------------------------------------------------ panels


def project_panel_context(request, *, project, **kwargs) -> dict | None:
    """The project page's weather panel: the latest validated weather, a mini strip, the history link."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    strip = flash_selectors.weather_strip(project, limit=6)
    return {
        "flash_latest": strip[-1] if strip else None,
        "flash_strip": strip,
        "flash_can_write": RULES.allows(user, "flash_report.change", FlashReport(project=project)),
    }


def sheet_panel_context(request, *, project, **kwargs) -> dict | None:
    """The project sheet's weather block (the latest validated report)."""
    strip = flash_selectors.weather_strip(project, limit=1)
    if not strip:
        return None
    return {"flash_latest": strip[-1]}


# ------------------------------------------------------------------------------------------ history


def _strip_rows(strip: list[FlashReport]) -> list[dict]:
    rows: list[dict] = [{"label": _("Overall"), "cells": [report.weather for report in strip]}]
    for value, label in Dimension.choices:
        cells = []
        for report in strip:
            found = next((d.weather for d in report.dimensions.all() if d.dimension == value), "")
            cells.append(found)
        rows.append({"label": label, "cells": cells})
    return rows


@login_required
@require_GET
def project_reports(request, pk: int):
    project = project_get_for_user(user=request.user, pk=pk)
    if not RULES.may_on_some(request.user, "flash_report.view"):
        raise PermissionDenied(RULES.message("flash_report.view"))
    strip = flash_selectors.weather_strip(project)
    reports = flash_selectors.project_reports(project, user=request.user)
    page = lists.paginate(reports, request.GET.get("page"))
    current = flash_selectors.current_report(project)
    can_write = RULES.allows(request.user, "flash_report.change", FlashReport(project=project))
    return render(
        request,
        "governance/flash_history.html",
        {
            "project": project,
            "strip": strip,
            "strip_rows": _strip_rows(strip),
            "page_obj": page,
            "reports": page.object_list,
            "current": current,
            "can_write": can_write,
        },
    )


@login_required
@require_POST
def report_draft(request, pk: int):
    """Create (or open) the draft of the project's current period and go to its form."""
    project = project_get_for_user(user=request.user, pk=pk)
    try:
        report = flash.flash_report_draft(actor=request.user, project=project)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("governance:project_reports", pk=project.pk)
    if report.status not in flash.EDITABLE:
        return redirect("governance:report_detail", pk=report.pk)
    return redirect("governance:report_edit", pk=report.pk)


# ------------------------------------------------------------------------------------------- report


def _dimension_rows(report: FlashReport, previous: FlashReport | None) -> list[dict]:
    before = {d.dimension: d for d in previous.dimensions.all()} if previous else {}
    labels = dict(Dimension.choices)
    return [
        {
            "key": dimension.dimension,
            "label": labels[dimension.dimension],
            "weather": dimension.weather,
            "trend": dimension.trend,
            "comment": dimension.comment,
            "previous": before[dimension.dimension].weather if dimension.dimension in before else "",
        }
        for dimension in sorted(report.dimensions.all(), key=lambda d: Dimension.values.index(d.dimension))
    ]


def figure_display(kind: str, value) -> str:
    """A figure's value as the reader reads it (dates and amounts in the active language's format)."""
    from datetime import date as date_type
    from decimal import Decimal, InvalidOperation

    from django.utils import formats

    if value is None or value == "":
        return "—"
    if kind == "date":
        try:
            return formats.date_format(date_type.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    if kind in ("money", "days"):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        text = formats.number_format(
            number, 2 if kind == "money" else None, use_l10n=True, force_grouping=True
        )
        return f"{text} €" if kind == "money" else text
    return str(value)


def _figure_rows(report: FlashReport) -> list[dict]:
    rows = []
    for key in flash.FIGURES:
        figure = (report.figures or {}).get(key)
        if figure is None:
            continue
        rows.append(
            {
                "key": key,
                "label": flash.figure_label(key),
                "source": str(flash.SOURCE_LABELS.get(figure.get("source"), figure.get("source", ""))),
                "kind": figure.get("kind", ""),
                "value": figure.get("value"),
                "prefilled": figure.get("prefilled"),
                "value_display": figure_display(figure.get("kind", ""), figure.get("value")),
                "prefilled_display": figure_display(figure.get("kind", ""), figure.get("prefilled")),
                "corrected": bool(figure.get("corrected")),
                "detail": figure.get("detail") or [],
            }
        )
    return rows


def _report_context(request, report: FlashReport) -> dict:
    previous = flash.previous_validated(report)
    can_change = RULES.allows(request.user, "flash_report.change", report)
    moves = flash.report_moves(report, actor=request.user)
    job = report_job_latest(kind=PDF_KIND, instance=report, language=_language())
    return {
        "report": report,
        "project": report.project,
        "previous": previous,
        "dimensions": _dimension_rows(report, previous),
        "figures": _figure_rows(report),
        "risks": [i for i in report.items.all() if i.kind == ItemKind.RISK],
        "decisions": [i for i in report.items.all() if i.kind == ItemKind.DECISION],
        "moves": moves,
        "can_edit": can_change and report.status in flash.EDITABLE,
        "can_revise": can_change and report.status == S.VALIDATED and report.is_current,
        "status_changes": list(report.status_changes.select_related("actor").order_by("at", "pk")),
        "pdf_job": job,
        "pdf_kind": PDF_KIND,
    }


@login_required
@require_GET
def report_detail(request, pk: int):
    report = flash_selectors.flash_report_get_for_user(user=request.user, pk=pk)
    return render(request, "governance/flash_report.html", _report_context(request, report))


@login_required
@require_POST
def report_transition(request, pk: int):
    report = flash_selectors.flash_report_get_for_user(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    services = {
        "submit": lambda: flash.flash_report_submit(
            actor=request.user, report=report, expected_version=version
        ),
        "validate": lambda: flash.flash_report_validate(
            actor=request.user, report=report, expected_version=version
        ),
        "return": lambda: flash.flash_report_return(
            actor=request.user, report=report, expected_version=version, comment=comment
        ),
        "revise": lambda: flash.flash_report_revise(
            actor=request.user, report=report, expected_version=version
        ),
    }
    if action not in services:
        messages.error(request, _("Unknown action."))
        return redirect("governance:report_detail", pk=report.pk)
    try:
        result = services[action]()
    except StaleVersionError:
        messages.error(
            request, _("This report was changed by someone else in the meantime: look again, then retry.")
        )
        return redirect("governance:report_detail", pk=report.pk)
    except DomainValidationError as error:
        messages.error(
            request,
            " ".join(m for ms in error.field_errors.values() for m in ms) or str(error),
        )
        return redirect("governance:report_detail", pk=report.pk)
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("governance:report_detail", pk=report.pk)
    done = {
        "submit": _("The report was submitted to the project office."),
        "validate": _("The report was validated."),
        "return": _("The report was returned to the project manager."),
        "revise": _("A new revision of the report was opened: correct it, then submit it again."),
    }
    messages.success(request, done[action])
    if action == "revise":
        return redirect("governance:report_edit", pk=result.pk)
    return redirect("governance:report_detail", pk=result.pk)


# --------------------------------------------------------------------------------------------- edit


def _state_from_report(report: FlashReport) -> dict:
    return {
        "weather": report.weather,
        "percent_complete": "" if report.percent_complete is None else str(report.percent_complete),
        "highlights": report.highlights,
        "achievements": report.achievements,
        "next_steps": report.next_steps,
        "dimensions": {
            d.dimension: {"weather": d.weather, "comment": d.comment} for d in report.dimensions.all()
        },
        "figures": {key: figure.get("value") for key, figure in (report.figures or {}).items()},
        "items": [
            {
                "id": item.pk,
                "kind": item.kind,
                "text": item.text,
                "owner": item.owner,
                "due_date": item.due_date.isoformat() if item.due_date else "",
                "status": item.status,
                "carried": item.carried_from_id is not None,
            }
            for item in report.items.all()
        ],
    }


def _state_from_post(post, report: FlashReport) -> dict:
    items = []
    try:
        count = min(int(post.get("item-count", "0")), ITEM_ROWS_MAX + 1)
    except ValueError:
        count = 0
    carried = {item.pk for item in report.items.all() if item.carried_from_id}
    for index in range(count):
        prefix = f"item-{index}-"
        if post.get(prefix + "delete"):
            continue
        text = post.get(prefix + "text", "")
        item_id = post.get(prefix + "id", "")
        if not text.strip() and not item_id:
            continue  # an empty new row: ignored
        items.append(
            {
                "id": int(item_id) if item_id.isdigit() else None,
                "kind": post.get(prefix + "kind", ItemKind.RISK),
                "text": text,
                "owner": post.get(prefix + "owner", ""),
                "due_date": post.get(prefix + "due_date", ""),
                "status": post.get(prefix + "status", ItemStatus.OPEN),
                "carried": item_id.isdigit() and int(item_id) in carried,
            }
        )
    return {
        "weather": post.get("weather", ""),
        "percent_complete": post.get("percent_complete", ""),
        "highlights": post.get("highlights", ""),
        "achievements": post.get("achievements", ""),
        "next_steps": post.get("next_steps", ""),
        "dimensions": {
            value: {
                "weather": post.get(f"dim-{value}-weather", ""),
                "comment": post.get(f"dim-{value}-comment", ""),
            }
            for value in Dimension.values
        },
        "figures": {key: post.get(f"fig-{key}", "") for key in (report.figures or {})},
        "items": items,
    }


def _data_from_state(state: dict) -> dict:
    return {
        "weather": state["weather"],
        "percent_complete": state["percent_complete"],
        "highlights": state["highlights"],
        "achievements": state["achievements"],
        "next_steps": state["next_steps"],
        "dimensions": state["dimensions"],
        "figures": {key: {"value": value} for key, value in state["figures"].items()},
        "items": [
            {key: item[key] for key in ("id", "kind", "text", "owner", "due_date", "status")}
            for item in state["items"]
        ],
    }


def _form_context(request, report: FlashReport, state: dict, errors: dict | None = None) -> dict:
    previous = flash.previous_validated(report)
    before = {d.dimension: d.weather for d in previous.dimensions.all()} if previous else {}
    figures = []
    for row in _figure_rows(report):
        value = state["figures"].get(row["key"], row["value"])
        figures.append(
            {
                **row,
                "value": "" if value is None else value,
                "errors": (errors or {}).get(f"figures.{row['key']}", []),
            }
        )
    dimensions = [
        {
            "key": value,
            "label": label,
            "weather": state["dimensions"].get(value, {}).get("weather", ""),
            "comment": state["dimensions"].get(value, {}).get("comment", ""),
            "previous": before.get(value, ""),
            "previous_label": Weather(before[value]).label if before.get(value) else "",
            "errors": [
                m for key, ms in (errors or {}).items() if key.startswith(f"dimensions.{value}") for m in ms
            ],
        }
        for value, label in Dimension.choices
    ]
    items = [{**item, "index": index} for index, item in enumerate(state["items"])]
    return {
        "report": report,
        "project": report.project,
        "state": state,
        "dimensions": dimensions,
        "figures": figures,
        "items": items,
        "item_count": len(items),
        "weathers": Weather.choices,
        "item_kinds": ItemKind.choices,
        "item_statuses": ItemStatus.choices,
        "errors": errors or {},
        "previous": previous,
        "previous_weather": previous.weather if previous else "",
        "previous_weather_label": previous.get_weather_display() if previous else "",
    }


def _editable_report(request, pk) -> FlashReport:
    report = flash_selectors.flash_report_get_for_user(user=request.user, pk=pk, action="flash_report.change")
    return report


@login_required
def report_edit(request, pk: int):
    report = _editable_report(request, pk)
    if report.status not in flash.EDITABLE:
        messages.info(request, _("This report is no longer a draft: it cannot be edited."))
        return redirect("governance:report_detail", pk=report.pk)
    if request.method != "POST":
        return render(
            request, "governance/flash_edit.html", _form_context(request, report, _state_from_report(report))
        )
    state = _state_from_post(request.POST, report)
    if "add_item" in request.POST:
        state["items"].append(
            {"id": None, "kind": ItemKind.RISK, "text": "", "owner": "", "due_date": "", "status": "open"}
        )
        return render(request, "governance/flash_edit.html", _form_context(request, report, state))
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        report = flash.flash_report_update(
            actor=request.user, report=report, expected_version=version, data=_data_from_state(state)
        )
    except StaleVersionError:
        context = _form_context(request, report, state)
        context["conflict"] = True
        return render(request, "governance/flash_edit.html", context, status=409)
    except DomainValidationError as error:
        fields = error.field_errors
        return render(
            request, "governance/flash_edit.html", _form_context(request, report, state, fields), status=400
        )
    if request.POST.get("then") == "submit":
        try:
            flash.flash_report_submit(actor=request.user, report=report, expected_version=report.version)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("governance:report_edit", pk=report.pk)
        messages.success(request, _("The report was submitted to the project office."))
        return redirect("governance:report_detail", pk=report.pk)
    messages.success(request, _("The report was saved."))
    return redirect("governance:report_detail", pk=report.pk)


@login_required
@require_GET
def report_item_row(request, pk: int):
    """An empty item row for the form (htmx "Add a row")."""
    report = _editable_report(request, pk)
    try:
        index = min(max(int(request.GET.get("index", "0")), 0), ITEM_ROWS_MAX)
    except ValueError:
        index = 0
    item = {
        "id": None,
        "kind": request.GET.get("kind", ItemKind.RISK),
        "text": "",
        "owner": "",
        "due_date": "",
        "status": "open",
        "index": index,
    }
    return render(
        request,
        "governance/partials/flash_item_row.html",
        {"item": item, "report": report, "item_kinds": ItemKind.choices, "item_statuses": ItemStatus.choices},
    )


# -------------------------------------------------------------------------------------------- queue


@login_required
@require_GET
def report_queue(request):
    RULES.check(request.user, "flash_report.validate")

    def _int(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    status = request.GET.get("status", "")
    office, committee = _int("project_office"), _int("committee")
    queue = flash_selectors.queue(status=status, project_office=office, committee=committee)
    missing = [
        (project, period)
        for project, period in flash.missing_reports(timezone.localdate())
        if (
            office is None
            or getattr(getattr(project, "governance", None), "project_office_id", None) == office
        )
    ]
    if committee is not None:
        missing = [
            (project, period)
            for project, period in missing
            if getattr(getattr(project, "governance", None), "committee_id", None) == committee
        ]
    page = lists.paginate(queue, request.GET.get("page"))
    return render(
        request,
        "governance/flash_queue.html",
        {
            "page_obj": page,
            "reports": page.object_list,
            "missing": missing[:200],
            "missing_count": len(missing),
            "offices": ProjectOffice.objects.all(),
            "committees": Committee.objects.all(),
            "statuses": [
                (S.SUBMITTED, S.SUBMITTED.label),
                (S.RETURNED, S.RETURNED.label),
                (S.DRAFT, S.DRAFT.label),
            ],
            "filters": {"status": status, "project_office": office, "committee": committee},
        },
    )


# ---------------------------------------------------------------------------------------------- PDF


def _viewable_report(user, pk) -> FlashReport:
    return flash_selectors.flash_report_get_for_user(user=user, pk=pk)


def pdf_job_can_view(user, job: ReportJob) -> bool:
    try:
        _viewable_report(user, job.object_id)
    except (Http404, PermissionDenied):
        return False
    return True


def pdf_job_prepare(request) -> JobRequest:
    """POST ``object`` = the report id; the PDF is written in the requester's language."""
    try:
        pk = int(request.POST.get("object", ""))
    except ValueError:
        raise Http404(_("No such flash report.")) from None
    report = _viewable_report(request.user, pk)
    if report.pk is None:
        raise ValidationError(_("No such flash report."))
    return JobRequest(params={"language": _language()}, instance=report, version=report.version)


__all__ = ["PDF_KIND", "periods"]
