"""The project office's pages for strategic axes, objectives and tags (rights: the permissions matrix)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import Objective, StrategicAxis, Tag
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, StrategicAxisFactory, TagFactory
from ppm.models import AuditEntry

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("key", ["axes", "objectives", "tags"])
def test_reference_lists_query_count_is_the_same_at_3_and_30(client, pmo_user, directorate, key):
    client.force_login(pmo_user)
    url = reverse(f"portfolio:reference:{key}_list")

    def grow(to: int) -> None:
        while StrategicAxis.objects.count() < to:
            axis = StrategicAxisFactory()
            objective = ObjectiveFactory(axis=axis)
            tag = TagFactory()
            ProjectFactory(directorate=directorate, objectives=[objective], tags=[tag])

    grow(3)
    at_3 = _queries(client, url)
    grow(30)
    assert Objective.objects.count() == Tag.objects.count() == 30
    assert _queries(client, url) == at_3


def test_objective_list_shows_axis_and_project_count(client, pmo_user, directorate):
    axis = StrategicAxisFactory(code="AX9", name="Efficiency")
    objective = ObjectiveFactory(axis=axis, code="OBJ9", name="Paperless")
    ProjectFactory(directorate=directorate, objectives=[objective])
    ProjectFactory(directorate=directorate, objectives=[objective])
    client.force_login(pmo_user)
    html = client.get(reverse("portfolio:reference:objectives_list")).content.decode()
    row = html[html.index("OBJ9") :].split("</tr>", 1)[0]
    assert "AX9 · Efficiency" in row
    assert "<td>2</td>" in row


def test_create_axis_and_objective_through_the_pages_is_audited(client, pmo_user):
    client.force_login(pmo_user)
    response = client.post(
        reverse("portfolio:reference:axes_create"), {"code": "AX5", "name": "Open data", "order": "5"}
    )
    assert response.status_code == 302
    axis = StrategicAxis.objects.get(code="AX5")
    response = client.post(
        reverse("portfolio:reference:objectives_create"),
        {"axis": axis.pk, "code": "OBJ50", "name": "Publish datasets", "order": "1"},
    )
    assert response.status_code == 302
    objective = Objective.objects.get(code="OBJ50")
    assert objective.axis == axis
    for instance in (axis, objective):
        entry = AuditEntry.objects.get(
            content_type=ContentType.objects.get_for_model(instance),
            object_id=str(instance.pk),
            action=AuditEntry.Action.CREATE,
        )
        assert entry.actor == pmo_user


def test_rename_tag_through_the_page_is_audited_and_duplicates_refused(client, pmo_user):
    TagFactory(name="cloud")
    tag = TagFactory(name="clould")
    client.force_login(pmo_user)
    url = reverse("portfolio:reference:tags_edit", args=[tag.pk])
    response = client.post(url, {"name": "cloud"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    response = client.post(url, {"name": "sovereign cloud"})
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.name == "sovereign cloud"
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(tag),
        object_id=str(tag.pk),
        action=AuditEntry.Action.UPDATE,
    )
    assert entry.changes["name"] == {"label": "name", "old": "clould", "new": "sovereign cloud"}


def test_manage_index_lists_the_portfolio_sections(client, pmo_user):
    client.force_login(pmo_user)
    html = client.get(reverse("manage:index")).content.decode()
    for key in ("axes", "objectives", "tags"):
        assert reverse(f"portfolio:reference:{key}_list") in html


def test_reference_pages_do_not_mark_projects_as_the_current_menu_entry(client, pmo_user):
    client.force_login(pmo_user)
    html = client.get(reverse("portfolio:reference:tags_list")).content.decode()
    nav = html[html.index('class="main-nav"') :].split("</nav>", 1)[0]
    menu = html[html.index('class="user-menu__panel"') :].split("</details>", 1)[0]
    assert f'<a href="{reverse("manage:index")}" aria-current="page">' in menu
    assert f'<a href="{reverse("portfolio:project_list")}" aria-current="page">' not in nav
