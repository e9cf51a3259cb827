"""Accounts written by the project office and administrators: audited, never deleted, no escalation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ppm.models import AuditEntry, User
from ppm.roles import Role
from ppm.user_services import user_create, user_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.COMMITTEE_MEMBER, Role.CONTRIBUTOR, Role.READER])
def test_only_the_project_office_and_administrators_manage_accounts(make_user, reader_user, role):
    actor = make_user(role)
    with pytest.raises(PermissionDenied):
        user_create(actor=actor, username="someone")
    with pytest.raises(PermissionDenied):
        user_update(actor=actor, user=reader_user, data={"first_name": "X"})
    assert not User.objects.filter(username="someone").exists()


def test_project_office_cannot_make_or_change_an_administrator(pmo_user, admin_user_, reader_user):
    with pytest.raises(PermissionDenied):
        user_create(actor=pmo_user, username="boss", role=Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        user_update(actor=pmo_user, user=reader_user, data={"role": Role.ADMINISTRATOR})
    with pytest.raises(PermissionDenied):
        user_update(actor=pmo_user, user=admin_user_, data={"is_active": False})
    reader_user.refresh_from_db()
    admin_user_.refresh_from_db()
    assert reader_user.role == Role.READER and admin_user_.is_active


def test_administrator_makes_an_administrator(admin_user_, reader_user):
    user = user_update(actor=admin_user_, user=reader_user, data={"role": Role.ADMINISTRATOR})
    assert user.role == Role.ADMINISTRATOR
    created = user_create(actor=admin_user_, username="boss", role=Role.ADMINISTRATOR)
    assert created.role == Role.ADMINISTRATOR and not created.is_superuser


def test_update_records_only_what_changed_and_nothing_when_nothing_changed(
    pmo_user, reader_user, directorate
):
    user_update(actor=pmo_user, user=reader_user, data={"directorate": directorate, "first_name": "Ana"})
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert set(entry.changes) == {"directorate", "first_name"}
    assert entry.changes["directorate"]["new"] == directorate.name
    user_update(actor=pmo_user, user=reader_user, data={"first_name": "Ana"})
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).count() == 1


def test_unknown_fields_and_bad_values_are_refused(pmo_user, reader_user):
    with pytest.raises(ValidationError):
        user_update(actor=pmo_user, user=reader_user, data={"is_superuser": True})
    with pytest.raises(ValidationError):
        user_update(actor=pmo_user, user=reader_user, data={"role": "emperor"})
    with pytest.raises(ValidationError):
        user_create(actor=pmo_user, username="bad name!")
    reader_user.refresh_from_db()
    assert not reader_user.is_superuser and reader_user.role == Role.READER


def test_created_account_has_no_usable_password(pmo_user):
    user = user_create(actor=pmo_user, username="newbie", email="New@Example.ORG")
    assert not user.has_usable_password()
    assert user.email == "New@example.org"  # the domain is case-insensitive
    assert AuditEntry.objects.get(action=AuditEntry.Action.CREATE).actor == pmo_user
