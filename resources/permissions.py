"""Who may do what on resources, workload plans, capacity and timesheets: the app's rule table.

| action                 | who                                                                         |
|------------------------|-----------------------------------------------------------------------------|
| resource.view          | every signed-in user (names, roles, teams, capacity and load)               |
| resource.view_cost     | administrators and the project office (daily cost rates)                    |
| resource.change        | administrators and the project office (create, edit, deactivate; roles,     |
|                        | teams, vendors, ratio templates, non-project activities)                    |
| absence.change         | the above; the person's manager; the person themselves (their own absences) |
| allocation.view        | every signed-in user (a project's workload plan)                            |
| allocation.change      | administrators, the project office; a project's manager on their projects   |
| capacity.view          | every signed-in user (capacity plan, heatmap, drill-down)                   |
| capacity.rebuild       | administrators, the project office and project managers                     |
| capacity.report        | administrators and the project office (the monthly capacity report)        |
| timesheet.view         | the person; the person's manager (approver); editors                        |
| timesheet.change       | the person only, while the week is a draft or returned                      |
| timesheet.approve      | the person's approver (their manager, else their team's); editors; never    |
|                        | the person themselves                                                       |
| timesheet_line.approve | the line's project manager (their project's lines); the week's approvers    |

`resource.*`/`absence.*` are checked against a resource (or an absence: its resource), `allocation.*`
against the project, `timesheet.*` against the timesheet, `timesheet_line.approve` against the line.
The expected answers are stated in tests/test_permissions_matrix.py.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portfolio.permissions import MANAGERS, manages
from ppm.permissions import EDITORS, SIGNED_IN, Rule, RuleTable
from ppm.roles import Role

NOT_READERS = frozenset(SIGNED_IN - {Role.READER.value})


def _resource_of(obj):
    return getattr(obj, "resource", obj)


def is_the_person(user, obj) -> bool:
    """`obj` (a resource, or anything with a resource) is `user`'s own."""
    resource = _resource_of(obj)
    return resource is not None and resource.user_id is not None and resource.user_id == user.pk


def approves_for(user, obj) -> bool:
    """`user` approves the timesheets of `obj`'s person: their manager, else their team's manager."""
    resource = _resource_of(obj)
    if resource is None:
        return False
    if resource.manager_id is not None:
        return resource.manager_id == user.pk
    team = resource.team if resource.team_id else None
    return team is not None and team.manager_id is not None and team.manager_id == user.pk


def not_own(user, obj) -> bool:
    """Nobody approves their own time (the project office included)."""
    return not is_the_person(user, getattr(obj, "timesheet", obj))


def manages_line_project(user, line) -> bool:
    return line.project_id is not None and manages(user, line.project) and not_own(user, line)


def approves_line_week(user, line) -> bool:
    return approves_for(user, line.timesheet)


RULES = RuleTable(
    "resources",
    rules=[
        Rule("resource.view", roles=SIGNED_IN),
        Rule("resource.view_cost", roles=EDITORS),
        Rule("resource.change", roles=EDITORS),
        Rule("absence.change", roles=EDITORS),
        Rule("absence.change", roles=NOT_READERS, when=approves_for),
        Rule("absence.change", roles=NOT_READERS, when=is_the_person),
        Rule("allocation.view", roles=SIGNED_IN),
        Rule("allocation.change", roles=EDITORS),
        Rule("allocation.change", roles=MANAGERS, when=manages),
        Rule("capacity.view", roles=SIGNED_IN),
        Rule("capacity.rebuild", roles=EDITORS | MANAGERS),
        Rule("capacity.report", roles=EDITORS),
        Rule("timesheet.view", roles=EDITORS),
        Rule("timesheet.view", roles=SIGNED_IN, when=is_the_person),
        Rule("timesheet.view", roles=NOT_READERS, when=approves_for),
        Rule("timesheet.change", roles=SIGNED_IN, when=is_the_person),
        Rule("timesheet.approve", roles=EDITORS, when=not_own),
        Rule("timesheet.approve", roles=NOT_READERS, when=approves_for),
        Rule("timesheet_line.approve", roles=EDITORS, when=not_own),
        Rule("timesheet_line.approve", roles=MANAGERS, when=manages_line_project),
        Rule("timesheet_line.approve", roles=NOT_READERS, when=approves_line_week),
    ],
    messages={
        "resource.view": _("You may not see this resource."),
        "resource.view_cost": _("Only the project office and administrators see cost rates."),
        "resource.change": _("Only the project office and administrators manage resources."),
        "absence.change": _("Only the project office, the person and their manager record absences."),
        "allocation.view": _("You may not see this workload plan."),
        "allocation.change": _(
            "Only the project office, administrators and the project's manager edit its workload plan."
        ),
        "capacity.view": _("You may not see the capacity plan."),
        "capacity.rebuild": _("Only the project office and project managers ask for a rebuild."),
        "capacity.report": _("Only the project office and administrators manage the capacity report."),
        "timesheet.view": _("You may not see this timesheet."),
        "timesheet.change": _("Only its owner fills in a timesheet."),
        "timesheet.approve": _("Only the person's manager and the project office approve this timesheet."),
        "timesheet_line.approve": _("Only the project's manager and the person's manager approve this line."),
    },
)
