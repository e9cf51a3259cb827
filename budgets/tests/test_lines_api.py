"""Budget API: money as strings, clear 400s for bad amounts, ETag/If-Match, figures."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from budgets import services
from budgets.models import BudgetLine, BudgetLineYear, ForecastRevision, Transfer
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.services import api_token_create


def _client(user):
    client = APIClient()
    _token, raw = api_token_create(user=user, name="t")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def finance_user(make_user):
    return make_user(Role.FINANCE, username="finance1")


@pytest.fixture
def envelope(pmo_user):
    return services.envelope_create(
        actor=pmo_user,
        code="FRN",
        name="Feuille",
        first_year=2025,
        last_year=2026,
        sections=[
            {"section": "investment", "authority": "1000", "payment_credits": {2025: "500", 2026: "500"}}
        ],
    )


@pytest.fixture
def project(manager_user):
    return ProjectFactory(manager=manager_user)


@pytest.fixture
def line(pmo_user, project, envelope):
    line = services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={"label": "Études", "section": "investment", "nature": "studies", "envelope": envelope},
        planned={2025: "300.10"},
    )
    services.execution_entry_add(
        actor=pmo_user, line=line, kind="paid", date=datetime.date(2025, 4, 1), amount="100.05"
    )
    return line


def test_lines_list_money_as_strings(finance_user, line, project):
    response = _client(finance_user).get("/api/v1/budget-lines/", {"project": project.pk, "year": 2025})
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["years"][0]["planned"] == "300.10"
    assert row["years"][0]["paid"] == "100.05"


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        ("NaN", "NaN"),
        ("1e400", "exponent"),
        ("-5", "negative"),
        ("1.234", "two decimals"),
        (12.5, "string"),
        ("Infinity", "infinity"),
    ],
)
def test_bad_amounts_are_clear_400s(manager_user, line, amount, fragment):
    year = line.years.get()
    response = _client(manager_user).post(
        f"/api/v1/budget-line-years/{year.pk}/reforecast/",
        {"forecast": amount, "comment": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert fragment in str(response.json())
    assert not ForecastRevision.objects.exists()


def test_reforecast_with_if_match(manager_user, line):
    client = _client(manager_user)
    year = line.years.get()
    url = f"/api/v1/budget-line-years/{year.pk}/"
    etag = client.get(url)["ETag"]
    response = client.post(
        url + "reforecast/", {"forecast": "320.00", "comment": "Hausse"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.json()
    assert response.json()["forecast"] == "320.00"
    stale = client.post(
        url + "reforecast/", {"forecast": "330.00", "comment": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert BudgetLineYear.objects.get(pk=year.pk).forecast == Decimal("320.00")


def test_line_patch_with_if_match_and_create(pmo_user, line, project, envelope):
    client = _client(pmo_user)
    etag = client.get(f"/api/v1/budget-lines/{line.pk}/")["ETag"]
    ok = client.patch(
        f"/api/v1/budget-lines/{line.pk}/", {"label": "Études 2"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200 and ok.json()["label"] == "Études 2"
    stale = client.patch(
        f"/api/v1/budget-lines/{line.pk}/", {"label": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    created = client.post(
        "/api/v1/budget-lines/",
        {
            "project": project.pk,
            "label": "Licences",
            "section": "investment",
            "nature": "licences",
            "envelope": envelope.pk,
            "years": [{"year": 2026, "planned": "200.00"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["years"][0]["planned"] == "200.00"
    over = client.post(
        "/api/v1/budget-lines/",
        {
            "project": project.pk,
            "label": "Trop",
            "section": "investment",
            "nature": "licences",
            "envelope": envelope.pk,
            "years": [{"year": 2026, "planned": "400.00"}],
        },
        format="json",
    )
    assert over.status_code == 400 and "CP" in str(over.json())
    assert not BudgetLine.objects.filter(label="Trop").exists()  # all or nothing


def test_transfers_api(finance_user, line, project, envelope, pmo_user):
    other = services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={"label": "Licences", "section": "investment", "nature": "licences", "envelope": envelope},
        planned={2025: "10"},
    )
    client = _client(finance_user)
    response = client.post(
        "/api/v1/transfers/",
        {
            "source": line.years.get().pk,
            "target": other.years.get().pk,
            "amount": "50.00",
            "reason": "Réallocation",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Transfer.objects.get().amount == Decimal("50.00")
    assert client.get("/api/v1/transfers/").json()["results"][0]["amount"] == "50.00"
    refused = client.post(
        "/api/v1/transfers/",
        {"source": line.years.get().pk, "target": other.years.get().pk, "amount": "0", "reason": "x"},
        format="json",
    )
    assert refused.status_code == 400


def test_project_budget_and_summary(committee_user, line, project):
    client = _client(committee_user)
    body = client.get(f"/api/v1/projects/{project.pk}/budget/").json()
    assert body["totals"]["planned"] == "300.10"
    assert body["s_curve"][-1]["planned"] == "300.10" and body["s_curve"][-1]["paid"] == "100.05"
    summary = client.get("/api/v1/budgets/summary/", {"year": 2025}).json()
    assert summary["total"]["paid"] == "100.05"
    assert client.get("/api/v1/budgets/summary/", {"year": "abc"}).status_code == 400


def test_readers_are_refused(reader_user, line, project):
    client = _client(reader_user)
    assert client.get("/api/v1/budget-lines/").status_code == 403
    assert client.get(f"/api/v1/projects/{project.pk}/budget/").status_code == 403
    assert client.get("/api/v1/budgets/summary/").status_code == 403


def test_envelopes_and_fundings(pmo_user, envelope):
    client = _client(pmo_user)
    env = client.get("/api/v1/envelopes/").json()["results"][0]
    assert env["sections"][0]["authority"] == "1000.00"
    assert env["sections"][0]["payment_credits"][0] == {"year": 2025, "amount": "500.00"}
    created = client.post(
        "/api/v1/fundings/", {"name": "FEDER", "kind": "eu", "amount": "800000.00"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["still_to_justify"] == "800000.00"
    bad = client.post("/api/v1/fundings/", {"name": "X", "kind": "eu", "amount": "1e400"}, format="json")
    assert bad.status_code == 400


def test_a_patch_must_give_each_year_whole(pmo_user, line):
    # DRF hands a PATCH's `partial` down to the list's items: a year without its amount was a 500.
    client = _client(pmo_user)
    response = client.patch(f"/api/v1/budget-lines/{line.pk}/", {"years": [{"year": 2026}]}, format="json")

    assert response.status_code == 400
    assert "planned" in str(response.json())
    assert (
        client.patch(
            f"/api/v1/budget-lines/{line.pk}/", {"years": [{"year": 2026, "planned": "50.00"}]}, format="json"
        ).status_code
        == 200
    )


def test_figures_payload_is_every_figure_as_a_money_string():
    """The API's figures (the budget summary writes 2,000 of them): as_dict() spelled out as money strings."""
    from budgets.api.lines import _figures
    from budgets.money import money_str
    from budgets.selectors import Figures

    for figures in (
        Figures(),
        Figures(Decimal("1234567.89"), Decimal("-12.5"), Decimal("0.004"), Decimal("1000")),
        Figures(Decimal("-0.00"), Decimal("3.333"), Decimal("99999999.99"), Decimal("0")),
    ):
        assert _figures(figures) == {key: money_str(value) for key, value in figures.as_dict().items()}


def test_delete_a_line_with_if_match_and_refused_with_finance_history(pmo_user, manager_user, line, project):
    client = _client(pmo_user)
    # The fixture's line has committed and paid amounts: it stays (409, a JSON reason).
    refused = client.delete(f"/api/v1/budget-lines/{line.pk}/")
    assert refused.status_code == 409 and refused.json()["code"] == "budget_line_in_use"
    assert "committed or paid" in refused.json()["detail"]
    mistake = services.budget_line_create(
        actor=pmo_user,
        project=project,
        data={"label": "Typo", "section": "operating", "nature": "studies", "envelope": None},
        planned={2025: "10"},
    )
    etag = client.get(f"/api/v1/budget-lines/{mistake.pk}/")["ETag"]
    assert _client(manager_user).delete(f"/api/v1/budget-lines/{mistake.pk}/").status_code == 403
    services.budget_line_update(actor=pmo_user, line=mistake, data={"label": "Typo 2"})
    assert client.delete(f"/api/v1/budget-lines/{mistake.pk}/", HTTP_IF_MATCH=etag).status_code == 412
    etag = client.get(f"/api/v1/budget-lines/{mistake.pk}/")["ETag"]
    deleted = client.delete(f"/api/v1/budget-lines/{mistake.pk}/", HTTP_IF_MATCH=etag)
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/budget-lines/{mistake.pk}/").status_code == 404
    assert list(BudgetLine.objects.filter(project=project)) == [line]
