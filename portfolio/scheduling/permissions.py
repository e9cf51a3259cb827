"""Who may do what on a schedule (pure functions, no queries): one place for pages and API alike.

| action                                  | who                                                        |
|-----------------------------------------|------------------------------------------------------------|
| read a schedule (tasks, links, Gantt)   | every signed-in, active user                               |
| edit a schedule (tasks, links, dates,   | administrators, the project office, the project's manager  |
| project calendar exceptions)            | (a user with the project-manager role managing the project)|
| update progress / board status of a task| the above, and the task's assignee (any role but reader)   |
| organisation calendar exceptions        | administrators and the project office                      |
"""

from __future__ import annotations

from portfolio.permissions import can_edit_project, can_view_project
from ppm.roles import Role, is_portfolio_editor

# The fields a task's assignee may change without editing the schedule.
PROGRESS_FIELDS = frozenset({"percent_complete", "board_status", "board_position"})


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_schedule(user, project) -> bool:
    return can_view_project(user, project)


def can_edit_schedule(user, project) -> bool:
    """The project office, administrators and the project's manager edit its schedule."""
    return can_edit_project(user, project)


def can_update_progress(user, task) -> bool:
    """Schedule editors, and the task's assignee (contributors move their own cards)."""
    if not _active(user):
        return False
    if can_edit_schedule(user, task.project):
        return True
    return task.assignee_id is not None and task.assignee_id == user.pk and user.role != Role.READER


def can_change_task_fields(user, task, fields) -> bool:
    """May `user` change these `fields` of `task`? Progress fields are the assignee's too."""
    if can_edit_schedule(user, task.project):
        return True
    return set(fields) <= PROGRESS_FIELDS and can_update_progress(user, task)


def can_manage_calendar(user, project=None) -> bool:
    """Organisation-wide exceptions: the project office; a project's: whoever edits its schedule."""
    if project is None:
        return is_portfolio_editor(user)
    return can_edit_schedule(user, project)
