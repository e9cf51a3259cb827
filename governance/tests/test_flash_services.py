"""Flash reports: periods, prefill from each source, suggestions and trends, carry-over, the lifecycle,
revisions, missing reports and reminders."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from governance import flash, periods, sources
from governance.flash_tasks import flash_reminders_send
from governance.models import (
    Alert,
    Cadence,
    FlashReport,
    FlashReportStatus,
    ItemKind,
    ItemStatus,
    ProjectGovernance,
    ReportingPeriod,
    Trend,
    Weather,
)
from governance.tests.factories import AlertRuleFactory
from portfolio.rules import ProjectStatus
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory
from ppm.exceptions import DomainValidationError, IllegalTransitionError, StaleVersionError
from ppm.models import AuditEntry

pytestmark = pytest.mark.django_db
S = FlashReportStatus


# ------------------------------------------------------------------------------------------- periods


def test_monthly_periods_are_calendar_months_including_february_of_a_leap_year():
    assert periods.period_bounds(Cadence.MONTHLY, date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert periods.period_bounds(Cadence.MONTHLY, date(2025, 2, 28)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert periods.period_bounds(Cadence.MONTHLY, date(2025, 12, 31)) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )


def test_fortnightly_periods_split_months_on_the_15th():
    assert periods.period_bounds(Cadence.FORTNIGHTLY, date(2025, 4, 15)) == (
        date(2025, 4, 1),
        date(2025, 4, 15),
    )
    assert periods.period_bounds(Cadence.FORTNIGHTLY, date(2025, 4, 16)) == (
        date(2025, 4, 16),
        date(2025, 4, 30),
    )
    assert periods.period_bounds(Cadence.FORTNIGHTLY, date(2025, 1, 31)) == (
        date(2025, 1, 16),
        date(2025, 1, 31),
    )
    spans = list(periods.periods_between(Cadence.FORTNIGHTLY, date(2025, 1, 1), date(2025, 3, 1)))
    assert len(spans) == 5
    assert spans[-1] == (date(2025, 3, 1), date(2025, 3, 15))


def test_deadline_counts_working_days_after_the_period_end(settings):
    # 31 May 2025 is a Saturday: 5 working days later is Friday 6 June.
    assert periods.deadline_for(date(2025, 5, 31)) == date(2025, 6, 6)
    settings.PILOTIS_FLASH_DEADLINE_DAYS = 2
    assert periods.deadline_for(date(2025, 5, 30)) == date(2025, 6, 3)


def test_periods_ensure_is_idempotent():
    created = periods.periods_ensure(since=date(2025, 1, 1), until=date(2025, 6, 20))
    assert created == 6 + 12
    assert periods.periods_ensure(since=date(2025, 1, 1), until=date(2025, 6, 20)) == 0
    assert ReportingPeriod.objects.filter(cadence=Cadence.MONTHLY).count() == 6
    june = ReportingPeriod.objects.get(cadence=Cadence.MONTHLY, start=date(2025, 6, 1))
    assert june.end == date(2025, 6, 30) and june.deadline == date(2025, 7, 7)


def test_current_period_creates_the_governance_row_lazily_monthly_by_default():
    project = ProjectFactory()
    period = periods.current_period(project, today=date(2025, 3, 20))
    assert (period.cadence, period.start, period.end) == (
        Cadence.MONTHLY,
        date(2025, 3, 1),
        date(2025, 3, 31),
    )
    assert ProjectGovernance.objects.get(project=project).cadence == Cadence.MONTHLY
    ProjectGovernance.objects.filter(project=project).update(cadence=Cadence.FORTNIGHTLY)
    project.refresh_from_db()
    assert periods.current_period(project, today=date(2025, 3, 20)).start == date(2025, 3, 16)


# ------------------------------------------------------------------------------------------- sources


@pytest.fixture
def march():
    return periods.period_get(Cadence.MONTHLY, date(2025, 3, 1))


def _milestone(project, name, finish, percent):
    return Task.objects.create(
        project=project,
        name=name,
        milestone=True,
        start=finish,
        finish=finish,
        duration=0,
        percent_complete=percent,
    )


def test_schedule_source_sorts_milestones_reached_missed_and_due_next(march):
    project = ProjectFactory()
    _milestone(project, "Reached", date(2025, 3, 10), 100)
    _milestone(project, "Reached before", date(2025, 2, 10), 100)
    _milestone(project, "Missed", date(2025, 3, 20), 50)
    _milestone(project, "Missed long ago", date(2025, 1, 20), 0)
    _milestone(project, "Due next", date(2025, 4, 12), 0)
    _milestone(project, "Later", date(2025, 6, 12), 0)
    Task.objects.create(
        project=project,
        name="Work",
        start=date(2025, 3, 1),
        finish=date(2025, 3, 10),
        duration=8,
        percent_complete=50,
    )
    Task.objects.create(
        project=project,
        name="More",
        start=date(2025, 3, 1),
        finish=date(2025, 3, 10),
        duration=2,
        percent_complete=100,
    )
    project.__class__.objects.filter(pk=project.pk).update(forecast_finish=date(2026, 7, 10), slippage_days=8)
    data = sources.schedule(project, march)
    assert data["milestones_reached"] == ["Reached"]
    assert data["milestones_missed"] == ["Missed", "Missed long ago"]
    assert data["milestones_due_next"] == ["Due next"]
    assert data["slippage_days"] == 8 and data["forecast_finish"] == "2026-07-10"
    assert data["percent_complete"] == 60  # (8×50 + 2×100) / 10


def test_every_source_is_none_without_data(march):
    project = ProjectFactory()
    assert sources.schedule(project, march) is None
    assert sources.budget(project, 2025) is None
    assert sources.workload(project, date(2025, 3, 31)) is None
    assert sources.alerts(project) is None
    report = flash.flash_report_draft(actor=None, project=project, period=march, today=date(2025, 3, 20))
    assert report.figures == {}
    assert report.percent_complete is None


def _budget(project, *, planned, forecast, committed="0", paid="0", year=2025):
    from budgets.models import BudgetLine, BudgetLineYear

    line = BudgetLine.objects.create(
        project=project, label="Licences", section="operating", nature="licences"
    )
    return BudgetLineYear.objects.create(
        line=line,
        year=year,
        planned=Decimal(planned),
        forecast=Decimal(forecast),
        committed=Decimal(committed),
        paid=Decimal(paid),
    )


def test_budget_source_sums_the_lines_of_the_year(march):
    project = ProjectFactory()
    _budget(project, planned="1000", forecast="1200", committed="300", paid="100")
    _budget(project, planned="500", forecast="450")
    _budget(project, planned="9999", forecast="9999", year=2024)
    assert sources.budget(project, 2025) == {
        "year": 2025,
        "planned": "1500.00",
        "committed": "300.00",
        "paid": "100.00",
        "forecast": "1650.00",
    }


def test_workload_source_compares_plan_to_date_with_approved_time(march):
    from resources.models import Allocation

    project = ProjectFactory()
    Allocation.objects.create(
        project=project, family="moe", period_start=date(2025, 2, 1), days=Decimal("10")
    )
    Allocation.objects.create(project=project, family="moe", period_start=date(2025, 5, 1), days=Decimal("7"))
    data = sources.workload(project, date(2025, 3, 31))
    assert data == {"planned": "10.00", "actual": "0.00"}


def test_alerts_source_counts_open_alerts(march):
    project = ProjectFactory()
    rule = AlertRuleFactory()
    Alert.objects.create(
        rule=rule, cause_key="a", project=project, message="Late milestone", severity="critical"
    )
    Alert.objects.create(rule=rule, cause_key="b", project=project, message="Old", status="closed")
    assert sources.alerts(project) == {"open": 1, "critical": 1, "messages": ["Late milestone"]}


# --------------------------------------------------------------------------------- draft and suggestions


def test_suggested_weather_follows_the_thresholds():
    def fig(value):
        return {"value": value}

    assert flash.suggest_weather({"slippage_days": fig(0)})["schedule"] == Weather.SUNNY
    assert flash.suggest_weather({"slippage_days": fig(5)})["schedule"] == Weather.CLOUDY
    assert flash.suggest_weather({"slippage_days": fig(20)})["schedule"] == Weather.RAINY
    assert flash.suggest_weather({"slippage_days": fig(45)})["schedule"] == Weather.STORMY
    assert (
        flash.suggest_weather({"slippage_days": fig(0), "milestones_missed": fig(1)})["schedule"] == "cloudy"
    )
    budget = {"budget_planned": fig("1000"), "budget_forecast": fig("1100")}
    assert flash.suggest_weather(budget)["budget"] == Weather.RAINY
    assert "scope" not in flash.suggest_weather(budget)


def test_trend_compares_with_the_previous_weather():
    assert flash.trend("rainy", "sunny") == Trend.WORSE
    assert flash.trend("sunny", "cloudy") == Trend.BETTER
    assert flash.trend("cloudy", "cloudy") == Trend.SAME
    assert flash.trend("cloudy", None) == Trend.NEW


def test_draft_is_prefilled_and_created_once(march, manager_user):
    project = ProjectFactory(manager=manager_user, status=ProjectStatus.IN_PROGRESS)
    _budget(project, planned="1000", forecast="1300")
    _milestone(project, "Go-live", date(2026, 6, 30), 0)
    project.__class__.objects.filter(pk=project.pk).update(
        slippage_days=12, forecast_finish=date(2026, 7, 15)
    )
    report = flash.flash_report_draft(
        actor=manager_user, project=project, period=march, today=date(2025, 3, 20)
    )
    figure = report.figures["budget_forecast"]
    assert figure == {
        "label": "Forecast for the year",
        "value": "1300.00",
        "prefilled": "1300.00",
        "source": "budget",
        "kind": "money",
        "corrected": False,
    }
    weathers = {d.dimension: d.weather for d in report.dimensions.all()}
    assert weathers["schedule"] == Weather.RAINY
    assert weathers["budget"] == Weather.STORMY
    assert report.weather == Weather.STORMY
    assert report.status == S.DRAFT and report.trend == Trend.NEW
    again = flash.flash_report_draft(actor=manager_user, project=project, period=march)
    assert again.pk == report.pk
    assert AuditEntry.objects.filter(object_id=report.pk, action="create").exists()


def test_draft_refused_to_another_manager(march, manager_user, other_manager):
    project = ProjectFactory(manager=manager_user)
    with pytest.raises(PermissionDenied):
        flash.flash_report_draft(actor=other_manager, project=project, period=march)


def _complete(report, actor, **overrides):
    data = {
        "weather": "sunny",
        "dimensions": {
            d: {"weather": "sunny", "comment": ""}
            for d in ("schedule", "budget", "scope", "resources", "risks")
        },
    }
    data["dimensions"].update(overrides.pop("dimensions", {}))
    data.update(overrides)
    return flash.flash_report_update(actor=actor, report=report, expected_version=report.version, data=data)


def _validated(project, period, actor, pmo, **overrides):
    report = flash.flash_report_draft(actor=actor, project=project, period=period)
    report = _complete(report, actor, **overrides)
    report = flash.flash_report_submit(actor=actor, report=report, expected_version=report.version)
    return flash.flash_report_validate(actor=pmo, report=report, expected_version=report.version)


def test_trends_and_carry_over_from_the_previous_report(march, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user, status=ProjectStatus.IN_PROGRESS)
    first = flash.flash_report_draft(actor=manager_user, project=project, period=march)
    first = _complete(
        first,
        manager_user,
        items=[
            {"kind": ItemKind.RISK, "text": "Vendor late", "owner": "DSI", "due_date": "2025-04-10"},
            {"kind": ItemKind.DECISION, "text": "Choose the hosting", "status": ItemStatus.CLOSED},
        ],
    )
    first = flash.flash_report_submit(actor=manager_user, report=first, expected_version=first.version)
    flash.flash_report_validate(actor=pmo_user, report=first, expected_version=first.version)
    april = periods.period_get(Cadence.MONTHLY, date(2025, 4, 1))
    second = flash.flash_report_draft(actor=manager_user, project=project, period=april)
    items = list(second.items.all())
    assert [(i.text, i.owner, i.due_date, i.carried_from.report_id) for i in items] == [
        ("Vendor late", "DSI", date(2025, 4, 10), first.pk)
    ]
    second = _complete(
        second,
        manager_user,
        weather="rainy",
        dimensions={"schedule": {"weather": "rainy", "comment": "Late"}},
    )
    assert second.trend == Trend.WORSE
    trends = {d.dimension: d.trend for d in second.dimensions.all()}
    assert trends["schedule"] == Trend.WORSE and trends["budget"] == Trend.SAME


def test_figure_correction_keeps_the_prefilled_value(march, manager_user):
    project = ProjectFactory(manager=manager_user)
    _budget(project, planned="1000", forecast="1000")
    report = flash.flash_report_draft(actor=manager_user, project=project, period=march)
    report = flash.flash_report_update(
        actor=manager_user,
        report=report,
        expected_version=report.version,
        data={"figures": {"budget_forecast": {"value": "1 250,5"}}},
    )
    figure = report.figures["budget_forecast"]
    assert (figure["value"], figure["prefilled"], figure["corrected"]) == ("1250.50", "1000.00", True)
    with pytest.raises(DomainValidationError) as error:
        flash.flash_report_update(
            actor=manager_user,
            report=report,
            expected_version=report.version,
            data={"figures": {"budget_forecast": {"value": "lots"}}},
        )
    assert "figures.budget_forecast" in error.value.field_errors


def test_submit_needs_every_weather_and_comments_on_bad_weather(march, manager_user):
    project = ProjectFactory(manager=manager_user)
    report = flash.flash_report_draft(actor=manager_user, project=project, period=march)
    with pytest.raises(IllegalTransitionError, match="overall weather"):
        flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    report = _complete(report, manager_user, dimensions={"risks": {"weather": "stormy", "comment": ""}})
    with pytest.raises(IllegalTransitionError, match="Explain the weather"):
        flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    report = _complete(
        report, manager_user, dimensions={"risks": {"weather": "stormy", "comment": "Key person leaving"}}
    )
    report = flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    assert report.status == S.SUBMITTED and report.submitted_at is not None


def test_comment_required_when_a_dimension_gets_worse(march, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user)
    _validated(project, march, manager_user, pmo_user)
    april = periods.period_get(Cadence.MONTHLY, date(2025, 4, 1))
    report = flash.flash_report_draft(actor=manager_user, project=project, period=april)
    report = _complete(report, manager_user, dimensions={"scope": {"weather": "cloudy", "comment": ""}})
    with pytest.raises(IllegalTransitionError, match="Scope"):
        flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)


def test_submitted_report_is_locked_then_validated_or_returned(march, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user)
    report = _complete(
        flash.flash_report_draft(actor=manager_user, project=project, period=march), manager_user
    )
    report = flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    with pytest.raises(IllegalTransitionError):
        flash.flash_report_update(
            actor=manager_user, report=report, expected_version=report.version, data={"highlights": "x"}
        )
    with pytest.raises(PermissionDenied):
        flash.flash_report_validate(actor=manager_user, report=report, expected_version=report.version)
    with pytest.raises(DomainValidationError):
        flash.flash_report_return(
            actor=pmo_user, report=report, expected_version=report.version, comment="  "
        )
    report = flash.flash_report_return(
        actor=pmo_user, report=report, expected_version=report.version, comment="Budget figures missing"
    )
    assert report.status == S.RETURNED and report.return_comment == "Budget figures missing"
    report = _complete(report, manager_user, highlights="Figures added")
    report = flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    with pytest.raises(StaleVersionError):
        flash.flash_report_validate(actor=pmo_user, report=report, expected_version=report.version - 1)
    report = flash.flash_report_validate(actor=pmo_user, report=report, expected_version=report.version)
    assert report.status == S.VALIDATED and report.validated_by == pmo_user
    with pytest.raises(IllegalTransitionError):
        flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    assert [c.target for c in report.status_changes.order_by("pk")] == [
        "submitted",
        "returned",
        "submitted",
        "validated",
    ]


def test_revision_of_a_validated_report_is_audited_and_keeps_the_previous(march, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user)
    validated = _validated(
        project, march, manager_user, pmo_user, items=[{"kind": "risk", "text": "Vendor late"}]
    )
    revision = flash.flash_report_revise(
        actor=manager_user, report=validated, expected_version=validated.version
    )
    validated.refresh_from_db()
    assert (validated.is_current, validated.status) == (False, S.VALIDATED)
    assert (revision.revision, revision.is_current, revision.status) == (2, True, S.DRAFT)
    assert [i.text for i in revision.items.all()] == ["Vendor late"]
    assert revision.dimensions.count() == 5
    assert AuditEntry.objects.filter(object_id=revision.pk, changes__has_key="revision").exists()
    with pytest.raises(IllegalTransitionError):
        flash.flash_report_revise(actor=manager_user, report=validated, expected_version=validated.version)
    assert FlashReport.objects.filter(project=project, period=march).count() == 2


# ----------------------------------------------------------------------------------- missing reports


def test_missing_reports_and_daily_reminders(make_user, pmo_user, settings):
    settings.PILOTIS_SITE_URL = "https://pilotis.example.org"
    manager = make_user("manager", email="cheffe@example.org")
    manager.language = "fr"  # chosen with the language switch: the reminder is written in French
    manager.save()
    ProjectFactory(manager=manager, status=ProjectStatus.IN_PROGRESS, code="LATE-1")
    done = ProjectFactory(manager=manager, status=ProjectStatus.IN_PROGRESS, code="DONE-1")
    ProjectFactory(manager=manager, status=ProjectStatus.APPROVED, code="NOT-STARTED")
    quiet = ProjectFactory(manager=manager, status=ProjectStatus.IN_PROGRESS, code="QUIET")
    ProjectGovernance.objects.create(project=quiet, reporting=False)
    as_of = date(2025, 4, 10)  # March's deadline (7 April) passed; April's not.
    march = periods.period_get(Cadence.MONTHLY, date(2025, 3, 1))
    _validated(done, march, manager, pmo_user)
    missing = flash.missing_reports(as_of)
    assert [(p.code, period.start) for p, period in missing] == [("LATE-1", date(2025, 3, 1))]
    assert flash_reminders_send(as_of=as_of) == 1
    assert flash_reminders_send(as_of=as_of) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["cheffe@example.org"]
    assert "LATE-1" in mail.outbox[0].body and "DONE-1" not in mail.outbox[0].body
    assert mail.outbox[0].subject == "Pilotis : 1 flash report à rédiger"
    assert "https://pilotis.example.org/projects/" in mail.outbox[0].body
    assert flash_reminders_send(as_of=date(2025, 4, 11)) == 1


def test_two_edits_from_the_same_version_the_second_is_refused(march, manager_user, pmo_user):
    project = ProjectFactory(manager=manager_user)
    report = flash.flash_report_draft(actor=manager_user, project=project, period=march)
    read_version = report.version
    flash.flash_report_update(
        actor=manager_user, report=report, expected_version=read_version, data={"highlights": "First"}
    )
    with pytest.raises(StaleVersionError):
        flash.flash_report_update(
            actor=pmo_user, report=report, expected_version=read_version, data={"highlights": "Second"}
        )
    report.refresh_from_db()
    assert report.highlights == "First"
