"""The resources app's part of the permissions matrix (tests/test_permissions_matrix.py).

SPEC rows for resources.permissions.RULES, the target objects of its entities, and the pages and API
endpoints of each part of the app (tests/matrix_resources_<part>.py: PAGES, API, SAME_AS, NOT_RULED).

Targets: "any" = a resource (no ownership); "own" = the acting user's own resource / timesheet, or for an
allocation the project the user manages; "team" = a person whose timesheets the acting user approves
(their manager); "project" = a timesheet line of a project the acting user manages (of a person they
do not manage); "other" = someone else's, managed by another manager.
"""

import datetime

from resources.models import Absence, Timesheet, TimesheetLine
from resources.tests.factories import ResourceFactory
from tests import (
    matrix_resources_capacity,
    matrix_resources_people,
    matrix_resources_timesheets,
    matrix_resources_workload,
)
from tests.helpers import OTHER_MANAGER
from tests.matrix import NA, N, Y

PARTS = (
    matrix_resources_people,
    matrix_resources_workload,
    matrix_resources_capacity,
    matrix_resources_timesheets,
)

# fmt: off
SPEC = [
    # action                   target     adm pmo fin com mgr ctb rdr anon
    ("resource.view",          "any",     Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("resource.view_cost",     "any",     Y,  Y,  N,  N,  N,  N,  N,  N),
    ("resource.change",        "any",     Y,  Y,  N,  N,  N,  N,  N,  N),
    ("absence.change",         "own",     Y,  Y,  Y,  Y,  Y,  Y,  N,  NA),
    ("absence.change",         "team",    Y,  Y,  Y,  Y,  Y,  Y,  N,  NA),
    ("absence.change",         "other",   Y,  Y,  N,  N,  N,  N,  N,  N),
    ("allocation.view",        "other",   Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("allocation.change",      "own",     Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("allocation.change",      "other",   Y,  Y,  N,  N,  N,  N,  N,  N),
    ("capacity.view",          "-",       Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("capacity.rebuild",       "-",       Y,  Y,  N,  N,  Y,  N,  N,  N),
    ("capacity.report",        "-",       Y,  Y,  N,  N,  N,  N,  N,  N),
    ("timesheet.view",         "own",     Y,  Y,  Y,  Y,  Y,  Y,  Y,  NA),
    ("timesheet.view",         "team",    Y,  Y,  Y,  Y,  Y,  Y,  N,  NA),
    ("timesheet.view",         "other",   Y,  Y,  N,  N,  N,  N,  N,  N),
    ("timesheet.change",       "own",     Y,  Y,  Y,  Y,  Y,  Y,  Y,  NA),
    ("timesheet.change",       "team",    N,  N,  N,  N,  N,  N,  N,  NA),
    ("timesheet.change",       "other",   N,  N,  N,  N,  N,  N,  N,  N),
    ("timesheet.approve",      "own",     N,  N,  N,  N,  N,  N,  N,  NA),
    ("timesheet.approve",      "team",    Y,  Y,  Y,  Y,  Y,  Y,  N,  NA),
    ("timesheet.approve",      "other",   Y,  Y,  N,  N,  N,  N,  N,  N),
    ("timesheet_line.approve", "own",     N,  N,  N,  N,  N,  N,  N,  NA),
    ("timesheet_line.approve", "project", Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("timesheet_line.approve", "team",    Y,  Y,  Y,  Y,  Y,  Y,  N,  NA),
    ("timesheet_line.approve", "other",   Y,  Y,  N,  N,  N,  N,  N,  N),
]
# fmt: on

ENTITIES = frozenset({"resource", "absence", "allocation", "capacity", "timesheet", "timesheet_line"})
# (entity, target) whose project the acting user manages.
MANAGED_PROJECT_TARGETS = frozenset({("allocation", "own"), ("timesheet_line", "project")})
WEEK = datetime.date(2025, 9, 1)


def _person(world, user, target: str):
    """The resource a target names: the user's own, one they manage, or another manager's."""
    if target == "own":
        if user is None:
            return ResourceFactory(name="Nobody's")
        return ResourceFactory(name=f"{user.username} (resource)", user=user)
    manager = user if target == "team" else world.user(OTHER_MANAGER)
    return ResourceFactory(name=f"Managed by {manager.username}", manager=manager)


def target_object(world, user, target: str, entity: str, project):
    if entity == "capacity" or target == "-":
        return None
    if entity == "allocation":
        return project
    if entity == "resource":
        return ResourceFactory(name="Matrix resource")
    person = _person(world, user, "other" if target == "project" else target)
    if entity == "absence":
        return Absence.objects.create(resource=person, start=WEEK, end=WEEK)
    timesheet = Timesheet.objects.create(resource=person, week=WEEK)
    if entity == "timesheet":
        return timesheet
    return TimesheetLine.objects.create(timesheet=timesheet, project=project)


PAGES = [endpoint for part in PARTS for endpoint in part.PAGES]
API = [endpoint for part in PARTS for endpoint in part.API]
SAME_AS = {name: same for part in PARTS for name, same in getattr(part, "SAME_AS", {}).items()}
NOT_RULED = {name for part in PARTS for name in getattr(part, "NOT_RULED", set())}
