"""Concurrent writers against a real threaded server (pytest-django's live_server), on the database the
suite runs on (SQLite by default, PostgreSQL with DATABASE_URL): every request is answered 2xx, 302
(a page form saved), 409 or 412, never 5xx, and nothing is lost.

On SQLite this needs WAL, IMMEDIATE transactions and a busy timeout (ppm/settings.py): with SQLite's
default deferred transactions, two requests that both read then write fail at once with "database is
locked" (HTTP 500).
"""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from portfolio.models import Project
from portfolio.tests.factories import ProjectFactory
from ppm.api.concurrency import version_etag
from ppm.models import AuditEntry
from ppm.roles import Role
from ppm.services import api_token_create
from ppm.tests.factories import DirectorateFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ACCEPTED = {200, 302, 409, 412}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _send(method: str, url: str, **kwargs) -> requests.Response:
    """One request; a connection the test server's listen queue (10) refused is retried: such a request
    never reached the application."""
    for _attempt in range(40):
        try:
            return requests.request(method, url, timeout=120, allow_redirects=False, **kwargs)
        except requests.ConnectionError:
            time.sleep(0.05)
    return requests.request(method, url, timeout=120, allow_redirects=False, **kwargs)


class Browser:
    """A signed-in user's browser: session cookie, CSRF token read from the edit page."""

    def __init__(self, live_server, user):
        client = Client()
        client.force_login(user)
        self.base = live_server.url
        self.cookies = {"sessionid": client.cookies["sessionid"].value}

    def edit_form(self, project: Project) -> dict:
        response = _send("GET", f"{self.base}/projects/{project.pk}/edit/", cookies=self.cookies)
        assert response.status_code == 200, response.status_code
        cookies = {**self.cookies, **response.cookies.get_dict()}
        data = {
            "csrfmiddlewaretoken": CSRF_INPUT.search(response.text).group(1),
            "code": project.code,
            "name": project.name,
            "description": project.description,
            "directorate": project.directorate_id,
            "manager": project.manager_id or "",
            "planned_start": project.planned_start.isoformat() if project.planned_start else "",
            "planned_end": project.planned_end.isoformat() if project.planned_end else "",
            "priority": project.priority,
            "tags": "",
            "version": project.version,
        }
        return {"url": f"{self.base}/projects/{project.pk}/edit/", "data": data, "cookies": cookies}

    def submit(self, form: dict, *, name: str) -> int:
        response = _send(
            "POST",
            form["url"],
            data={**form["data"], "name": name},
            cookies=form["cookies"],
            headers={"Referer": form["url"]},
        )
        return response.status_code


def _api_patch(live_server, raw_token: str, project: Project, *, name: str, version: int | None) -> int:
    headers = {"Authorization": f"Token {raw_token}"}
    if version is not None:
        headers["If-Match"] = version_etag(project.pk, version)
    response = _send(
        "PATCH", f"{live_server.url}/api/v1/projects/{project.pk}/", json={"name": name}, headers=headers
    )
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith("application/json"), response.text[:300]
    return response.status_code


def _run_together(jobs) -> list[int]:
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _updates(project: Project) -> int:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Project),
        object_id=str(project.pk),
        action=AuditEntry.Action.UPDATE,
    ).count()


@pytest.fixture
def office(live_server):
    user = UserFactory(username="pmo-concurrent", role=Role.PROJECT_OFFICE)
    _token, raw = api_token_create(user=user, name="load")
    return user, raw


def test_parallel_edits_of_different_projects_all_succeed(live_server, office):
    user, raw = office
    directorate = DirectorateFactory()
    projects = [ProjectFactory(code=f"PAR-{n:02d}", directorate=directorate) for n in range(20)]
    browser = Browser(live_server, user)
    forms = {project.pk: browser.edit_form(project) for project in projects[:10]}
    jobs = [
        (lambda p=project: browser.submit(forms[p.pk], name=f"Page edit {p.code}"))
        for project in projects[:10]
    ] + [
        (lambda p=project: _api_patch(live_server, raw, p, name=f"API edit {p.code}", version=p.version))
        for project in projects[10:]
    ]

    statuses = _run_together(jobs)

    assert statuses[:10] == [302] * 10, statuses
    assert statuses[10:] == [200] * 10, statuses
    for index, project in enumerate(projects):
        stored = Project.objects.get(pk=project.pk)
        assert stored.name == f"{'Page' if index < 10 else 'API'} edit {project.code}"
        assert stored.version == project.version + 1
        assert _updates(project) == 1


def test_racing_if_match_patches_on_one_project(live_server, office):
    _user, raw = office
    project = ProjectFactory(code="RACE-1")
    start = project.version
    jobs = [
        (lambda n=n: _api_patch(live_server, raw, project, name=f"Racer {n}", version=start))
        for n in range(20)
    ]

    statuses = _run_together(jobs)

    assert set(statuses) <= ACCEPTED, statuses
    assert statuses.count(200) == 1, statuses
    assert statuses.count(412) == 19, statuses
    stored = Project.objects.get(pk=project.pk)
    winner = statuses.index(200)
    assert stored.name == f"Racer {winner}"
    assert stored.version == start + 1
    assert _updates(project) == 1


def test_page_and_api_writers_racing_on_one_project(live_server, office):
    user, raw = office
    project = ProjectFactory(code="RACE-2")
    start = project.version
    browser = Browser(live_server, user)
    forms = [browser.edit_form(project) for _n in range(10)]
    jobs = [(lambda n=n: browser.submit(forms[n], name=f"Page {n}")) for n in range(10)] + [
        (lambda n=n: _api_patch(live_server, raw, project, name=f"API {n}", version=start)) for n in range(10)
    ]

    statuses = _run_together(jobs)

    assert set(statuses) <= ACCEPTED, statuses
    successes = [n for n, status in enumerate(statuses) if status in (200, 302)]
    assert len(successes) == 1, statuses
    assert statuses.count(409) + statuses.count(412) == 19
    stored = Project.objects.get(pk=project.pk)
    winner = successes[0]
    assert stored.name == (f"Page {winner}" if winner < 10 else f"API {winner - 10}")
    assert stored.version == start + 1
    assert _updates(project) == 1


def test_last_write_wins_patches_are_all_kept(live_server, office):
    """Without If-Match every PATCH is applied in turn: each one is a version and an audit entry."""
    _user, raw = office
    project = ProjectFactory(code="RACE-3")
    start = project.version
    jobs = [
        (lambda n=n: _api_patch(live_server, raw, project, name=f"Writer {n}", version=None))
        for n in range(20)
    ]

    statuses = _run_together(jobs)

    assert statuses == [200] * 20, statuses
    stored = Project.objects.get(pk=project.pk)
    assert stored.version == start + 20
    assert _updates(project) == 20
    assert stored.name.startswith("Writer ")
