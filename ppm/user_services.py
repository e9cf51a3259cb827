"""Writes of user accounts by the project office and administrators: create, change, (de)activate.

Accounts are never deleted (the audit log and the projects keep pointing at them): they are
deactivated. Only administrators grant the administrator role or change an administrator's account
(rule ``user.grant_admin`` of ppm.permissions). A new account has no usable password: its owner sets
one with "Forgot your password?" on the sign-in page.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ppm.audit import audit_diff, audit_record, audit_snapshot
from ppm.models import AuditEntry, Directorate, User
from ppm.permissions import RULES
from ppm.roles import Role

# Audited and editable through these services (never passwords, staff or superuser flags).
USER_FIELDS = ("username", "first_name", "last_name", "email", "role", "directorate", "is_active")
USER_UPDATE_FIELDS = ("first_name", "last_name", "email", "role", "directorate", "is_active")


def _clean_text(value: Any) -> Any:
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    role: str = Role.READER,
    directorate: Directorate | None = None,
    is_active: bool = True,
) -> User:
    """Create an account without a usable password; audited. Administrators alone create administrators."""
    RULES.check(actor, "user.create")
    if role == Role.ADMINISTRATOR:
        RULES.check(actor, "user.grant_admin")
    user = User(
        username=_clean_text(username),
        first_name=_clean_text(first_name),
        last_name=_clean_text(last_name),
        email=User.objects.normalize_email(_clean_text(email)),
        role=role,
        directorate=directorate,
        is_active=is_active,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(
        instance=user,
        action=AuditEntry.Action.CREATE,
        actor=actor,
        changes=audit_diff({}, audit_snapshot(user, USER_FIELDS)),
    )
    return user


@transaction.atomic
def user_update(*, actor, user: User, data: dict[str, Any]) -> User:
    """Apply `data` (any of USER_UPDATE_FIELDS) to `user`; audited; nothing happens when nothing changed.

    Refused (403): by anyone but the project office and administrators; making someone an administrator
    or changing an administrator's account, except by an administrator. Refused (400): deactivating
    oneself or changing one's own role (nobody locks themselves out).
    """
    unknown = set(data) - set(USER_UPDATE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    user = User.objects.select_for_update().get(pk=user.pk)
    RULES.check(actor, "user.change", user)  # an administrator's account: administrators only
    if data.get("role") == Role.ADMINISTRATOR and user.role != Role.ADMINISTRATOR:
        RULES.check(actor, "user.grant_admin", user)
    before = audit_snapshot(user, USER_FIELDS)
    for field in USER_UPDATE_FIELDS:
        if field in data:
            value = _clean_text(data[field])
            setattr(user, field, User.objects.normalize_email(value) if field == "email" else value)
    if user.pk == actor.pk and (not user.is_active or user.role != actor.role):
        raise ValidationError(
            _("You cannot deactivate your own account or change your own role; ask another administrator.")
        )
    user.full_clean()
    changes = audit_diff(before, audit_snapshot(user, USER_FIELDS))
    if changes:
        user.save()
        audit_record(instance=user, action=AuditEntry.Action.UPDATE, actor=actor, changes=changes)
    return user


__all__ = ["USER_FIELDS", "USER_UPDATE_FIELDS", "user_create", "user_update"]
