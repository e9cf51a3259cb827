"""The audit log page (/audit/): who may see it, filters, pagination, CSV export, query count."""

import csv
import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ppm.models import AuditEntry, Directorate, User
from ppm.roles import Role
from ppm.services import directorate_create, directorate_update

pytestmark = pytest.mark.django_db
URL = "/audit/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.PROJECT_OFFICE, 200),
        (Role.PROJECT_MANAGER, 403),
        (Role.COMMITTEE_MEMBER, 403),
        (Role.CONTRIBUTOR, 403),
        (Role.READER, 403),
    ],
)
def test_only_administrators_and_the_project_office_see_the_log(client, make_user, role, status):
    client.force_login(make_user(role))
    assert reverse("audit_log") == URL
    assert client.get(URL).status_code == status
    assert client.get(URL, {"format": "csv"}).status_code == status
    home = client.get(reverse("profile")).content.decode()
    assert (f'href="{URL}"' in home) == (status == 200), "the menu link only for those who may open it"


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.fixture
def history(pmo_user, admin_user_):
    """Entries by two people, on directorates, on two days."""
    dsi = directorate_create(actor=pmo_user, code="DSI", name="Systèmes")
    directorate_update(actor=admin_user_, directorate=dsi, data={"name": "Systèmes d'information"})
    drh = directorate_create(actor=admin_user_, code="DRH", name='=HYPERLINK("http://evil")')
    AuditEntry.objects.filter(object_id=dsi.pk, action=AuditEntry.Action.CREATE).update(
        at=datetime.datetime(2025, 3, 1, 10, 0, tzinfo=datetime.UTC)
    )
    return {"dsi": dsi, "drh": drh}


def rows(response) -> list[str]:
    return [entry.object_repr for entry in (row["entry"] for row in response.context["entries"])]


def test_filters_by_who_what_action_and_when(client, pmo_user, admin_user_, history):
    client.force_login(pmo_user)
    assert len(rows(client.get(URL))) == 3
    assert rows(client.get(URL, {"actor": pmo_user.pk})) == ["Systèmes"]
    assert len(rows(client.get(URL, {"actor": admin_user_.pk}))) == 2
    assert rows(client.get(URL, {"action": "update"})) == ["Systèmes d'information"]
    directorate_type = ContentType.objects.get_for_model(Directorate)
    assert len(rows(client.get(URL, {"content_type": directorate_type.pk}))) == 3
    user_type = ContentType.objects.get_for_model(User)
    assert client.get(URL, {"content_type": user_type.pk}).context["form"].errors, "not a kind in the log"
    assert rows(client.get(URL, {"since": "2025-03-01", "until": "2025-03-01"})) == ["Systèmes"]
    assert len(rows(client.get(URL, {"since": "2025-03-02"}))) == 2
    wrong_period = client.get(URL, {"since": "2025-03-02", "until": "2025-03-01"})
    assert "must not be before" in wrong_period.content.decode()


def test_the_log_is_paginated(client, pmo_user):
    for number in range(55):
        directorate_create(actor=pmo_user, code=f"D{number}", name=f"Directorate {number}")
    client.force_login(pmo_user)
    first = client.get(URL)
    assert len(first.context["entries"]) == 50
    assert first.context["page_obj"].paginator.count == 55
    assert len(client.get(URL, {"page": 2}).context["entries"]) == 5


def test_csv_export_of_the_selection_neutralises_formulas(client, pmo_user, admin_user_, history):
    client.force_login(pmo_user)
    response = client.get(URL, {"actor": admin_user_.pk, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, *body = table
    assert header[:3] == ["When", "Who", "Action"]
    assert len(body) == 2
    objects = {row[5] for row in body}
    assert '\'=HYPERLINK("http://evil")' in objects, "a formula is written as text"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)


def count_queries(client) -> int:
    client.get(URL)  # warm: per-person values cached by the header (ppm.usercache) are not growth
    with CaptureQueriesContext(connection) as context:
        response = client.get(URL)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_entries(client, pmo_user):
    client.force_login(pmo_user)
    for number in range(3):
        directorate_create(actor=pmo_user, code=f"A{number}", name=f"A {number}")
    at_three = count_queries(client)
    for number in range(27):
        directorate_create(actor=pmo_user, code=f"B{number}", name=f"B {number}")
    assert AuditEntry.objects.count() == 30
    assert count_queries(client) == at_three
