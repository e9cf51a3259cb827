"""Framework agreements, prices, orders and their execution; consumption, alerts, digest; costing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from budgets import consumption, contracts, costing
from budgets.models import (
    BudgetLineYear,
    ContractAlertDigest,
    EnvelopeSection,
    ExecutionEntry,
    OrderStatus,
    ResourceRate,
)
from budgets.tests.factories import (
    AgreementLotFactory,
    AgreementPriceFactory,
    BudgetLineFactory,
    FrameworkAgreementFactory,
    OrderFactory,
)
from portfolio.tests.factories import ProjectFactory
from ppm.exceptions import (
    DomainValidationError,
    IllegalTransitionError,
    StaleVersionError,
)
from ppm.roles import Role

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, username="fin1", email="fin@example.org")


@pytest.fixture
def agreement():
    return FrameworkAgreementFactory(
        start=date(2025, 1, 1), end=date(2026, 12, 31), ceiling=D("100000.00"), minimum=D("10000.00")
    )


@pytest.fixture
def dev(agreement):
    AgreementPriceFactory(
        agreement=agreement, code="DEV", unit_price=D("620.00"), valid_from=date(2025, 1, 1)
    )
    return AgreementPriceFactory(
        agreement=agreement, code="DEV", unit_price=D("635.50"), valid_from=date(2026, 1, 1)
    )


@pytest.fixture
def line():
    return BudgetLineFactory()


def _order(agreement, line, price, quantity="10", day=date(2025, 6, 2), actor=None):
    return contracts.order_create(
        actor=actor,
        agreement=agreement,
        budget_line=line,
        title="Sprint",
        ordered_on=day,
        lines=[{"price": price.pk, "quantity": quantity}],
    )


def test_price_in_force_follows_revisions(agreement, dev):
    assert contracts.price_on(agreement, "DEV", date(2025, 12, 31)).unit_price == D("620.00")
    assert contracts.price_on(agreement, "DEV", date(2026, 1, 1)).unit_price == D("635.50")
    assert contracts.price_on(agreement, "DEV", date(2024, 12, 31)) is None


def test_price_revision_must_come_later(agreement, dev, finance):
    with pytest.raises(DomainValidationError) as error:
        contracts.agreement_price_add(
            actor=finance,
            agreement=agreement,
            kind="profile",
            code="DEV",
            label="",
            unit_price=D("1"),
            valid_from=date(2025, 6, 1),
        )
    assert "valid_from" in error.value.field_errors
    revision = contracts.agreement_price_add(
        actor=finance,
        agreement=agreement,
        kind="profile",
        code="DEV",
        label="",
        unit_price=D("650.00"),
        valid_from=date(2026, 7, 1),
    )
    assert revision.label == dev.label
    assert contracts.price_on(agreement, "DEV", date(2026, 7, 1)) == revision


def test_order_lines_copy_the_price_in_force_and_amounts_are_exact(agreement, dev, line):
    # Picking any revision of DEV: the one in force on the order date is used.
    order = _order(agreement, line, dev, quantity="3.33", day=date(2025, 6, 2))
    order_line = order.lines.get()
    assert order_line.unit_price == D("620.00")
    assert order_line.amount == D("2064.60")
    assert order.amount == D("2064.60")
    later = _order(agreement, line, dev, quantity="0.01", day=date(2026, 2, 2))
    assert later.amount == D("6.36")  # 6.355 rounded half up


def test_order_refuses_bad_quantities_and_other_projects_line(agreement, dev, line):
    for quantity in ("NaN", "-1", "1.234", "1e400", "0"):
        with pytest.raises(DomainValidationError):
            _order(agreement, line, dev, quantity=quantity)
    other_price = AgreementPriceFactory(valid_from=date(2025, 1, 1))
    with pytest.raises(DomainValidationError):
        _order(agreement, line, other_price)
    with pytest.raises(DomainValidationError) as error:
        _order(agreement, line, dev, day=date(2030, 1, 1))
    assert "ordered_on" in error.value.field_errors


def test_agreement_validation(finance):
    vendor = FrameworkAgreementFactory().vendor
    base = {
        "reference": "AC-X",
        "title": "X",
        "vendor": vendor,
        "start": date(2025, 1, 1),
        "end": date(2025, 12, 31),
        "ceiling": D("100"),
        "minimum": D("10"),
        "alert_thresholds": [80, 95],
    }
    for bad in (
        {"alert_thresholds": [95, 80]},
        {"alert_thresholds": [0, 80]},
        {"alert_thresholds": [80, 100]},
        {"minimum": D("200")},
        {"renewals": 2, "max_renewals": 1},
    ):
        with pytest.raises(DomainValidationError):
            contracts.agreement_create(actor=finance, data={**base, **bad})
    agreement = contracts.agreement_create(
        actor=finance,
        data={
            **base,
            "renewals": 1,
            "max_renewals": 3,
            "renewal_months": 12,
            "lots": [{"number": 1, "title": "Dev", "ceiling": D("60")}],
        },
    )
    assert contracts.effective_end(agreement) == date(2026, 12, 31)
    assert agreement.lots.get().ceiling == D("60")


def test_agreement_change_is_refused_to_a_manager(manager_user, agreement):
    with pytest.raises(PermissionDenied):
        contracts.agreement_update(actor=manager_user, agreement=agreement, data={"title": "No"})


def test_lifecycle_moves_entries_and_line_totals(agreement, dev, line, finance):
    order = _order(agreement, line, dev, quantity="10")
    assert order.amount == D("6200.00")
    order = contracts.order_transition(actor=finance, order=order, action="sign", on=date(2025, 6, 3))
    assert order.status == OrderStatus.SIGNED and order.signed_on == date(2025, 6, 3)
    year = BudgetLineYear.objects.get(line=line, year=2025)
    assert (year.committed, year.paid) == (D("6200.00"), D("0.00"))
    order = contracts.order_transition(actor=finance, order=order, action="deliver", on=date(2025, 7, 1))
    order = contracts.order_transition(
        actor=finance, order=order, action="invoice", amount="2000.00", on=date(2025, 7, 15)
    )
    assert order.status == OrderStatus.INVOICED and order.invoiced == D("2000.00")
    with pytest.raises(DomainValidationError) as error:
        contracts.order_transition(
            actor=finance, order=order, action="invoice", amount="4200.01", on=date(2026, 1, 5)
        )
    # Refused on the amount, telling the total it would reach and what is left (the test runs in English).
    (message,) = error.value.field_errors["amount"]
    assert "€6,200.01" in str(message) and "€4,200.00 left" in str(message)
    order = contracts.order_transition(
        actor=finance, order=order, action="invoice", amount="4200.00", on=date(2026, 1, 5)
    )
    assert BudgetLineYear.objects.get(line=line, year=2025).paid == D("2000.00")
    assert BudgetLineYear.objects.get(line=line, year=2026).paid == D("4200.00")
    with pytest.raises(IllegalTransitionError):  # fully invoiced
        contracts.order_transition(
            actor=finance, order=order, action="invoice", amount="1", on=date(2026, 1, 6)
        )
    with pytest.raises(IllegalTransitionError):
        contracts.order_transition(actor=finance, order=order, action="cancel")
    assert order.status_changes.count() == 4


def test_cancel_after_signing_writes_a_negative_commitment(agreement, dev, line, finance):
    order = _order(agreement, line, dev)
    order = contracts.order_transition(actor=finance, order=order, action="sign", on=date(2025, 6, 3))
    order = contracts.order_transition(actor=finance, order=order, action="cancel", on=date(2025, 6, 10))
    amounts = sorted(ExecutionEntry.objects.filter(order=order).values_list("amount", flat=True))
    assert amounts == [D("-6200.00"), D("6200.00")]
    assert BudgetLineYear.objects.get(line=line, year=2025).committed == D("0.00")
    draft = _order(agreement, line, dev)
    draft = contracts.order_transition(actor=finance, order=draft, action="cancel")
    assert not ExecutionEntry.objects.filter(order=draft).exists()


def test_sign_refusals(agreement, dev, line, finance, manager_user):
    empty = OrderFactory(agreement=agreement, budget_line=line, ordered_on=date(2025, 6, 2))
    with pytest.raises(IllegalTransitionError, match="at least one line"):
        contracts.order_transition(actor=finance, order=empty, action="sign")
    order = _order(agreement, line, dev)
    with pytest.raises(PermissionDenied):
        contracts.order_transition(actor=manager_user, order=order, action="sign")
    with pytest.raises(IllegalTransitionError):
        contracts.order_transition(actor=finance, order=order, action="deliver")
    with pytest.raises(StaleVersionError):
        contracts.order_transition(
            actor=finance, order=order, action="sign", expected_version=order.version + 1
        )


def test_signing_over_the_ceiling_is_refused_with_the_figures(agreement, dev, line, finance):
    big = _order(agreement, line, dev, quantity="150")  # 93,000.00
    contracts.order_transition(actor=finance, order=big, action="sign", on=date(2025, 6, 3))
    over = _order(agreement, line, dev, quantity="12")  # 7,440.00 → 100,440.00
    with pytest.raises(IllegalTransitionError) as error:
        contracts.order_transition(actor=finance, order=over, action="sign", on=date(2025, 6, 3))
    message = str(error.value)
    assert "100,440.00" in message and "100,000.00" in message and "7,000.00" in message
    fits = _order(agreement, line, dev, quantity="11")  # 6,820.00 → 99,820.00
    contracts.order_transition(actor=finance, order=fits, action="sign", on=date(2025, 6, 3))


def test_lot_ceiling(agreement, dev, line, finance):
    lot = AgreementLotFactory(agreement=agreement, ceiling=D("5000.00"))
    order = contracts.order_create(
        actor=None,
        agreement=agreement,
        lot=lot,
        budget_line=line,
        title="Lot",
        ordered_on=date(2025, 6, 2),
        lines=[{"price": dev.pk, "quantity": "9"}],
    )
    with pytest.raises(IllegalTransitionError, match="lot"):
        contracts.order_transition(actor=finance, order=order, action="sign")


def test_manager_edits_own_draft_only(agreement, dev, manager_user, other_manager):
    project = ProjectFactory(manager=manager_user)
    line = BudgetLineFactory(project=project)
    order = _order(agreement, line, dev, actor=manager_user)
    order = contracts.order_update(
        actor=manager_user, order=order, data={"lines": [{"price": dev.pk, "quantity": "2"}]}
    )
    assert order.amount == D("1240.00")
    with pytest.raises(PermissionDenied):
        contracts.order_update(actor=other_manager, order=order, data={"title": "x"})
    with pytest.raises(DomainValidationError):
        contracts.order_update(actor=manager_user, order=order, data={"budget_line": BudgetLineFactory()})


def test_consumption_percent_time_and_exhaustion(agreement, dev, line, finance):
    for day in (date(2025, 3, 3), date(2025, 9, 1)):
        order = _order(agreement, line, dev, quantity="50", day=day)  # 31,000 each
        contracts.order_transition(actor=finance, order=order, action="sign", on=day)
    figures = consumption.agreement_consumption(agreement, today=date(2026, 1, 1))
    assert figures.committed == D("62000.00")
    assert figures.percent == D("62.0")
    # 365 days elapsed of 729 (2025-01-01 → 2026-12-31)
    assert figures.time_percent == D("50.1")
    # 62,000 over 365 days → 38,000 left at 169.863…/day → 224 days
    assert figures.exhaustion == date(2026, 8, 13)
    assert figures.alerts == []


def test_no_consumption_no_forecast(agreement):
    assert consumption.agreement_consumption(agreement, today=date(2025, 6, 1)).exhaustion is None


def test_threshold_and_expiry_alerts(agreement, dev, line, finance):
    order = _order(agreement, line, dev, quantity="130", day=date(2025, 3, 3))  # 80,600 = 80.6 %
    contracts.order_transition(actor=finance, order=order, action="sign", on=date(2025, 3, 3))
    alerts = consumption.agreement_consumption(agreement, today=date(2025, 6, 1)).alerts
    assert [(a.kind, a.level) for a in alerts] == [("threshold", "warning")]
    assert "80.6" in alerts[0].message
    near_end = consumption.agreement_consumption(agreement, today=date(2026, 10, 1)).alerts
    assert [a.kind for a in near_end] == ["threshold", "expiry"]
    agreement.alert_thresholds = [50, 90]
    agreement.minimum = D("90000.00")
    custom = consumption.agreement_consumption(agreement, today=date(2026, 10, 1)).alerts
    assert [a.kind for a in custom] == ["threshold", "expiry", "minimum"]
    assert "50 %" in custom[0].message
    assert consumption.agreement_consumption(agreement, today=date(2027, 1, 2)).alerts == []  # ended


def test_budget_alerts_for_the_project_office_only(agreement, dev, line, finance, pmo_user, committee_user):
    order = _order(agreement, line, dev, quantity="155", day=date(2025, 3, 3))
    contracts.order_transition(actor=finance, order=order, action="sign", on=date(2025, 3, 3))
    assert consumption.budget_alerts(pmo_user, today=date(2025, 6, 1))[0].level == "danger"
    assert consumption.budget_alerts(committee_user, today=date(2025, 6, 1)) == []


def test_alert_digest_is_sent_once_per_week(agreement, dev, line, finance, pmo_user, make_user, settings):
    settings.PILOTIS_SITE_URL = "https://pilotis.example.org"
    pmo_user.email = "pmo@example.org"
    pmo_user.language = "fr"  # each recipient reads it in their language
    pmo_user.save()
    make_user(Role.PROJECT_MANAGER, email="mgr@example.org")
    order = _order(agreement, line, dev, quantity="155", day=date(2025, 3, 3))
    contracts.order_transition(actor=finance, order=order, action="sign", on=date(2025, 3, 3))
    assert consumption.alert_digest_send(today=date(2025, 6, 2)) == 2
    assert sorted(message.to[0] for message in mail.outbox) == ["fin@example.org", "pmo@example.org"]
    assert agreement.reference in mail.outbox[0].body
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["pmo@example.org"].subject.startswith("Pilotis : ")
    assert "alertes sur les accords-cadres" in by_address["pmo@example.org"].subject
    assert "alerts on framework agreements" in by_address["fin@example.org"].subject
    assert "https://pilotis.example.org/" in by_address["fin@example.org"].body
    assert consumption.alert_digest_send(today=date(2025, 6, 5)) == 0
    assert len(mail.outbox) == 2
    assert consumption.alert_digest_send(today=date(2025, 6, 9)) == 2
    assert ContractAlertDigest.objects.count() == 2


# --------------------------------------------------------------------------------------------- costing


def test_workload_cost_rates_hand_checked(agreement, dev, settings):
    from resources.models import LineApproval, TimeEntry
    from resources.tests.factories import (
        AllocationFactory,
        ExternalResourceFactory,
        ResourceFactory,
        TimesheetFactory,
        TimesheetLineFactory,
    )

    settings.PILOTIS_DEFAULT_DAILY_RATES = {"MOE": "550", "AMOA": "650"}
    project = ProjectFactory()
    internal = ResourceFactory(daily_cost=D("480.00"))
    external = ExternalResourceFactory(vendor=agreement.vendor, daily_cost=D("999.00"))
    ResourceRate.objects.create(resource=external, price=dev)
    september, january = date(2025, 9, 1), date(2026, 1, 1)
    AllocationFactory(project=project, resource=internal, period_start=september, days=D("10"))
    AllocationFactory(
        project=project, resource=external, is_external=True, period_start=september, days=D("4")
    )
    AllocationFactory(project=project, resource=external, is_external=True, period_start=january, days=D("2"))
    AllocationFactory(project=project, family="amoa", period_start=september, days=D("1.5"))
    # A week-grain allocation counts in its Monday's month (2025-09-29 → September).
    AllocationFactory(
        project=project, resource=internal, grain="week", period_start=date(2025, 9, 29), days=D("1")
    )
    approved = TimesheetLineFactory(
        timesheet=TimesheetFactory(resource=internal, week=date(2025, 9, 1)),
        project=project,
        approval=LineApproval.APPROVED,
    )
    pending = TimesheetLineFactory(
        timesheet=TimesheetFactory(resource=external, week=date(2025, 9, 1)),
        project=project,
    )
    TimeEntry.objects.create(line=approved, day=date(2025, 9, 1), days=D("1"))
    TimeEntry.objects.create(line=approved, day=date(2025, 9, 2), days=D("0.5"))
    TimeEntry.objects.create(line=pending, day=date(2025, 9, 1), days=D("1"))

    cost = costing.workload_cost([project.pk])[project.pk]
    sept = cost[september]
    assert sept.planned_internal == D("5280.00") + D("975.00")  # 11 × 480 + AMOA 1.5 × 650 (not staffed)
    assert sept.planned_external == D("2480.00")  # 4 × 620 (contract rate, not the 999 daily cost)
    assert cost[january].planned_external == D("1271.00")  # 2 × 635.50 (revision)
    assert sept.actual_internal == D("720.00")  # 1.5 approved days × 480
    assert sept.actual_external == D("0.00")  # time not approved does not count


def test_rollup_gap(finance):
    project = ProjectFactory()
    line = BudgetLineFactory(project=project)
    EnvelopeSection.objects.create(envelope=line.envelope, section="investment", authority=D("500000.00"))
    EnvelopeSection.objects.create(envelope=line.envelope, section="operating", authority=D("100000.00"))
    BudgetLineYear.objects.create(line=line, year=2025, planned=D("200000.00"), forecast=D("250000.00"))
    BudgetLineYear.objects.create(line=line, year=2026, planned=D("100000.00"), forecast=D("120000.50"))
    rollup = costing.portfolio_rollup([project])
    envelope = rollup["envelopes"][0]
    assert envelope.authority == D("600000.00")
    assert envelope.planned == D("300000.00")
    assert envelope.forecast == D("370000.50")
    assert envelope.gap == D("229999.50")
    assert rollup["projects"][0].allotted_gap == D("70000.50")


def test_costed_projects_are_those_with_lines_or_workload_once_each(django_assert_num_queries):
    """Each project once however many lines and allocations it has (EXISTS, not a join: joining both
    tables built lines × allocations rows per project)."""
    from resources.tests.factories import AllocationFactory

    both, lines_only, workload_only, neither = (
        ProjectFactory(code=code) for code in ("P1", "P2", "P3", "P4")
    )
    for _ in range(3):
        BudgetLineFactory(project=both)
        BudgetLineFactory(project=lines_only)
    for month in (1, 2, 3):
        AllocationFactory(project=both, period_start=date(2025, month, 1), days=D("1"))
        AllocationFactory(project=workload_only, period_start=date(2025, month, 1), days=D("1"))
    with django_assert_num_queries(1):
        projects = list(costing.costed_projects())
        assert [project.directorate.code for project in projects]  # the directorate comes with them
    assert projects == [both, lines_only, workload_only]
