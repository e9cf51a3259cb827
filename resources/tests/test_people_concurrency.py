"""Concurrent writers on the register against a real threaded server: racing If-Match patches of one
resource (one wins, the others get 412) and racing absences on the same days of one person (one is
recorded, the others are refused with 400): never a 5xx, never two overlapping absences."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ppm.roles import Role
from ppm.services import api_token_create
from ppm.tests.factories import UserFactory
from resources.models import Absence, Resource
from resources.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _send(method: str, url: str, **kwargs) -> requests.Response:
    for _attempt in range(40):
        try:
            return requests.request(method, url, timeout=120, allow_redirects=False, **kwargs)
        except requests.ConnectionError:
            time.sleep(0.05)
    return requests.request(method, url, timeout=120, allow_redirects=False, **kwargs)


def _together(jobs) -> list[int]:
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


@pytest.fixture
def token(live_server):
    user = UserFactory(username="pmo-people-race", role=Role.PROJECT_OFFICE)
    return api_token_create(user=user, name="race")[1]


def test_racing_if_match_patches_of_one_resource(live_server, token):
    resource = ResourceFactory(name="Before")
    url = f"{live_server.url}/api/v1/resources/{resource.pk}/"
    headers = {"Authorization": f"Token {token}", "If-Match": f'"{resource.pk}-1"'}
    jobs = [
        (lambda n=n: _send("PATCH", url, json={"name": f"Racer {n}"}, headers=headers).status_code)
        for n in range(8)
    ]

    statuses = _together(jobs)

    assert statuses.count(200) == 1 and statuses.count(412) == 7, statuses
    stored = Resource.objects.get(pk=resource.pk)
    assert stored.name == f"Racer {statuses.index(200)}" and stored.version == 2


def test_racing_absences_on_the_same_days(live_server, token):
    person = ResourceFactory()
    url = f"{live_server.url}/api/v1/absences/"
    headers = {"Authorization": f"Token {token}"}
    jobs = [
        (
            lambda n=n: (
                _send(
                    "POST",
                    url,
                    json={"resource": person.pk, "start": "2025-08-04", "end": f"2025-08-{8 + n:02d}"},
                    headers=headers,
                ).status_code
            )
        )
        for n in range(6)
    ]

    statuses = _together(jobs)

    assert statuses.count(201) == 1 and statuses.count(400) == 5, statuses
    assert Absence.objects.filter(resource=person).count() == 1
