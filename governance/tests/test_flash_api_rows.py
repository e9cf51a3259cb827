"""The flash report API's rows (ppm.api.serializers.FastRowsMixin, nested serializers included) are
DRF's own representation, key for key."""

from datetime import date

import pytest
from rest_framework.test import APIRequestFactory

from governance import flash, periods
from governance.api.flash import FlashReportSerializer
from governance.models import Cadence, FlashReport
from portfolio.tests.factories import ProjectFactory
from ppm.api.serializers import FastRowsMixin

pytestmark = pytest.mark.django_db


def test_rows_equal_drfs_representation(manager_user, pmo_user, monkeypatch):
    march = periods.period_get(Cadence.MONTHLY, date(2025, 3, 1))
    april = periods.period_get(Cadence.MONTHLY, date(2025, 4, 1))
    project = ProjectFactory(manager=manager_user)
    report = flash.flash_report_draft(actor=manager_user, project=project, period=march)
    data = {
        "weather": "cloudy",
        "highlights": "Recette « lot 2 » décalée",
        "dimensions": {
            d: {"weather": "sunny", "comment": "ok"}
            for d in ("schedule", "budget", "scope", "resources", "risks")
        },
        "items": [
            {"kind": "risk", "text": "Prestataire en retard", "owner": "MOE", "due_date": date(2025, 4, 30)},
            {"kind": "decision", "text": "Arbitrage du périmètre"},
        ],
    }
    report = flash.flash_report_update(
        actor=manager_user, report=report, expected_version=report.version, data=data
    )
    report = flash.flash_report_submit(actor=manager_user, report=report, expected_version=report.version)
    flash.flash_report_validate(actor=pmo_user, report=report, expected_version=report.version)
    flash.flash_report_draft(actor=manager_user, project=project, period=april)  # items carried over
    reports = list(FlashReport.objects.prefetch_related("dimensions", "items").order_by("pk"))
    context = {"request": APIRequestFactory().get("/api/v1/flash-reports/")}
    fast = [dict(row) for row in FlashReportSerializer(reports, many=True, context=context).data]
    # DRF's own walk, for every serializer of the tree (the mixin's parent does it).
    monkeypatch.setattr(
        FastRowsMixin,
        "to_representation",
        lambda self, obj: super(FastRowsMixin, self).to_representation(obj),
    )
    drf = [dict(row) for row in FlashReportSerializer(reports, many=True, context=context).data]
    assert fast == drf
    assert fast[0]["items"] and fast[1]["items"][0]["carried_from"] == fast[0]["items"][0]["id"]
    assert fast[0]["validated_at"] and fast[1]["validated_at"] is None and fast[0]["period"]["cadence"]
