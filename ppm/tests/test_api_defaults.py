"""The API's safe defaults (settings REST_FRAMEWORK, ppm/api/defaults.py) hold for any view that does
not choose otherwise: JSON-only bodies, the bounded search filter, anonymous and per-user throttles."""

import pytest
from django.urls import reverse
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from ppm.models import Directorate
from ppm.roles import Role


class Echo(APIView):
    """A view that sets nothing: it gets the project's defaults."""

    def post(self, request):
        return Response({"received": request.data})


class DirectorateSearch(generics.ListAPIView):
    search_fields = ["name"]
    pagination_class = None

    def get_queryset(self):
        return Directorate.objects.order_by("pk")

    def list(self, request, *args, **kwargs):
        return Response([d.code for d in self.filter_queryset(self.get_queryset())])


@pytest.fixture
def reader(make_user):
    return make_user(Role.READER, username="reader-defaults")


@pytest.mark.django_db
def test_a_view_parses_json_and_refuses_form_and_multipart_bodies(reader):
    factory = APIRequestFactory()
    posts = {
        "json": factory.post("/", {"a": 1}, format="json"),
        "form": factory.post("/", "a=1", content_type="application/x-www-form-urlencoded"),
        "multipart": factory.post("/", {"a": "1"}, format="multipart"),
    }
    answers = {}
    for kind, request in posts.items():
        force_authenticate(request, user=reader)
        answers[kind] = Echo.as_view()(request)

    assert answers["json"].status_code == 200 and answers["json"].data == {"received": {"a": 1}}
    assert answers["form"].status_code == 415
    assert answers["multipart"].status_code == 415


@pytest.mark.django_db
def test_a_view_searches_with_the_safe_filter(reader):
    Directorate.objects.create(code="A", name="Alpha")
    Directorate.objects.create(code="B", name="Beta")
    factory = APIRequestFactory()

    found = factory.get("/", {"search": "alp"})
    nul = factory.get("/", {"search": "al\x00p"})
    for request in (found, nul):
        force_authenticate(request, user=reader)

    assert DirectorateSearch.as_view()(found).data == ["A"]
    refused = DirectorateSearch.as_view()(nul)
    assert refused.status_code == 400
    assert "search" in refused.data


@pytest.mark.django_db
def test_anonymous_clients_are_throttled_at_the_configured_rate(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "100/min"},
    }
    url = reverse("api-schema")

    statuses = [client.get(url, REMOTE_ADDR="192.0.2.7").status_code for _ in range(3)]
    other_address = client.get(url, REMOTE_ADDR="192.0.2.8").status_code
    # A forged X-Forwarded-For does not give a fresh allowance.
    forged = client.get(url, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code

    assert statuses == [200, 200, 429]
    assert other_address == 200
    assert forged == 429


@pytest.mark.django_db
def test_signed_in_clients_are_throttled_per_user(api_client, settings, reader, make_user):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "3/min"},
    }
    url = reverse("api:user-me")
    api_client.force_authenticate(reader)

    statuses = [api_client.get(url).status_code for _ in range(4)]
    api_client.force_authenticate(make_user(Role.READER, username="reader-other"))

    assert statuses == [200, 200, 200, 429]
    assert api_client.get(url).status_code == 200
