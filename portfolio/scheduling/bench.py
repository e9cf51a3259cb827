"""Benchmark of the scheduler (`make bench` calls `bench_scheduler`): a generated project, timed.

The project is deterministic (a seeded generator): a WBS of phases and sub-phases (nested summary
tasks) over leaf tasks and milestones, and random links of the four types with lags and leads, all
pointing forward in one random order of the leaves (so the network has no cycle), a few of them
into or out of summary tasks, some constraints and deadlines. It runs on the French calendar.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date

from portfolio.scheduling.calendar import french_calendar
from portfolio.scheduling.engine import ConstraintType, Link, LinkType, Task, schedule

_LINK_TYPES = (
    [LinkType.FINISH_TO_START] * 7
    + [LinkType.START_TO_START] * 1
    + [LinkType.FINISH_TO_FINISH] * 1
    + [LinkType.START_TO_FINISH] * 1
)


def generate_project(
    n_tasks: int = 5000, n_links: int = 10000, *, seed: int = 6, start: date = date(2026, 1, 5)
) -> tuple[list[Task], list[Link]]:
    """`n_tasks` tasks (about 1 in 25 a summary, phases holding sub-phases) and `n_links` links."""
    rng = random.Random(seed)
    n_phases = max(1, n_tasks // 100)
    n_subphases = max(1, n_tasks // 25 - n_phases)
    tasks = [Task(id=p, name=f"Phase {p + 1}") for p in range(n_phases)]
    tasks += [
        Task(id=n_phases + s, name=f"Sub-phase {s + 1}", parent_id=s % n_phases) for s in range(n_subphases)
    ]
    first_leaf = len(tasks)
    n_summaries = first_leaf
    for k in range(first_leaf, n_tasks):
        parent = n_phases + rng.randrange(n_subphases) if n_subphases else rng.randrange(n_phases)
        is_milestone = rng.random() < 0.05
        constraint = constraint_date = deadline = None
        roll = rng.random()
        if roll < 0.02:
            constraint = ConstraintType.START_NO_EARLIER_THAN
            constraint_date = date.fromordinal(start.toordinal() + rng.randrange(400))
        elif roll < 0.03:
            constraint = ConstraintType.FINISH_NO_LATER_THAN
            constraint_date = date.fromordinal(start.toordinal() + rng.randrange(2000, 9000))
        elif roll < 0.04:
            deadline = date.fromordinal(start.toordinal() + rng.randrange(2000, 9000))
        tasks.append(
            Task(
                id=k,
                name=f"Task {k}",
                duration=0 if is_milestone else rng.randint(1, 15),
                milestone=is_milestone,
                parent_id=parent,
                constraint=constraint,
                constraint_date=constraint_date,
                deadline=deadline,
                percent_complete=float(rng.choice((0, 0, 0, 25, 50, 100))),
            )
        )
    leaves = list(range(first_leaf, n_tasks))
    rng.shuffle(leaves)
    rank = {task: r for r, task in enumerate(leaves)}
    parent_of = {t.id: t.parent_id for t in tasks}
    pairs: set[tuple[int, int]] = set()
    links: list[Link] = []
    # A few links between sub-phases (summary to summary, FS/SS), following the leaves' order is not
    # needed: sub-phases are linked only forward in their own numbering, and leaves only forward in
    # theirs; a sub-phase never links to a leaf nor a leaf to a sub-phase, so no cycle can form.
    n_summary_links = min(n_links // 50, max(0, n_subphases - 1))
    while len(links) < n_summary_links:
        a, b = sorted(rng.sample(range(n_phases, n_summaries), 2))
        if (a, b) not in pairs:
            pairs.add((a, b))
            kind = LinkType.FINISH_TO_START if rng.random() < 0.8 else LinkType.START_TO_START
            links.append(Link(a, b, kind, 0))
    # Leaves follow sub-phase order too, so that leaf links cannot close a loop through a
    # summary link: order leaves by (sub-phase, rank).
    leaves.sort(key=lambda k: (parent_of[k], rank[k]))
    window = 200
    while len(links) < n_links:
        i = rng.randrange(len(leaves) - 1)
        j = min(len(leaves) - 1, i + 1 + int(rng.expovariate(1 / 20)) % window)
        a, b = leaves[i], leaves[j]
        if a == b or (a, b) in pairs:
            continue
        pairs.add((a, b))
        lag = rng.choice((0, 0, 0, 0, 1, 2, 5, -1, -2))
        links.append(Link(a, b, rng.choice(_LINK_TYPES), lag))
    return tasks, links


def bench_scheduler(n_tasks: int = 5000, n_links: int = 10000, repeat: int = 7) -> dict[str, float | int]:
    """Time `schedule()` on a generated project: median and best of `repeat` runs, in seconds."""
    tasks, links = generate_project(n_tasks, n_links)
    calendar = french_calendar(range(2026, 2031))
    project_start = date(2026, 1, 5)
    result = schedule(tasks, links, calendar=calendar, project_start=project_start)  # warm the calendar
    timings = []
    for _run in range(repeat):
        began = time.perf_counter()
        result = schedule(tasks, links, calendar=calendar, project_start=project_start)
        timings.append(time.perf_counter() - began)
    return {
        "tasks": len(tasks),
        "links": len(links),
        "summaries": sum(1 for t in result.tasks.values() if t.summary),
        "critical_tasks": len(result.critical_path),
        "violations": len(result.violations),
        "forecast_working_days": calendar.working_days_between(project_start, result.finish)
        if result.finish
        else 0,
        "seconds_median": statistics.median(timings),
        "seconds_best": min(timings),
    }


# -- `make bench` (ppm/bench.py harness; portfolio/bench.py forwards to these) --------------------------

GANTT_TASKS = 2500
GANTT_LINKS = 5000
# The bar for the Gantt payload: the server time at most this many times PostgreSQL's for the
# same SQL (the payload is one pass over the rows in Python).
GANTT_MAX_RATIO = 3.0


def seed_gantt(*, n_tasks: int = GANTT_TASKS, n_links: int = GANTT_LINKS) -> int | None:
    """Give the first in-progress benchmark project a generated schedule of `n_tasks` tasks (written by
    `schedule_replace`: validated, re-scheduled, audited); returns its id."""
    from portfolio.models import Project
    from portfolio.scheduling.services import schedule_replace

    project = Project.objects.filter(status="in_progress").order_by("pk").first()
    if project is None:
        return None
    tasks, links = generate_project(n_tasks, n_links, start=project.planned_start or date(2026, 1, 5))
    specs = [
        {
            "key": task.id,
            "parent": task.parent_id,
            "name": task.name,
            "duration": task.duration,
            "milestone": task.milestone,
            "constraint_type": task.constraint.value if task.constraint else "",
            "constraint_date": task.constraint_date,
            "deadline": task.deadline,
            "percent_complete": int(task.percent_complete),
        }
        for task in tasks
    ]
    link_specs = [
        {
            "predecessor": link.predecessor_id,
            "successor": link.successor_id,
            "type": link.type.value,
            "lag": link.lag,
        }
        for link in links
    ]
    schedule_replace(project=project, tasks=specs, links=link_specs, actor=None)
    return project.pk


def gantt_project() -> tuple[int, int] | None:
    """(id, number of tasks) of the project with the most tasks."""
    from django.db.models import Count

    from portfolio.scheduling.models import Task

    row = Task.objects.values("project_id").annotate(n=Count("id")).order_by("-n", "project_id").first()
    return (row["project_id"], row["n"]) if row else None


def gantt_screens() -> list:
    from ppm.bench import NO_LARGE_SEQ_SCAN, QUALITY_BAR, Bar, Screen, at_most_queries

    found = gantt_project()
    if found is None:
        return []
    project_id, n_tasks = found
    ratio = Bar(f"≤ {GANTT_MAX_RATIO:g}× PostgreSQL's time", lambda m: m.ratio <= GANTT_MAX_RATIO)
    return [
        Screen(
            f"Gantt payload, {n_tasks:,} tasks",
            f"/api/v1/projects/{project_id}/gantt/",
            [ratio, at_most_queries(10), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
        Screen(
            "Task table page (accessible Gantt)",
            f"/projects/{project_id}/tasks/?ordering=start",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
        ),
    ]


def scheduler_figures() -> list[str]:
    """The scheduler's own figure: 5,000 tasks and 10,000 links (pure, no database)."""
    figures = bench_scheduler()
    return [
        f"Scheduler, {figures['tasks']:,} tasks / {figures['links']:,} links: "
        f"median {figures['seconds_median'] * 1000:.0f} ms, best {figures['seconds_best'] * 1000:.0f} ms "
        f"({figures['critical_tasks']} critical tasks; bar: well under 1 s)"
    ]
