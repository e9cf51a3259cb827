"""Flash reports (« météo projet »): the prefilled draft, edits, the workflow and revisions.

Rules decided here
------------------
* One report per project and period (`is_current`); a draft is created for the project's current period
  (`flash_report_draft`), prefilled from the data (governance.sources): figures, the percent complete
  rolled up from the schedule, a *suggested* weather per dimension (schedule from the slippage, budget
  from the forecast against the voted budget, resources from the time spent against the plan, risks
  from the open alerts; scope keeps the previous report's) and the previous report's open items, carried
  over (`carried_from`). Every suggestion is the author's to change.
* A figure keeps its prefilled value: a correction sets `value` and `corrected`, never `prefilled`.
* Lifecycle (ppm.lifecycle): draft/returned —submit→ submitted —validate→ validated, or —return (with a
  comment)→ returned. Submitting needs the overall weather, every dimension's weather, and a comment on
  every dimension that is rainy or stormy, or worse than in the previous validated report. A submitted
  report is locked; a validated one is corrected by a *revision* (`flash_report_revise`): a new draft
  copying it (revision + 1), which becomes the current report; the previous one is kept as it was.
* Trends compare each weather with the previous *validated* report of an earlier period (better, same,
  worse, or "first report"); they are recomputed on each edit and transition.
* Rights: governance.permissions (`flash_report.change` to write and submit, `flash_report.validate` to
  validate or return). Every write locks the report (`expected_version`) and is audited with the project
  as the parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import periods, sources
from governance.models import (
    WEATHER_RANK,
    Dimension,
    FlashReport,
    FlashReportDimension,
    FlashReportItem,
    FlashReportStatus,
    FlashReportStatusChange,
    ItemKind,
    ItemStatus,
    ReportingPeriod,
    Trend,
    Weather,
)
from governance.permissions import RULES
from ppm.audit import audit_record, audited
from ppm.exceptions import DomainValidationError, IllegalTransitionError
from ppm.lifecycle import Machine, Transition, available, resolve
from ppm.models import AuditEntry
from ppm.versioning import lock_for_update, save_versioned

S = FlashReportStatus
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
BAD_WEATHER = frozenset({Weather.RAINY, Weather.STORMY})
TEXT_FIELDS = ("highlights", "achievements", "next_steps")
TEXT_MAX = 5000
ITEMS_MAX = 50

# ---------------------------------------------------------------------------------------- figures

# key: (label, source, kind); kind tells how a correction is read: count, days, date, money.
FIGURES: dict[str, tuple[Any, str, str]] = {
    "milestones_reached": (gettext_lazy("Milestones reached in the period"), "schedule", "count"),
    "milestones_missed": (gettext_lazy("Milestones missed"), "schedule", "count"),
    "milestones_due_next": (gettext_lazy("Milestones due next period"), "schedule", "count"),
    "forecast_finish": (gettext_lazy("Forecast finish"), "schedule", "date"),
    "slippage_days": (gettext_lazy("Slippage (working days)"), "schedule", "days"),
    "budget_planned": (gettext_lazy("Budget voted for the year"), "budget", "money"),
    "budget_committed": (gettext_lazy("Committed"), "budget", "money"),
    "budget_paid": (gettext_lazy("Paid"), "budget", "money"),
    "budget_forecast": (gettext_lazy("Forecast for the year"), "budget", "money"),
    "workload_planned": (gettext_lazy("Days planned to date"), "workload", "days"),
    "workload_actual": (gettext_lazy("Days spent to date (approved)"), "workload", "days"),
    "open_alerts": (gettext_lazy("Open alerts"), "alerts", "count"),
}

SOURCE_LABELS = {
    "schedule": gettext_lazy("schedule"),
    "budget": gettext_lazy("budget"),
    "workload": gettext_lazy("workload plan and timesheets"),
    "alerts": gettext_lazy("alerts"),
}


def figure_label(key: str) -> str:
    entry = FIGURES.get(key)
    return str(entry[0]) if entry else key


def _figure(key: str, value, detail: list | None = None) -> dict:
    label, source, kind = FIGURES[key]
    figure = {
        "label": str(label),
        "value": value,
        "prefilled": value,
        "source": source,
        "kind": kind,
        "corrected": False,
    }
    if detail:
        figure["detail"] = detail
    return figure


def prefill(project, period: ReportingPeriod, *, today: date | None = None) -> dict[str, Any]:
    """Figures and percent complete for `project` and `period` from every source that has data."""
    today = today or timezone.localdate()
    as_of = min(today, period.end)
    figures: dict[str, dict] = {}
    percent = None
    raw: dict[str, Any] = {}
    schedule = sources.schedule(project, period)
    if schedule is not None:
        raw["schedule"] = schedule
        for key in ("milestones_reached", "milestones_missed", "milestones_due_next"):
            figures[key] = _figure(key, len(schedule[key]), schedule[key])
        if schedule["forecast_finish"]:
            figures["forecast_finish"] = _figure("forecast_finish", schedule["forecast_finish"])
        if schedule["slippage_days"] is not None:
            figures["slippage_days"] = _figure("slippage_days", schedule["slippage_days"])
        percent = schedule["percent_complete"]
    budget = sources.budget(project, period.end.year)
    if budget is not None:
        raw["budget"] = budget
        for key in ("planned", "committed", "paid", "forecast"):
            figures[f"budget_{key}"] = _figure(f"budget_{key}", budget[key])
    workload = sources.workload(project, as_of)
    if workload is not None:
        raw["workload"] = workload
        figures["workload_planned"] = _figure("workload_planned", workload["planned"])
        figures["workload_actual"] = _figure("workload_actual", workload["actual"])
    alerts = sources.alerts(project)
    if alerts is not None:
        raw["alerts"] = alerts
        figures["open_alerts"] = _figure("open_alerts", alerts["open"], alerts["messages"])
    return {"figures": figures, "percent_complete": percent, "raw": raw}


# --------------------------------------------------------------------------------- suggestions (pure)

SLIPPAGE_THRESHOLDS = (0, 10, 30)  # working days: ≤0 sunny, ≤10 cloudy, ≤30 rainy, more stormy
BUDGET_THRESHOLDS = (Decimal("1.00"), Decimal("1.05"), Decimal("1.15"))  # forecast / voted


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _by_thresholds(value, thresholds) -> str:
    for weather, limit in zip((Weather.SUNNY, Weather.CLOUDY, Weather.RAINY), thresholds, strict=True):
        if value <= limit:
            return weather
    return Weather.STORMY


def _value(figures: dict, key: str):
    figure = figures.get(key)
    return None if figure is None else figure.get("value")


def suggest_weather(figures: dict) -> dict[str, str]:
    """A weather per dimension the figures speak for (pure); dimensions without data are left out."""
    suggested: dict[str, str] = {}
    slippage = _number(_value(figures, "slippage_days"))
    missed = _number(_value(figures, "milestones_missed")) or 0
    if slippage is not None or "milestones_missed" in figures:
        weather = _by_thresholds(slippage or 0, SLIPPAGE_THRESHOLDS)
        if missed and weather == Weather.SUNNY:
            weather = Weather.CLOUDY
        suggested[Dimension.SCHEDULE] = weather
    planned, forecast = (
        _number(_value(figures, "budget_planned")),
        _number(_value(figures, "budget_forecast")),
    )
    if planned is not None and forecast is not None:
        ratio = forecast / planned if planned > 0 else (Decimal(1) if forecast <= 0 else Decimal(2))
        suggested[Dimension.BUDGET] = _by_thresholds(ratio, BUDGET_THRESHOLDS)
    planned_days, actual_days = (
        _number(_value(figures, "workload_planned")),
        _number(_value(figures, "workload_actual")),
    )
    if planned_days is not None and actual_days is not None and planned_days > 0:
        gap = abs(actual_days / planned_days - 1)
        suggested[Dimension.RESOURCES] = _by_thresholds(
            gap, (Decimal("0.15"), Decimal("0.30"), Decimal("0.50"))
        )
    open_alerts = _number(_value(figures, "open_alerts"))
    if open_alerts is not None:
        suggested[Dimension.RISKS] = _by_thresholds(open_alerts, (0, 2, 4))
    return suggested


def worst(weathers) -> str:
    known = [w for w in weathers if w in WEATHER_RANK]
    return max(known, key=WEATHER_RANK.__getitem__) if known else ""


def trend(current: str, previous: str | None) -> str:
    """How `current` compares with `previous` (pure)."""
    if not current or not previous:
        return Trend.NEW
    delta = WEATHER_RANK[current] - WEATHER_RANK[previous]
    return Trend.WORSE if delta > 0 else Trend.BETTER if delta < 0 else Trend.SAME


# ------------------------------------------------------------------------------------------ reads


def previous_validated(report: FlashReport) -> FlashReport | None:
    """The latest validated report of the project for an earlier period (current revisions only)."""
    return (
        FlashReport.objects.filter(
            project_id=report.project_id,
            status=S.VALIDATED,
            period__cadence=report.period.cadence,
            period__start__lt=report.period.start,
        )
        .order_by("-period__start", "-revision")
        .prefetch_related("dimensions")
        .first()
    )


def _previous_for(project, period) -> FlashReport | None:
    """The latest report of an earlier period (any status, current revision), whose open items carry."""
    return (
        FlashReport.objects.filter(project_id=project.pk, is_current=True, period__start__lt=period.start)
        .order_by("-period__start")
        .first()
    )


@dataclass(frozen=True)
class ReportFacts:
    status: str
    missing: tuple[str, ...]


def _completeness(report: FlashReport) -> tuple[str, ...]:
    problems: list[str] = []
    if not report.weather:
        problems.append(_("Choose the overall weather."))
    previous = previous_validated(report)
    before = {d.dimension: d.weather for d in previous.dimensions.all()} if previous else {}
    for dimension in report.dimensions.all():
        label = dimension.get_dimension_display()
        if not dimension.weather:
            problems.append(_("Choose the weather of “%(dimension)s”.") % {"dimension": label})
            continue
        worse = (
            before.get(dimension.dimension)
            and trend(dimension.weather, before[dimension.dimension]) == Trend.WORSE
        )
        if (dimension.weather in BAD_WEATHER or worse) and not dimension.comment.strip():
            problems.append(
                _("Explain the weather of “%(dimension)s” (rainy, stormy or worse than before).")
                % {"dimension": label}
            )
    return tuple(problems)


def _complete_guard(facts: ReportFacts, target: str):
    return " ".join(facts.missing) if facts.missing else None


MACHINE = Machine(
    "flash_report",
    states=FlashReportStatus.choices,
    transitions=(
        Transition(
            "submit",
            (S.DRAFT, S.RETURNED),
            S.SUBMITTED,
            gettext_lazy("Submit to the project office"),
            guards=(_complete_guard,),
            primary=True,
            wrong_source_message=gettext_lazy("Only a draft or a returned report can be submitted."),
        ),
        Transition(
            "validate",
            (S.SUBMITTED,),
            S.VALIDATED,
            gettext_lazy("Validate"),
            primary=True,
            wrong_source_message=gettext_lazy("Only a submitted report can be validated."),
        ),
        Transition(
            "return",
            (S.SUBMITTED,),
            S.RETURNED,
            gettext_lazy("Return to the project manager"),
            requires_comment=True,
            wrong_source_message=gettext_lazy("Only a submitted report can be returned."),
        ),
    ),
    final=frozenset({S.VALIDATED}),
)
ACTION_RIGHT = {
    "submit": "flash_report.change",
    "validate": "flash_report.validate",
    "return": "flash_report.validate",
}


def report_moves(report: FlashReport, *, actor) -> list:
    """The moves `actor` may make on the report now (each with its refusal, if a guard refuses it)."""
    facts = ReportFacts(report.status, _completeness(report) if report.status in EDITABLE else ())
    return [
        move for move in available(MACHINE, facts) if RULES.allows(actor, ACTION_RIGHT[move.name], report)
    ]


# ----------------------------------------------------------------------------------------- writes

REPORT_FIELDS = FlashReport.audit_fields + ("trend", "return_comment", "is_current")


def _refresh_trends(report: FlashReport) -> None:
    previous = previous_validated(report)
    before = {d.dimension: d.weather for d in previous.dimensions.all()} if previous else {}
    report.trend = trend(report.weather, previous.weather if previous else None)
    for dimension in report.dimensions.all():
        value = trend(dimension.weather, before.get(dimension.dimension))
        if value != dimension.trend:
            dimension.trend = value
            dimension.save(update_fields=["trend"])


def _draft_build(project, period: ReportingPeriod, *, author, today: date | None, save) -> FlashReport:
    """Create the prefilled draft of `project` for `period` (`save(report)` writes the report row)."""
    data = prefill(project, period, today=today)
    report = FlashReport(
        project=project,
        period=period,
        author=author,
        figures=data["figures"],
        percent_complete=data["percent_complete"],
    )
    previous = previous_validated(report)
    before = {d.dimension: d.weather for d in previous.dimensions.all()} if previous else {}
    suggested = suggest_weather(data["figures"])
    weathers = {dim: suggested.get(dim) or before.get(dim, "") for dim in Dimension.values}
    report.weather = worst(weathers.values()) or (previous.weather if previous else "")
    report.trend = trend(report.weather, previous.weather if previous else None)
    save(report)
    FlashReportDimension.objects.bulk_create(
        FlashReportDimension(
            report=report,
            dimension=dim,
            weather=weathers[dim],
            trend=trend(weathers[dim], before.get(dim)),
        )
        for dim in Dimension.values
    )
    carried = _previous_for(project, period)
    if carried is not None:
        FlashReportItem.objects.bulk_create(
            FlashReportItem(
                report=report,
                kind=item.kind,
                text=item.text,
                owner=item.owner,
                due_date=item.due_date,
                carried_from=item,
                order=item.order,
            )
            for item in carried.items.filter(status=ItemStatus.OPEN)
        )
    return report


@transaction.atomic
def flash_report_draft(
    *, actor, project, period: ReportingPeriod | None = None, today: date | None = None
) -> FlashReport:
    """The current report of `project` for `period` (the current period by default), created prefilled
    when there is none yet."""
    period = period or periods.current_period(project, today=today)
    existing = FlashReport.objects.filter(project=project, period=period, is_current=True).first()
    probe = existing or FlashReport(project=project, period=period)
    if actor is not None:
        RULES.check(actor, "flash_report.change", probe)
    if existing is not None:
        return existing

    def save(report: FlashReport) -> None:
        with audited(report, actor, REPORT_FIELDS, related=project):
            report.save()

    return _draft_build(project, period, author=actor, today=today, save=save)


def _clean_figure(key: str, figure: dict, raw) -> Any:
    kind = figure.get("kind") or FIGURES.get(key, ("", "", "text"))[2]
    text = str(raw).strip() if raw is not None else ""
    if text == "":
        return None
    if kind in ("count",):
        if not text.lstrip("-").isdigit():
            raise ValueError(_("Enter a whole number."))
        return int(text)
    if kind == "days":
        number = _number(text.replace(",", "."))
        if number is None:
            raise ValueError(_("Enter a number of days."))
        return int(number) if key == "slippage_days" and number == int(number) else str(number)
    if kind == "money":
        number = _number(text.replace(" ", "").replace("\u202f", "").replace(",", "."))
        if number is None:
            raise ValueError(_("Enter an amount."))
        return str(number.quantize(Decimal("0.01")))
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    return text[:500]


def _apply(report: FlashReport, data: dict, errors: dict[str, list[str]]) -> tuple[dict, list, bool]:
    """Set the report's own fields from `data`; returns the dimension changes and item rows to write."""
    if "weather" in data:
        value = data["weather"] or ""
        if value and value not in Weather.values:
            errors.setdefault("weather", []).append(_("Choose a weather from the list."))
        else:
            report.weather = value
    if "percent_complete" in data:
        value = data["percent_complete"]
        if value in (None, ""):
            report.percent_complete = None
        else:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = -1
            if not 0 <= number <= 100:
                errors.setdefault("percent_complete", []).append(_("Enter a percentage between 0 and 100."))
            else:
                report.percent_complete = number
    for name in TEXT_FIELDS:
        if name in data:
            value = str(data[name] or "")
            if len(value) > TEXT_MAX:
                errors.setdefault(name, []).append(_("At most %(count)d characters.") % {"count": TEXT_MAX})
            else:
                setattr(report, name, value)
    if "figures" in data:
        figures = {key: dict(value) for key, value in (report.figures or {}).items()}
        for key, change in (data["figures"] or {}).items():
            if key not in figures:
                errors.setdefault(f"figures.{key}", []).append(_("Unknown figure."))
                continue
            raw = change.get("value") if isinstance(change, dict) else change
            try:
                value = _clean_figure(key, figures[key], raw)
            except ValueError as error:
                errors.setdefault(f"figures.{key}", []).append(str(error))
                continue
            figures[key]["value"] = value
            figures[key]["corrected"] = value != figures[key].get("prefilled")
        report.figures = figures
    dimensions: dict[str, dict] = {}
    for dim, change in (data.get("dimensions") or {}).items():
        if dim not in Dimension.values or not isinstance(change, dict):
            errors.setdefault("dimensions", []).append(_("Unknown dimension “%(name)s”.") % {"name": dim})
            continue
        weather = change.get("weather")
        if weather not in (None, "") and weather not in Weather.values:
            errors.setdefault(f"dimensions.{dim}.weather", []).append(_("Choose a weather from the list."))
            continue
        comment = change.get("comment")
        if comment is not None and len(str(comment)) > TEXT_MAX:
            errors.setdefault(f"dimensions.{dim}.comment", []).append(
                _("At most %(count)d characters.") % {"count": TEXT_MAX}
            )
            continue
        dimensions[dim] = {k: v for k, v in (("weather", weather), ("comment", comment)) if v is not None}
    items: list = []
    has_items = "items" in data
    if has_items:
        rows = data["items"] or []
        if len(rows) > ITEMS_MAX:
            errors.setdefault("items", []).append(_("At most %(count)d items.") % {"count": ITEMS_MAX})
        for index, row in enumerate(rows[:ITEMS_MAX]):
            prefix = f"items.{index}"
            text = str(row.get("text") or "").strip()
            if not text:
                errors.setdefault(f"{prefix}.text", []).append(_("Describe the item."))
            kind = row.get("kind") or ItemKind.RISK
            if kind not in ItemKind.values:
                errors.setdefault(f"{prefix}.kind", []).append(_("Choose a kind from the list."))
            status = row.get("status") or ItemStatus.OPEN
            if status not in ItemStatus.values:
                errors.setdefault(f"{prefix}.status", []).append(_("Choose a status from the list."))
            due = row.get("due_date") or None
            if isinstance(due, str):
                try:
                    due = date.fromisoformat(due)
                except ValueError:
                    errors.setdefault(f"{prefix}.due_date", []).append(_("Enter a date as YYYY-MM-DD."))
                    due = None
            items.append(
                {
                    "id": row.get("id") or None,
                    "kind": kind,
                    "text": text[:TEXT_MAX],
                    "owner": str(row.get("owner") or "")[:200],
                    "due_date": due,
                    "status": status,
                    "order": index,
                }
            )
    return dimensions, items, has_items


def _write_items(report: FlashReport, rows: list[dict], errors: dict) -> None:
    existing = {item.pk: item for item in report.items.all()}
    kept: set[int] = set()
    for row in rows:
        item_id = row.pop("id")
        if item_id:
            try:
                item = existing[int(item_id)]
            except (KeyError, ValueError, TypeError):
                errors.setdefault("items", []).append(_("An item does not belong to this report."))
                continue
            kept.add(item.pk)
            for name, value in row.items():
                setattr(item, name, value)
            item.save()
        else:
            FlashReportItem.objects.create(report=report, **row)
    removed = [pk for pk in existing if pk not in kept]
    if removed:
        FlashReportItem.objects.filter(pk__in=removed).delete()


@transaction.atomic
def flash_report_update(
    *, actor, report: FlashReport | int, expected_version: int | None, data: dict
) -> FlashReport:
    """Edit a draft or returned report: weather, dimensions (weather, comment), percent, texts, figure
    corrections and items (the list given replaces the report's: rows with an id are edited, rows without
    one are added, the others deleted; closing an item is setting its status)."""
    pk = report.pk if isinstance(report, FlashReport) else report
    report = lock_for_update(
        FlashReport, pk, queryset=FlashReport.objects.select_related("project", "period")
    )
    if actor is not None:
        RULES.check(actor, "flash_report.change", report)
    from ppm.versioning import check_version

    check_version(report, expected_version)
    if report.status not in EDITABLE:
        raise IllegalTransitionError(
            _("A submitted or validated report cannot be edited (a validated one can be revised)."),
            action="update",
        )
    errors: dict[str, list[str]] = {}
    with audited(report, actor, REPORT_FIELDS, related=report.project):
        dimension_changes, item_rows, has_items = _apply(report, data, errors)
        if errors:
            raise DomainValidationError(field_errors=errors)
        for dimension in report.dimensions.all():
            change = dimension_changes.get(dimension.dimension)
            if change:
                for name, value in change.items():
                    setattr(dimension, name, value)
                dimension.save(update_fields=["weather", "comment"])
        if has_items:
            _write_items(report, item_rows, errors)
            if errors:
                raise DomainValidationError(field_errors=errors)
        _refresh_trends(report)
        if report.author_id is None and actor is not None:
            report.author = actor
        save_versioned(report)
    return report


def _transition(*, actor, report, expected_version, action: str, comment: str = "") -> FlashReport:
    pk = report.pk if isinstance(report, FlashReport) else report
    report = lock_for_update(
        FlashReport, pk, queryset=FlashReport.objects.select_related("project", "period")
    )
    if actor is not None:
        RULES.check(actor, ACTION_RIGHT.get(action, "flash_report.validate"), report)
    from ppm.versioning import check_version

    check_version(report, expected_version)
    facts = ReportFacts(
        report.status, _completeness(report) if action == "submit" and report.status in EDITABLE else ()
    )
    target = resolve(MACHINE, facts, action, comment=comment)
    source = report.status
    now = timezone.now()
    with audited(report, actor, REPORT_FIELDS, related=report.project, action=AuditEntry.Action.TRANSITION):
        report.status = target
        if action == "submit":
            report.submitted_at = now
            if report.author_id is None:
                report.author = actor
        elif action == "validate":
            report.validated_at = now
            report.validated_by = actor
            report.return_comment = ""
        elif action == "return":
            report.return_comment = comment.strip()
        _refresh_trends(report)
        save_versioned(report)
    FlashReportStatusChange.objects.create(
        report=report, source=source, target=target, action=action, comment=comment.strip(), actor=actor
    )
    return report


@transaction.atomic
def flash_report_submit(*, actor, report, expected_version: int | None = None) -> FlashReport:
    return _transition(actor=actor, report=report, expected_version=expected_version, action="submit")


@transaction.atomic
def flash_report_validate(*, actor, report, expected_version: int | None = None) -> FlashReport:
    return _transition(actor=actor, report=report, expected_version=expected_version, action="validate")


@transaction.atomic
def flash_report_return(*, actor, report, expected_version: int | None = None, comment: str) -> FlashReport:
    return _transition(
        actor=actor, report=report, expected_version=expected_version, action="return", comment=comment or ""
    )


@transaction.atomic
def flash_report_revise(*, actor, report, expected_version: int | None = None) -> FlashReport:
    """A new revision (a draft copy) of a validated report, which becomes the current one; the validated
    revision is kept unchanged."""
    pk = report.pk if isinstance(report, FlashReport) else report
    old = lock_for_update(FlashReport, pk, queryset=FlashReport.objects.select_related("project", "period"))
    if actor is not None:
        RULES.check(actor, "flash_report.change", old)
    from ppm.versioning import check_version

    check_version(old, expected_version)
    if old.status != S.VALIDATED or not old.is_current:
        raise IllegalTransitionError(_("Only the current validated report can be revised."), action="revise")
    with audited(old, actor, REPORT_FIELDS, related=old.project):
        old.is_current = False
        save_versioned(old, update_fields=["is_current"])
    new = FlashReport(
        project=old.project,
        period=old.period,
        revision=old.revision + 1,
        weather=old.weather,
        trend=old.trend,
        percent_complete=old.percent_complete,
        highlights=old.highlights,
        achievements=old.achievements,
        next_steps=old.next_steps,
        figures=old.figures,
        author=actor or old.author,
    )
    with audited(new, actor, REPORT_FIELDS, related=old.project):
        new.save()
    FlashReportDimension.objects.bulk_create(
        FlashReportDimension(
            report=new, dimension=d.dimension, weather=d.weather, trend=d.trend, comment=d.comment
        )
        for d in old.dimensions.all()
    )
    FlashReportItem.objects.bulk_create(
        FlashReportItem(
            report=new,
            kind=i.kind,
            text=i.text,
            owner=i.owner,
            due_date=i.due_date,
            status=i.status,
            carried_from=i.carried_from,
            order=i.order,
        )
        for i in old.items.all()
    )
    audit_record(
        instance=new,
        action=AuditEntry.Action.UPDATE,
        actor=actor,
        changes={
            "revision": {"label": str(_("revision")), "before": str(old.revision), "after": str(new.revision)}
        },
        related=old.project,
    )
    return new


# ----------------------------------------------------------------------------------- missing reports


def due_period(cadence: str, as_of: date) -> tuple[date, date]:
    """The latest period of `cadence` whose deadline is before `as_of` (pure)."""
    start, end = periods.period_bounds(cadence, as_of)
    while periods.deadline_for(end) >= as_of:
        start, end = periods.previous_bounds(cadence, start)
    return start, end


def missing_reports(as_of: date | None = None):
    """(project, period) pairs of projects in progress that file reports and have no submitted or
    validated report for the latest period whose deadline passed. Approved projects not started yet file
    no report. A fixed number of queries (two per cadence)."""
    from portfolio.models import Project
    from portfolio.rules import ProjectStatus

    as_of = as_of or timezone.localdate()
    result: list[tuple[Any, ReportingPeriod]] = []
    for cadence in (periods.Cadence.MONTHLY, periods.Cadence.FORTNIGHTLY):
        start, end = due_period(cadence, as_of)
        period = periods.period_get(cadence, start)
        cadence_filter = Q(governance__cadence=cadence)
        if cadence == periods.Cadence.MONTHLY:
            cadence_filter |= Q(governance__isnull=True)
        projects = (
            Project.objects.filter(cadence_filter, status=ProjectStatus.IN_PROGRESS)
            .exclude(governance__reporting=False)
            .exclude(
                pk__in=FlashReport.objects.filter(
                    period=period, status__in=(S.SUBMITTED, S.VALIDATED)
                ).values("project_id")
            )
            .select_related("manager", "governance")
            .order_by("code")
        )
        result.extend((project, period) for project in projects)
    return result
