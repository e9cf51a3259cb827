"""Selectors: S-curve numbers, portfolio and envelope figures, query counts constant with the data,
the execution import (all or nothing, idempotent) and the demo."""

import datetime
import json
from decimal import Decimal
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from budgets import selectors, services
from budgets.lines_import import IMPORT_KIND, ExecutionImporter
from budgets.models import BudgetLineYear, BudgetTotal, ExecutionEntry
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm.imports import import_job_request, import_job_run
from ppm.models import ReportJob
from ppm.services import api_token_create
from ppm.testing import assert_same_queries_at_two_sizes

D = Decimal
_seq = count()


@pytest.fixture
def envelope(pmo_user):
    return services.envelope_create(
        actor=pmo_user,
        code="FRN",
        name="Feuille",
        first_year=2025,
        last_year=2026,
        sections=[
            {
                "section": "investment",
                "authority": "100000000",
                "payment_credits": {2025: "50000000", 2026: "50000000"},
            },
            {
                "section": "operating",
                "authority": "100000000",
                "payment_credits": {2025: "50000000", 2026: "50000000"},
            },
        ],
    )


def _project_with_line(pmo_user, envelope, *, planned="1200.00", objectives=()):
    n = next(_seq)
    project = ProjectFactory(objectives=list(objectives))
    line = services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={
            "label": f"Line {n}",
            "section": "investment",
            "nature": "services",
            "envelope": envelope,
            "external_ref": f"REF-{n}",
        },
        planned={2025: planned},
    )
    ExecutionEntry.objects.create(
        line=line, kind="committed", date=datetime.date(2025, 1, 15), amount=D("600.00"), source="manual"
    )
    ExecutionEntry.objects.create(
        line=line, kind="paid", date=datetime.date(2025, 3, 15), amount=D("100.01"), source="manual"
    )
    services.line_year_totals_refresh([line.pk])
    return project, line


def test_s_curve_spreads_planned_evenly_and_dates_actuals(pmo_user, envelope):
    project, line = _project_with_line(pmo_user, envelope, planned="1000.00")
    points = selectors.s_curve(project)
    assert [p.month for p in points][:2] == [datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)]
    assert len(points) == 12
    assert points[0].planned == D("83.33")  # 1000 / 12, to the cent
    assert points[10].planned == D("916.63")
    assert points[11].planned == D("1000.00")  # December takes the remainder: the year sums exactly
    assert points[0].committed == D("600.00") and points[1].paid == D("0") and points[2].paid == D("100.01")
    assert all(
        type(value) is Decimal for p in points for value in (p.planned, p.forecast, p.committed, p.paid)
    )
    # A reforecast moves the forecast curve only.
    year = line.years.get()
    services.line_reforecast(actor=pmo_user, line_year=year, forecast="1200", comment="x")
    after = selectors.s_curve(project)
    assert after[-1].forecast == D("1200.00") and after[-1].planned == D("1000.00")


def test_portfolio_counts_a_shared_project_in_each_objective(pmo_user, envelope):
    a, b = ObjectiveFactory(), ObjectiveFactory()
    _project_with_line(pmo_user, envelope, planned="100.00", objectives=[a, b])
    _project_with_line(pmo_user, envelope, planned="50.00", objectives=[a])
    data = selectors.portfolio_budget(selectors.BudgetFilters())
    by_objective = {g.key: g for g in data["by_objective"]}
    assert by_objective[a.pk].figures.planned == D("150.00")
    assert by_objective[b.pk].figures.planned == D("100.00")
    assert by_objective[a.pk].extra == {"projects": 2, "shared": 1}
    assert data["total"].planned == D("150.00")
    assert data["total"].paid == D("200.02") and type(data["total"].paid) is Decimal
    filtered = selectors.portfolio_budget(selectors.BudgetFilters(objective=b.pk))
    assert filtered["total"].planned == D("100.00")
    as_of = selectors.portfolio_budget(selectors.BudgetFilters(as_of=datetime.date(2025, 2, 1)))
    assert as_of["total"].paid == D("0.00") and as_of["total"].committed == D("1200.00")


def test_funding_dashboard(pmo_user, envelope):
    _project, line = _project_with_line(pmo_user, envelope, planned="1000.00")
    funding = services.funding_source_create(
        actor=pmo_user, data={"name": "Relance", "kind": "recovery", "amount": "500"}
    )
    services.funding_share_set(actor=pmo_user, line=line, funding=funding, share="33.33")
    row = selectors.funding_dashboard()[0]
    assert (row.allocated, row.paid, row.still_to_justify) == (D("333.30"), D("33.33"), D("466.67"))


def test_cp_consumption(pmo_user, envelope):
    _project_with_line(pmo_user, envelope)
    cp = selectors.cp_consumption_by_month(2025)
    assert cp["voted"] == D("100000000.00")
    assert [m["paid"] for m in cp["months"]][:3] == [D("0"), D("0"), D("100.01")]
    assert cp["months"][-1]["cumulative"] == D("100.01")


@pytest.mark.parametrize(
    "url",
    ["budgets:portfolio_budget", "budgets:envelope_list", "budgets:funding_list", "budgets:transfer_list"],
)
def test_pages_queries_constant(client, pmo_user, envelope, url):
    client.force_login(pmo_user)

    def grow(n):
        for _ in range(n):
            _project, line = _project_with_line(pmo_user, envelope, objectives=[ObjectiveFactory()])
            funding = services.funding_source_create(
                actor=pmo_user, data={"name": f"F{next(_seq)}", "kind": "eu", "amount": "10"}
            )
            services.funding_share_set(actor=pmo_user, line=line, funding=funding, share="10")
            other = services.budget_line_create(
                actor=pmo_user,
                project=_project,
                data={"label": "T", "section": "investment", "nature": "studies", "envelope": envelope},
                planned={2025: "10"},
            )
            services.transfer_create(
                actor=pmo_user,
                source_line_year=line.years.get(),
                target_line_year=other.years.get(),
                amount="1",
                reason="x",
            )

    assert_same_queries_at_two_sizes(lambda: client.get(reverse(url)), grow=grow, sizes=(2, 6), ceiling=40)


def test_project_tab_queries_constant(client, pmo_user, envelope):
    client.force_login(pmo_user)
    project, _line = _project_with_line(pmo_user, envelope)

    def grow(n):
        for _i in range(n):
            line = services.budget_line_create(
                actor=pmo_user,
                project=project,
                data={
                    "label": f"L{next(_seq)}",
                    "section": "investment",
                    "nature": "studies",
                    "envelope": envelope,
                },
                planned={2025: "10", 2026: "20"},
            )
            services.line_reforecast(actor=pmo_user, line_year=line.years.first(), forecast="11", comment="x")
            ExecutionEntry.objects.create(
                line=line, kind="paid", date=datetime.date(2025, 5, 1), amount=D("1"), source="manual"
            )

    url = reverse("budgets:project_budget", args=[project.pk])
    assert_same_queries_at_two_sizes(lambda: client.get(url), grow=grow, sizes=(2, 6), ceiling=45)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/budget-lines/",
        "/api/v1/envelopes/",
        "/api/v1/fundings/",
        "/api/v1/transfers/",
        "/api/v1/budgets/summary/",
    ],
)
def test_api_lists_queries_constant(pmo_user, envelope, url):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=pmo_user, name='t')[1]}")

    def grow(n):
        for _ in range(n):
            _project, line = _project_with_line(pmo_user, envelope)
            services.envelope_create(
                actor=pmo_user,
                code=f"E{next(_seq)}",
                name="E",
                first_year=2025,
                last_year=2025,
                sections=[{"section": "investment", "authority": "10", "payment_credits": {2025: "1"}}],
            )
            funding = services.funding_source_create(
                actor=pmo_user, data={"name": f"F{next(_seq)}", "kind": "eu", "amount": "10"}
            )
            services.funding_share_set(actor=pmo_user, line=line, funding=funding, share="10")

    assert_same_queries_at_two_sizes(lambda: api.get(url), grow=grow, sizes=(2, 6), ceiling=20)


CSV = (
    "line,kind,date,amount,reference\n"
    'REF-X,committed,2025-02-01,"1 000,50",E-1\n'
    "REF-X,paid,01/03/2025,400.25,P-1\n"
)


def _run_import(user, content: bytes) -> ReportJob:
    job = import_job_request(kind=IMPORT_KIND, upload=SimpleUploadedFile("f.csv", content), requested_by=user)
    import_job_run(job_id=job.pk, importer=ExecutionImporter())
    job.refresh_from_db()
    return job


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_import_good_file_then_the_same_twice(pmo_user, envelope, monkeypatch):
    monkeypatch.setattr("ppm.reports._enqueue", lambda task, job_id: None)
    project = ProjectFactory()
    line = services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={
            "label": "X",
            "section": "investment",
            "nature": "services",
            "envelope": envelope,
            "external_ref": "REF-X",
        },
        planned={2025: "5000"},
    )
    job = _run_import(pmo_user, CSV.encode())
    assert job.status == ReportJob.Status.READY, job.row_errors
    year = BudgetLineYear.objects.get(line=line, year=2025)
    assert (year.committed, year.paid) == (D("1000.50"), D("400.25"))
    # The same content again (a new file name, a new job): nothing changes.
    job2 = _run_import(pmo_user, CSV.encode() + b"\n")
    assert job2.status == ReportJob.Status.READY
    assert ExecutionEntry.objects.count() == 2
    year.refresh_from_db()
    assert (year.committed, year.paid) == (D("1000.50"), D("400.25"))
    # A corrected amount updates the entry.
    job3 = _run_import(pmo_user, CSV.replace("400.25", "410.00").encode())
    assert job3.status == ReportJob.Status.READY
    year.refresh_from_db()
    assert year.paid == D("410.00") and ExecutionEntry.objects.count() == 2


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_import_bad_rows_all_reported_nothing_written(pmo_user, envelope, monkeypatch):
    monkeypatch.setattr("ppm.reports._enqueue", lambda task, job_id: None)
    project = ProjectFactory()
    services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={
            "label": "X",
            "section": "investment",
            "nature": "services",
            "envelope": envelope,
            "external_ref": "REF-X",
        },
    )
    bad = (
        "line,kind,date,amount,reference\n"
        "REF-X,committed,2025-02-01,100,E-1\n"
        "NOPE,paid,2025-02-01,100,E-2\n"
        "REF-X,spent,2025-02-01,100,E-3\n"
        "REF-X,paid,31/02/2025,100,E-4\n"
        "REF-X,paid,2025-02-01,1e400,E-5\n"
        "REF-X,paid,2025-02-01,1.234,E-6\n"
        "REF-X,committed,2025-02-01,100,E-1\n"
    )
    job = _run_import(pmo_user, bad.encode())
    assert job.status == ReportJob.Status.FAILED
    by_line = {(e["line"], e["field"]) for e in job.row_errors}
    assert by_line == {(3, "line"), (4, "kind"), (5, "date"), (6, "amount"), (7, "amount"), (8, "reference")}
    assert not ExecutionEntry.objects.exists()


def test_demo_is_idempotent_and_consistent(db):
    from django.core.management import call_command

    from budgets import demo_lines
    from budgets.models import Envelope, EnvelopeOverride, ForecastRevision, Transfer
    from ppm import demo as core_demo

    today = datetime.date(2026, 6, 15)
    core_demo.load(today=today)
    from portfolio import demo as portfolio_demo

    portfolio_demo.load(today=today)
    first = demo_lines.load(today=today)
    assert first["budget_lines"] > 20 and first["execution_entries"] > 100
    assert demo_lines.load(today=today)["budget_lines"] == 0
    envelope = Envelope.objects.get()
    assert sum(s.authority for s in envelope.sections.all()) == D("15000000.00")
    assert not EnvelopeOverride.objects.exists()
    assert ForecastRevision.objects.count() == 3 and Transfer.objects.count() == 1
    assert not ExecutionEntry.objects.filter(date__gt=today).exists()
    assert call_command is not None


def test_envelope_summary_as_of_and_the_report(pmo_user, envelope):
    from budgets.lines_report import render_pdf_report, render_xlsx_report

    _project_with_line(pmo_user, envelope)
    summary = selectors.envelope_summary(envelope, as_of=datetime.date(2025, 2, 1))
    investment = next(s for s in summary if s.section.section == "investment")
    assert (investment.figures.committed, investment.figures.paid) == (D("600.00"), D("0.00"))
    assert investment.year_rows()[0]["planned"] == D("1200.00")

    class Job:
        params = {"as_of": "2025-03-31"}

    name, content = render_pdf_report(Job())
    assert name == "budget-report-2025-03-31.pdf" and content.startswith(b"%PDF")
    name, content = render_xlsx_report(Job())
    assert name.endswith(".xlsx") and content.startswith(b"PK")


def _live_groups(filters: selectors.BudgetFilters) -> dict:
    """The portfolio's groups computed the plain way, project by project from the line years and the
    entries (what portfolio_budget did before it aggregated in SQL): the reference for the test below."""
    from collections import defaultdict

    from portfolio.models import Project

    years = BudgetLineYear.objects.filter(filters.line_q())
    if filters.year:
        years = years.filter(year=filters.year)
    per_key: dict = defaultdict(selectors.Figures)
    for ly in years.select_related("line"):
        key = (ly.line.envelope_id, ly.line.section, ly.line.project_id)
        committed, paid = (ly.committed, ly.paid) if filters.as_of is None else (D(0), D(0))
        per_key[key].add(selectors.Figures(ly.planned, ly.forecast, committed, paid))
    if filters.as_of is not None:
        entries = ExecutionEntry.objects.filter(filters.line_q(), date__lte=filters.as_of).select_related(
            "line"
        )
        if filters.year:
            entries = entries.filter(date__year=filters.year)
        for entry in entries:
            key = (entry.line.envelope_id, entry.line.section, entry.line.project_id)
            figures = per_key[key]
            setattr(figures, entry.kind, getattr(figures, entry.kind) + entry.amount)
    per_project: dict = defaultdict(selectors.Figures)
    sections: dict = defaultdict(lambda: [selectors.Figures(), set()])
    for (envelope_id, section, project_id), figures in per_key.items():
        per_project[project_id].add(figures)
        sections[envelope_id, section][0].add(figures)
        sections[envelope_id, section][1].add(project_id)
    projects = {p.pk: p for p in Project.objects.filter(pk__in=per_project).prefetch_related("objectives")}
    objectives: dict = defaultdict(lambda: [selectors.Figures(), 0, 0])
    directorates: dict = defaultdict(selectors.Figures)
    for project_id, figures in per_project.items():
        mine = [o.pk for o in projects[project_id].objectives.all()] or [None]
        for objective_id in mine:
            objectives[objective_id][0].add(figures)
            objectives[objective_id][1] += 1
            objectives[objective_id][2] += len(mine) > 1
        directorates[projects[project_id].directorate_id].add(figures)
    total = selectors.Figures()
    for figures in per_project.values():
        total.add(figures)
    return {
        "total": total.as_dict(),
        "project_count": len(per_project),
        "sections": {key: (f.as_dict(), len(ids)) for key, (f, ids) in sections.items()},
        "objectives": {k: (f.as_dict(), {"projects": n, "shared": s}) for k, (f, n, s) in objectives.items()},
        "directorates": {k: f.as_dict() for k, f in directorates.items()},
        "project_rows": {key: f.as_dict() for key, f in per_key.items()},
    }


def _selected_groups(data: dict, *, projects: bool) -> dict:
    rows = {
        (envelope.key, section.key, row.key): row.figures.as_dict()
        for envelope in data["by_envelope"]
        for section in envelope.children
        for row in section.children
    }
    assert projects or not rows
    return {
        "total": data["total"].as_dict(),
        "project_count": data["project_count"],
        "sections": {
            (envelope.key, section.key): (section.figures.as_dict(), section.projects)
            for envelope in data["by_envelope"]
            for section in envelope.children
        },
        "objectives": {g.key: (g.figures.as_dict(), g.extra) for g in data["by_objective"]},
        "directorates": {g.key: g.figures.as_dict() for g in data["by_directorate"]},
        **({"project_rows": rows} if projects else {}),
    }


def test_portfolio_groups_aggregated_in_sql_equal_the_project_by_project_sums(pmo_user, envelope):
    """The portfolio's sections, objectives, directorates and (envelope, section, project) rows are
    aggregated in SQL from the stored totals, in one statement: equal to summing project by project from
    the line years and entries, whatever the filters, with or without the project rows, and up to a date."""
    a, b, c = ObjectiveFactory(code="OBJ-A"), ObjectiveFactory(code="OBJ-B"), ObjectiveFactory(code="OBJ-C")
    shared, _line = _project_with_line(pmo_user, envelope, planned="100.00", objectives=[a, b])
    _project_with_line(pmo_user, envelope, planned="50.00", objectives=[a])
    _project_with_line(pmo_user, envelope, planned="7.00", objectives=[c])
    lonely, _line = _project_with_line(pmo_user, envelope, planned="20.00")  # no objective
    lonely.directorate = shared.directorate
    lonely.save()
    # A line without an envelope, and one in another section over two years.
    services.budget_line_create(
        actor=pmo_user,
        project=shared,
        data={"label": "Hors enveloppe", "section": "operating", "nature": "services", "envelope": None},
        planned={2025: "30.00", 2026: "12.50"},
    )
    services.budget_line_create(
        actor=pmo_user,
        project=lonely,
        data={"label": "Fonctionnement", "section": "operating", "nature": "services", "envelope": envelope},
        planned={2026: "3.33"},
    )
    cases = [
        selectors.BudgetFilters(),
        selectors.BudgetFilters(year=2026),
        selectors.BudgetFilters(objective=b.pk),
        selectors.BudgetFilters(envelope=envelope.pk),
        selectors.BudgetFilters(directorate=shared.directorate_id),
        selectors.BudgetFilters(as_of=datetime.date(2025, 2, 1)),
        selectors.BudgetFilters(as_of=datetime.date(2025, 2, 1), objective=a.pk, year=2025),
    ]
    for filters in cases:
        live = _live_groups(filters)
        for projects in (True, False):
            expected = live if projects else {k: v for k, v in live.items() if k != "project_rows"}
            selected = _selected_groups(
                selectors.portfolio_budget(filters, projects=projects), projects=projects
            )
            assert selected == expected, (
                filters,
                projects,
            )
    # Filtered on one objective: its projects' other objectives are still shown (whole amounts).
    filtered = selectors.portfolio_budget(selectors.BudgetFilters(objective=b.pk), projects=False)
    assert {g.key for g in filtered["by_objective"]} == {a.pk, b.pk}
    data = selectors.portfolio_budget(selectors.BudgetFilters(), projects=False)
    assert [g.key for g in data["by_objective"]] == [a.pk, b.pk, c.pk, None]
    assert [g.key for g in data["by_envelope"]] == [envelope.pk, None]
    assert [g.label for g in data["by_envelope"]] == [str(envelope), ""]  # its code and name, same query
    assert all(not section.children for group in data["by_envelope"] for section in group.children)
    # The rows a section brings on demand are the ones of the full tree.
    full = selectors.portfolio_budget(selectors.BudgetFilters(), projects=True)
    for group in full["by_envelope"]:
        for section in group.children:
            rows = selectors.portfolio_section_projects(selectors.BudgetFilters(), group.key, section.key)
            assert [(r.key, r.label, r.figures) for r in rows] == [
                (r.key, r.label, r.figures) for r in section.children
            ]
            assert section.projects == len(section.children)


def test_summary_project_rows_written_by_the_database_are_the_api_rows(pmo_user, envelope):
    """The API summary's project rows, written as JSON text by PostgreSQL (selectors._SECTION_ROWS_JSON_SQL)
    are byte for byte the rows that the API encodes from the project Groups: escapes and unicode in the
    labels, the codes in code point order, negative and large amounts, with or without a year or other
    filters, lines without an envelope. (On SQLite the summary has the Groups: they are compared with
    themselves, and the test checks that it does.)"""
    from django.db import connection

    from budgets.api.lines import _groups
    from ppm.api.renderers import RawJSONRenderer

    names = {
        "b-2": 'quote " backslash \\ tab \t newline \n bell \x07 slash /',
        "B.1": "é € 🙂 \u2028 \u2029 « » · —",
        "B_3": "",
        "a1": "x",
        "Zed": "plain",
    }
    for n, (code, name) in enumerate(names.items()):
        project = ProjectFactory(code=code, name=name)
        line = services.budget_line_create(
            actor=pmo_user,
            project=project,
            data={"label": "L", "section": "investment", "nature": "services", "envelope": envelope},
            planned={2025: f"{n}234567.89", 2026: "0.10"},
        )
        services.line_reforecast(
            actor=pmo_user, line_year=line.years.get(year=2026), forecast="7", comment="x"
        )
        ExecutionEntry.objects.create(  # more than planned: remaining < 0
            line=line, kind="committed", date=datetime.date(2026, 1, 15), amount=D("12.34"), source="manual"
        )
        services.line_year_totals_refresh([line.pk])
        services.budget_line_create(
            actor=pmo_user,
            project=project,
            data={"label": "Hors enveloppe", "section": "operating", "nature": "services", "envelope": None},
            planned={2026: "0.00"},
        )
    render = RawJSONRenderer().render
    for filters in (
        selectors.BudgetFilters(),
        selectors.BudgetFilters(year=2026),
        selectors.BudgetFilters(year=2025, envelope=envelope.pk),
        selectors.BudgetFilters(status="demand"),
    ):
        by_database = selectors.portfolio_budget(filters, project_rows_json=True)["by_envelope"]
        by_python = selectors.portfolio_budget(filters)["by_envelope"]
        assert render(_groups(by_database)) == render(_groups(by_python)), filters
        sections = [section for group in by_database for section in group.children]
        assert sections
        for section in sections:
            assert (section.rows_json is not None) == (connection.vendor == "postgresql")
            assert section.projects == len(section.children or json.loads(section.rows_json or "[]"))
    rows = _groups(by_python)[0]["children"][0]["children"]  # the envelope's investment section
    assert [row["label"].split(" · ")[0] for row in rows] == ["B.1", "B_3", "Zed", "a1", "b-2"]


def test_budget_years_are_the_years_of_the_totals_and_of_the_payment_credits(pmo_user, envelope):
    """The filter's years: read from the totals one year at a time (a loose index scan), the same as
    their distinct years, with the CP's."""
    assert selectors.budget_years() == [2025, 2026]  # the envelope's CP only
    project, _line = _project_with_line(pmo_user, envelope)
    services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={"label": "Later", "section": "operating", "nature": "services", "envelope": None},
        planned={2023: "1.00", 2029: "2.00", 2031: "3.00"},
    )
    stored = set(BudgetTotal.objects.values_list("year", flat=True))
    assert stored == {2023, 2025, 2029, 2031}
    assert selectors.budget_years() == [2023, 2025, 2026, 2029, 2031]
