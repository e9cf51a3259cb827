"""Who may do what on a schedule: the app's rule table (ppm.permissions), for services, pages and the API.

| action            | who                                                                          |
|-------------------|------------------------------------------------------------------------------|
| schedule.view     | every signed-in user (tasks, links, Gantt of any project)                    |
| schedule.change   | administrators, the project office, the project's manager (tasks, links,     |
|                   | moves, the project's calendar exceptions)                                    |
| task.progress     | the above, and the task's assignee of any role but reader (percent complete, |
|                   | board status and position: contributors move their own cards)                |
| calendar.manage   | administrators and the project office (organisation-wide closed days)        |

`schedule.*` is checked against the project, `task.progress` against the task. The expected answers are
stated in tests/test_permissions_matrix.py.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portfolio.permissions import MANAGERS, manages
from ppm.permissions import EDITORS, SIGNED_IN, Rule, RuleTable
from ppm.roles import Role

# The fields of a task its assignee may change without editing the schedule.
PROGRESS_FIELDS = frozenset({"percent_complete", "board_status", "board_position"})
ASSIGNEE_ROLES = frozenset(SIGNED_IN - {Role.READER.value})


def manages_task_project(user, task) -> bool:
    return manages(user, task.project)


def assigned(user, task) -> bool:
    return task.assignee_id is not None and task.assignee_id == user.pk


RULES = RuleTable(
    "schedule",
    rules=[
        Rule("schedule.view", roles=SIGNED_IN),
        Rule("schedule.change", roles=EDITORS),
        Rule("schedule.change", roles=MANAGERS, when=manages),
        Rule("task.progress", roles=EDITORS),
        Rule("task.progress", roles=MANAGERS, when=manages_task_project),
        Rule("task.progress", roles=ASSIGNEE_ROLES, when=assigned),
        Rule("calendar.manage", roles=EDITORS),
    ],
    messages={
        "schedule.view": _("You may not see this schedule."),
        "schedule.change": _("Only the project office, administrators and its manager edit this schedule."),
        "task.progress": _("Only the schedule's editors and the task's assignee update its progress."),
        "calendar.manage": _(
            "Only the project office and administrators change the organisation's calendar."
        ),
    },
)


def can_view_schedule(user, project) -> bool:
    return RULES.allows(user, "schedule.view", project)


def can_edit_schedule(user, project) -> bool:
    """The project office, administrators and the project's manager edit its schedule."""
    return RULES.allows(user, "schedule.change", project)


def can_update_progress(user, task) -> bool:
    """Schedule editors, and the task's assignee (contributors move their own cards)."""
    return RULES.allows(user, "task.progress", task)


def can_change_task_fields(user, task, fields) -> bool:
    """May `user` change these `fields` of `task`? Progress fields are the assignee's too."""
    if can_edit_schedule(user, task.project):
        return True
    return set(fields) <= PROGRESS_FIELDS and can_update_progress(user, task)


def can_manage_calendar(user, project=None) -> bool:
    """Organisation-wide exceptions: the project office; a project's: whoever edits its schedule."""
    if project is None:
        return RULES.allows(user, "calendar.manage")
    return can_edit_schedule(user, project)
