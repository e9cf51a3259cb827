"""ResourceSerializer's rows (ppm.api.serializers.FastRowsMixin) are DRF's own representation."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from resources.api.people import ResourceSerializer
from resources.models import Resource
from resources.tests.factories import (
    ExternalResourceFactory,
    GenericResourceFactory,
    PersonWithAccountFactory,
    ProfileFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("show_cost", [True, False])
def test_rows_equal_drfs_representation(show_cost):
    person = PersonWithAccountFactory(notes="Référente « GED »")
    person.profiles.add(ProfileFactory(), ProfileFactory())
    ExternalResourceFactory(active_until=None)
    GenericResourceFactory(team=None)
    request = APIRequestFactory().get("/api/v1/resources/")
    rows = list(Resource.objects.prefetch_related("profiles").order_by("pk"))
    context = {"request": request, "show_cost": show_cost}
    fast = ResourceSerializer(rows, many=True, context=context).data
    drf = [
        serializers.ModelSerializer.to_representation(ResourceSerializer(context=context), r) for r in rows
    ]
    assert [dict(row) for row in fast] == drf
    assert any(row["team"] is None for row in fast) and any(row["user"] is not None for row in fast)
    plan = {
        name: attribute is not None for name, attribute, _convert, _field in ResourceSerializer()._row_plan()
    }
    # Columns, properties and foreign keys are read directly; methods go through DRF.
    assert (
        plan["name"] and plan["team"] and plan["is_external"] and plan["working_time"] and plan["updated_at"]
    )
    assert not plan["profiles"] and not plan["daily_cost"]
