"""Shared data builders of the cross-app tests (permissions matrix and browser tests)."""

import datetime
from dataclasses import dataclass, field

from portfolio.models import Objective, Project
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, StrategicAxisFactory
from ppm.models import Directorate, User
from ppm.roles import Role
from ppm.tests.factories import DEFAULT_PASSWORD, DirectorateFactory, UserFactory

PASSWORD = DEFAULT_PASSWORD
# One user per role; the username is the role's value ("admin", "pmo", ...).
ROLE_USERNAMES = tuple(role.value for role in Role)
OTHER_MANAGER = "manager-other"


@dataclass
class World:
    """A small portfolio: a user per role, two directorates, objectives and a few projects."""

    users: dict[str, User]
    directorates: list[Directorate]
    objectives: list[Objective]
    projects: list[Project] = field(default_factory=list)

    def user(self, username: str) -> User:
        return self.users[username]


def build_world(*, with_projects: bool = True) -> World:
    users = {}
    for role in Role:
        extra = {"is_staff": True, "is_superuser": True} if role == Role.ADMINISTRATOR else {}
        users[role.value] = UserFactory(
            username=role.value, role=role, first_name=role.label.split()[0], last_name="Tester", **extra
        )
    users[OTHER_MANAGER] = UserFactory(
        username=OTHER_MANAGER, role=Role.PROJECT_MANAGER, first_name="Other", last_name="Manager"
    )
    directorates = [
        DirectorateFactory(code="DSI", name="Direction des systèmes d'information"),
        DirectorateFactory(code="DRH", name="Direction des ressources humaines"),
    ]
    axis = StrategicAxisFactory(code="AX1", name="Digital public service")
    objectives = [
        ObjectiveFactory(axis=axis, code="OBJ1", name="Online procedures"),
        ObjectiveFactory(axis=axis, code="OBJ2", name="Data governance"),
        ObjectiveFactory(axis=axis, code="OBJ3", name="Modern workplace"),
    ]
    world = World(users=users, directorates=directorates, objectives=objectives)
    if with_projects:
        world.projects = [
            ProjectFactory(
                code="ERP-2025",
                name="Financial ERP replacement",
                directorate=directorates[0],
                manager=users[Role.PROJECT_MANAGER.value],
                status="in_progress",
                objectives=[objectives[1]],
                planned_start=datetime.date(2025, 1, 6),
                planned_end=datetime.date(2026, 12, 18),
            ),
            ProjectFactory(
                code="GRC-2025",
                name="Citizen relationship portal",
                directorate=directorates[0],
                manager=users[OTHER_MANAGER],
                status="framing",
                objectives=[objectives[0]],
            ),
            ProjectFactory(
                code="SIRH-2026",
                name="HR information system",
                directorate=directorates[1],
                manager=None,
                status="demand",
                objectives=[objectives[2]],
                planned_start=datetime.date(2026, 1, 5),
                planned_end=datetime.date(2027, 6, 30),
            ),
            ProjectFactory(
                code="ARCH-2024",
                name="Electronic archiving",
                directorate=directorates[1],
                manager=users[Role.PROJECT_MANAGER.value],
                status="closed",
                objectives=[objectives[1]],
            ),
        ]
    return world
