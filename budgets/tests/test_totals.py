"""The precomputed budget totals (budgets.totals) stay exactly equal to the live sums after every write path:
budget lines, planned amounts, reforecasts, transfers, funding shares, execution by hand, orders, the
finance import, the demo, the benchmark's seed, the factories, a project's deletion; the rebuild
command; the data migration; the screens' groupings against live sums; concurrent writers."""

import datetime
import importlib
import threading
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection, transaction
from django.db.models import Sum
from django.test import override_settings

from budgets import contracts, selectors, services
from budgets.lines_import import IMPORT_KIND, ExecutionImporter
from budgets.models import BudgetAllYearsTotal, BudgetLine, BudgetLineYear, BudgetTotal, FundingTotal
from budgets.tests.factories import (
    AgreementPriceFactory,
    BudgetLineYearFactory,
    FrameworkAgreementFactory,
    FundingSourceFactory,
)
from budgets.tests.totals_check import assert_totals_exact
from portfolio.models import Project
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm.imports import import_job_request, import_job_run
from ppm.models import ReportJob
from ppm.tests.factories import DirectorateFactory

D = Decimal
SECTIONS = [
    {
        "section": section,
        "authority": "100000000",
        "payment_credits": {y: "20000000" for y in range(2024, 2028)},
    }
    for section in ("investment", "operating")
]


def _envelope(actor, code):
    return services.envelope_create(
        actor=actor, code=code, name=code, first_year=2024, last_year=2027, sections=SECTIONS
    )


def _line(actor, project, envelope, *, section="investment", planned=None, label=None):
    return services.budget_line_create(
        actor=actor,
        project=project,
        data={
            "label": label or f"{section} {BudgetLine.objects.count()}",
            "section": section,
            "nature": "services",
            "envelope": envelope,
        },
        planned=planned or {},
    )


def _year(line, year):
    return BudgetLineYear.objects.get(line=line, year=year)


@pytest.mark.django_db
def test_every_line_service_keeps_the_totals_exact(pmo_user):
    first, second = _envelope(pmo_user, "E1"), _envelope(pmo_user, "E2")
    p1, p2 = ProjectFactory(), ProjectFactory()
    a = _line(pmo_user, p1, first, planned={2025: "1000.00", 2026: "2000.00"})
    assert_totals_exact()
    services.line_year_set_planned(actor=pmo_user, line=a, year=2025, planned="1500.10")
    services.line_year_set_planned(actor=pmo_user, line=a, year=2027, planned="10.00")
    assert_totals_exact()
    services.line_reforecast(actor=pmo_user, line_year=_year(a, 2025), forecast="1700.55", comment="Slip")
    assert_totals_exact()
    b = _line(pmo_user, p1, first, section="operating", planned={2025: "500.00"})
    services.transfer_create(
        actor=pmo_user,
        source_line_year=_year(a, 2025),
        target_line_year=_year(b, 2025),
        amount="300.00",
        reason="Licences",
    )
    assert_totals_exact()
    c = _line(pmo_user, p2, second, planned={2026: "50.00"})
    services.transfer_create(
        actor=pmo_user,
        source_line_year=_year(a, 2026),
        target_line_year=_year(c, 2026),
        amount="0.01",
        reason="Across projects",
    )
    assert_totals_exact()
    # A line moves: to another envelope, another section, out of any envelope; its totals follow.
    services.budget_line_update(actor=pmo_user, line=a, data={"envelope": second})
    assert_totals_exact()
    services.budget_line_update(actor=pmo_user, line=a, data={"section": "operating"})
    assert_totals_exact()
    services.budget_line_update(actor=pmo_user, line=a, data={"envelope": None})
    assert_totals_exact()
    assert BudgetTotal.objects.filter(project=p1, envelope=None, section="operating").count() == 3
    # Funding shares.
    funding = FundingSourceFactory()
    services.funding_share_set(actor=pmo_user, line=a, funding=funding, share="40")
    services.funding_share_set(actor=pmo_user, line=b, funding=funding, share="40")
    services.funding_share_set(actor=pmo_user, line=c, funding=funding, share="12.5")
    assert_totals_exact()
    services.funding_share_set(actor=pmo_user, line=b, funding=funding, share="50")
    assert_totals_exact()
    services.funding_share_set(actor=pmo_user, line=a, funding=funding, share="0")
    assert_totals_exact()
    assert FundingTotal.objects.filter(project=p1).count() == 1  # b's 2025
    # Execution by hand, in several months, a cancellation, and a year the line had no amount for.
    for kind, day, amount in (
        ("committed", datetime.date(2025, 2, 1), "400.00"),
        ("paid", datetime.date(2025, 3, 10), "100.03"),
        ("paid", datetime.date(2025, 3, 31), "0.07"),
        ("paid", datetime.date(2026, 12, 1), "50.00"),
        ("paid", datetime.date(2025, 3, 12), "-20.00"),
        ("paid", datetime.date(2024, 7, 14), "9.99"),
    ):
        services.execution_entry_add(actor=pmo_user, line=b, kind=kind, date=day, amount=amount)
        assert_totals_exact()
    assert BudgetLineYear.objects.filter(line=b, year=2024, planned=0).exists()
    total = BudgetTotal.objects.get(project=p1, envelope=first, section="operating", year=2025)
    assert (total.paid_03, total.paid, total.committed) == (D("80.10"), D("80.10"), D("400.00"))


@pytest.mark.django_db
def test_orders_keep_the_totals_exact(pmo_user, make_user):
    from ppm.roles import Role

    finance = make_user(Role.FINANCE, username="fin-totals")
    envelope = _envelope(pmo_user, "E1")
    line = _line(pmo_user, ProjectFactory(), envelope, planned={2025: "100000.00"})
    agreement = FrameworkAgreementFactory(start=datetime.date(2025, 1, 1), end=datetime.date(2026, 12, 31))
    price = AgreementPriceFactory(
        agreement=agreement, unit_price=D("620.00"), valid_from=datetime.date(2025, 1, 1)
    )

    def order():
        return contracts.order_create(
            actor=None,
            agreement=agreement,
            budget_line=line,
            title="Sprint",
            ordered_on=datetime.date(2025, 6, 2),
            lines=[{"price": price.pk, "quantity": "10"}],
        )

    signed = contracts.order_transition(
        actor=finance, order=order(), action="sign", on=datetime.date(2025, 6, 3)
    )
    assert_totals_exact()
    for amount, day in (("2000.00", datetime.date(2025, 7, 15)), ("4200.00", datetime.date(2026, 1, 5))):
        signed = contracts.order_transition(
            actor=finance, order=signed, action="invoice", amount=amount, on=day
        )
        assert_totals_exact()
    other = contracts.order_transition(
        actor=finance, order=order(), action="sign", on=datetime.date(2025, 6, 4)
    )
    contracts.order_transition(actor=finance, order=other, action="cancel", on=datetime.date(2025, 8, 1))
    assert_totals_exact()
    total = BudgetTotal.objects.get(project=line.project, year=2025)
    assert (total.committed, total.paid, total.paid_07) == (D("6200.00"), D("2000.00"), D("2000.00"))


def _run_import(user, content: str) -> ReportJob:
    job = import_job_request(
        kind=IMPORT_KIND, upload=SimpleUploadedFile("f.csv", content.encode()), requested_by=user
    )
    import_job_run(job_id=job.pk, importer=ExecutionImporter())
    job.refresh_from_db()
    assert job.status == ReportJob.Status.READY, job.row_errors
    return job


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_the_execution_import_keeps_the_totals_exact(pmo_user, monkeypatch):
    monkeypatch.setattr("ppm.reports._enqueue", lambda task, job_id: None)
    envelope = _envelope(pmo_user, "E1")
    for n, project in enumerate((ProjectFactory(), ProjectFactory())):
        services.budget_line_create(
            actor=pmo_user,
            project=project,
            data={
                "label": "X",
                "section": "investment",
                "nature": "services",
                "envelope": envelope,
                "external_ref": f"REF-{n}",
            },
            planned={2025: "5000"},
        )
    rows = (
        "line,kind,date,amount,reference\n"
        "REF-0,committed,2025-02-01,1000.50,E-1\n"
        "REF-0,paid,2025-03-15,400.25,P-1\n"
        "REF-1,paid,2025-03-16,10.00,P-2\n"
        "REF-1,paid,2026-01-02,1.00,P-3\n"
    )
    _run_import(pmo_user, rows)
    assert_totals_exact()
    # The finance system corrected a payment's date (into another month) and amount: the totals follow.
    _run_import(pmo_user, rows.replace("2025-03-15,400.25", "2025-04-01,410.00"))
    assert_totals_exact()
    total = BudgetTotal.objects.get(project__budget_lines__external_ref="REF-0", year=2025)
    assert (total.paid_03, total.paid_04) == (D("0.00"), D("410.00"))


@pytest.mark.django_db
def test_factories_a_project_deletion_and_the_demo_keep_the_totals_exact():
    BudgetLineYearFactory(planned=D("12.34"), forecast=D("56.78"))
    year = BudgetLineYearFactory(year=2026)
    assert_totals_exact()
    Project.objects.filter(pk=year.line.project_id).delete()
    assert not BudgetTotal.objects.filter(project_id=year.line.project_id).exists()
    assert_totals_exact()

    from budgets import demo_lines
    from portfolio import demo as portfolio_demo
    from ppm import demo as core_demo

    today = datetime.date(2026, 6, 15)
    core_demo.load(today=today)
    portfolio_demo.load(today=today)
    demo_lines.load(today=today)
    assert BudgetTotal.objects.count() > 20
    assert_totals_exact()


@pytest.mark.django_db
def test_the_benchmark_seed_writes_exact_totals():
    from ppm import bench as core_bench

    core_bench.seed_all(projects=5)
    assert BudgetTotal.objects.exists() and FundingTotal.objects.exists()
    assert_totals_exact()


@pytest.mark.django_db
def test_the_command_checks_and_rebuilds_the_totals(pmo_user):
    envelope = _envelope(pmo_user, "E1")
    line = _line(pmo_user, ProjectFactory(), envelope, planned={2025: "100.00", 2026: "200.00"})
    services.funding_share_set(actor=pmo_user, line=line, funding=FundingSourceFactory(), share="30")
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, 5, 5), amount="10.00"
    )
    out = StringIO()
    call_command("budget_totals", "--check", stdout=out)
    assert "equal the live sums" in out.getvalue()
    # A database written around the services: a bulk fix in SQL, a lost row, a stray one.
    BudgetLineYear.objects.filter(line=line, year=2025).update(planned=D("999.99"))
    BudgetTotal.objects.filter(year=2026).delete()
    FundingTotal.objects.update(paid=D("1.00"))
    stray = BudgetTotal.objects.create(project=ProjectFactory(), section="operating", year=2030)
    # 2 yearly totals, their line's total of all years, 2 funding totals, the stray row.
    with pytest.raises(CommandError, match="6 budget totals differ"):
        call_command("budget_totals", "--check", stdout=(out := StringIO()))
    assert "planned 100.00 ≠ 999.99" in out.getvalue()
    assert "all years" in out.getvalue() and "planned 300.00 ≠ 1199.99" in out.getvalue()
    call_command("budget_totals", stdout=(out := StringIO()))
    assert "6 rows written" in out.getvalue()
    assert not BudgetTotal.objects.filter(pk=stray.pk).exists()
    assert_totals_exact()
    call_command("budget_totals", "--check", stdout=StringIO())


@pytest.mark.django_db
def test_the_migration_fills_the_totals_of_an_existing_database(pmo_user):
    envelope = _envelope(pmo_user, "E1")
    line = _line(pmo_user, ProjectFactory(), envelope, planned={2025: "100.00"})
    _line(pmo_user, ProjectFactory(), None, section="operating", planned={2026: "7.00"})
    services.funding_share_set(actor=pmo_user, line=line, funding=FundingSourceFactory(), share="30")
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, 5, 5), amount="10.00"
    )
    migration = importlib.import_module("budgets.migrations.0004_budget_totals")
    migration.empty_totals(django_apps, None)
    assert not BudgetTotal.objects.exists()
    migration.fill_totals(django_apps, None)
    assert_totals_exact()


@pytest.mark.django_db
def test_the_migration_fills_the_all_years_totals_of_an_existing_database(pmo_user):
    envelope = _envelope(pmo_user, "E1")
    line = _line(pmo_user, ProjectFactory(), envelope, planned={2025: "100.00", 2026: "0.05"})
    _line(pmo_user, line.project, envelope, section="operating", planned={2026: "7.00"})
    _line(pmo_user, ProjectFactory(), None, section="operating", planned={2025: "1.10", 2027: "2.20"})
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, 5, 5), amount="10.00"
    )
    migration = importlib.import_module("budgets.migrations.0007_budget_all_years_totals")
    migration.empty_all_years_totals(django_apps, None)
    assert not BudgetAllYearsTotal.objects.exists()
    migration.fill_all_years_totals(django_apps, None)
    assert BudgetAllYearsTotal.objects.count() == 3
    assert_totals_exact()


@pytest.mark.django_db
def test_the_screens_groupings_equal_the_live_sums_under_every_filter(pmo_user):
    """What the screens read from the totals, filtered as their forms filter, against the line years."""
    first, second = _envelope(pmo_user, "E1"), _envelope(pmo_user, "E2")
    objective, directorate = ObjectiveFactory(), DirectorateFactory()
    projects = [
        ProjectFactory(objectives=[objective], directorate=directorate),
        ProjectFactory(objectives=[objective, ObjectiveFactory()], status="in_progress"),
        ProjectFactory(directorate=directorate, status="in_progress"),
    ]
    for n, project in enumerate(projects):
        for envelope, section in ((first, "investment"), (second, "operating"), (None, "investment")):
            line = _line(
                pmo_user, project, envelope, section=section, planned={2025: f"{n + 1}00.10", 2026: "3.00"}
            )
            services.execution_entry_add(
                actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, n + 1, 2), amount="1.01"
            )
    filters = [
        selectors.BudgetFilters(),
        selectors.BudgetFilters(year=2025),
        selectors.BudgetFilters(envelope=first.pk, year=2026),
        selectors.BudgetFilters(objective=objective.pk),
        selectors.BudgetFilters(directorate=directorate.pk, status="in_progress"),
    ]
    keys = {
        ("envelope_id", "section", "project_id"): ("line__envelope_id", "line__section", "line__project_id"),
        ("project_id",): ("line__project_id",),
        ("envelope_id", "section", "year"): ("line__envelope_id", "line__section", "year"),
    }
    for budget_filters in filters:
        for total_keys, live_keys in keys.items():
            live = BudgetLineYear.objects.filter(budget_filters.line_q())
            if budget_filters.year:
                live = live.filter(year=budget_filters.year)
            expected = {
                tuple(row[k] for k in live_keys): (row["p"], row["f"], row["c"], row["d"])
                for row in live.values(*live_keys)
                .annotate(p=Sum("planned"), f=Sum("forecast"), c=Sum("committed"), d=Sum("paid"))
                .order_by()
            }
            got = {
                key: (figures.planned, figures.forecast, figures.committed, figures.paid)
                for key, figures in selectors._grouped(total_keys, budget_filters).items()
            }
            assert got == expected, (budget_filters, total_keys)
    cp = selectors.cp_consumption_by_month(2025)
    assert [month["paid"] for month in cp["months"][:4]] == [D("2.02")] * 3 + [D("0.00")]
    live_cp = selectors.cp_consumption_by_month(2025, as_of=datetime.date(2025, 12, 31))
    assert cp["months"] == live_cp["months"]
    assert selectors.cp_consumption_by_month(2025, envelope=second.pk)["paid"] == D("3.03")


# ------------------------------------------------------------------ concurrency


def _in_thread(target, errors):
    def run():
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_writer", ["transfer", "order"])
def test_two_writers_on_one_project_leave_exact_totals(pmo_user, second_writer):
    """The first writer reforecasts line A and keeps its transaction open; meanwhile the second one moves
    planned amounts from B (A's key) to C (the operating section) or signs an order on B: other rows of
    the same project and totals key. The second waits for the first (the project's lock on PostgreSQL,
    the IMMEDIATE transaction on SQLite), then recomputes with the first one's committed forecast; without
    that lock the transfer would sum the old forecast of A and write that stale total over the first
    one's (the order's execution refresh happens to lock the project through its line years' ordering)."""
    envelope = _envelope(pmo_user, "RACE")
    project = ProjectFactory()
    a, b = (_line(pmo_user, project, envelope, planned={2025: "100.00"}) for _n in range(2))
    c = _line(pmo_user, project, envelope, section="operating", planned={2025: "100.00"})
    agreement = FrameworkAgreementFactory(start=datetime.date(2025, 1, 1), end=datetime.date(2026, 12, 31))
    price = AgreementPriceFactory(
        agreement=agreement, unit_price=D("5.00"), valid_from=datetime.date(2025, 1, 1)
    )
    order = contracts.order_create(
        actor=None,
        agreement=agreement,
        budget_line=b,
        title="Sprint",
        ordered_on=datetime.date(2025, 6, 2),
        lines=[{"price": price.pk, "quantity": "2"}],
    )
    written, errors = threading.Event(), []

    def first():
        with transaction.atomic():
            services.line_reforecast(actor=pmo_user, line_year=_year(a, 2025), forecast="300.00", comment="A")
            written.set()
            time.sleep(1.0)  # the second writer starts and waits meanwhile

    def second():
        assert written.wait(30)
        if second_writer == "transfer":
            services.transfer_create(
                actor=pmo_user,
                source_line_year=_year(b, 2025),
                target_line_year=_year(c, 2025),
                amount="40.00",
                reason="Race",
            )
        else:
            contracts.order_transition(actor=None, order=order, action="sign", on=datetime.date(2025, 6, 3))

    threads = [_in_thread(first, errors), _in_thread(second, errors)]
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert_totals_exact()
    total = BudgetTotal.objects.get(project=project, section="investment", year=2025)
    assert total.forecast == D("400.00")
    if second_writer == "transfer":
        assert (total.planned, total.committed) == (D("160.00"), D("0.00"))
    else:
        assert (total.planned, total.committed) == (D("200.00"), D("10.00"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_mixed_writes_never_deadlock_and_leave_exact_totals(pmo_user):
    """Four writers mixing reforecasts, planned amounts, execution and transfers across two projects: the
    fixed lock order (projects first, in pk order) lets all of them through."""
    envelope = _envelope(pmo_user, "MIX")
    projects = [ProjectFactory(), ProjectFactory()]
    lines = [_line(pmo_user, p, envelope, planned={2025: "100000.00"}) for p in projects for _n in range(2)]
    errors: list = []

    def writer(n):
        def run():
            for step in range(6):
                line = lines[(n + step) % 4]
                other = lines[(n + step + 1) % 4]
                action = (n + step) % 4
                if action == 0:
                    services.line_reforecast(
                        actor=pmo_user,
                        line_year=_year(line, 2025),
                        forecast=f"{90000 + n * 10 + step}.00",
                        comment="r",
                    )
                elif action == 1:
                    services.line_year_set_planned(
                        actor=pmo_user, line=line, year=2025, planned=f"{100000 + n + step}.00"
                    )
                elif action == 2:
                    services.execution_entry_add(
                        actor=pmo_user,
                        line=line,
                        kind="paid",
                        date=datetime.date(2025, step + 1, n + 1),
                        amount="1.00",
                    )
                else:
                    services.transfer_create(
                        actor=pmo_user,
                        source_line_year=_year(line, 2025),
                        target_line_year=_year(other, 2025),
                        amount="1.00",
                        reason="mix",
                    )

        return run

    threads = [_in_thread(writer(n), errors) for n in range(4)]
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert_totals_exact()
