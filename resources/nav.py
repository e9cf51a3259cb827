"""The "Resources" menu of the main navigation (ppm.slots "nav.main"): one group for the register, the
capacity plan, timesheets and their approvals, and the ratio templates, each shown to whom it serves."""

from __future__ import annotations

from django.db.models import Q

from ppm.usercache import cached_for_user
from resources.models import Resource
from resources.permissions import RULES

# Pages of the projects' workload tab belong to the project, not to this menu.
PROJECT_PAGES = frozenset(
    {
        "project_workload",
        "workload_cell",
        "workload_apply_template",
        "workload_staff",
        "workload_proposal",
        "workload_reconcile",
        "workload_export",
    }
)


NAV = "resources-nav"  # ppm.usercache namespace: (fills timesheets, approves some) per person


def _timesheet_roles(user) -> tuple[bool, bool]:
    """One query: does the user fill timesheets (has a resource) or approve someone's?"""
    own, approves = False, False
    for owner_id, manager_id, team_manager_id in Resource.objects.filter(
        Q(user=user) | Q(manager=user) | Q(manager__isnull=True, team__manager=user), kind="person"
    ).values_list("user_id", "manager_id", "team__manager_id")[:50]:
        own = own or owner_id == user.pk
        approves = approves or manager_id == user.pk or (manager_id is None and team_manager_id == user.pk)
    return own, approves


def nav_context(request, **kwargs) -> dict | None:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    own, approves = cached_for_user(NAV, user, lambda: _timesheet_roles(user))
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match and match.namespace == "resources" else None
    return {
        "resources_nav": {
            "current": bool(url_name) and url_name not in PROJECT_PAGES,
            "url_name": url_name or "",
            "register": RULES.allows(user, "resource.view"),
            "capacity": RULES.allows(user, "capacity.view"),
            "timesheet": own,
            "approvals": approves or RULES.allows(user, "resource.change"),
            "templates": RULES.allows(user, "resource.change"),
        }
    }
