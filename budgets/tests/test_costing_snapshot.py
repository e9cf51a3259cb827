"""The stored costing of the portfolio (budgets.costing_snapshot): equal to the live computation to the
cent, rebuilt after changes (debounced, idempotent), and the costing page's freshness banner."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from budgets import costing, costing_snapshot
from budgets.costing_snapshot import costing_snapshot_request, costing_snapshot_run
from budgets.models import CostingRow, CostingSnapshot, CostingStatus, EnvelopeSection, ResourceRate
from budgets.tests.factories import (
    AgreementLotFactory,
    AgreementPriceFactory,
    BudgetLineFactory,
    BudgetLineYearFactory,
    FrameworkAgreementFactory,
)
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm.roles import Role
from ppm.testing import assert_same_queries_at_two_sizes
from ppm.tests.factories import DirectorateFactory
from resources.models import LineApproval, RoleFamily, TimeEntry
from resources.tests.factories import (
    AllocationFactory,
    ExternalResourceFactory,
    GenericResourceFactory,
    ProfileFactory,
    ResourceFactory,
    TimesheetFactory,
    TimesheetLineFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HX-Request": "true"}
AUGUST, SEPTEMBER, JANUARY = date(2025, 8, 1), date(2025, 9, 1), date(2026, 1, 1)


@pytest.fixture
def sent(monkeypatch):
    messages: list[tuple[int, int]] = []
    monkeypatch.setattr(
        costing_snapshot, "_send", lambda snapshot_id, countdown: messages.append((snapshot_id, countdown))
    )
    return messages


@pytest.fixture
def finance_user(make_user):
    return make_user(Role.FINANCE, username="finance-costing")


def _time(resource, project, week, days, *, approval=LineApproval.APPROVED):
    line = TimesheetLineFactory(
        timesheet=TimesheetFactory(resource=resource, week=week), project=project, approval=approval
    )
    for offset, value in enumerate(days):
        TimeEntry.objects.create(line=line, day=date.fromordinal(week.toordinal() + offset), days=D(value))
    return line


@pytest.fixture
def portfolio(settings, sent, django_capture_on_commit_callbacks):
    """Three projects under two directorates and two objectives (one project under both), with every kind
    of workload the rates distinguish, and lines on two envelopes and on none. As if committed: its
    writes asked for a first build (queued, not run)."""
    with django_capture_on_commit_callbacks(execute=True):
        data = _portfolio(settings)
    assert sent
    sent.clear()
    return data


def _portfolio(settings):
    settings.PILOTIS_DEFAULT_DAILY_RATES = {"moe": "550", "moa": "450.50", "amoa": "650", "data": "700"}
    north, south = DirectorateFactory(code="DN", name="North"), DirectorateFactory(code="DS", name="South")
    digital, schools = (
        ObjectiveFactory(code="O1", name="Digital"),
        ObjectiveFactory(code="O2", name="Schools"),
    )
    crm = ProjectFactory(code="CRM", name="Citizen CRM", directorate=north, objectives=[digital])
    ged = ProjectFactory(code="GED", name="Documents", directorate=north, objectives=[digital, schools])
    sirh = ProjectFactory(code="SIRH", name="HR", directorate=south, objectives=[])
    ProjectFactory(code="IDLE", name="Nothing to cost")  # neither lines nor workload: not costed

    # Internal: a loaded cost with cents (0.5 day × 480.01 = 240.005 → 240.01 half up), and a cost of 0.
    internal = ResourceFactory(daily_cost=D("480.01"))
    unpaid = ResourceFactory(daily_cost=D("0"))
    # External with a contract rate: the agreement's DEV price revised in 2026 (a lot's DEV price and
    # another code are never theirs); before the first price, their daily cost applies.
    agreement = FrameworkAgreementFactory(start=date(2025, 1, 1), end=date(2027, 12, 31))
    dev = AgreementPriceFactory(agreement=agreement, code="DEV", unit_price=D("620.33"), valid_from=SEPTEMBER)
    AgreementPriceFactory(agreement=agreement, code="DEV", unit_price=D("635.50"), valid_from=JANUARY)
    AgreementPriceFactory(
        agreement=agreement,
        lot=AgreementLotFactory(agreement=agreement),
        code="DEV",
        unit_price=D("999.00"),
        valid_from=SEPTEMBER,
    )
    AgreementPriceFactory(agreement=agreement, code="ARCH", unit_price=D("888.00"), valid_from=SEPTEMBER)
    contractor = ExternalResourceFactory(vendor=agreement.vendor, daily_cost=D("701.07"))
    ResourceRate.objects.create(resource=contractor, price=dev)
    freelance = ExternalResourceFactory(daily_cost=D("555.55"))  # external, no contract rate
    # Generic: at its own daily cost, or at its main role's family's default rate.
    generic_costed = GenericResourceFactory(daily_cost=D("512.25"))
    generic_amoa = GenericResourceFactory(primary_profile=ProfileFactory(family=RoleFamily.AMOA))

    for project, resource, family, external, start, days in (
        (crm, internal, "moe", False, SEPTEMBER, "0.5"),
        (crm, internal, "moe", False, JANUARY, "3.25"),
        (crm, unpaid, "moe", False, SEPTEMBER, "4"),
        (crm, contractor, "moe", True, AUGUST, "2.33"),  # before any price: daily cost
        (crm, contractor, "moe", True, SEPTEMBER, "1.01"),
        (crm, contractor, "moe", True, JANUARY, "2"),
        (ged, freelance, "moe", True, SEPTEMBER, "3.33"),
        (ged, generic_costed, "moe", False, SEPTEMBER, "1.5"),
        (ged, generic_amoa, "moe", True, SEPTEMBER, "2.5"),  # the AMOA default, not MOE's
        (ged, None, "moa", False, SEPTEMBER, "1.11"),  # unstaffed demand: the family's default
        (ged, None, "moa", True, JANUARY, "0.33"),
        (sirh, None, "data", False, SEPTEMBER, "1"),  # a family set only in the settings
        (sirh, None, "amoa", False, JANUARY, "2.5"),
    ):
        AllocationFactory(
            project=project,
            resource=resource,
            family=family,
            is_external=external,
            period_start=start,
            days=D(days),
        )
    # Another role on the same project × resource × month: one group with the first (rounded once).
    AllocationFactory(
        project=crm,
        resource=internal,
        family="moe",
        profile=ProfileFactory(),
        period_start=SEPTEMBER,
        days=D("0.5"),
    )
    # A week counts whole in its Monday's month.
    AllocationFactory(
        project=crm, resource=internal, grain="week", period_start=date(2025, 9, 29), days=D("1")
    )

    _time(internal, crm, date(2025, 9, 1), ["1", "0.125", "0.375"])
    _time(contractor, crm, date(2025, 9, 8), ["0.5", "1"])
    _time(contractor, crm, date(2026, 1, 5), ["0.25"])
    _time(generic_amoa, ged, date(2025, 9, 1), ["0.5"])
    _time(freelance, ged, date(2025, 9, 8), ["1"], approval=LineApproval.PENDING)  # not approved: not counted
    _time(internal, ProjectFactory(code="TIME"), date(2025, 9, 15), ["1"])  # no line nor allocation

    first, second = BudgetLineFactory(project=crm), BudgetLineFactory(project=ged)
    EnvelopeSection.objects.create(envelope=first.envelope, section="investment", authority=D("500000.00"))
    EnvelopeSection.objects.create(envelope=first.envelope, section="operating", authority=D("100000.10"))
    BudgetLineYearFactory(line=first, year=2025, planned=D("200000.00"), forecast=D("250000.50"))
    BudgetLineYearFactory(line=first, year=2026, planned=D("100000.00"), forecast=D("90000.00"))
    BudgetLineYearFactory(line=second, year=2025, planned=D("50000.00"), forecast=D("70000.00"))
    BudgetLineYearFactory(
        line=BudgetLineFactory(project=ged, envelope=first.envelope),
        year=2025,
        planned=D("1000.00"),
        forecast=D("1200.00"),
    )
    BudgetLineYearFactory(
        line=BudgetLineFactory(project=sirh, envelope=None),
        year=2025,
        planned=D("10.00"),
        forecast=D("20.00"),
    )
    return {"crm": crm, "ged": ged, "sirh": sirh, "internal": internal}


def build() -> CostingSnapshot:
    """What "Recompute now" and its message do (the message's sending is left out)."""
    snapshot = costing_snapshot_request(reason="test", countdown=0)
    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "built"
    snapshot.refresh_from_db()
    return snapshot


def _figures(row) -> tuple:
    cell = row.workload
    return (
        row.label,
        row.planned,
        row.forecast,
        row.committed,
        row.paid,
        row.authority,
        cell.planned_internal,
        cell.planned_external,
        cell.actual_internal,
        cell.actual_external,
        cell.planned_days,
        cell.actual_days,
    )


def test_snapshot_equals_the_live_costing_to_the_cent(portfolio):
    live = costing.portfolio_rollup(list(costing.costed_projects()))
    snapshot = build()
    assert snapshot.status == CostingStatus.READY and snapshot.projects == 3
    for group in ("project", "objective", "directorate"):
        page = costing_snapshot.snapshot_page(snapshot, group, 1)
        expected = live[
            {"project": "projects", "objective": "objectives", "directorate": "directorates"}[group]
        ]
        assert [_figures(row) for row in page.object_list] == [_figures(row) for row in expected], group
    envelopes, total = costing_snapshot.snapshot_summary(snapshot)
    assert [_figures(row) for row in envelopes] == [_figures(row) for row in live["envelopes"]]
    live_total = costing.RollupRow(key=None, label="")
    for row in live["projects"]:
        live_total.add_amounts(row)
    assert _figures(total) == _figures(live_total)


def test_values_by_hand(portfolio):
    """A few figures worked out by hand, so that the comparison above cannot agree on a wrong rule."""
    rows = {row.key.code: row for row in costing_snapshot.snapshot_page(build(), "project", 1).object_list}
    crm, ged = rows["CRM"].workload, rows["GED"].workload
    # September: (0.5 + 0.5 + 1) × 480.01 = 960.02; January 3.25 × 480.01 = 1,560.0325 → 1,560.03.
    assert crm.planned_internal == D("960.02") + D("1560.03")
    # 2.33 × 701.07 = 1,633.4931 → 1,633.49; 1.01 × 620.33 = 626.5333 → 626.53; 2 × 635.50 = 1,271.00.
    assert crm.planned_external == D("1633.49") + D("626.53") + D("1271.00")
    # 1.5 days × 480.01 = 720.015 → 720.02 (half up, not to even); 1.5 × 620.33 = 930.495 → 930.50;
    # 0.25 × 635.50 = 158.875 → 158.88.
    assert crm.actual_internal == D("720.02")
    assert crm.actual_external == D("930.50") + D("158.88")
    # Generic at 512.25 (768.375 → 768.38); the AMOA generic at 2.5 × 650 (internal: a resource's own flag
    # wins over the allocation's); unstaffed MOA 1.11 × 450.50 = 500.055 → 500.06.
    assert ged.planned_internal == D("768.38") + D("1625.00") + D("500.06")
    # 3.33 × 555.55 = 1,849.9815 → 1,849.98; unstaffed outsourced MOA 0.33 × 450.50 = 148.665 → 148.67.
    assert ged.planned_external == D("1849.98") + D("148.67")
    assert ged.actual_internal == D("325.00") and ged.actual_days == D("0.5")


def test_the_sql_valuation_is_what_postgresql_runs(portfolio):
    totals = costing_snapshot.workload_totals()
    assert totals == costing.project_totals(costing.workload_cost())
    if connection.vendor == "postgresql":
        sql, params = costing_snapshot.workload_sql()
        assert "ROUND(" in sql and len(params) == 2 * 4 + 2


# --- requests, debounce, idempotence --------------------------------------------------------------


def test_changes_are_debounced_into_one_build(portfolio, sent, django_capture_on_commit_callbacks, pmo_user):
    from resources.services import resource_update

    snapshot = build()
    seq = snapshot.request_seq
    with django_capture_on_commit_callbacks(execute=True):
        resource_update(actor=pmo_user, resource=portfolio["internal"], data={"daily_cost": D("500.00")})
    with django_capture_on_commit_callbacks(execute=True):
        BudgetLineYearFactory(line=BudgetLineFactory(project=portfolio["sirh"]), year=2026)
    snapshot.refresh_from_db()
    assert len(sent) == 1 and sent[0] == (snapshot.pk, 30)  # one message, after the debounce delay
    assert snapshot.request_seq >= seq + 2 and snapshot.queued_at is not None
    assert costing_snapshot.Freshness(snapshot).stale

    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "built"
    # The same message redelivered: nothing to do.
    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "unchanged"
    snapshot.refresh_from_db()
    assert snapshot.built_seq == snapshot.request_seq and snapshot.queued_at is None
    crm = CostingRow.objects.get(snapshot=snapshot, project=portfolio["crm"])
    assert crm.planned_internal == D("1000.00") + D("1625.00")  # (0.5 + 0.5 + 1) × 500 + 3.25 × 500
    # Once built, the next change queues again.
    with django_capture_on_commit_callbacks(execute=True):
        costing_snapshot_request(reason="again")
    assert len(sent) == 2


def test_approved_time_asks_for_a_build(portfolio, sent, django_capture_on_commit_callbacks, pmo_user):
    from resources.models import TimesheetStatus
    from resources.timesheets import timesheet_decide_all

    snapshot = build()
    week = TimesheetFactory(resource=portfolio["internal"], week=date(2025, 10, 6))
    line = TimesheetLineFactory(timesheet=week, project=portfolio["crm"])
    TimeEntry.objects.create(line=line, day=date(2025, 10, 6), days=D("1"))
    snapshot.refresh_from_db()
    assert snapshot.request_seq == snapshot.built_seq  # a draft week holds no approved time
    with django_capture_on_commit_callbacks(execute=True):
        week.status = TimesheetStatus.SUBMITTED
        week.save()
    assert len(sent) == 1
    seq = CostingSnapshot.objects.get().request_seq
    with django_capture_on_commit_callbacks(execute=True):
        timesheet_decide_all(actor=pmo_user, timesheet=week, approve=True)
    snapshot.refresh_from_db()
    assert snapshot.request_seq == seq + 1 and len(sent) == 1  # counted once, and the message already waits
    costing_snapshot_run(snapshot_id=snapshot.pk)
    crm = CostingRow.objects.get(snapshot=snapshot, project=portfolio["crm"])
    assert crm.actual_internal == D("720.02") + D("480.01")


def test_a_run_while_another_builds_looks_again_later(portfolio, sent, django_capture_on_commit_callbacks):
    snapshot = build()
    CostingSnapshot.objects.filter(pk=snapshot.pk).update(
        status=CostingStatus.BUILDING, started_at=timezone.now(), request_seq=snapshot.request_seq + 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert costing_snapshot_run(snapshot_id=snapshot.pk) == "busy"
    assert sent == [(snapshot.pk, 30)]
    # A build whose worker died long ago is taken over.
    CostingSnapshot.objects.filter(pk=snapshot.pk).update(
        started_at=timezone.now() - costing_snapshot.BUILDING_LOST_AFTER
    )
    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "built"


def test_a_failed_build_keeps_the_last_rows(portfolio, monkeypatch):
    snapshot = build()
    costing_snapshot_request(reason="test")

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(costing_snapshot, "snapshot_compute", broken)
    with pytest.raises(RuntimeError):
        costing_snapshot_run(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert snapshot.status == CostingStatus.READY and "went away" in snapshot.error
    assert CostingRow.objects.filter(snapshot=snapshot).count() == 3 + 3 + 1  # projects, envelopes, total


def test_nightly_builds_whatever_changed(portfolio, sent, django_capture_on_commit_callbacks):
    from budgets.tasks import rebuild_costing_snapshot

    snapshot = build()
    with django_capture_on_commit_callbacks(execute=True):
        assert rebuild_costing_snapshot() == snapshot.pk
    assert sent == [(snapshot.pk, 0)]
    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "built"


def test_computed_in_the_writing_transaction_covers_its_changes(
    portfolio, sent, django_capture_on_commit_callbacks
):
    """The demo loader computes the costing in its own transaction: its writes are not counted again."""
    build()
    with django_capture_on_commit_callbacks(execute=True):
        BudgetLineYearFactory(line=BudgetLineFactory(project=portfolio["sirh"]), year=2026, planned=D("5.00"))
        assert costing_snapshot.costing_snapshot_compute_now() == "built"
    snapshot = CostingSnapshot.objects.get()
    assert snapshot.built_seq == snapshot.request_seq and not sent
    assert CostingRow.objects.get(snapshot=snapshot, project=portfolio["sirh"]).planned == D("15.00")
    assert costing_snapshot.costing_snapshot_compute_now() == "unchanged"


def test_nightly_schedule_is_registered():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="budgets.tasks.rebuild_costing_snapshot")
    assert task.enabled and task.crontab.hour == "2"


# --- the page -------------------------------------------------------------------------------------


def test_page_reads_the_snapshot_and_says_how_fresh(client, finance_user, portfolio, sent):
    snapshot = build()
    client.force_login(finance_user)
    url = reverse("budgets:costing")
    text = client.get(url).text
    assert "Computed on" in text and "Up to date." in text and "Recompute now" in text
    assert "CRM · Citizen CRM" in text and 'hx-trigger="every 2s"' not in text
    assert "North" in client.get(url + "?by=directorate").text
    assert "O2 · Schools" in client.get(url + "?by=objective").text

    # A change: out of date, a computation queued, and the banner polls until it is built.
    costing_snapshot_request(reason="test")
    text = client.get(url).text
    assert "Out of date: the data changed since" in text and "A computation is queued" in text
    assert 'hx-trigger="every 2s"' in text and "Recompute now" not in text
    since = text.split("since=")[1].split('"')[0]
    status_url = reverse("budgets:costing_status") + f"?since={since}"
    assert "A computation is queued" in client.get(status_url, headers=HTMX).text
    CostingSnapshot.objects.filter(pk=snapshot.pk).update(
        status=CostingStatus.BUILDING, started_at=timezone.now()
    )
    assert "Being computed" in client.get(status_url, headers=HTMX).text
    CostingSnapshot.objects.filter(pk=snapshot.pk).update(status=CostingStatus.READY)
    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "built"
    done = client.get(status_url, headers=HTMX)
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    assert "Up to date." in client.get(url).text


def test_recompute_now(client, finance_user, portfolio, sent, django_capture_on_commit_callbacks):
    snapshot = build()
    client.force_login(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("budgets:costing_rebuild"), headers=HTMX)
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in response.text
    assert "A computation is queued" in response.text and "Out of date" not in response.text  # no change
    assert sent == [(snapshot.pk, 0)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("budgets:costing_rebuild"))
    assert response.status_code == 302
    assert len(sent) == 2  # asked again: sent at once, the first message then finds nothing to do
    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "built"
    assert costing_snapshot_run(snapshot_id=snapshot.pk) == "unchanged"


def test_never_computed_small_portfolio_is_valued_live(client, finance_user, portfolio):
    client.force_login(finance_user)
    text = client.get(reverse("budgets:costing")).text
    # The fixture's writes queued a first computation; meanwhile the page values the costing live.
    assert "Not stored yet:" in text and "CRM · Citizen CRM" in text and "A computation is queued" in text
    assert not CostingSnapshot.objects.filter(built_at__isnull=False).exists()
    CostingSnapshot.objects.all().delete()  # nothing ever asked for
    text = client.get(reverse("budgets:costing")).text
    assert "Not stored yet:" in text and "CRM · Citizen CRM" in text and "Compute now" in text
    assert not CostingSnapshot.objects.exists()  # a GET writes nothing


def test_never_computed_large_portfolio_says_so(client, finance_user, portfolio, monkeypatch):
    monkeypatch.setattr(costing_snapshot, "LIVE_ALLOCATIONS", 3)
    CostingSnapshot.objects.all().delete()
    client.force_login(finance_user)
    text = client.get(reverse("budgets:costing")).text
    assert "The costing has not been computed yet." in text and "Compute now" in text
    assert "CRM · Citizen CRM" not in text
    assert not CostingSnapshot.objects.exists()  # a GET writes nothing


def test_page_queries_do_not_grow(client, finance_user):
    directorate = DirectorateFactory()

    def grow(n):
        for _ in range(n):
            project = ProjectFactory(directorate=directorate, objectives=[ObjectiveFactory()])
            BudgetLineYearFactory(line=BudgetLineFactory(project=project))
            AllocationFactory(project=project, resource=ResourceFactory())
        build()

    client.force_login(finance_user)
    for group in ("project", "objective", "directorate"):
        CostingSnapshot.objects.all().delete()

        def page(group=group):
            response = client.get(reverse("budgets:costing") + f"?by={group}")
            assert response.status_code == 200 and "Computed on" in response.text

        assert_same_queries_at_two_sizes(page, grow=grow, ceiling=12, sizes=(3, 8))


def test_rows_are_escaped_and_in_the_readers_style(client, finance_user, portfolio):
    portfolio["crm"].name = 'R&D <"lab">'
    portfolio["crm"].save()
    build()
    client.force_login(finance_user)
    text = client.get(reverse("budgets:costing")).text
    link = reverse("portfolio:project_detail", args=[portfolio["crm"].pk])
    assert f'<th scope="row"><a href="{link}">CRM · R&amp;D &lt;&quot;lab&quot;&gt;</a></th>' in text
    # CRM's planned internal workload, 960.02 + 1,560.03, as the template filter writes amounts.
    assert '<td class="num nowrap">€2,520.05</td>' in text
    client.cookies["django_language"] = "fr"
    french = client.get(reverse("budgets:costing"), HTTP_ACCEPT_LANGUAGE="fr").text
    assert "2\u202f520,05\u00a0€" in french or "2\u00a0520,05\u00a0€" in french
    assert "Calculé le" in french
