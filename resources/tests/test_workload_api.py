"""The workload API: the plan with its ETag, bulk replace all or nothing, one allocation with If-Match,
template application and ratio templates."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.testing import assert_same_queries_at_two_sizes
from ppm.tests.factories import UserFactory
from resources.models import Allocation, Profile, RatioTemplate
from resources.tests.factories import AllocationFactory, ResourceFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def manager():
    return UserFactory(role=Role.PROJECT_MANAGER)


@pytest.fixture
def project(manager):
    return ProjectFactory(manager=manager)


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def _url(project, suffix=""):
    return f"/api/v1/projects/{project.pk}/allocations/{suffix}"


def test_get_put_with_plan_etag(api, project):
    AllocationFactory(project=project, period_start=datetime.date(2025, 9, 1), days=D("10"))
    response = api.get(_url(project))
    assert response.status_code == 200
    etag = response["ETag"]
    assert response.json()["count"] == 1 and etag == f'"{response.json()["etag"]}"'
    assert api.get(_url(project), HTTP_IF_NONE_MATCH=etag).status_code == 304
    rows = [
        {"family": "moe", "period_start": "2025-09-01", "days": "12"},
        {"family": "moa", "period_start": "2025-10-01", "days": "5", "is_external": True},
    ]
    response = api.put(_url(project), {"rows": rows}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    assert response.json()["count"] == 2 and response["ETag"] != etag
    # The old ETag is stale now: 412 with the current one, nothing written.
    response = api.put(_url(project), {"rows": []}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412 and response["ETag"]
    assert Allocation.objects.filter(project=project).count() == 2
    assert api.put(_url(project), {"rows": []}, format="json", HTTP_IF_MATCH="nonsense").status_code == 400


def test_put_reports_every_bad_row_and_writes_nothing(api, project):
    AllocationFactory(project=project, period_start=datetime.date(2025, 9, 1), days=D("10"))
    rows = [
        {"family": "moe", "period_start": "2025-09-01", "days": "1"},
        {"family": "zzz", "period_start": "2025-09-01", "days": "1"},
        {"family": "moa", "period_start": "2025-09-15", "days": "1"},
        {"family": "moa", "period_start": "2025-09-01", "days": "-2"},
    ]
    response = api.put(_url(project), {"rows": rows}, format="json")
    assert response.status_code == 400
    bad = {(row["index"], row["field"]) for row in response.json()["rows"]}
    assert bad == {(1, "family"), (3, "days")}
    rows = [rows[0], rows[2], {"family": "moe", "period_start": "2025-09-01", "days": "3"}]
    response = api.put(_url(project), {"rows": rows}, format="json")
    assert response.status_code == 400
    assert {(row["index"], row["field"]) for row in response.json()["rows"]} == {
        (1, "period_start"),
        (2, "period_start"),
    }
    assert Allocation.objects.get(project=project).days == D("10")


def test_allocation_detail_with_if_match(api, project):
    allocation = AllocationFactory(project=project, days=D("10"))
    url = f"/api/v1/allocations/{allocation.pk}/"
    response = api.get(url)
    etag = response["ETag"]
    response = api.patch(url, {"days": "8.5"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["days"] == "8.50"
    assert api.patch(url, {"days": "7"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert api.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert api.delete(url, HTTP_IF_MATCH=response["ETag"]).status_code == 204
    assert not Allocation.objects.exists()


def test_apply_template_and_refusals(api, project):
    template = RatioTemplate.objects.get(is_default=True)
    data = {
        "template": template.pk,
        "estimate_days": "200",
        "start_month": "2025-03-01",
        "end_month": "2026-06-01",
    }
    response = api.post(_url(project, "apply-template/"), data, format="json")
    assert response.status_code == 200
    totals = {}
    for row in response.json()["results"]:
        totals[row["family"]] = totals.get(row["family"], D(0)) + D(row["days"])
    assert totals == {"moe": D("200"), "moa": D("200"), "amoa": D("100")}
    other = APIClient()
    other.force_authenticate(UserFactory(role=Role.PROJECT_MANAGER))
    assert other.post(_url(project, "apply-template/"), data, format="json").status_code == 403
    assert other.get(_url(project)).status_code == 200


def test_ratio_templates_crud(manager):
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.PROJECT_OFFICE))
    data = {
        "name": "Build",
        "base_family": "moe",
        "lines": [
            {"family": "moe", "ratio": "1"},
            {"family": "amoa", "ratio": "0.3", "external_share": "50"},
        ],
    }
    response = client.post("/api/v1/ratio-templates/", data, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert len(response.json()["lines"]) == 2
    response = client.patch(f"/api/v1/ratio-templates/{pk}/", {"name": "Build 2"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Build 2"
    other = APIClient()
    other.force_authenticate(manager)
    assert other.get("/api/v1/ratio-templates/").status_code == 200
    assert other.delete(f"/api/v1/ratio-templates/{pk}/").status_code == 403
    assert client.delete(f"/api/v1/ratio-templates/{pk}/").status_code == 204


def test_the_plan_list_issues_the_same_queries_at_two_sizes(api, project):
    profiles = list(Profile.objects.order_by("pk"))

    def grow(n):
        for i in range(n):
            resource = ResourceFactory(primary_profile=profiles[i % len(profiles)])
            AllocationFactory(
                project=project, family=resource.primary_profile.family, resource=resource, days=D("2")
            )

    def action():
        response = api.get(_url(project))
        assert response.status_code == 200 and response.json()["count"] > 0

    assert_same_queries_at_two_sizes(action, grow=grow, ceiling=12)
