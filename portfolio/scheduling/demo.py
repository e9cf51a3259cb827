"""Demo schedules: a realistic French WBS for every framing, approved, in-progress and closed demo project.

Deterministic: each project's plan comes from `random.Random(<seed>:<project code>)`, so reloading the
demo gives the same plans. Idempotent: a project that already has tasks is left alone. Written through
`services.schedule_replace` (one re-schedule, audited), then progress is set from `today` (finished
tasks done, the current ones in progress) and the project re-scheduled once more for the roll-ups.

Each plan follows the phases of a public-sector IT project (cadrage, conception, marché, réalisation,
recette, déploiement, bilan) with their milestones (« COPIL de lancement », « Notification du marché »,
« Mise en production »…), 10 to 60 tasks, finish-to-start chains, a few start-to-start overlaps with a
lag, and a total length of 85 % to 130 % of the approved plan: some projects slip, some are early.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

from django.db import transaction

from portfolio.models import Project
from portfolio.rules import ProjectStatus
from portfolio.scheduling import services
from portfolio.scheduling.baselines import demo_baseline_take, demo_portfolio_baseline_take
from portfolio.scheduling.models import BoardStatus, Task
from ppm.bulk import bulk_update
from ppm.models import User

DEMO_SCHEDULE_SEED = 20250106
SCHEDULED_STATUSES = (
    ProjectStatus.FRAMING,
    ProjectStatus.APPROVED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.CLOSED,
)

# (phase, share of the plan, leaves, milestones at the end); a leaf is (name, relative weight).
PHASES: tuple[tuple[str, float, tuple[tuple[str, float], ...], tuple[str, ...]], ...] = (
    (
        "Cadrage",
        0.08,
        (
            ("Lancement et organisation du projet", 1),
            ("Ateliers de recueil des besoins", 2),
            ("Étude d'opportunité et scénarios", 2),
            ("Note de cadrage", 1),
        ),
        ("COPIL de lancement",),
    ),
    (
        "Conception",
        0.15,
        (
            ("Analyse de l'existant", 2),
            ("Spécifications fonctionnelles", 3),
            ("Architecture technique", 2),
            ("Analyse d'impact RGPD", 1),
            ("Validation des spécifications", 1),
        ),
        (),
    ),
    (
        "Marché",
        0.17,
        (
            ("Rédaction du cahier des charges", 3),
            ("Publication de l'appel d'offres", 4),
            ("Analyse des offres", 2),
            ("Commission d'appel d'offres", 1),
        ),
        ("Notification du marché",),
    ),
    (
        "Réalisation",
        0.30,
        (
            ("Paramétrage du socle", 3),
            ("Développements spécifiques", 4),
            ("Reprise des données", 3),
            ("Interfaces avec le SI existant", 3),
            ("Formation des référents", 1),
        ),
        (),
    ),
    (
        "Recette",
        0.15,
        (
            ("Plan de recette", 1),
            ("Recette fonctionnelle", 3),
            ("Recette technique et sécurité", 2),
            ("Correction des anomalies", 2),
        ),
        ("Procès-verbal de recette",),
    ),
    (
        "Déploiement",
        0.10,
        (
            ("Formation des utilisateurs", 2),
            ("Bascule en production", 1),
            ("Accompagnement au changement", 2),
        ),
        ("Mise en production",),
    ),
    (
        "Bilan",
        0.05,
        (
            ("Vérification de service régulier", 2),
            ("Bilan de projet", 1),
        ),
        ("Clôture du projet",),
    ),
)
SLIPPAGE_FACTORS = (0.85, 0.95, 1.0, 1.0, 1.05, 1.1, 1.2, 1.3)
EXTERNAL_ASSIGNEES = ("Titulaire du marché", "AMOA externe", "Éditeur")


def _plan(project: Project, rng: random.Random, people: list[User]) -> tuple[list[dict], list[dict]]:
    """The task and link specs of one project (schedule_replace's format)."""
    calendar = services.project_calendar(project)
    start = services.project_schedule_start(project)
    end = project.planned_end
    span = calendar.working_days_in(start, end) if end is not None and end > start else 180
    factor = 1.0 if project.status == ProjectStatus.CLOSED else rng.choice(SLIPPAGE_FACTORS)
    # The chain overlaps a little (start-to-start links): aim slightly above the target.
    target = max(20, round(span * factor * 1.1))
    big = span > 260
    tasks: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    previous: str | None = None
    for number, (phase, share, leaves, milestones) in enumerate(PHASES, start=1):
        phase_key = f"p{number}"
        tasks.append({"key": phase_key, "parent": None, "name": phase})
        chosen = [leaf for leaf in leaves if rng.random() < (0.95 if big else 0.7)] or list(leaves[:1])
        if phase == "Réalisation" and big:
            lots = rng.randint(2, 4)
            chosen = [
                (f"Lot {k} — {name}", weight) for k in range(1, lots + 1) for name, weight in chosen[:2]
            ]
            chosen += [leaf for leaf in leaves[2:]]
        total_weight = sum(weight for _name, weight in chosen)
        phase_days = target * share
        for index, (name, weight) in enumerate(chosen):
            key = f"{phase_key}.{index}"
            duration = max(1, round(phase_days * weight / total_weight))
            person = rng.choice(people) if people and rng.random() < 0.7 else None
            tasks.append(
                {
                    "key": key,
                    "parent": phase_key,
                    "name": name,
                    "duration": duration,
                    "assignee": person,
                    "assignee_name": "" if person else rng.choice(EXTERNAL_ASSIGNEES),
                    "estimate_days": round(duration * rng.choice((0.5, 1, 1, 1.5, 2)), 1),
                }
            )
            if previous is not None:
                if index > 0 and rng.random() < 0.2:
                    links.append(
                        {
                            "predecessor": previous,
                            "successor": key,
                            "type": "SS",
                            "lag": max(1, duration // 2),
                        }
                    )
                else:
                    links.append({"predecessor": previous, "successor": key, "type": "FS", "lag": 0})
            previous = key
        for index, name in enumerate(milestones):
            key = f"{phase_key}.m{index}"
            tasks.append({"key": key, "parent": phase_key, "name": name, "milestone": True})
            links.append({"predecessor": previous, "successor": key, "type": "FS", "lag": 0})
            previous = key
    return tasks, links


def _progress(project: Project, today: date) -> None:
    """Done before today, in progress around today (percent by elapsed working days), to do after."""
    calendar = services.project_calendar(project)
    changed = []
    tasks = Task.objects.filter(project=project, is_summary=False).order_by("start", "pk")
    for position, task in enumerate(tasks):
        if task.start is None or task.finish is None:
            continue
        if project.status == ProjectStatus.CLOSED or task.finish < today:
            percent, status = 100, BoardStatus.DONE
        elif task.start <= today:
            elapsed = calendar.working_days_in(task.start, today)
            percent = min(95, round(100 * elapsed / max(1, task.duration)))
            status = BoardStatus.BLOCKED if position % 11 == 5 else BoardStatus.IN_PROGRESS
        else:
            percent, status = 0, BoardStatus.TODO
        if (task.percent_complete, task.board_status) != (percent, status):
            task.percent_complete, task.board_status = percent, status
            changed.append(task)
    if changed:
        bulk_update(Task, changed, ["percent_complete", "board_status"])


@transaction.atomic
def load_demo_schedules(*, today: date, actor=None, created: Counter | None = None) -> Counter:
    """Give every framing, approved, in-progress and closed project without tasks its demo schedule."""
    created = created if created is not None else Counter()
    people = list(
        User.objects.filter(is_active=True, role__in=("contributor", "manager")).order_by("username")
    )
    projects = (
        Project.objects.filter(status__in=SCHEDULED_STATUSES, tasks__isnull=True)
        .select_related("manager")
        .order_by("code")
    )
    for project in projects:
        rng = random.Random(f"{DEMO_SCHEDULE_SEED}:{project.code}")
        team = [p for p in people if p.role == "contributor" or p.pk == project.manager_id]
        tasks, links = _plan(project, rng, team)
        services.schedule_replace(project=project, tasks=tasks, links=links, actor=actor)
        project.refresh_from_db()
        if project.status in (ProjectStatus.IN_PROGRESS, ProjectStatus.CLOSED):
            _progress(project, today)
            services.project_reschedule(project=project)
        created["schedules"] += 1
        created["tasks"] += len(tasks)
        # The last quarterly committee's baseline (portfolio.scheduling.baselines): drift on some projects.
        if demo_baseline_take(project=project, today=today, actor=actor, seed=str(DEMO_SCHEDULE_SEED)):
            created["baselines"] += 1
    if demo_portfolio_baseline_take(today=today, actor=actor):
        created["portfolio baselines"] += 1
    return created
