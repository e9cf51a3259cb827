"""Roles and the permission rules every app relies on (pure functions, no queries)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "admin", _("Administrator")
    PROJECT_OFFICE = "pmo", _("Project office")
    # Reads the whole portfolio; edits budgets, envelopes, framework agreements and transfers (budgets).
    FINANCE = "finance", _("Finance")
    COMMITTEE_MEMBER = "committee", _("Committee member")
    PROJECT_MANAGER = "manager", _("Project manager")
    CONTRIBUTOR = "contributor", _("Contributor")
    READER = "reader", _("Reader")


PORTFOLIO_EDITOR_ROLES = frozenset({Role.ADMINISTRATOR, Role.PROJECT_OFFICE})


def is_portfolio_editor(user) -> bool:
    """Administrators and the project office edit the whole portfolio."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in PORTFOLIO_EDITOR_ROLES)
    )


# Who may be named a project's manager: the role that manages projects, and the portfolio's editors.
MANAGER_ROLES = frozenset({Role.PROJECT_MANAGER, Role.PROJECT_OFFICE, Role.ADMINISTRATOR})


def can_manage_projects(user) -> bool:
    return bool(user is not None and user.is_active and (user.is_superuser or user.role in MANAGER_ROLES))
