"""The register's API: filters shared with the page, ETag/If-Match, cost visibility, capacity, absences."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from ppm.testing import assert_same_queries_at_two_sizes
from resources.models import Absence, Resource
from resources.tests.factories import AbsenceFactory, ExternalResourceFactory, ProfileFactory, ResourceFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_uses_the_page_filters_and_hides_cost(pmo_user, contributor_user):
    ResourceFactory(name="Émilie Garcia", daily_cost=Decimal("431"))
    ExternalResourceFactory(name="Consultant")
    body = _client(pmo_user).get("/api/v1/resources/", {"q": "EMILIE"}).json()
    assert [r["name"] for r in body["results"]] == ["Émilie Garcia"]
    assert body["results"][0]["daily_cost"] == "431.00"
    body = _client(contributor_user).get("/api/v1/resources/", {"external": "true"}).json()
    assert [r["name"] for r in body["results"]] == ["Consultant"]
    assert body["results"][0]["daily_cost"] is None
    assert _client(contributor_user).get("/api/v1/resources/", {"ordering": "daily_cost"}).status_code == 403


def test_list_queries_do_not_grow(pmo_user):
    client = _client(pmo_user)

    def grow(n):
        for _ in range(n):
            ResourceFactory(profiles=[ProfileFactory(code="P-A"), ProfileFactory(code="P-B")])

    def action():
        response = client.get("/api/v1/resources/", {"page_size": 100})
        assert response.status_code == 200 and len(response.json()["results"]) >= 3

    assert_same_queries_at_two_sizes(action, grow=grow, ceiling=12)


def test_etag_and_if_match_protect_a_resource(pmo_user):
    resource = ResourceFactory(name="Before")
    client = _client(pmo_user)
    read = client.get(f"/api/v1/resources/{resource.pk}/")
    assert read["ETag"] == f'"{resource.pk}-1"'
    assert client.get(f"/api/v1/resources/{resource.pk}/", HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304

    changed = client.patch(f"/api/v1/resources/{resource.pk}/", {"name": "After"}, HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200 and changed["ETag"] == f'"{resource.pk}-2"'
    stale = client.patch(f"/api/v1/resources/{resource.pk}/", {"name": "Lost"}, HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412 and stale.json()["current_etag"] == f'"{resource.pk}-2"'
    assert (
        client.patch(f"/api/v1/resources/{resource.pk}/", {"name": "X"}, HTTP_IF_MATCH="nope").status_code
        == 400
    )
    resource.refresh_from_db()
    assert resource.name == "After"

    off = client.patch(
        f"/api/v1/resources/{resource.pk}/", {"is_active": False}, HTTP_IF_MATCH=changed["ETag"]
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert client.delete(f"/api/v1/resources/{resource.pk}/").status_code == 405


def test_create_validates_like_the_page(pmo_user, contributor_user):
    team = ResourceFactory().team
    profile = ProfileFactory(code="MOE-T")
    data = {
        "name": "Nouvelle",
        "directorate": team.directorate_id,
        "team": team.pk,
        "primary_profile": profile.pk,
        "week_pattern": [1, 1, 0.5, 1, 0],
    }
    created = _client(pmo_user).post("/api/v1/resources/", data)
    assert created.status_code == 201, created.json()
    assert (
        created.json()["week_pattern"] == ["1", "1", "0.5", "1", "0"] and created.json()["working_time"] == 70
    )
    refused = _client(pmo_user).post("/api/v1/resources/", {**data, "is_external": True})
    assert refused.status_code == 400 and "vendor" in refused.json()
    assert _client(contributor_user).post("/api/v1/resources/", data).status_code == 403
    assert Resource.objects.filter(name="Nouvelle").count() == 1


def test_capacity_per_month(reader_user):
    person = ResourceFactory(week_pattern=["1", "1", "0", "1", "1"])
    AbsenceFactory(resource=person, start=D(2025, 11, 17), end=D(2025, 11, 17), day_share=Decimal("0.5"))
    response = _client(reader_user).get(
        f"/api/v1/resources/{person.pk}/capacity/", {"start": "2025-11-03", "months": 2}
    )
    body = response.json()
    assert body["unit"] == "person-days"
    assert body["months"][0] == {
        "month": "2025-11-01",
        "gross": 15.0,
        "absent": 0.5,
        "background": 0.0,
        "net": 14.5,
    }
    assert body["months"][1]["month"] == "2025-12-01"
    assert (
        _client(reader_user).get(f"/api/v1/resources/{person.pk}/capacity/", {"months": 99}).status_code
        == 400
    )


def test_absences_crud_with_if_match_and_ownership(contributor_user):
    own = ResourceFactory(user=contributor_user)
    client = _client(contributor_user)
    created = client.post(
        "/api/v1/absences/", {"resource": own.pk, "start": "2025-08-04", "end": "2025-08-08"}
    )
    assert created.status_code == 201 and created["ETag"].endswith('-1"')
    absence_id = created.json()["id"]
    overlap = client.post(
        "/api/v1/absences/", {"resource": own.pk, "start": "2025-08-08", "end": "2025-08-09"}
    )
    assert overlap.status_code == 400 and "already away" in overlap.json()["start"][0]

    patched = client.patch(
        f"/api/v1/absences/{absence_id}/", {"day_share": "0.5"}, HTTP_IF_MATCH=created["ETag"]
    )
    assert patched.status_code == 200 and patched.json()["day_share"] == "0.50"
    assert client.delete(f"/api/v1/absences/{absence_id}/", HTTP_IF_MATCH=created["ETag"]).status_code == 412
    assert client.delete(f"/api/v1/absences/{absence_id}/", HTTP_IF_MATCH=patched["ETag"]).status_code == 204

    other = ResourceFactory()
    refused = client.post(
        "/api/v1/absences/", {"resource": other.pk, "start": "2025-08-04", "end": "2025-08-08"}
    )
    assert refused.status_code == 403
    foreign = AbsenceFactory(resource=other)
    assert client.get(f"/api/v1/absences/{foreign.pk}/").status_code == 200
    assert client.patch(f"/api/v1/absences/{foreign.pk}/", {"note": "x"}).status_code == 403
    assert Absence.objects.count() == 1
    listed = client.get("/api/v1/absences/", {"resource": other.pk}).json()
    assert [a["id"] for a in listed["results"]] == [foreign.pk]


def test_reference_data_reads_for_all_writes_for_the_project_office(pmo_user, reader_user):
    assert _client(reader_user).get("/api/v1/roles/").status_code == 200
    assert _client(reader_user).post("/api/v1/vendors/", {"name": "X"}).status_code == 403
    created = _client(pmo_user).post("/api/v1/vendors/", {"name": "Numeria", "siret": "12345678901234"})
    assert created.status_code == 201 and created.json()["siret"] == "12345678901234"
    assert _client(pmo_user).post("/api/v1/vendors/", {"name": "Bad", "siret": "12"}).status_code == 400
