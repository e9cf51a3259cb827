"""Pages and API endpoints of the budgets app's lines part, in the permissions matrix (see
tests/matrix_budgets.py for the targets and tests/matrix.py for Endpoint)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets.models import (
    BudgetLine,
    BudgetLineYear,
    Envelope,
    EnvelopeSection,
    ForecastRevision,
    FundingShare,
    FundingSource,
    Transfer,
)
from budgets.tests.factories import (
    BudgetLineFactory,
    BudgetLineYearFactory,
    EnvelopeFactory,
    FundingSourceFactory,
)
from ppm.models import ReportJob
from tests.matrix import Context, Endpoint


def _real(c: Context) -> bool:
    return hasattr(c.project, "_meta")


def _envelope(c: Context) -> int:
    if not _real(c):
        return 1
    envelope = Envelope.objects.filter(code="MATRIX-ENV").first() or EnvelopeFactory(code="MATRIX-ENV")
    EnvelopeSection.objects.get_or_create(
        envelope=envelope, section="investment", defaults={"authority": 1000}
    )
    return envelope.pk


def _funding(c: Context) -> int:
    if not _real(c):
        return 1
    return (
        FundingSource.objects.filter(name="Matrix grant").first() or FundingSourceFactory(name="Matrix grant")
    ).pk


def _line(c: Context) -> int:
    """The target line (own/other), or a line of the project."""
    if not _real(c):
        return 1
    if isinstance(c.target, BudgetLine):
        return c.target.pk
    line = BudgetLine.objects.filter(project=c.project).first() or BudgetLineFactory(
        project=c.project, envelope=None
    )
    return line.pk


def _line_year(c: Context) -> int:
    if not _real(c):
        return 1
    line_id = _line(c)
    existing = BudgetLineYear.objects.filter(line_id=line_id).first()
    return (existing or BudgetLineYearFactory(line_id=line_id, year=2025)).pk


def _two_line_years(c: Context) -> tuple[int, int]:
    if not _real(c):
        return 1, 2
    lines = list(BudgetLine.objects.filter(project=c.project, label__startswith="Transfer"))
    while len(lines) < 2:
        lines.append(BudgetLineFactory(project=c.project, envelope=None, label=f"Transfer {len(lines)}"))
    years = []
    for line in lines[:2]:
        year = BudgetLineYear.objects.filter(line=line).first() or BudgetLineYearFactory(line=line, year=2025)
        years.append(year.pk)
    return years[0], years[1]


def _count(model):
    return lambda c: (model.objects.count(), sorted(str(o) for o in model.objects.all()))


def _after(ensure, state):
    """`state`, once the object the URL names exists (the URL is built after the state is read)."""

    def read(c: Context):
        ensure(c)
        return state(c)

    return read


def _forecasts(c: Context):
    return (ForecastRevision.objects.count(), sorted(str(y.forecast) for y in BudgetLineYear.objects.all()))


def _planned(c: Context):
    return (Transfer.objects.count(), sorted(str(y.planned) for y in BudgetLineYear.objects.all()))


def _lines_state(c: Context):
    return sorted((line.label, line.version) for line in BudgetLine.objects.all())


def _import_file(c: Context) -> dict:
    content = b"line,kind,date,amount,reference\nNONE,paid,2025-01-01,1.00,X1\n"
    return {"file": SimpleUploadedFile("execution.csv", content, content_type="text/csv")}


def _line_form(c: Context, label="Matrix line") -> dict:
    return {
        "label": label,
        "section": "investment",
        "nature": "services",
        "envelope": "",
        "vat_included": "on",
    }


def _envelope_form(c: Context, code="MATRIX-NEW") -> dict:
    return {
        "code": code,
        "name": "Matrix envelope",
        "first_year": 2025,
        "last_year": 2026,
        "authority_investment": "100",
    }


def _funding_form(c: Context, name="Matrix new grant") -> dict:
    return {"name": name, "kind": "eu", "amount": "1000"}


def _get(name: str, url, action="budget.view", target="-") -> Endpoint:
    return Endpoint(name, action, target, "get", url)


PAGES: list = [
    _get("budget-portfolio", lambda c: reverse("budgets:portfolio_budget")),
    _get("budget-project", lambda c: reverse("budgets:project_budget", args=[c.project.pk])),
    _get("budget-envelopes", lambda c: reverse("budgets:envelope_list")),
    _get("budget-envelope", lambda c: reverse("budgets:envelope_detail", args=[_envelope(c)])),
    _get("budget-fundings", lambda c: reverse("budgets:funding_list")),
    _get("budget-funding", lambda c: reverse("budgets:funding_detail", args=[_funding(c)])),
    _get("budget-transfers", lambda c: reverse("budgets:transfer_list")),
    _get("budget-envelope-new-form", lambda c: reverse("budgets:envelope_create"), "envelope.change"),
    Endpoint(
        "budget-envelope-new",
        "envelope.change",
        "-",
        "post",
        lambda c: reverse("budgets:envelope_create"),
        data=_envelope_form,
        success=302,
        state=_count(Envelope),
    ),
    _get(
        "budget-envelope-edit-form",
        lambda c: reverse("budgets:envelope_edit", args=[_envelope(c)]),
        "envelope.change",
    ),
    Endpoint(
        "budget-envelope-edit",
        "envelope.change",
        "-",
        "post",
        lambda c: reverse("budgets:envelope_edit", args=[_envelope(c)]),
        data=lambda c: _envelope_form(c, code="MATRIX-ENV2"),
        success=302,
        state=_after(_envelope, _count(Envelope)),
    ),
    _get("budget-funding-new-form", lambda c: reverse("budgets:funding_create"), "envelope.change"),
    Endpoint(
        "budget-funding-new",
        "envelope.change",
        "-",
        "post",
        lambda c: reverse("budgets:funding_create"),
        data=_funding_form,
        success=302,
        state=_count(FundingSource),
    ),
    _get(
        "budget-funding-edit-form",
        lambda c: reverse("budgets:funding_edit", args=[_funding(c)]),
        "envelope.change",
    ),
    Endpoint(
        "budget-funding-edit",
        "envelope.change",
        "-",
        "post",
        lambda c: reverse("budgets:funding_edit", args=[_funding(c)]),
        data=lambda c: _funding_form(c, name="Matrix grant renamed"),
        success=302,
        state=_after(_funding, _count(FundingSource)),
    ),
    _get(
        "budget-line-new-form",
        lambda c: reverse("budgets:line_create", args=[c.project.pk]),
        "budget_line.change",
    ),
    Endpoint(
        "budget-line-new",
        "budget_line.change",
        "-",
        "post",
        lambda c: reverse("budgets:line_create", args=[c.project.pk]),
        data=_line_form,
        success=302,
        state=_lines_state,
    ),
    Endpoint(
        "budget-line-edit-form",
        "budget_line.change",
        "other",
        "get",
        lambda c: reverse("budgets:line_edit", args=[_line(c)]),
    ),
    Endpoint(
        "budget-line-edit",
        "budget_line.change",
        "other",
        "post",
        lambda c: reverse("budgets:line_edit", args=[_line(c)]),
        data=lambda c: {
            **_line_form(c, label="Matrix renamed"),
            "version": BudgetLine.objects.get(pk=_line(c)).version,
        },
        success=302,
        state=_lines_state,
    ),
    Endpoint(
        "budget-line-delete",
        "budget_line.change",
        "other",
        "post",
        lambda c: reverse("budgets:line_delete", args=[_line(c)]),
        data=lambda c: {"version": BudgetLine.objects.get(pk=_line(c)).version},
        success=302,
        state=_after(_line, _lines_state),
    ),
    Endpoint(
        "budget-line-funding",
        "budget_line.change",
        "other",
        "post",
        lambda c: reverse("budgets:line_funding_set", args=[_line(c)]),
        data=lambda c: {"funding": _funding(c), "share": "50"},
        success=302,
        state=_after(_funding, _count(FundingShare)),
    ),
    *(
        Endpoint(
            "budget-reforecast",
            "budget_line.forecast",
            target,
            "post",
            lambda c: reverse("budgets:line_year_reforecast", args=[_line_year(c)]),
            data=lambda c: {"forecast": "12345.67", "comment": "Matrix"},
            success=302,
            state=_after(_line_year, _forecasts),
        )
        for target in ("own", "other")
    ),
    Endpoint(
        "budget-transfer",
        "transfer.create",
        "-",
        "post",
        lambda c: reverse("budgets:project_transfer", args=[c.project.pk]),
        data=lambda c: (
            dict(zip(("source", "target"), _two_line_years(c), strict=True))
            | {"amount": "10", "reason": "Matrix"}
        ),
        success=302,
        state=_after(_two_line_years, _planned),
    ),
    _get("budget-import-form", lambda c: reverse("budgets:execution_import"), "budget_line.change"),
    Endpoint(
        "budget-import",
        "budget_line.change",
        "-",
        "post",
        lambda c: reverse("budgets:execution_import"),
        data=_import_file,
        success=302,
        state=lambda c: ReportJob.objects.count(),
    ),
]

API: list = [
    Endpoint("api-envelopes", "budget.view", "-", "get", lambda c: "/api/v1/envelopes/"),
    Endpoint(
        "api-envelope-create",
        "envelope.change",
        "-",
        "post",
        lambda c: "/api/v1/envelopes/",
        data=lambda c: {"code": "API-ENV", "name": "Api", "first_year": 2025, "last_year": 2026},
        success=201,
        state=_count(Envelope),
    ),
    Endpoint(
        "api-envelope-patch",
        "envelope.change",
        "-",
        "patch",
        lambda c: f"/api/v1/envelopes/{_envelope(c)}/",
        data=lambda c: {"name": "Api renamed"},
        state=_after(_envelope, _count(Envelope)),
    ),
    Endpoint("api-budget-lines", "budget.view", "-", "get", lambda c: "/api/v1/budget-lines/"),
    Endpoint(
        "api-budget-line-create",
        "budget_line.change",
        "-",
        "post",
        lambda c: "/api/v1/budget-lines/",
        data=lambda c: {
            "project": c.project.pk,
            "label": "Api line",
            "section": "investment",
            "nature": "studies",
        },
        success=201,
        state=_lines_state,
    ),
    Endpoint(
        "api-budget-line-patch",
        "budget_line.change",
        "other",
        "patch",
        lambda c: f"/api/v1/budget-lines/{_line(c)}/",
        data=lambda c: {"label": "Api renamed", "envelope": None},
        state=_after(_line, _lines_state),
    ),
    Endpoint(
        "api-budget-line-delete",
        "budget_line.change",
        "other",
        "delete",
        lambda c: f"/api/v1/budget-lines/{_line(c)}/",
        success=204,
        state=_after(_line, _lines_state),
    ),
    *(
        Endpoint(
            "api-reforecast",
            "budget_line.forecast",
            target,
            "post",
            lambda c: f"/api/v1/budget-line-years/{_line_year(c)}/reforecast/",
            data=lambda c: {"forecast": "999.99", "comment": "Api"},
            state=_after(_line_year, _forecasts),
        )
        for target in ("own", "other")
    ),
    Endpoint("api-fundings", "budget.view", "-", "get", lambda c: "/api/v1/fundings/"),
    Endpoint(
        "api-funding-create",
        "envelope.change",
        "-",
        "post",
        lambda c: "/api/v1/fundings/",
        data=lambda c: {"name": "Api grant", "kind": "eu", "amount": "10.00"},
        success=201,
        state=_count(FundingSource),
    ),
    Endpoint(
        "api-funding-patch",
        "envelope.change",
        "-",
        "patch",
        lambda c: f"/api/v1/fundings/{_funding(c)}/",
        data=lambda c: {"name": "Api grant renamed"},
        state=_after(_funding, _count(FundingSource)),
    ),
    Endpoint("api-transfers", "budget.view", "-", "get", lambda c: "/api/v1/transfers/"),
    Endpoint(
        "api-transfer-create",
        "transfer.create",
        "-",
        "post",
        lambda c: "/api/v1/transfers/",
        data=lambda c: (
            dict(zip(("source", "target"), _two_line_years(c), strict=True))
            | {"amount": "5.00", "reason": "Api"}
        ),
        success=201,
        state=_after(_two_line_years, _planned),
    ),
    Endpoint(
        "api-project-budget", "budget.view", "-", "get", lambda c: f"/api/v1/projects/{c.project.pk}/budget/"
    ),
    Endpoint("api-budget-summary", "budget.view", "-", "get", lambda c: "/api/v1/budgets/summary/"),
]
SAME_AS: dict[str, str] = {}
NOT_RULED: set[str] = set()
