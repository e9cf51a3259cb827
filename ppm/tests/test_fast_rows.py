"""FastRowsMixin (ppm.api.serializers) gives DRF's representation, including where reading fails."""

import pytest
from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from ppm.api.serializers import FastRowsMixin
from ppm.models import Directorate, User

pytestmark = pytest.mark.django_db


def _raise(error):
    def getter(self):
        raise error

    return property(getter)


def test_same_as_drf_including_failing_reads(monkeypatch):
    # Two properties of the model that fail to read, for this test only.
    monkeypatch.setattr(User, "missing_related", _raise(ObjectDoesNotExist("no such row")), raising=False)
    monkeypatch.setattr(User, "broken", _raise(AttributeError("not there")), raising=False)

    class RowSerializer(FastRowsMixin, serializers.ModelSerializer):
        missing_related = serializers.CharField(read_only=True)
        broken = serializers.CharField(read_only=True)
        full_name = serializers.CharField(source="get_full_name", read_only=True)

        class Meta:
            model = User
            fields = [
                "id", "username", "is_active", "directorate", "date_joined",
                "missing_related", "broken", "full_name",
            ]  # fmt: skip

    north = Directorate.objects.create(code="N", name="Nord")
    User.objects.create(username="ann", first_name="Ann", directorate=north)
    User.objects.create(username="bob")
    rows = list(User.objects.order_by("pk"))
    fast = [dict(row) for row in RowSerializer(rows, many=True).data]
    monkeypatch.setattr(
        FastRowsMixin,
        "to_representation",
        lambda self, obj: super(FastRowsMixin, self).to_representation(obj),
    )
    assert fast == [dict(row) for row in RowSerializer(rows, many=True).data]
    assert fast[0]["missing_related"] is None and "broken" not in fast[0]
    assert fast[0]["directorate"] == north.pk and fast[1]["directorate"] is None
    assert fast[0]["full_name"] == "Ann" and fast[0]["date_joined"].endswith(("Z", "+01:00", "+00:00"))
