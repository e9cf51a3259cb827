"""Alert rules, the evaluation (raise once per cause, close when the cause disappears), the lifecycle,
the bell's scoped count and the e-mail digests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from governance.alerts import alert_acknowledge, alert_close, alert_message, alert_open_count, alerts_evaluate
from governance.models import (
    Alert,
    AlertRule,
    AlertStatus,
    AlertSubscription,
    FlashReport,
    FlashReportItem,
    FlashReportStatus,
    ItemKind,
    ReportingPeriod,
)
from governance.steering_tasks import digest_send
from governance.steering_views import ALERT_COLUMNS
from portfolio.rules import ProjectStatus
from portfolio.scheduling.models import Task, TaskLink
from portfolio.tests.factories import ProjectFactory
from ppm.exceptions import DomainValidationError
from ppm.roles import Role
from ppm.tests.factories import UserFactory

TODAY = datetime.date(2026, 3, 16)

pytestmark = pytest.mark.django_db


def open_alerts(code: str) -> list[Alert]:
    return list(Alert.objects.filter(rule__code=code).exclude(status=AlertStatus.CLOSED))


def in_progress(**kwargs):
    return ProjectFactory(status=ProjectStatus.IN_PROGRESS, **kwargs)


def milestone(project, *, finish, percent=0, name="Go-live"):
    return Task.objects.create(
        project=project,
        name=name,
        milestone=True,
        duration=0,
        start=finish,
        finish=finish,
        percent_complete=percent,
    )


def monthly_period(start: datetime.date) -> ReportingPeriod:
    following = datetime.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    period, _created = ReportingPeriod.objects.get_or_create(
        cadence="monthly",
        start=start,
        defaults={
            "end": following - datetime.timedelta(days=1),
            "deadline": following + datetime.timedelta(days=4),
        },
    )
    return period


def test_late_milestone_is_raised_once_kept_when_acknowledged_and_closed_when_done():
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    project = in_progress(manager=manager)
    task = milestone(project, finish=TODAY - datetime.timedelta(days=3), percent=40)
    milestone(project, finish=TODAY - datetime.timedelta(days=3), percent=100, name="Done one")

    assert alerts_evaluate(TODAY)["raised"] >= 1
    alerts = open_alerts("milestone_late")
    assert [alert.cause_key for alert in alerts] == [f"milestone_late:{task.pk}"]
    assert alerts[0].project == project

    # Never twice for the same cause, even after it was acknowledged.
    alerts_evaluate(TODAY)
    alert_acknowledge(actor=manager, alert_id=alerts[0].pk)
    alerts_evaluate(TODAY)
    alerts = open_alerts("milestone_late")
    assert len(alerts) == 1 and alerts[0].status == AlertStatus.ACKNOWLEDGED
    assert alerts[0].acknowledged_by == manager

    # The cause disappears: closed by the system.
    Task.objects.filter(pk=task.pk).update(percent_complete=100)
    assert alerts_evaluate(TODAY)["closed"] >= 1
    alert = Alert.objects.get(cause_key=f"milestone_late:{task.pk}")
    assert alert.status == AlertStatus.CLOSED and alert.closed_by is None and alert.closed_at is not None


def test_milestone_at_risk_when_a_predecessor_is_late():
    project = in_progress()
    before = Task.objects.create(
        project=project,
        name="Build",
        start=TODAY - datetime.timedelta(days=20),
        finish=TODAY - datetime.timedelta(days=2),
    )
    target = milestone(project, finish=TODAY + datetime.timedelta(days=5))
    milestone(project, finish=TODAY + datetime.timedelta(days=6), name="Unlinked")
    TaskLink.objects.create(project=project, predecessor=before, successor=target)
    alerts_evaluate(TODAY)
    assert [alert.cause_key for alert in open_alerts("milestone_at_risk")] == [
        f"milestone_at_risk:{target.pk}"
    ]
    assert open_alerts("milestone_at_risk")[0].params["late"] == 1


def test_slippage_above_the_threshold_then_threshold_raised_by_the_project_office():
    slipped = in_progress(slippage_days=15, forecast_finish=TODAY, planned_end=TODAY)
    in_progress(slippage_days=4)
    alerts_evaluate(TODAY)
    assert [alert.project for alert in open_alerts("forecast_slippage")] == [slipped]
    rule = AlertRule.objects.get(code="forecast_slippage")
    rule.params = {"days": 20}
    rule.save()
    alerts_evaluate(TODAY)
    assert open_alerts("forecast_slippage") == []


def test_disabled_rule_raises_nothing_and_closes_its_alerts():
    in_progress(slippage_days=30)
    alerts_evaluate(TODAY)
    assert open_alerts("forecast_slippage")
    AlertRule.objects.filter(code="forecast_slippage").update(enabled=False)
    alerts_evaluate(TODAY)
    assert open_alerts("forecast_slippage") == []


def test_budget_line_consumed_above_the_threshold():
    from budgets.models import BudgetLine, BudgetLineYear

    project = in_progress()
    line = BudgetLine.objects.create(
        project=project, label="Intégration", section="invest", nature="services"
    )
    year = BudgetLineYear.objects.create(
        line=line, year=TODAY.year, planned=Decimal(1000), committed=Decimal(950), paid=Decimal(0)
    )
    alerts_evaluate(TODAY)
    alerts = open_alerts("budget_line_consumed")
    assert [alert.cause_key for alert in alerts] == [f"budget_line_consumed:{year.pk}"]
    assert alerts[0].params["percent"] == 95
    BudgetLineYear.objects.filter(pk=year.pk).update(committed=Decimal(100))
    alerts_evaluate(TODAY)
    assert open_alerts("budget_line_consumed") == []


def _agreement(**kwargs):
    from budgets.models import FrameworkAgreement
    from resources.models import Vendor

    vendor, _created = Vendor.objects.get_or_create(name="Intégrateur")
    defaults = {
        "reference": "AC-2025-01",
        "title": "Tierce maintenance",
        "vendor": vendor,
        "start": datetime.date(2025, 1, 1),
        "end": datetime.date(2028, 12, 31),
        "ceiling": Decimal(100_000),
        "minimum": Decimal(0),
        "alert_thresholds": [80, 95],
    }
    defaults.update(kwargs)
    return FrameworkAgreement.objects.create(**defaults)


def test_framework_agreement_near_ceiling_then_next_threshold_replaces_the_first():
    from budgets.models import BudgetLine, Order

    agreement = _agreement()
    project = in_progress()
    line = BudgetLine.objects.create(project=project, label="Marché", section="invest", nature="services")
    order = Order.objects.create(
        number="BC-1",
        title="Lot 1",
        agreement=agreement,
        project=project,
        budget_line=line,
        status="signed",
        amount=Decimal(85_000),
    )
    Order.objects.create(
        number="BC-2",
        title="Draft",
        agreement=agreement,
        project=project,
        budget_line=line,
        status="draft",
        amount=Decimal(50_000),
    )
    alerts_evaluate(TODAY)
    assert [alert.cause_key for alert in open_alerts("agreement_ceiling")] == [
        f"agreement_ceiling:{agreement.pk}:80"
    ]
    Order.objects.filter(pk=order.pk).update(amount=Decimal(97_000))
    alerts_evaluate(TODAY)
    assert [alert.cause_key for alert in open_alerts("agreement_ceiling")] == [
        f"agreement_ceiling:{agreement.pk}:95"
    ]


def test_framework_agreement_near_expiry():
    soon = _agreement(reference="AC-SOON", end=TODAY + datetime.timedelta(days=60), expiry_alert_months=3)
    _agreement(reference="AC-LATER", end=TODAY + datetime.timedelta(days=400), expiry_alert_months=3)
    alerts_evaluate(TODAY)
    alerts = open_alerts("agreement_expiry")
    assert [alert.params["agreement"] for alert in alerts] == [soon.reference]


def test_team_overloaded_next_quarter():
    from ppm.tests.factories import DirectorateFactory
    from resources.models import Allocation, Team
    from resources.tests.factories import ResourceFactory

    directorate = DirectorateFactory()
    busy = Team.objects.create(code="T1", name="Études", directorate=directorate)
    calm = Team.objects.create(code="T2", name="Exploitation", directorate=directorate)
    project = in_progress()
    for team, days in ((busy, 80), (calm, 10)):
        person = ResourceFactory(name=f"Agent {team.code}", team=team)
        Allocation.objects.create(
            project=project, family="moe", resource=person, period_start=datetime.date(2026, 4, 1), days=days
        )
    alerts_evaluate(TODAY)  # next quarter: April–June 2026, ~64 working weekdays per person
    alerts = open_alerts("team_overloaded")
    assert [alert.params["team"] for alert in alerts] == ["Études"]
    assert alerts[0].cause_key == f"team_overloaded:{busy.pk}:2026-04-01"


def test_flash_report_missing_after_the_deadline_and_closed_once_submitted():
    project = in_progress()
    filed = in_progress()
    ProjectFactory(status=ProjectStatus.DEMAND)
    period = monthly_period(datetime.date(2026, 2, 1))  # deadline 5 March < TODAY
    FlashReport.objects.create(
        project=filed, period=period, status=FlashReportStatus.VALIDATED, weather="sunny"
    )
    draft = FlashReport.objects.create(project=project, period=period, status=FlashReportStatus.DRAFT)
    alerts_evaluate(TODAY)
    alerts = open_alerts("flash_report_missing")
    assert [alert.project for alert in alerts] == [project]
    FlashReport.objects.filter(pk=draft.pk).update(status=FlashReportStatus.SUBMITTED)
    alerts_evaluate(TODAY)
    assert open_alerts("flash_report_missing") == []


def test_risk_past_its_due_date_only_on_the_latest_copy():
    project = in_progress()
    old = FlashReport.objects.create(
        project=project, period=monthly_period(datetime.date(2026, 1, 1)), status="validated"
    )
    new = FlashReport.objects.create(
        project=project, period=monthly_period(datetime.date(2026, 2, 1)), status="validated"
    )
    due = TODAY - datetime.timedelta(days=2)
    first = FlashReportItem.objects.create(
        report=old, kind=ItemKind.RISK, text="Vendor late", owner="DSI", due_date=due
    )
    FlashReportItem.objects.create(
        report=new, kind=ItemKind.RISK, text="Vendor late", owner="DSI", due_date=due, carried_from=first
    )
    FlashReportItem.objects.create(
        report=new, kind=ItemKind.RISK, text="Later", due_date=TODAY + datetime.timedelta(days=9)
    )
    alerts_evaluate(TODAY)
    alerts = open_alerts("risk_overdue")
    assert len(alerts) == 1 and alerts[0].params["text"] == "Vendor late"


def test_a_risk_left_out_of_the_latest_report_no_longer_alerts():
    """The project manager removed the carried-over risk from the new report (or it was never carried):
    the older report still shows it open, but only the latest report says what is open now."""
    project = in_progress()
    old = FlashReport.objects.create(
        project=project, period=monthly_period(datetime.date(2026, 1, 1)), status="validated"
    )
    FlashReportItem.objects.create(
        report=old, kind=ItemKind.RISK, text="Vendor late", due_date=TODAY - datetime.timedelta(days=30)
    )
    alerts_evaluate(TODAY)
    assert [alert.params["text"] for alert in open_alerts("risk_overdue")] == ["Vendor late"]

    new = FlashReport.objects.create(
        project=project, period=monthly_period(datetime.date(2026, 2, 1)), status="draft"
    )
    FlashReportItem.objects.create(
        report=new, kind=ItemKind.RISK, text="Vendor late", due_date=TODAY - datetime.timedelta(days=2)
    )  # the same risk, re-planned: one alert, on the new date
    alerts_evaluate(TODAY)
    assert [alert.params["date"] for alert in open_alerts("risk_overdue")] == [
        (TODAY - datetime.timedelta(days=2)).isoformat()
    ]

    new.items.all().delete()
    alerts_evaluate(TODAY)
    assert open_alerts("risk_overdue") == []


def test_concurrent_raise_of_the_same_cause_keeps_one_alert():
    in_progress(slippage_days=40)
    alerts_evaluate(TODAY)
    alert = open_alerts("forecast_slippage")[0]
    # A second run that did not see the first one's alert (a concurrent worker) inserts nothing.
    Alert.objects.bulk_create(
        [Alert(rule=alert.rule, cause_key=alert.cause_key, message="forecast_slippage")],
        ignore_conflicts=True,
    )
    assert Alert.objects.filter(cause_key=alert.cause_key).count() == 1


def test_lifecycle_who_and_when_and_no_way_back():
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    in_progress(slippage_days=40)
    alerts_evaluate(TODAY)
    alert = open_alerts("forecast_slippage")[0]
    alert_close(actor=pmo, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.closed_by == pmo
    with pytest.raises(DomainValidationError):
        alert_acknowledge(actor=pmo, alert_id=alert.pk)
    # The cause persists: the next evaluation raises a new alert for it.
    alerts_evaluate(TODAY)
    assert len(open_alerts("forecast_slippage")) == 1


def test_message_in_the_readers_language():
    in_progress(
        slippage_days=40, forecast_finish=datetime.date(2026, 9, 30), planned_end=datetime.date(2026, 7, 31)
    )
    alerts_evaluate(TODAY)
    alert = open_alerts("forecast_slippage")[0]
    with translation.override("en"):
        assert "40 working days beyond the approved end" in alert_message(alert)
        assert "09/30/2026" in alert_message(alert)
    with translation.override("fr"):
        assert "30/09/2026" in alert_message(alert)


def test_bell_count_is_scoped():
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    other = UserFactory(role=Role.PROJECT_MANAGER)
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    committee = UserFactory(role=Role.COMMITTEE_MEMBER)
    reader = UserFactory(role=Role.READER)
    in_progress(slippage_days=30, manager=manager)
    in_progress(slippage_days=30, manager=other)
    in_progress(slippage_days=30, manager=other)
    alerts_evaluate(TODAY)
    assert alert_open_count(pmo) == 3
    assert alert_open_count(committee) == 3
    assert alert_open_count(manager) == 1
    assert alert_open_count(other) == 2
    assert alert_open_count(reader) == 0


def test_bell_shows_in_the_header(client):
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    in_progress(slippage_days=30, manager=manager)
    in_progress(slippage_days=30)
    alerts_evaluate(TODAY)
    client.force_login(manager)
    page = client.get(reverse("portfolio:project_list")).content.decode()
    assert 'data-testid="bell-count">1<' in page
    menu = client.get(reverse("governance:alert_bell_menu")).content.decode()
    assert "working days beyond the approved end" in menu
    client.force_login(UserFactory(role=Role.READER))
    assert "steering-bell" not in client.get(reverse("portfolio:project_list")).content.decode()


def _subscribed(user, frequency="daily", language="en"):
    return AlertSubscription.objects.create(user=user, frequency=frequency, language=language)


def test_digest_in_the_users_language_idempotent_and_empty_sends_nothing():
    pmo = UserFactory(role=Role.PROJECT_OFFICE, email="pmo@example.org")
    subscription = _subscribed(pmo, language="fr")
    now = timezone.now()
    assert digest_send(subscription, now=now) is False  # nothing raised yet: no mail
    assert mail.outbox == []

    in_progress(slippage_days=40, code="DIG-1", forecast_finish=datetime.date(2026, 9, 30), planned_end=TODAY)
    alerts_evaluate(TODAY)
    later = now + datetime.timedelta(days=1, minutes=10)
    Alert.objects.update(raised_at=later - datetime.timedelta(hours=1))

    assert _send_committed(subscription, later) is True
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    # In the subscriber's language (French dates), whatever the language of the worker.
    assert "DIG-1" in body and "30/09/2026" in body and "09/30/2026" not in body
    # Idempotent: asked again in the same period, nothing more.
    assert _send_committed(subscription, later + datetime.timedelta(hours=1)) is False
    assert len(mail.outbox) == 1


def _send_committed(subscription, now):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return digest_send(subscription, now=now)


def test_weekly_digest_not_due_before_a_week():
    user = UserFactory(role=Role.COMMITTEE_MEMBER, email="c@example.org")
    subscription = _subscribed(user, frequency="weekly")
    now = timezone.now()
    AlertSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now - datetime.timedelta(days=3))
    subscription.refresh_from_db()
    in_progress(slippage_days=40)
    alerts_evaluate(TODAY)
    assert _send_committed(subscription, now) is False
    assert _send_committed(subscription, now + datetime.timedelta(days=5)) is True
    assert len(mail.outbox) == 1


def test_subscription_page_defaults_and_edit(client):
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    client.force_login(pmo)
    assert client.get(reverse("governance:alert_subscription")).status_code == 200
    assert AlertSubscription.objects.get(user=pmo).frequency == "daily"
    response = client.post(
        reverse("governance:alert_subscription"), {"frequency": "weekly", "language": "fr"}
    )
    assert response.status_code == 302
    assert AlertSubscription.objects.get(user=pmo).frequency == "weekly"
    reader = UserFactory(role=Role.READER)
    client.force_login(reader)
    client.get(reverse("governance:alert_subscription"))
    assert AlertSubscription.objects.get(user=reader).frequency == "never"


def test_rules_page_saves_thresholds_and_refuses_bad_json(client):
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    client.force_login(pmo)
    client.get(reverse("governance:alert_rules"))
    rule = AlertRule.objects.get(code="milestone_at_risk")
    data = {
        "rule": rule.pk,
        "version": rule.version,
        "enabled": "on",
        "severity": "critical",
        "params": '{"days": 3}',
    }
    assert client.post(reverse("governance:alert_rules"), data).status_code == 302
    rule.refresh_from_db()
    assert rule.params == {"days": 3} and rule.severity == "critical"
    stale = client.post(reverse("governance:alert_rules"), data)  # the version moved on
    assert stale.status_code in (400, 412)
    bad = {**data, "version": rule.version, "params": "days=3"}
    response = client.post(reverse("governance:alert_rules"), bad)
    assert response.status_code == 400 and "JSON" in response.content.decode()


def test_acknowledge_and_close_from_the_list_with_htmx(client):
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    in_progress(slippage_days=30, manager=manager)
    alerts_evaluate(TODAY)
    alert = open_alerts("forecast_slippage")[0]
    client.force_login(manager)
    listing = client.get(reverse("governance:alert_list")).content.decode()
    assert f'id="alert-{alert.pk}"' in listing
    row = client.post(reverse("governance:alert_acknowledge", args=[alert.pk]), HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and "Acknowledged" in row.content.decode()
    row = client.post(reverse("governance:alert_close", args=[alert.pk]), HTTP_HX_REQUEST="true")
    assert "Closed" in row.content.decode()
    again = client.post(reverse("governance:alert_close", args=[alert.pk]), HTTP_HX_REQUEST="true")
    assert again.status_code == 409


def test_alert_export_xlsx(client):
    from io import BytesIO

    from openpyxl import load_workbook

    in_progress(slippage_days=30, code="EXP-1")
    alerts_evaluate(TODAY)
    client.force_login(UserFactory(role=Role.PROJECT_OFFICE))
    response = client.get(reverse("governance:alert_export", args=["xlsx"]))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "EXP-1" and "working days" in rows[1][4]


def test_alert_list_offers_the_exports_of_the_filtered_list_in_the_languages_csv(client):
    """The French page's CSV link asks for semicolons (what French spreadsheets open), filters kept."""
    in_progress(slippage_days=30, code="EXP-2")
    alerts_evaluate(TODAY)
    client.force_login(UserFactory(role=Role.PROJECT_OFFICE))
    page = client.get(reverse("governance:alert_list"), {"status": "open"}, HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert 'class="results__bar"' in html and "status=open&amp;delimiter=semicolon" in html
    csv = client.get(
        reverse("governance:alert_export", args=["csv"]), {"status": "open", "delimiter": "semicolon"}
    )
    header, row = csv.content.decode("utf-8-sig").splitlines()[:2]
    assert header.count(";") == len(ALERT_COLUMNS) - 1 and "EXP-2" in row.split(";")
    plain = client.get(reverse("governance:alert_export", args=["csv"]), {"status": "open"})
    assert plain.content.decode("utf-8-sig").splitlines()[0].count(",") == len(ALERT_COLUMNS) - 1


def test_bell_count_is_cached_until_alerts_change(client, django_capture_on_commit_callbacks, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PILOTIS_USER_CACHE = True
    manager = UserFactory(role=Role.PROJECT_MANAGER)
    in_progress(slippage_days=30, manager=manager)
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(TODAY)
    client.force_login(manager)
    url = reverse("portfolio:project_list")
    assert 'data-testid="bell-count">1<' in client.get(url).content.decode()
    # The next page takes the count from the cache: no query on the alerts.
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not [query for query in queries.captured_queries if "governance_alert" in query["sql"]]
    # Alerts raised in bulk by the evaluation, then one acknowledged: each shows at the next page.
    in_progress(slippage_days=30, manager=manager)
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(TODAY)
    assert 'data-testid="bell-count">2<' in client.get(url).content.decode()
    alert = Alert.objects.filter(project__manager=manager, status=AlertStatus.OPEN).first()
    alert_acknowledge(actor=UserFactory(role=Role.PROJECT_OFFICE), alert_id=alert.pk)
    assert 'data-testid="bell-count">1<' in client.get(url).content.decode()


def test_alert_list_project_select_is_djangos_select(client):
    """The project filter lists the projects with alerts from narrow rows (ppm.forms.PlainSelect): the
    same markup as Django's Select, the chosen project selected, codes escaped."""
    import re

    from django import forms

    from ppm.testing import same_markup

    chosen = in_progress(code="R&D-1", slippage_days=30)
    in_progress(code="OPS-2", slippage_days=30)
    alerts_evaluate(TODAY)
    client.force_login(UserFactory(role=Role.PROJECT_OFFICE))
    response = client.get(reverse("governance:alert_list"), {"project": chosen.pk})
    select = re.search(r'<select name="project".*?</select>', response.content.decode(), re.S)
    assert select is not None and "R&amp;D-1" in select.group(0)
    field = response.context["filterset"].form["project"]
    field.field.widget = forms.Select(choices=field.field.widget.choices)
    assert same_markup(select.group(0)) == same_markup(str(field))
    assert f'<option value="{chosen.pk}" selected>' in select.group(0)
