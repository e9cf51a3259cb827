"""The OpenAPI schema: generated without any warning or error, served, documented, and the Swagger UI
works offline under the Content-Security-Policy (local files only, no inline script)."""

import contextlib
import io
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The schema written by `manage.py spectacular --validate --fail-on-warn`, and what it printed."""
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    output = io.StringIO()
    with django_db_blocker.unblock(), contextlib.redirect_stderr(output), contextlib.redirect_stdout(output):
        # Raises (CommandError / SchemaGenerationError) on any warning or validation error.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return path, output.getvalue()


@pytest.fixture(scope="module")
def schema(generated):
    return yaml.safe_load(generated[0].read_text())


def test_schema_generates_without_warning_or_error(generated):
    path, output = generated
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    assert path.stat().st_size > 10_000


def test_every_endpoint_is_documented(schema):
    assert {
        # resources: workload; budgets: contracts
        "/api/v1/agreements/",
        "/api/v1/agreements/consumption/",
        "/api/v1/agreements/{id}/",
        "/api/v1/agreements/{id}/prices/",
        "/api/v1/allocations/{id}/",
        "/api/v1/orders/",
        "/api/v1/orders/{id}/",
        "/api/v1/orders/{id}/transition/",
        "/api/v1/projects/{id}/allocations/",
        "/api/v1/projects/{id}/allocations/apply-template/",
        "/api/v1/projects/{id}/workload-cost/",
        "/api/v1/ratio-templates/",
        "/api/v1/ratio-templates/{id}/",
        # governance: steering, alerts, packs
        "/api/v1/steering/",
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/",
        "/api/v1/alerts/{id}/acknowledge/",
        "/api/v1/alerts/{id}/close/",
        "/api/v1/packs/",
        "/api/v1/axes/",
        "/api/v1/axes/{id}/",
        "/api/v1/objectives/",
        "/api/v1/objectives/{id}/",
        "/api/v1/tags/",
        "/api/v1/tags/{id}/",
        "/api/v1/directorates/",
        "/api/v1/directorates/{id}/",
        "/api/v1/projects/",
        "/api/v1/projects/{id}/",
        "/api/v1/projects/{id}/transition/",
        "/api/v1/projects/{id}/history/",
        "/api/v1/projects/{id}/schedule/import/",
        "/api/v1/projects/{id}/schedule/export/",
        "/api/v1/tasks/{id}/move/",
        "/api/v1/users/",
        "/api/v1/users/me/",
        "/api/v1/users/me/tokens/",
        "/api/v1/users/me/tokens/{id}/",
        "/api/v1/roadmap/",
        "/api/v1/projects/{id}/baselines/",
        "/api/v1/baselines/{id}/",
        "/api/v1/baselines/{id}/compare/",
        "/api/v1/portfolio-baselines/",
        "/api/v1/portfolio-baselines/{id}/",
        "/api/v1/portfolio-baselines/{id}/compare/",
        "/api/v1/projects/{id}/tasks/",
        "/api/v1/projects/{id}/tasks/reorder/",
        "/api/v1/projects/{id}/links/",
        "/api/v1/projects/{id}/gantt/",
        "/api/v1/tasks/{id}/",
        "/api/v1/links/{id}/",
        "/api/v1/calendar-exceptions/",
        "/api/v1/calendar-exceptions/{id}/",
        "/api/v1/capacity/",
        "/api/v1/capacity/rebuild/",
        # resources: timesheets
        "/api/v1/timesheets/",
        "/api/v1/timesheets/{id}/",
        "/api/v1/timesheets/{id}/submit/",
        "/api/v1/timesheets/{id}/approve/",
        "/api/v1/timesheets/{id}/reject/",
        "/api/v1/timesheet-lines/{id}/approve/",
        "/api/v1/timesheet-lines/{id}/reject/",
        "/api/v1/time-entries/",
        # resources: the register (people part)
        "/api/v1/resources/",
        "/api/v1/resources/{id}/",
        "/api/v1/resources/{id}/capacity/",
        "/api/v1/roles/",
        "/api/v1/roles/{id}/",
        "/api/v1/teams/",
        "/api/v1/teams/{id}/",
        "/api/v1/vendors/",
        "/api/v1/vendors/{id}/",
        "/api/v1/absences/",
        "/api/v1/absences/{id}/",
        # budgets, lines part
        "/api/v1/envelopes/",
        "/api/v1/envelopes/{id}/",
        "/api/v1/budget-lines/",
        "/api/v1/budget-lines/{id}/",
        "/api/v1/budget-line-years/{id}/",
        "/api/v1/budget-line-years/{id}/reforecast/",
        "/api/v1/fundings/",
        "/api/v1/fundings/{id}/",
        "/api/v1/transfers/",
        "/api/v1/projects/{id}/budget/",
        "/api/v1/budgets/summary/",
        "/api/v1/reporting-periods/",
        "/api/v1/reporting-periods/{id}/",
        "/api/v1/flash-reports/",
        "/api/v1/flash-reports/{id}/",
        "/api/v1/flash-reports/{id}/submit/",
        "/api/v1/flash-reports/{id}/validate/",
        "/api/v1/flash-reports/{id}/return/",
        "/api/v1/flash-reports/{id}/revise/",
        "/api/v1/projects/{id}/flash-reports/draft/",
    } == set(schema["paths"])
    assert "delete" not in schema["paths"]["/api/v1/projects/{id}/"], "projects are cancelled, not deleted"
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def _header_names(operation) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_concurrency_headers_and_conflict_responses_are_documented(schema):
    detail = schema["paths"]["/api/v1/projects/{id}/"]
    transition = schema["paths"]["/api/v1/projects/{id}/transition/"]["post"]

    assert "If-None-Match" in _header_names(detail["get"])
    assert "ETag" in detail["get"]["responses"]["200"]["headers"]
    assert "304" in detail["get"]["responses"]
    for operation in (detail["put"], detail["patch"], transition):
        assert "If-Match" in _header_names(operation)
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert {"400", "403", "412"} <= set(operation["responses"])
        assert operation["responses"]["412"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/PreconditionFailed"
        )
    assert "409" in transition["responses"]
    assert "Without If-Match" in detail["patch"]["description"]


def test_project_list_documents_the_page_filters(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]}
    assert {
        "q",
        "status",
        "directorate",
        "objective",
        "manager",
        "tag",
        "priority",
        "ordering",
        "page",
        "page_size",
    } <= set(parameters)
    assert parameters["status"]["schema"]["type"] == "array"


def test_project_schema_matches_the_representation(schema, reader_user, directorate):
    from portfolio.tests.factories import ProjectFactory

    component = schema["components"]["schemas"]["Project"]
    project = ProjectFactory(directorate=directorate)
    client = APIClient()
    client.force_login(reader_user)
    data = client.get(f"/api/v1/projects/{project.pk}/").json()
    assert set(component["properties"]) == set(data)
    assert set(component["required"]) == set(data)


@pytest.fixture
def signed_in(reader_user):
    client = APIClient()
    client.force_login(reader_user)
    return client


def test_schema_is_served(signed_in):
    response = signed_in.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Pilotis API"
    assert "/api/v1/projects/{id}/transition/" in response.json()["paths"]


def test_swagger_ui_uses_local_files_only_and_no_inline_script(signed_in):
    response = signed_in.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://" not in html and "http://" not in html, "no CDN"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    sources = []
    for attributes, body in scripts:
        assert body.strip() == "", "inline scripts are blocked by the CSP"
        sources.append(re.search(r'src="([^"]+)"', attributes).group(1))
    stylesheets = re.findall(r'<link[^>]+href="([^"]+)"', html)
    for url in sources + stylesheets:
        assert url.startswith("/"), url
    static_files = [url for url in sources + stylesheets if url.startswith("/static/")]
    assert any(url.endswith("swagger-ui-bundle.js") for url in static_files)
    for url in static_files:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not shipped"

    # The start-up script comes from the application itself, as JavaScript.
    init = next(url for url in sources if not url.startswith("/static/"))
    script = signed_in.get(init.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
