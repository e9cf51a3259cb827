"""The capacity snapshot built by a real Celery worker (tests/test_worker.py's fixture: the filesystem
broker by default, Redis when CELERY_BROKER_URL says so), requested as a user would ("Rebuild now")."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.tests.factories import UserFactory
from resources.capacity import month_start
from resources.models import CapacityRow, CapacitySnapshot
from resources.tests.factories import AllocationFactory, ResourceFactory
from tests.test_worker import _wait_for, worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_rebuild_now_is_built_by_the_worker_once(worker, client):  # noqa: F811
    person = ResourceFactory(name="Worker-built person")
    project = ProjectFactory(status=ProjectStatus.IN_PROGRESS)
    AllocationFactory(
        project=project, resource=person, period_start=month_start(timezone.localdate()), days=Decimal("7")
    )
    client.force_login(UserFactory(username="pmo-capacity", role=Role.PROJECT_OFFICE))

    response = client.post(reverse("resources:capacity_rebuild"), {"query": "dimension=person"})
    assert response.status_code == 302
    snapshot = _wait_for(
        lambda: CapacitySnapshot.objects.filter(grain="month", status="ready").first(), worker, "the build"
    )
    row = CapacityRow.objects.get(snapshot=snapshot, dimension="person", dim_key=str(person.pk))
    assert row.load[0] == 7.0
    built_at = snapshot.built_at

    # Asked again with nothing changed: the worker checks and builds nothing.
    client.post(reverse("resources:capacity_rebuild"), {"query": "dimension=person"})
    _wait_for(
        lambda: CapacitySnapshot.objects.filter(
            pk=snapshot.pk, queued_at__isnull=True, checked_at__gt=built_at
        ).exists(),
        worker,
        "the check",
    )
    assert CapacitySnapshot.objects.get(pk=snapshot.pk).built_at == built_at
    assert "Snapshot built on" in client.get(reverse("resources:capacity") + "?dimension=person").text
