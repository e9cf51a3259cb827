"""The boards' share of `make bench` (called by portfolio/bench.py): one in-progress project gets a
board of BOARD_CARDS cards (QUALITY.md: a board of 200 cards, p50 server ≤ 10 ms), and the screens
that measure it and the portfolio board over the whole seeded portfolio."""

from __future__ import annotations

import random
from datetime import date, timedelta

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.scheduling.models import BoardStatus, Task
from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Bar, Screen, at_most_queries, seeded_users
from ppm.models import User

BOARD_CARDS = 200
UID_PREFIX = "bench-board-"
START = date(2025, 1, 6)


SMALL_BOARD_CARDS = 30  # the tests' small datasets: fewer cards than the Gantt's project has tasks


def seed(*, rng_seed: int = 1789, cards: int = BOARD_CARDS) -> None:
    """Give the first seeded in-progress project without tasks a board of `cards` leaf tasks
    (statuses, assignees, milestones and critical flags spread like a real board)."""
    rng = random.Random(rng_seed)
    project = (
        Project.objects.filter(status=ProjectStatus.IN_PROGRESS, tasks__isnull=True).order_by("pk").first()
    )
    if project is None:
        return
    people: list[User | None] = [*seeded_users()[:12]] or [None]
    statuses = (
        [BoardStatus.TODO] * 4
        + [BoardStatus.IN_PROGRESS] * 3
        + [BoardStatus.BLOCKED]
        + [BoardStatus.DONE] * 2
    )
    tasks = []
    for index in range(cards):
        status = rng.choice(statuses)
        start = START + timedelta(days=rng.randrange(0, 300))
        milestone = index % 25 == 0
        tasks.append(
            Task(
                project=project,
                position=index,
                wbs=str(index + 1),
                name=f"Tâche {index + 1} du tableau",
                duration=0 if milestone else rng.randrange(1, 20),
                start=start,
                finish=start + timedelta(days=rng.randrange(0, 25)),
                percent_complete=100 if status == BoardStatus.DONE else rng.choice((0, 10, 40, 70)),
                milestone=milestone,
                critical=rng.random() < 0.2,
                board_status=status,
                board_position=(index + 1) * 1024,
                assignee=rng.choice(people),
                external_uid=f"{UID_PREFIX}{index}",
            )
        )
    Task.objects.bulk_create(tasks, batch_size=1000)


def board_project() -> tuple[int, int] | None:
    """(id, number of cards) of the benchmark's board."""
    project_id = (
        Task.objects.filter(external_uid=f"{UID_PREFIX}0").values_list("project_id", flat=True).first()
    )
    if project_id is None:
        return None
    return project_id, Task.objects.filter(project_id=project_id, external_uid__startswith=UID_PREFIX).count()


P50_10_MS = Bar("p50 ≤ 10 ms", lambda m: m.server_median <= 10.0)


def screens() -> list[Screen]:
    board = board_project()
    found = []
    if board is not None:
        project_id, cards = board
        found.append(
            Screen(
                f"Task board, {cards} cards",
                f"/projects/{project_id}/board/",
                [P50_10_MS, QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
            )
        )
        found.append(
            Screen(
                f"Task board, {cards} cards, swimlanes by assignee",
                f"/projects/{project_id}/board/?swimlanes=assignee",
                [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
            )
        )
    found.append(Screen("Portfolio board", "/board/", [QUALITY_BAR, at_most_queries(20), NO_LARGE_SEQ_SCAN]))
    return found
