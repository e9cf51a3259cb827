"""Alerts: the rules' evaluators, the evaluation run (raise new, close vanished), the alert lifecycle and
who sees which alert.

* A rule's evaluator ``evaluate(rule, today)`` yields :class:`Cause` rows: a ``cause_key`` naming what the
  alert is about (rule + object + what), the project (or None), a severity, a message code and its
  parameters (plain JSON: dates as ISO strings) and a URL. Thresholds come from ``rule.params``
  (:data:`DEFAULT_RULES` gives the defaults the migration stores).
* :func:`alerts_evaluate` raises an alert per new cause — never twice while one for the cause is open or
  acknowledged: the partial unique constraint ``alert_one_open_per_cause`` plus an insert that ignores
  conflicts make it safe against a concurrent run — and closes the alerts whose cause disappeared
  (``closed_by`` empty: "closed by the system"). A disabled rule's alerts are closed the same way.
* Messages are stored as (code, params) and rendered in the reader's language (:func:`alert_message`).
* Lifecycle: open → acknowledged (who, when) → closed (who, when); :func:`alert_acknowledge` and
  :func:`alert_close` check ``alert.acknowledge``.

Sources read directly (the other apps' selectors may replace them): the schedule (portfolio.scheduling
Task/TaskLink, Project.slippage_days), budgets (BudgetLineYear, FrameworkAgreement, Order), resources
(Allocation vs a rough capacity: working weekdays × each named person's weekly pattern — there is no
capacity snapshot model in this tree) and governance's own flash reports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from governance.flash_selectors import latest_report_ids
from governance.models import (
    Alert,
    AlertRule,
    AlertStatus,
    Cadence,
    FlashReport,
    FlashReportItem,
    FlashReportStatus,
    ItemKind,
    ItemStatus,
    ProjectGovernance,
    ReportingPeriod,
)
from governance.permissions import RULES
from portfolio.models import Project
from portfolio.rules import ProjectStatus
from ppm.audit import audited
from ppm.bulk import bulk_update
from ppm.exceptions import DomainValidationError
from ppm.roles import Role
from ppm.usercache import cached_for_user, invalidate

# Projects the schedule rules watch (a demand has no schedule to slip yet).
SCHEDULED_STATUSES = (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
# Projects expected to file flash reports.
REPORTING_STATUSES = (ProjectStatus.IN_PROGRESS,)
# Roles that see every alert (the rest see their projects' alerts).
SEE_ALL_ROLES = frozenset({Role.ADMINISTRATOR, Role.PROJECT_OFFICE, Role.COMMITTEE_MEMBER, Role.FINANCE})


@dataclass(frozen=True)
class Cause:
    cause_key: str
    project_id: int | None
    severity: str
    message: str
    params: dict
    url: str = ""


# code: (label, default params, default severity, params' help)
DEFAULT_RULES: dict[str, tuple[Any, dict, str]] = {
    "milestone_late": (_("Milestone late"), {}, "warning"),
    "milestone_at_risk": (_("Milestone at risk"), {"days": 10}, "warning"),
    "forecast_slippage": (_("Forecast finish beyond the approved end"), {"days": 10}, "critical"),
    "budget_line_consumed": (_("Budget line consumed"), {"percent": 90}, "warning"),
    "agreement_ceiling": (_("Framework agreement near its ceiling"), {"percent": [80, 95]}, "warning"),
    "agreement_expiry": (_("Framework agreement near expiry"), {"months": 6}, "warning"),
    "team_overloaded": (_("Team overloaded next quarter"), {"percent": 100}, "warning"),
    "flash_report_missing": (_("Flash report missing"), {}, "warning"),
    "risk_overdue": (_("Risk past its due date"), {}, "warning"),
}

# What each rule's params mean (shown on the rules page).
PARAM_HELP: dict[str, Any] = {
    "days": _("days"),
    "percent": _("percent"),
    "months": _("months"),
}

MESSAGES: dict[str, Any] = {
    "milestone_late": _("Milestone “%(task)s” was due on %(date)s and is %(percent)s %% complete."),
    "milestone_at_risk": _(
        "Milestone “%(task)s” is due on %(date)s and %(late)s of its predecessors are late."
    ),
    "forecast_slippage": _(
        "The forecast finish (%(forecast)s) is %(days)s working days beyond the approved end (%(planned)s)."
    ),
    "budget_line_consumed": _(
        "Budget line “%(line)s” (%(year)s): %(percent)s %% of the planned amount is committed."
    ),
    "agreement_ceiling": _(
        "Framework agreement %(agreement)s: orders reach %(percent)s %% of its ceiling "
        "(threshold %(threshold)s %%)."
    ),
    "agreement_expiry": _("Framework agreement %(agreement)s expires on %(date)s."),
    "team_overloaded": _(
        "Team %(team)s is loaded at %(percent)s %% of its capacity next quarter (from %(date)s)."
    ),
    "flash_report_missing": _("The flash report of the period ending %(date)s was due on %(deadline)s."),
    "risk_overdue": _("Risk “%(text)s” (owner: %(owner)s) was due on %(date)s."),
}


def rule_label(code: str) -> str:
    entry = DEFAULT_RULES.get(code)
    return str(entry[0]) if entry else code


def _format_param(key: str, value: Any) -> Any:
    if isinstance(value, str) and (key == "date" or key in ("deadline", "forecast", "planned")):
        day = parse_date(value)
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
    return value


def alert_message(alert: Alert) -> str:
    """The alert's message in the active language (its code rendered with its params)."""
    template = MESSAGES.get(alert.message)
    if template is None:
        return alert.message
    params = {key: _format_param(key, value) for key, value in (alert.params or {}).items()}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _project_url(project_id: int, name: str = "portfolio:project_detail") -> str:
    return reverse(name, args=[project_id])


# --- evaluators ---------------------------------------------------------------------------------

Evaluator = Callable[[AlertRule, date], Iterable[Cause]]
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(code: str) -> Callable[[Evaluator], Evaluator]:
    def register(function: Evaluator) -> Evaluator:
        EVALUATORS[code] = function
        return function

    return register


def _param(rule: AlertRule, name: str) -> Any:
    params = rule.params or {}
    default = DEFAULT_RULES.get(rule.code, (None, {}, ""))[1].get(name)
    return params.get(name, default)


def _int_param(rule: AlertRule, name: str, fallback: int) -> int:
    try:
        return int(_param(rule, name))
    except (TypeError, ValueError):
        return fallback


@evaluator("milestone_late")
def milestone_late(rule: AlertRule, today: date) -> Iterable[Cause]:
    from portfolio.scheduling.models import Task

    tasks = Task.objects.filter(
        milestone=True,
        finish__lt=today,
        percent_complete__lt=100,
        project__status__in=SCHEDULED_STATUSES,
    ).values_list("pk", "project_id", "name", "finish", "percent_complete")
    for pk, project_id, name, finish, percent in tasks.iterator():
        yield Cause(
            f"milestone_late:{pk}",
            project_id,
            rule.severity,
            "milestone_late",
            {"task": name, "date": _iso(finish), "percent": percent},
            _project_url(project_id, "portfolio:project_gantt"),
        )


@evaluator("milestone_at_risk")
def milestone_at_risk(rule: AlertRule, today: date) -> Iterable[Cause]:
    from portfolio.scheduling.models import Task, TaskLink

    days = _int_param(rule, "days", 10)
    late_predecessors = TaskLink.objects.filter(
        successor=OuterRef("pk"), predecessor__finish__lt=today, predecessor__percent_complete__lt=100
    )
    tasks = (
        Task.objects.filter(
            milestone=True,
            finish__gte=today,
            finish__lte=today + timedelta(days=days),
            percent_complete__lt=100,
            project__status__in=SCHEDULED_STATUSES,
        )
        .filter(Exists(late_predecessors))
        .values_list("pk", "project_id", "name", "finish")
    )
    rows = list(tasks)
    counts: dict[int, int] = {}
    if rows:
        for successor_id in TaskLink.objects.filter(
            successor_id__in=[row[0] for row in rows],
            predecessor__finish__lt=today,
            predecessor__percent_complete__lt=100,
        ).values_list("successor_id", flat=True):
            counts[successor_id] = counts.get(successor_id, 0) + 1
    for pk, project_id, name, finish in rows:
        yield Cause(
            f"milestone_at_risk:{pk}",
            project_id,
            rule.severity,
            "milestone_at_risk",
            {"task": name, "date": _iso(finish), "late": counts.get(pk, 1)},
            _project_url(project_id, "portfolio:project_gantt"),
        )


@evaluator("forecast_slippage")
def forecast_slippage(rule: AlertRule, today: date) -> Iterable[Cause]:
    days = _int_param(rule, "days", 10)
    projects = Project.objects.filter(status__in=SCHEDULED_STATUSES, slippage_days__gt=days).values_list(
        "pk", "slippage_days", "forecast_finish", "planned_end"
    )
    for pk, slippage, forecast, planned in projects.iterator():
        yield Cause(
            f"forecast_slippage:{pk}",
            pk,
            rule.severity,
            "forecast_slippage",
            {
                "days": slippage,
                "forecast": forecast.isoformat() if forecast else "",
                "planned": planned.isoformat() if planned else "",
            },
            _project_url(pk),
        )


@evaluator("budget_line_consumed")
def budget_line_consumed(rule: AlertRule, today: date) -> Iterable[Cause]:
    from budgets.models import BudgetLineYear

    percent = _int_param(rule, "percent", 90)
    years = (
        BudgetLineYear.objects.filter(year=today.year, planned__gt=0)
        .filter(committed__gte=F("planned") * Decimal(percent) / Decimal(100))
        .values_list("pk", "line__project_id", "line__label", "year", "planned", "committed")
    )
    for pk, project_id, label, year, planned, committed in years.iterator():
        share = int(committed * 100 / planned) if planned else 0
        yield Cause(
            f"budget_line_consumed:{pk}",
            project_id,
            rule.severity,
            "budget_line_consumed",
            {"line": label, "year": year, "percent": share},
            _project_url(project_id) if project_id else "",
        )


COMMITTED_ORDER_STATUSES = ("signed", "delivered", "invoiced")


def agreements_with_consumption() -> QuerySet:
    """Framework agreements annotated with `ordered` (signed, delivered or invoiced orders' amounts)."""
    from budgets.models import FrameworkAgreement

    return FrameworkAgreement.objects.annotate(
        ordered=Coalesce(
            Sum("orders__amount", filter=Q(orders__status__in=COMMITTED_ORDER_STATUSES)),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )


@evaluator("agreement_ceiling")
def agreement_ceiling(rule: AlertRule, today: date) -> Iterable[Cause]:
    default = _param(rule, "percent") or [80, 95]
    if not isinstance(default, list):
        default = [default]
    for agreement in agreements_with_consumption().filter(
        ceiling__gt=0, end__gte=today - timedelta(days=366)
    ):
        thresholds = sorted(int(value) for value in (agreement.alert_thresholds or default))
        share = float(agreement.ordered * 100 / agreement.ceiling)
        reached = [threshold for threshold in thresholds if share >= threshold]
        if not reached:
            continue
        yield Cause(
            f"agreement_ceiling:{agreement.pk}:{reached[-1]}",
            None,
            "critical" if reached[-1] >= 95 else rule.severity,
            "agreement_ceiling",
            {"agreement": agreement.reference, "percent": int(share), "threshold": reached[-1]},
            "",
        )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


@evaluator("agreement_expiry")
def agreement_expiry(rule: AlertRule, today: date) -> Iterable[Cause]:
    from budgets.models import FrameworkAgreement

    default_months = _int_param(rule, "months", 6)
    for agreement in FrameworkAgreement.objects.filter(end__gte=today - timedelta(days=3660)):
        # The end of the current period (the renewals used so far extend it).
        end = _add_months(agreement.end, agreement.renewals * agreement.renewal_months)
        months = agreement.expiry_alert_months or default_months
        if today <= end <= _add_months(today, months):
            yield Cause(
                f"agreement_expiry:{agreement.pk}:{end.isoformat()}",
                None,
                rule.severity,
                "agreement_expiry",
                {"agreement": agreement.reference, "date": end.isoformat()},
                "",
            )


def next_quarter(today: date) -> tuple[date, date]:
    first_month = ((today.month - 1) // 3 + 1) * 3 + 1
    year = today.year + (first_month - 1) // 12
    first_month = (first_month - 1) % 12 + 1
    start = date(year, first_month, 1)
    end = _add_months(start, 3) - timedelta(days=1)
    return start, end


def _weekdays(start: date, end: date) -> int:
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(rest):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def team_loads(start: date, end: date) -> list[dict]:
    """Per team: allocated person-days of its people over [start, end] and their rough capacity (working
    weekdays × each active named person's weekly pattern, holidays and absences ignored). Two queries:
    the allocations summed by team (with the team's name and directorate, in the teams' order), and the
    active people counted by team and weekly pattern (a pattern read once, not once per person)."""
    from resources.capacity import availability_from_pattern
    from resources.models import Allocation, Resource

    allocated = list(
        Allocation.objects.filter(resource__team__isnull=False, period_start__range=(start, end))
        .values_list("resource__team_id", "resource__team__name", "resource__team__directorate__name")
        .annotate(total=Sum("days"))
        .order_by("resource__team__name", "resource__team_id")  # Team's own order (by name)
    )
    if not allocated:
        return []
    weekdays = _weekdays(start, end)
    capacity: dict[int, float] = {}
    people = (
        Resource.objects.filter(team_id__in=[pk for pk, *_rest in allocated], is_active=True, kind="person")
        .values_list("team_id", "week_pattern")
        .annotate(people=Count("pk"))
        .order_by()
    )
    for team_id, pattern, count in people:
        per_person = weekdays * sum(availability_from_pattern(pattern)) / 5
        for _person in range(count):  # added person by person, as a sum over the people is
            capacity[team_id] = capacity.get(team_id, 0.0) + per_person
    rows: list[dict[str, Any]] = []
    for pk, name, directorate, total in allocated:
        load, cap = float(total), capacity.get(pk, 0.0)
        rows.append(
            {
                "team_id": pk,
                "team": name,
                "directorate": directorate,
                "allocated": round(load, 1),
                "capacity": round(cap, 1),
                "percent": int(load * 100 / cap) if cap else None,
            }
        )
    rows.sort(key=lambda row: -(int(row["percent"]) if row["percent"] is not None else 10_000))
    return rows


@evaluator("team_overloaded")
def team_overloaded(rule: AlertRule, today: date) -> Iterable[Cause]:
    percent = _int_param(rule, "percent", 100)
    start, end = next_quarter(today)
    for row in team_loads(start, end):
        if row["percent"] is None or row["percent"] >= percent:
            yield Cause(
                f"team_overloaded:{row['team_id']}:{start.isoformat()}",
                None,
                rule.severity,
                "team_overloaded",
                {"team": row["team"], "percent": row["percent"] or 999, "date": start.isoformat()},
                "",
            )


def latest_due_periods(today: date) -> dict[str, ReportingPeriod]:
    """Per cadence, the latest period whose deadline has passed (the report "due now")."""
    periods: dict[str, ReportingPeriod] = {}
    for period in ReportingPeriod.objects.filter(deadline__lt=today).order_by("cadence", "-start"):
        periods.setdefault(period.cadence, period)
    return periods


def current_periods(today: date) -> dict[str, ReportingPeriod]:
    """Per cadence, the period being reported on: the latest one that ended before today, or else the
    one containing today."""
    periods: dict[str, ReportingPeriod] = {}
    for period in ReportingPeriod.objects.filter(end__lt=today).order_by("cadence", "-start"):
        periods.setdefault(period.cadence, period)
    return periods


def reporting_projects() -> QuerySet[Project]:
    """Projects expected to file flash reports (in progress, `reporting` not switched off)."""
    return Project.objects.filter(status__in=REPORTING_STATUSES).exclude(
        Exists(ProjectGovernance.objects.filter(project=OuterRef("pk"), reporting=False))
    )


def missing_reports(
    period_by_cadence: dict[str, ReportingPeriod], projects: QuerySet | None = None
) -> QuerySet:
    """Reporting projects without a submitted or validated report for their cadence's period, annotated
    with `cadence_value` (the projects without a governance row report monthly)."""
    from django.db.models import CharField

    projects = reporting_projects() if projects is None else projects
    # The project's governance row (one at most: a one-to-one) joined, not a subquery per project.
    cadence = Coalesce("governance__cadence", Value(Cadence.MONTHLY), output_field=CharField())
    projects = projects.annotate(cadence_value=cadence)
    condition: Q = Q(pk__in=[])
    for cadence_code, period in period_by_cadence.items():
        filed = FlashReport.objects.filter(
            project=OuterRef("pk"),
            period=period,
            is_current=True,
            status__in=(FlashReportStatus.SUBMITTED, FlashReportStatus.VALIDATED),
        )
        condition |= Q(cadence_value=cadence_code) & ~Q(Exists(filed))
    return projects.filter(condition)


@evaluator("flash_report_missing")
def flash_report_missing(rule: AlertRule, today: date) -> Iterable[Cause]:
    periods = latest_due_periods(today)
    if not periods:
        return
    for pk, cadence in missing_reports(periods).values_list("pk", "cadence_value"):
        period = periods[cadence]
        yield Cause(
            f"flash_report_missing:{pk}:{period.pk}",
            pk,
            rule.severity,
            "flash_report_missing",
            {"date": period.end.isoformat(), "deadline": period.deadline.isoformat()},
            _project_url(pk),
        )


def open_latest_items(kind: str) -> QuerySet[FlashReportItem]:
    """Open items of `kind` in each project's latest report. An item left out of a later report (closed
    or removed there) is no longer open, even though the older report still shows it open."""
    return FlashReportItem.objects.filter(
        kind=kind, status=ItemStatus.OPEN, report_id__in_ids=latest_report_ids()
    )


@evaluator("risk_overdue")
def risk_overdue(rule: AlertRule, today: date) -> Iterable[Cause]:
    items = (
        open_latest_items(ItemKind.RISK)
        .filter(due_date__lt=today, report__project__status__in=SCHEDULED_STATUSES)
        .values_list("report__project_id", "text", "owner", "due_date")
    )
    for project_id, text, owner, due in items.iterator():
        digest = hashlib.sha1(text.strip().lower().encode(), usedforsecurity=False).hexdigest()[:12]
        yield Cause(
            f"risk_overdue:{project_id}:{digest}:{_iso(due)}",
            project_id,
            rule.severity,
            "risk_overdue",
            {"text": text[:120], "owner": owner or "—", "date": _iso(due)},
            _project_url(project_id),
        )


# --- evaluation ---------------------------------------------------------------------------------


def alert_rules_ensure() -> list[AlertRule]:
    """The rules, created with their defaults where missing (the migration creates them too)."""
    rules = {rule.code: rule for rule in AlertRule.objects.all()}
    for code, (_label, params, severity) in DEFAULT_RULES.items():
        if code not in rules:
            rules[code], _created = AlertRule.objects.get_or_create(
                code=code, defaults={"params": params, "severity": severity}
            )
    return [rules[code] for code in DEFAULT_RULES if code in rules]


def _evaluate_rule(rule: AlertRule, today: date) -> list[Cause]:
    function = EVALUATORS.get(rule.code)
    if function is None or not rule.enabled:
        return []
    try:
        return list(function(rule, today))
    except LookupError:  # an app's tables absent (never in practice: every app is installed)
        return []


def alerts_evaluate(today: date | None = None) -> dict[str, int]:
    """Evaluate every rule: raise the alerts of new causes, close those whose cause disappeared.
    Returns {"raised": n, "closed": n, "updated": n}."""
    today = today or timezone.localdate()
    raised = closed = updated = 0
    now = timezone.now()
    for rule in alert_rules_ensure():
        causes = {cause.cause_key: cause for cause in _evaluate_rule(rule, today)}
        with transaction.atomic():
            live = {
                alert.cause_key: alert
                for alert in Alert.objects.filter(rule=rule).exclude(status=AlertStatus.CLOSED)
            }
            gone = [alert.pk for key, alert in live.items() if key not in causes]
            if gone:
                closed += (
                    Alert.objects.filter(pk__in=gone)
                    .exclude(status=AlertStatus.CLOSED)
                    .update(status=AlertStatus.CLOSED, closed_at=now, closed_by=None)
                )
            changed = []
            for key, alert in live.items():
                cause = causes.get(key)
                if cause is not None and (alert.params != cause.params or alert.severity != cause.severity):
                    alert.params, alert.severity = cause.params, cause.severity
                    changed.append(alert)
            if changed:
                bulk_update(Alert, changed, ["params", "severity"])
                updated += len(changed)
            new = [
                Alert(
                    rule=rule,
                    cause_key=cause.cause_key,
                    project_id=cause.project_id,
                    severity=cause.severity,
                    message=cause.message,
                    params=cause.params,
                    url=cause.url,
                )
                for key, cause in causes.items()
                if key not in live
            ]
            if new:
                before = Alert.objects.filter(rule=rule).exclude(status=AlertStatus.CLOSED).count()
                # A concurrent run may have raised the same cause: the partial unique constraint refuses
                # the second row and the insert skips it (never twice for the same cause).
                Alert.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
                after = Alert.objects.filter(rule=rule).exclude(status=AlertStatus.CLOSED).count()
                raised += after - before
    if raised or closed or updated:  # written in bulk (no model signal): the bells count again
        transaction.on_commit(lambda: invalidate(BELL))
    return {"raised": raised, "closed": closed, "updated": updated}


# --- visibility and lifecycle -------------------------------------------------------------------


def sees_all_alerts(user) -> bool:
    return bool(user.is_superuser or getattr(user, "role", "") in SEE_ALL_ROLES)


def alerts_visible_to(user) -> QuerySet[Alert]:
    """Alerts `user` may see: every alert for the project office, administrators, committee members and
    finance; a project manager (or contributor) those of the projects they manage."""
    if not user.is_authenticated or not RULES.may_on_some(user, "alert.view"):
        return Alert.objects.none()
    alerts = Alert.objects.select_related("rule", "project", "acknowledged_by", "closed_by")
    if sees_all_alerts(user):
        return alerts
    return alerts.filter(project__manager=user)


BELL = "alerts-bell"  # ppm.usercache namespace of the header's open-alert count


def alert_open_count(user) -> int:
    return alerts_visible_to(user).filter(status=AlertStatus.OPEN).count()


def alert_open_count_cached(user) -> int:
    """The header bell's count: cached per person until alerts change (ppm.usercache)."""
    return cached_for_user(BELL, user, lambda: alert_open_count(user))


def _transition(*, actor, alert_id: int, target: str) -> Alert:
    from ppm.permissions import get_for_user

    with transaction.atomic():
        # Looked up among every alert, so that a refusal reads 403 whoever asks (the id says nothing).
        alert = get_for_user(
            Alert.objects.select_for_update(),
            table=RULES,
            user=actor,
            pk=alert_id,
            action="alert.acknowledge",
            not_found=_("No such alert."),
        )
        transitions: dict[str, tuple[str, ...]] = {
            AlertStatus.ACKNOWLEDGED.value: (AlertStatus.OPEN.value,),
            AlertStatus.CLOSED.value: (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value),
        }
        allowed = transitions[target]
        if alert.status not in allowed:
            raise DomainValidationError(
                field_errors={
                    "status": [
                        _("This alert is already %(status)s.") % {"status": alert.get_status_display()}
                    ]
                }
            )
        with audited(alert, actor, ("status",)):
            alert.status = target
            if target == AlertStatus.ACKNOWLEDGED:
                alert.acknowledged_at, alert.acknowledged_by = timezone.now(), actor
            else:
                alert.closed_at, alert.closed_by = timezone.now(), actor
            alert.save()
    return alert


def alert_acknowledge(*, actor, alert_id: int) -> Alert:
    """open → acknowledged (who, when)."""
    return _transition(actor=actor, alert_id=alert_id, target=AlertStatus.ACKNOWLEDGED)


def alert_close(*, actor, alert_id: int) -> Alert:
    """open or acknowledged → closed (who, when). The cause may raise a new alert later if it persists
    after the next evaluation."""
    return _transition(actor=actor, alert_id=alert_id, target=AlertStatus.CLOSED)


def alert_rule_update(
    *, actor, rule_id: int, expected_version: int, enabled: bool, severity: str, params: dict
) -> AlertRule:
    """Change a rule's switch, severity and thresholds (governance.configure)."""
    from ppm.versioning import lock_for_update, save_versioned

    RULES.check(actor, "governance.configure")
    errors: dict[str, list] = {}
    if severity not in ("info", "warning", "critical"):
        errors["severity"] = [_("Choose a severity.")]
    clean: dict = {}
    for key, value in (params or {}).items():
        values = value if isinstance(value, list) else [value]
        try:
            numbers = [int(item) for item in values]
        except (TypeError, ValueError):
            errors.setdefault("params", []).append(_("Thresholds are whole numbers."))
            continue
        if any(number < 0 or number > 1000 for number in numbers):
            errors.setdefault("params", []).append(_("Thresholds are between 0 and 1000."))
            continue
        clean[key] = numbers if isinstance(value, list) else numbers[0]
    if errors:
        raise DomainValidationError(field_errors=errors)
    with transaction.atomic():
        rule = lock_for_update(AlertRule, rule_id, expected_version)
        with audited(rule, actor, AlertRule.audit_fields):
            rule.enabled, rule.severity, rule.params = enabled, severity, clean
            save_versioned(rule)
    return rule
