"""Pages: the project's schedule panel, the slippage column and dashboard figure, the task table page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.scheduling import services
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory

D = datetime.date


@pytest.fixture
def late_project(db, manager_user):
    project = ProjectFactory(
        code="LATE-1",
        manager=manager_user,
        status="in_progress",
        planned_start=D(2025, 1, 6),
        planned_end=D(2025, 1, 10),
    )
    services.schedule_replace(
        project=project,
        actor=None,
        tasks=[
            {"key": 1, "name": "Réalisation", "duration": 10},
            {"key": 2, "name": "Mise en production", "milestone": True},
        ],
        links=[{"predecessor": 1, "successor": 2}],
    )
    project.refresh_from_db()
    return project


def test_project_page_shows_schedule_panel(client, pmo_user, late_project):
    client.force_login(pmo_user)
    response = client.get(reverse("portfolio:project_detail", args=[late_project.pk]))
    content = response.content.decode()
    assert 'id="schedule-panel"' in content
    assert "5 working days late" in content
    assert reverse("portfolio:project_tasks", args=[late_project.pk]) in content


def test_project_list_sorts_by_slippage_and_dashboard_lists_slipping(client, pmo_user, late_project):
    ProjectFactory(code="ONTIME-1", status="in_progress")
    client.force_login(pmo_user)
    response = client.get(reverse("portfolio:project_list") + "?ordering=-slippage")
    content = response.content.decode()
    assert content.index("LATE-1") < content.index("ONTIME-1")
    assert 'aria-sort="descending"' in content
    dashboard = client.get(reverse("portfolio:dashboard")).content.decode()
    assert 'id="slipping-projects"' in dashboard and "LATE-1" in dashboard


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_task_table_page_and_equal_queries(client, pmo_user, late_project, manager_user):
    client.force_login(pmo_user)
    url = reverse("portfolio:project_tasks", args=[late_project.pk])
    content = client.get(url).content.decode()
    assert "Mise en production" in content and "critical" in content
    small = _queries(client, url)
    other = ProjectFactory(manager=manager_user)
    services.schedule_replace(
        project=other,
        actor=None,
        tasks=[{"key": k, "name": f"Tâche {k}", "duration": 2} for k in range(30)],
        links=[{"predecessor": k, "successor": k + 1} for k in range(29)],
    )
    assert _queries(client, reverse("portfolio:project_tasks", args=[other.pk])) == small


def test_row_edit_saves_and_stale_edit_shows_conflict(client, pmo_user, late_project):
    client.force_login(pmo_user)
    task = Task.objects.get(project=late_project, name="Réalisation")
    url = reverse("portfolio:task_row_edit", args=[task.pk])
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'id="task-row-{task.pk}"' in form and 'name="version"' in form
    data = {"version": task.version, "name": "Réalisation", "duration": 12, "percent_complete": 10}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="task-table"' in response.content.decode()
    task.refresh_from_db()
    assert task.duration == 12 and task.percent_complete == 10
    stale = client.post(url, {**data, "duration": 3}, HTTP_HX_REQUEST="true")
    assert stale["HX-Retarget"] == f"#task-row-{task.pk}"
    assert "changed this task in the meantime" in stale.content.decode()
    assert Task.objects.get(pk=task.pk).duration == 12


def test_project_history_names_the_child_object_of_each_change(client, pmo_user, late_project):
    task = Task.objects.get(project=late_project, name="Réalisation")
    services.task_update(actor=pmo_user, task=task, data={"name": "Réalisation du portail"})
    client.force_login(pmo_user)
    content = client.get(reverse("portfolio:project_detail", args=[late_project.pk])).content.decode()
    # The task's change shows in its project's history, saying which task it was.
    assert "Task “" in content and "Réalisation du portail" in content


def test_the_task_table_adds_a_task_under_a_parent_and_deletes_one(client, manager_user, late_project):
    client.force_login(manager_user)
    parent = Task.objects.get(project=late_project, name="Réalisation")
    url = reverse("portfolio:task_add", args=[late_project.pk])
    response = client.post(
        url, {"name": "Recette", "parent": parent.pk, "duration": 4}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    added = Task.objects.get(project=late_project, name="Recette")
    assert added.parent_id == parent.pk and added.duration == 4 and added.start is not None
    parent.refresh_from_db()
    assert parent.is_summary  # it now rolls its new child up
    assert "Recette" in response.content.decode()

    # A bad form keeps what was typed and says why; nothing is written.
    count = Task.objects.filter(project=late_project).count()
    response = client.post(url, {"name": "", "duration": -1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and Task.objects.filter(project=late_project).count() == count
    assert 'class="field field--error"' in response.content.decode()
    # The form lists this project's tasks as possible parents ("WBS name"), never another project's.
    body = client.get(reverse("portfolio:project_tasks", args=[late_project.pk])).content.decode()
    assert f'<option value="{parent.pk}">{parent.wbs} Réalisation</option>' in body
    stranger = Task.objects.exclude(project=late_project).first() or Task.objects.create(
        project=ProjectFactory(), name="Elsewhere", duration=1
    )
    response = client.post(
        url, {"name": "Ailleurs", "parent": stranger.pk, "duration": 1}, HTTP_HX_REQUEST="true"
    )
    assert not Task.objects.filter(name="Ailleurs").exists()
    assert 'class="field field--error"' in response.content.decode()

    # A delete carrying an old version is refused; the current one deletes.
    delete = reverse("portfolio:task_delete", args=[added.pk])
    client.post(delete, {"version": added.version - 1 if added.version > 1 else 99}, HTTP_HX_REQUEST="true")
    assert Task.objects.filter(pk=added.pk).exists()
    added.refresh_from_db()
    response = client.post(delete, {"version": added.version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and not Task.objects.filter(pk=added.pk).exists()


def test_a_reader_gets_no_add_form_and_cannot_add(client, reader_user, late_project):
    client.force_login(reader_user)
    html = client.get(reverse("portfolio:project_tasks", args=[late_project.pk])).content.decode()
    assert reverse("portfolio:task_add", args=[late_project.pk]) not in html
    response = client.post(
        reverse("portfolio:task_add", args=[late_project.pk]), {"name": "X", "duration": 1}
    )
    assert response.status_code == 403
