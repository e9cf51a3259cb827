"""The project list's shortcuts (portfolio/api: fast `to_representation`, link tables instead of
prefetches) give exactly what DRF's field-by-field serializer gives."""

import datetime

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from portfolio import selectors
from portfolio.api.serializers import ProjectSerializer
from portfolio.scheduling.models import CalendarSubdivision
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, StrategicAxisFactory, TagFactory
from ppm.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(directorate, manager_user):
    axes = [StrategicAxisFactory(order=2), StrategicAxisFactory(order=1)]
    objectives = [ObjectiveFactory(axis=axes[n % 2], order=3 - n) for n in range(3)]
    tags = [TagFactory(name=name) for name in ("zeta", "alpha", "mid")]
    return [
        ProjectFactory(
            directorate=directorate,
            manager=manager_user if n % 2 else None,
            planned_start=datetime.date(2025, 1, 6) if n % 3 else None,
            planned_end=datetime.date(2026, 12, 18) if n % 3 else None,
            status=("framing", "in_progress", "demand", "on_hold")[n % 4],
            objectives=objectives[n % 3 :],
            tags=tags[: n % 4],
        )
        for n in range(8)
    ]


def test_fast_representation_equals_drfs_own(projects, make_user):
    request = Request(APIRequestFactory().get("/api/v1/projects/"))
    request.user = make_user(Role.PROJECT_OFFICE)
    for project in selectors.project_list().order_by("pk"):
        serializer = ProjectSerializer(context={"request": request})

        fast = serializer.to_representation(project)
        generic = serializers.Serializer.to_representation(serializer, project)

        assert fast == generic
        assert list(fast) == list(generic)


def test_list_rows_equal_the_detail_of_each_project(projects, make_user):
    client = APIClient()
    client.force_login(make_user(Role.PROJECT_OFFICE))

    rows = client.get("/api/v1/projects/", {"ordering": "code"}).json()["results"]

    assert len(rows) == len(projects)
    assert any(row["objectives"] for row in rows) and any(row["tags"] for row in rows)
    for row in rows:
        assert row == client.get(f"/api/v1/projects/{row['id']}/").json()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("role", [Role.PROJECT_OFFICE, Role.PROJECT_MANAGER, Role.READER])
def test_list_page_rows_equal_the_serializers_output(projects, manager_user, make_user, role, language):
    """The list's rows (plain values written by project_list_data) are ProjectSerializer's, key for key
    and in its key order, whoever asks (allowed transitions) and in either language (labels)."""
    nameless = make_user(Role.PROJECT_MANAGER, username="nameless", first_name="", last_name="")
    ProjectFactory(manager=nameless, calendar_subdiv=CalendarSubdivision.choices[-1][0], priority=1)
    user = manager_user if role == Role.PROJECT_MANAGER else make_user(role)
    client = APIClient()
    client.force_login(user)
    with translation.override(language):
        request = Request(APIRequestFactory().get("/api/v1/projects/", HTTP_ACCEPT_LANGUAGE=language))
        request.user = user
        expected = ProjectSerializer(
            selectors.project_list().order_by("-code", "pk"), many=True, context={"request": request}
        ).data
        rows = client.get("/api/v1/projects/", {"ordering": "-code"}, HTTP_ACCEPT_LANGUAGE=language).json()[
            "results"
        ]

    assert [list(row) for row in rows] == [list(row) for row in expected]
    assert rows == [dict(row) for row in expected]
    assert any(row["allowed_transitions"] for row in rows) == (role != Role.READER)
    assert {row["manager_name"] for row in rows} >= {None, "nameless", manager_user.get_full_name()}


def test_the_page_is_counted_without_the_joins_of_its_rows(projects, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = APIClient()
    client.force_login(make_user(Role.PROJECT_OFFICE))
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/projects/", {"page_size": 3, "status": "framing"}).json()
    count = next(query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"])
    # None of the tables the rows read names from; the list's filter columns may keep theirs (the weather
    # column's one-to-one join to the stored latest reports, which changes no count).
    assert "ppm_directorate" not in count and "ppm_user" not in count and "portfolio_tag" not in count
    assert count.count("JOIN") <= 1
    assert body["count"] == 2 and len(body["results"]) == 2
