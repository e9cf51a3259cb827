"""Writes to what capacity is computed from queue a rebuild of the capacity plan (debounced)."""

import datetime
from decimal import Decimal

import pytest

from resources import services, workload
from resources.models import CapacitySnapshot
from resources.tests.factories import ResourceFactory


@pytest.mark.django_db
def test_an_allocation_and_an_absence_queue_one_rebuild_each_batch(
    pmo_user, django_capture_on_commit_callbacks
):
    from portfolio.tests.factories import ProjectFactory

    project = ProjectFactory(status="in_progress")
    assert not CapacitySnapshot.objects.exists()
    with django_capture_on_commit_callbacks():
        workload.allocation_cell_set(
            actor=pmo_user,
            project=project,
            family="moe",
            period_start=datetime.date(2026, 12, 1),
            days=Decimal("5"),
        )
    snapshot = CapacitySnapshot.objects.get()
    queued = snapshot.queued_at
    assert queued is not None

    # While a build waits, another change queues nothing more (one build for the batch).
    resource = ResourceFactory()
    with django_capture_on_commit_callbacks():
        services.absence_create(
            actor=pmo_user,
            resource=resource,
            data={"kind": "leave", "start": datetime.date(2026, 12, 21), "end": datetime.date(2026, 12, 24)},
        )
    snapshot.refresh_from_db()
    assert snapshot.queued_at == queued and snapshot.requested_at > queued
