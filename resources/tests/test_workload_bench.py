"""The workload part of the benchmark: its screens name the largest seeded plan and answer within their
query bars."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ppm import bench as core_bench
from ppm.roles import Role
from ppm.tests.factories import UserFactory
from resources import bench_workload


@pytest.mark.django_db
def test_screens_answer_on_the_seeded_plan(client):
    core_bench.seed_all(projects=20)
    screens = bench_workload.screens()
    assert [screen.label.split(" (")[0] for screen in screens] == [
        "Project workload tab",
        "API project allocations",
    ]
    client.force_login(UserFactory(role=Role.PROJECT_OFFICE))
    for screen in screens:
        client.get(screen.path, HTTP_ACCEPT=screen.accept)  # warm up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(screen.path, HTTP_ACCEPT=screen.accept)
        assert response.status_code == 200, screen.label
        limit = 22 if "tab" in screen.label else 12  # the tab, plus the main menu's queries
        assert len(queries) <= limit, screen.label
    assert core_bench.QUALITY_BAR in screens[0].bars and core_bench.NO_LARGE_SEQ_SCAN in screens[1].bars
