"""The permissions matrix's vocabulary, shared by tests/test_permissions_matrix.py and the parts each
app adds to it (tests/matrix_<app>*.py: their SPEC rows, target objects, PAGES and API endpoints)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from portfolio.models import Project

ROLES = ("admin", "pmo", "finance", "committee", "manager", "contributor", "reader", "anonymous")
Y, N, NA = True, False, None  # NA: not applicable (an anonymous visitor owns nothing)


@dataclass
class Context:
    world: Any
    role: str
    user: Any
    project: Project
    target: Any  # the object the action is about (None for "-")
    extra: dict = field(default_factory=dict)


@dataclass
class Endpoint:
    """One URL and method, the rule action it needs and the object that action is about."""

    name: str
    action: str
    target: str
    method: str
    url: Callable[[Context], str]
    data: Callable[[Context], dict] | None = None
    success: int = 200
    refused: int = 403  # 404 where what is refused is also invisible to the user
    state: Callable[[Context], Any] | None = None  # what a write changes (None: a read)
    entity: str = ""
    format: str = "json"  # the API request's format ("multipart" for uploads)

    def __post_init__(self):
        self.entity = self.entity or self.action.split(".", 1)[0]

    def cases(self):
        for role in ROLES:
            if not (role == "anonymous" and self.target == "own"):
                yield pytest.param(self, role, id=f"{role}-{self.name}-{self.target}")


class _Placeholder:
    """Stands for every object when a URL is only resolved (test_every_page_is_in_the_matrix)."""

    pk = 1
