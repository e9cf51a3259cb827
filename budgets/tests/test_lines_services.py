"""Budget services: exact Decimal amounts, envelopes, over-allocation and overrides, transfers,
reforecasts, fundings, execution and its totals."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from budgets import services
from budgets.models import (
    BudgetLineYear,
    EnvelopeOverride,
    EnvelopePaymentCredit,
    ExecutionEntry,
    ForecastRevision,
    FundingShare,
    Section,
    Transfer,
)
from budgets.tests.factories import FundingSourceFactory
from portfolio.tests.factories import ProjectFactory
from ppm.exceptions import DomainValidationError, StaleVersionError
from ppm.models import AuditEntry
from ppm.roles import Role

D = Decimal


@pytest.fixture
def finance_user(make_user):
    return make_user(Role.FINANCE, username="finance1")


@pytest.fixture
def envelope(pmo_user):
    return services.envelope_create(
        actor=pmo_user,
        code="FRN",
        name="Feuille de route",
        first_year=2025,
        last_year=2026,
        sections=[
            {"section": "investment", "authority": "1000.00", "payment_credits": {2025: "400", 2026: "600"}},
            {"section": "operating", "authority": "500", "payment_credits": {2025: "250,50"}},
        ],
    )


@pytest.fixture
def project(manager_user):
    return ProjectFactory(manager=manager_user)


def _line(actor, project, envelope, planned=None, **data):
    return services.budget_line_create(
        actor=actor,
        project=project,
        data={
            "label": "Licences",
            "section": "investment",
            "nature": "licences",
            "envelope": envelope,
            **data,
        },
        planned=planned or {},
    )


def test_envelope_sections_and_cp_are_exact_decimals(envelope):
    sections = {s.section: s for s in envelope.sections.all()}
    assert sections["investment"].authority == D("1000.00")
    assert type(sections["investment"].authority) is Decimal
    cp = EnvelopePaymentCredit.objects.get(envelope_section=sections["operating"], year=2025)
    assert cp.amount == D("250.50") and type(cp.amount) is Decimal


def test_envelope_validation(pmo_user, finance_user):
    with pytest.raises(DomainValidationError, match="runs from 2025 to 2026"):
        services.envelope_create(
            actor=pmo_user,
            code="X",
            name="X",
            first_year=2025,
            last_year=2026,
            sections=[{"section": "investment", "authority": "10", "payment_credits": {2027: "1"}}],
        )
    with pytest.raises(DomainValidationError, match="negative"):
        services.envelope_create(
            actor=pmo_user,
            code="X",
            name="X",
            first_year=2025,
            last_year=2026,
            sections=[{"section": "investment", "authority": "10", "payment_credits": {2025: "-1"}}],
        )
    with pytest.raises(DomainValidationError, match="more than its authority"):
        services.envelope_create(
            actor=pmo_user,
            code="X",
            name="X",
            first_year=2025,
            last_year=2026,
            sections=[{"section": "investment", "authority": "10", "payment_credits": {2025: "11"}}],
        )
    # Finance may not override; the project office may, and it is recorded.
    with pytest.raises(PermissionDenied):
        services.envelope_create(
            actor=finance_user,
            code="X",
            name="X",
            first_year=2025,
            last_year=2026,
            sections=[{"section": "investment", "authority": "10", "payment_credits": {2025: "11"}}],
            override=True,
            reason="Report",
        )
    services.envelope_create(
        actor=pmo_user,
        code="X",
        name="X",
        first_year=2025,
        last_year=2026,
        sections=[{"section": "investment", "authority": "10", "payment_credits": {2025: "11"}}],
        override=True,
        reason="Report de crédits",
    )
    assert EnvelopeOverride.objects.get().excess == D("1.00")


def test_line_needs_the_envelope_section(pmo_user, project):
    envelope = services.envelope_create(
        actor=pmo_user,
        code="Y",
        name="Y",
        first_year=2025,
        last_year=2025,
        sections=[{"section": "investment", "authority": "10"}],
    )
    with pytest.raises(DomainValidationError, match="no operating section"):
        _line(pmo_user, project, envelope, section="operating")


def test_planned_is_exact_to_the_cent(pmo_user, project, envelope):
    line = _line(pmo_user, project, envelope, planned={2025: "0.10", 2026: "0.20"})
    other = _line(pmo_user, project, envelope, label="Other", planned={2025: "0.20"})
    total = sum((y.planned for y in BudgetLineYear.objects.filter(line__in=[line, other])), D("0"))
    assert total == D("0.50") and type(total) is Decimal
    year = BudgetLineYear.objects.get(line=line, year=2025)
    assert year.forecast == D("0.10")  # the forecast starts at the planned amount


def test_year_outside_the_envelope_refused(pmo_user, project, envelope):
    line = _line(pmo_user, project, envelope)
    with pytest.raises(DomainValidationError, match="runs from 2025 to 2026"):
        services.line_year_set_planned(actor=pmo_user, line=line, year=2027, planned="1")


def test_over_allocation_refused_then_accepted_with_an_override(pmo_user, finance_user, project, envelope):
    line = _line(pmo_user, project, envelope, planned={2025: "400"})
    # Above the 2025 CP (400): refused, nothing written.
    with pytest.raises(DomainValidationError, match="CP voted") as error:
        services.line_year_set_planned(actor=finance_user, line=line, year=2025, planned="450")
    assert error.value.excess == D("50.00")
    assert BudgetLineYear.objects.get(line=line, year=2025).planned == D("400.00")
    # Above the authority over all years (1000): refused.
    services.line_year_set_planned(actor=pmo_user, line=line, year=2026, planned="600")
    other = _line(pmo_user, project, envelope, label="Other")
    with pytest.raises(DomainValidationError, match="authority"):
        services.line_year_set_planned(actor=pmo_user, line=other, year=2026, planned="1")
    # Finance may not override.
    with pytest.raises(PermissionDenied):
        services.line_year_set_planned(
            actor=finance_user, line=line, year=2025, planned="450", override=True, reason="x"
        )
    # The project office may, with a reason; it is recorded.
    with pytest.raises(DomainValidationError, match="Say why"):
        services.line_year_set_planned(actor=pmo_user, line=line, year=2025, planned="450", override=True)
    services.line_year_set_planned(
        actor=pmo_user, line=line, year=2025, planned="450", override=True, reason="Urgence"
    )
    override = EnvelopeOverride.objects.get()
    assert (override.excess, override.reason, override.actor) == (D("50.00"), "Urgence", pmo_user)
    assert override.envelope_section.section == Section.INVESTMENT
    # Lowering an over-allocated line is always accepted.
    services.line_year_set_planned(actor=finance_user, line=line, year=2025, planned="420")


def test_line_without_envelope_is_not_limited(pmo_user, project):
    line = _line(pmo_user, project, None, planned={2031: "99999999"})
    assert line.years.get().planned == D("99999999.00")


def test_transfer_recorded_and_audited(pmo_user, finance_user, project, envelope):
    source = _line(pmo_user, project, envelope, planned={2025: "300"})
    target = _line(pmo_user, project, envelope, label="Target", planned={2025: "50"})
    s, t = source.years.get(), target.years.get()
    before = AuditEntry.objects.count()
    transfer = services.transfer_create(
        actor=finance_user, source_line_year=s, target_line_year=t, amount="100.10", reason="Rebalance"
    )
    s.refresh_from_db()
    t.refresh_from_db()
    assert (s.planned, t.planned) == (D("199.90"), D("150.10"))
    assert (transfer.amount, transfer.actor, transfer.override) == (D("100.10"), finance_user, False)
    # Audit: both line years' planned amounts and a "transfer" entry on both lines.
    entries = AuditEntry.objects.order_by("pk")[before:]
    assert len([e for e in entries if "transfer" in e.changes]) == 2
    assert len([e for e in entries if "planned" in e.changes]) == 2


def test_transfer_refused_below_committed(pmo_user, project, envelope):
    source = _line(pmo_user, project, envelope, planned={2025: "300"})
    target = _line(pmo_user, project, envelope, label="Target", planned={2025: "50"})
    services.execution_entry_add(
        actor=pmo_user, line=source, kind="committed", date=datetime.date(2025, 3, 1), amount="250"
    )
    with pytest.raises(DomainValidationError, match="already committed"):
        services.transfer_create(
            actor=pmo_user,
            source_line_year=source.years.get(),
            target_line_year=target.years.get(),
            amount="50.01",
            reason="x",
        )
    assert not Transfer.objects.exists()
    services.transfer_create(
        actor=pmo_user,
        source_line_year=source.years.get(),
        target_line_year=target.years.get(),
        amount="50",
        reason="x",
    )


def test_transfer_over_allocating_the_target_section(pmo_user, project, envelope):
    # Moving from an operating line (no limit reached) to an investment year at its CP.
    source = _line(pmo_user, project, envelope, section="operating", planned={2025: "200"})
    target = _line(pmo_user, project, envelope, label="Target", planned={2025: "400"})
    kwargs = {
        "source_line_year": source.years.get(),
        "target_line_year": target.years.get(),
        "amount": "10",
        "reason": "Urgent",
    }
    with pytest.raises(DomainValidationError, match="CP voted"):
        services.transfer_create(actor=pmo_user, **kwargs)
    transfer = services.transfer_create(actor=pmo_user, override=True, **kwargs)
    assert transfer.override is True
    assert EnvelopeOverride.objects.get().excess == D("10.00")


def test_transfer_only_by_budget_editors(manager_user, pmo_user, project, envelope):
    a = _line(pmo_user, project, envelope, planned={2025: "10"})
    b = _line(pmo_user, project, envelope, label="B", planned={2025: "10"})
    with pytest.raises(PermissionDenied):
        services.transfer_create(
            actor=manager_user,
            source_line_year=a.years.get(),
            target_line_year=b.years.get(),
            amount="1",
            reason="x",
        )


def test_reforecast_history(pmo_user, manager_user, other_manager, project, envelope):
    line = _line(pmo_user, project, envelope, planned={2025: "300"})
    year = line.years.get()
    with pytest.raises(DomainValidationError, match="Say why"):
        services.line_reforecast(
            actor=manager_user, line_year=year, forecast="350", comment=" ", expected_version=year.version
        )
    with pytest.raises(PermissionDenied):
        services.line_reforecast(actor=other_manager, line_year=year, forecast="350", comment="x")
    updated = services.line_reforecast(
        actor=manager_user, line_year=year, forecast="350", comment="Retard", expected_version=year.version
    )
    with pytest.raises(StaleVersionError):
        services.line_reforecast(
            actor=manager_user, line_year=year, forecast="360", comment="x", expected_version=year.version
        )
    services.line_reforecast(
        actor=manager_user,
        line_year=updated,
        forecast="320.5",
        comment="Moins",
        expected_version=updated.version,
    )
    revisions = list(ForecastRevision.objects.filter(line_year=year))
    assert [(r.before, r.after, r.comment) for r in revisions] == [
        (D("350.00"), D("320.50"), "Moins"),
        (D("300.00"), D("350.00"), "Retard"),
    ]
    assert revisions[0].actor == manager_user
    updates = AuditEntry.objects.filter(object_id=year.pk, action="update", changes__has_key="forecast")
    assert updates.count() == 2


def test_funding_shares_at_most_100_percent(pmo_user, project, envelope):
    line = _line(pmo_user, project, envelope)
    a, b = FundingSourceFactory(), FundingSourceFactory()
    services.funding_share_set(actor=pmo_user, line=line, funding=a, share="60")
    with pytest.raises(DomainValidationError, match="more than 100"):
        services.funding_share_set(actor=pmo_user, line=line, funding=b, share="40.01")
    services.funding_share_set(actor=pmo_user, line=line, funding=b, share="40")
    services.funding_share_set(actor=pmo_user, line=line, funding=a, share="0")
    assert list(FundingShare.objects.values_list("funding", flat=True)) == [b.pk]


def test_execution_totals_follow_entries(pmo_user, project, envelope):
    line = _line(pmo_user, project, envelope, planned={2025: "300"})
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="committed", date=datetime.date(2025, 2, 1), amount="100.01"
    )
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, 3, 1), amount="40.02"
    )
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, 4, 1), amount="-0.01"
    )
    # A payment in a year the line had no amount for creates that year (planned 0).
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2026, 1, 5), amount="1"
    )
    y2025 = BudgetLineYear.objects.get(line=line, year=2025)
    assert (y2025.committed, y2025.paid) == (D("100.01"), D("40.01"))
    assert type(y2025.paid) is Decimal
    assert BudgetLineYear.objects.get(line=line, year=2026).paid == D("1.00")


def test_totals_refresh_is_the_entry_point_for_order_entries(pmo_user, project, envelope):
    line = _line(pmo_user, project, envelope, planned={2025: "300"})
    year = line.years.get()
    version = year.version
    ExecutionEntry.objects.create(
        line=line, kind="committed", date=datetime.date(2025, 5, 1), amount=D("12.34"), source="order"
    )
    assert services.line_year_totals_refresh([line.pk]) == 1
    year.refresh_from_db()
    assert year.committed == D("12.34")
    assert year.version == version  # derived totals do not turn open forms stale
    assert services.line_year_totals_refresh([line.pk]) == 0


def test_budget_line_update_versioned(pmo_user, manager_user, project, envelope):
    line = _line(pmo_user, project, envelope)
    with pytest.raises(PermissionDenied):
        services.budget_line_update(actor=manager_user, line=line, data={"label": "x"})
    updated = services.budget_line_update(
        actor=pmo_user, line=line, data={"label": "Études"}, expected_version=line.version
    )
    assert updated.version == line.version + 1
    with pytest.raises(StaleVersionError):
        services.budget_line_update(
            actor=pmo_user, line=line, data={"label": "y"}, expected_version=line.version
        )


def test_external_ref_is_unique(pmo_user, project, envelope):
    _line(pmo_user, project, envelope, external_ref="INV-1")
    with pytest.raises(DomainValidationError):
        _line(pmo_user, project, envelope, external_ref="INV-1")


# ------------------------------------------------------------------------------------ deleting a line


def test_a_line_entered_by_mistake_is_deleted_with_its_years_and_shares_and_audited(
    pmo_user, project, envelope
):
    from budgets.models import BudgetLine, BudgetTotal, FundingTotal
    from budgets.totals import budget_totals_differences

    kept = _line(pmo_user, project, envelope, label="Kept", planned={2025: "10"})
    line = _line(pmo_user, project, envelope, label="Wrong <line>", planned={2025: "300", 2026: "12.5"})
    services.funding_share_set(actor=pmo_user, line=line, funding=FundingSourceFactory(), share="40")
    assert BudgetTotal.objects.filter(project=project).count() == 2 and FundingTotal.objects.exists()

    services.budget_line_delete(actor=pmo_user, line=line, expected_version=line.version)

    assert list(BudgetLine.objects.filter(project=project)) == [kept]
    assert not BudgetLineYear.objects.filter(line_id=line.pk).exists()
    assert not FundingShare.objects.filter(line_id=line.pk).exists()
    # The stored totals follow at once: only the kept line's 10 € remain.
    assert budget_totals_differences([project.pk]) == []
    assert sum(t.planned for t in BudgetTotal.objects.filter(project=project)) == D("10.00")
    assert not FundingTotal.objects.filter(project=project).exists()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).get()
    assert entry.object_id == line.pk and entry.related_object_id == project.pk  # in the project's history
    assert entry.changes["label"]["old"] == "Wrong <line>"
    assert (
        entry.changes["planned_2025"]["old"] == "300.00" and entry.changes["planned_2026"]["old"] == "12.50"
    )


def test_a_line_with_finance_history_is_not_deleted(pmo_user, project, envelope):
    from budgets.models import BudgetLine
    from budgets.tests.factories import OrderFactory
    from ppm.exceptions import DomainConflictError

    paid = _line(pmo_user, project, envelope, label="Paid", planned={2025: "200"})
    services.execution_entry_add(
        actor=pmo_user, line=paid, kind="paid", date=datetime.date(2025, 3, 1), amount="40"
    )
    ordered = _line(pmo_user, project, envelope, label="Ordered")
    OrderFactory(project=project, budget_line=ordered)
    source = _line(pmo_user, project, envelope, label="Source", planned={2025: "100"})
    target = _line(pmo_user, project, envelope, label="Target", planned={2025: "1"})
    services.transfer_create(
        actor=pmo_user,
        source_line_year=source.years.get(),
        target_line_year=target.years.get(),
        amount="10",
        reason="Rebalance",
    )
    for line, reason in [
        (paid, "committed or paid amounts"),
        (ordered, "orders are drawn on it"),
        (source, "transfers were recorded"),
        (target, "transfers were recorded"),
    ]:
        with pytest.raises(DomainConflictError, match=reason) as refused:
            services.budget_line_delete(actor=pmo_user, line=line)
        assert refused.value.status == 409 and refused.value.code == "budget_line_in_use"
    assert BudgetLine.objects.filter(project=project).count() == 4
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_deleting_a_line_needs_the_right_and_the_current_version(pmo_user, manager_user, project, envelope):
    from budgets.models import BudgetLine

    line = _line(pmo_user, project, envelope)
    with pytest.raises(PermissionDenied):
        services.budget_line_delete(actor=manager_user, line=line)
    services.budget_line_update(actor=pmo_user, line=line, data={"label": "Renamed"})
    with pytest.raises(StaleVersionError):
        services.budget_line_delete(actor=pmo_user, line=line, expected_version=line.version)
    assert BudgetLine.objects.filter(pk=line.pk).exists()
