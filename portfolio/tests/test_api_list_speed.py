"""The project list's shortcuts (portfolio/api: fast `to_representation`, link tables instead of
prefetches) give exactly what DRF's field-by-field serializer gives."""

import datetime

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from portfolio import selectors
from portfolio.api.serializers import ProjectSerializer
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
