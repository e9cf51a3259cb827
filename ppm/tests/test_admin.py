"""Django's admin: Celery's tables for superusers only; business writes audited; nothing deleted."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from ppm.models import AuditEntry, Directorate, User
from ppm.roles import Role
from ppm.tests.factories import DirectorateFactory

pytestmark = pytest.mark.django_db

CELERY_APPS = ("django_celery_beat", "django_celery_results")


@pytest.fixture
def staff_pmo(make_user):
    """A project office member made staff with every model permission (the worst case)."""
    user = make_user(Role.PROJECT_OFFICE, username="pmo-staff", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=user.pk)


def test_celery_tables_are_hidden_from_the_project_office(client, staff_pmo):
    client.force_login(staff_pmo)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    html = index.content.decode()
    for label in CELERY_APPS:
        assert f"/admin/{label}/" not in html
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 403
    assert client.get(reverse("admin:django_celery_results_taskresult_changelist")).status_code == 403
    assert client.get(reverse("admin:app_list", args=["django_celery_beat"])).status_code == 404


def test_superusers_still_see_the_celery_tables(client, admin_user_):
    client.force_login(admin_user_)
    html = client.get(reverse("admin:index")).content.decode()
    assert "/admin/django_celery_beat/" in html
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


def test_directorate_added_in_the_admin_goes_through_the_service_and_is_audited(client, admin_user_):
    client.force_login(admin_user_)
    response = client.post(
        reverse("admin:ppm_directorate_add"), {"code": "DAF", "name": "Finances", "is_active": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    directorate = Directorate.objects.get(code="DAF")
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Directorate), object_id=str(directorate.pk)
    )
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == admin_user_
    response = client.post(
        reverse("admin:ppm_directorate_change", args=[directorate.pk]),
        {"code": "DAF", "name": "Finances et achats", "is_active": "on"},
    )
    assert response.status_code == 302
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE, object_id=str(directorate.pk)).count() == 1
    )


def test_business_data_and_accounts_are_not_deleted_in_the_admin(client, admin_user_, reader_user):
    directorate = DirectorateFactory(code="OLD")
    client.force_login(admin_user_)
    assert client.get(reverse("admin:ppm_directorate_delete", args=[directorate.pk])).status_code == 403
    assert client.get(reverse("admin:ppm_user_delete", args=[reader_user.pk])).status_code == 403
    assert Directorate.objects.filter(pk=directorate.pk).exists()


def test_account_changes_in_the_admin_are_audited_and_superuser_only(
    client, admin_user_, staff_pmo, reader_user
):
    client.force_login(staff_pmo)
    refused = client.post(
        reverse("admin:ppm_user_change", args=[reader_user.pk]), {"role": Role.ADMINISTRATOR}
    )
    assert refused.status_code == 403
    assert client.get(reverse("admin:ppm_user_add")).status_code == 403
    client.force_login(admin_user_)
    url = reverse("admin:ppm_user_change", args=[reader_user.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {
            "username": reader_user.username,
            "role": Role.PROJECT_MANAGER,
            "date_joined_0": reader_user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": reader_user.date_joined.strftime("%H:%M:%S"),
            "is_active": "on",
            "user_permissions": [],
            "groups": [],
            "directorate": "",
        }
    )
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_id=str(reader_user.pk))
    assert entry.actor == admin_user_
    assert entry.changes["role"]["new_raw"] == Role.PROJECT_MANAGER
