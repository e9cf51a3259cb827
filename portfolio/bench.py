"""The portfolio's part of the benchmark (`make bench`, see ppm/bench.py): its seed and screens.

Seeding writes straight to the tables with `bulk_create` (a thousand projects with their history
in a few seconds): going through the services would take minutes, and the services are exercised
by the test suite, not here. The data is deterministic (a seeded random generator, a fixed anchor
date), so two runs at the same size measure the same rows. It builds on the core's seed (ppm/bench.py:
directorates and users).
"""

import random
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from portfolio.models import (
    Objective,
    PortfolioSnapshot,
    Priority,
    Project,
    ProjectStatusChange,
    StrategicAxis,
    Tag,
    Task,
    TaskLink,
)
from portfolio.rules import ProjectStatus
from ppm.bench import (
    NO_LARGE_SEQ_SCAN,
    QUALITY_BAR,
    Screen,
    at_most_queries,
    explicit_timestamps,
    p95_at_most,
    seeded_users,
)
from ppm.models import AuditEntry, Directorate
from ppm.roles import Role

SEED = 1789
ANCHOR = date(2025, 6, 30)  # "today" of the seeded portfolio: fixed, so the data never drifts
CODE_PREFIX = "BENCH-"
SNAPSHOT_DAYS = 300
SEARCH_WORD = "portail"  # occurs in about one project name in eight
WATCHED_TABLES = ("portfolio_project", "portfolio_projectstatuschange")
SEEDED_MODELS = (
    Project,
    StrategicAxis,
    Objective,
    Tag,
    ProjectStatusChange,
    PortfolioSnapshot,
    Task,
    TaskLink,
)

S = ProjectStatus
# The lifecycle actions that lead from a new demand to each status.
PATHS: dict[str, list[tuple[str, str]]] = {
    S.DEMAND: [],
    S.FRAMING: [("start_framing", S.FRAMING)],
    S.APPROVED: [("start_framing", S.FRAMING), ("approve", S.APPROVED)],
    S.IN_PROGRESS: [("start_framing", S.FRAMING), ("approve", S.APPROVED), ("start", S.IN_PROGRESS)],
    S.CLOSED: [
        ("start_framing", S.FRAMING),
        ("approve", S.APPROVED),
        ("start", S.IN_PROGRESS),
        ("close", S.CLOSED),
    ],
    S.ON_HOLD: [
        ("start_framing", S.FRAMING),
        ("approve", S.APPROVED),
        ("start", S.IN_PROGRESS),
        ("put_on_hold", S.ON_HOLD),
    ],
    S.CANCELLED: [("start_framing", S.FRAMING), ("cancel", S.CANCELLED)],
}
STATUS_WEIGHTS = {
    S.DEMAND: 8,
    S.FRAMING: 10,
    S.APPROVED: 12,
    S.IN_PROGRESS: 40,
    S.ON_HOLD: 6,
    S.CLOSED: 18,
    S.CANCELLED: 6,
}
AXES = (
    ("AX1", "Un territoire connecté", 4),
    ("AX2", "Des services publics numériques", 3),
    ("AX3", "Une administration efficace", 3),
)
VERBS = ("Refonte du", "Déploiement du", "Modernisation du", "Dématérialisation du", "Migration du")
SUBJECTS = (
    "portail des usagers",
    "système d'information RH",
    "parc informatique des collèges",
    "réseau des médiathèques",
    "guichet des aides sociales",
    "entrepôt de données",
    "portail des marchés publics",
    "logiciel de gestion financière",
    "système de gestion des routes",
    "outil de gestion du courrier",
)
SITES = ("Nord", "Sud", "Est", "Ouest", "Centre", "Vallée", "Plateau", "Piémont")
TAGS = (
    "cloud",
    "RGPD",
    "accessibilité",
    "sobriété",
    "open data",
    "cybersécurité",
    "usagers",
    "agents",
    "collèges",
    "mobilité",
    "santé",
    "social",
    "interopérabilité",
    "France Connect",
    "SIG",
    "archivage",
    "identité",
    "paiement",
    "télétravail",
    "formation",
)


def _moment(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, dtime(8 + rng.randrange(10), rng.randrange(60))))


def seeded_projects() -> int:
    return Project.objects.filter(code__startswith=CODE_PREFIX).count()


def foreign_data() -> bool:
    """True when the database holds projects that the benchmark did not seed."""
    return Project.objects.exclude(code__startswith=CODE_PREFIX).exists()


def seed(*, projects: int) -> None:
    """Write the benchmark portfolio of `projects` projects on the core's directorates and users."""
    rng = random.Random(SEED)
    directorates = list(Directorate.objects.order_by("pk"))
    axes = StrategicAxis.objects.bulk_create(
        StrategicAxis(code=code, name=name, order=order) for order, (code, name, _n) in enumerate(AXES)
    )
    objectives: list[Objective] = []
    for axis, (code, _name, n_objectives) in zip(axes, AXES, strict=True):
        objectives.extend(
            Objective(axis=axis, code=f"{code}-O{n + 1}", name=f"Objectif {n + 1} de {code}", order=n)
            for n in range(n_objectives)
        )
    objectives = Objective.objects.bulk_create(objectives)
    tags = Tag.objects.bulk_create(Tag(name=name) for name in TAGS)

    users = seeded_users()
    managers = [u for u in users if u.role == Role.PROJECT_MANAGER]
    office = [u for u in users if u.role == Role.PROJECT_OFFICE]

    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    rows, histories = [], []
    for n in range(projects):
        status = rng.choices(statuses, weights)[0]
        created = ANCHOR - timedelta(days=rng.randrange(60, 1500))
        dated = status != S.DEMAND or rng.random() < 0.6
        start = created + timedelta(days=rng.randrange(20, 200)) if dated else None
        end = start + timedelta(days=rng.randrange(90, 900)) if start else None
        manager = rng.choice(managers) if status not in (S.DEMAND, S.FRAMING) or rng.random() < 0.7 else None
        name = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} — {rng.choice(SITES)} {n % 7 + 1}"
        rows.append(
            Project(
                code=f"{CODE_PREFIX}{n + 1:05d}",
                name=name,
                description=(
                    f"{name}. Projet porté par la direction {n % 40 + 1}, "
                    "avec un objectif de simplification des démarches et de réduction des coûts. "
                    * rng.randint(1, 3)
                ),
                directorate=rng.choice(directorates),
                manager=manager,
                planned_start=start,
                planned_end=end,
                priority=rng.choice(Priority.values),
                status=status,
                status_before_hold=S.IN_PROGRESS if status == S.ON_HOLD else "",
                version=1,
                created_at=_moment(created, rng),
                updated_at=_moment(ANCHOR - timedelta(days=rng.randrange(30)), rng),
            )
        )
        histories.append(created)
    project_model = Project._meta
    with explicit_timestamps(project_model.get_field("created_at"), project_model.get_field("updated_at")):
        rows = Project.objects.bulk_create(rows, batch_size=1000)

    project_objectives = Project.objectives.through
    project_tags = Project.tags.through
    links_o: list = []
    links_t: list = []
    for project in rows:
        links_o.extend(
            project_objectives(project_id=project.pk, objective_id=objective.pk)
            for objective in rng.sample(objectives, rng.randint(1, 3))
        )
        links_t.extend(
            project_tags(project_id=project.pk, tag_id=tag.pk) for tag in rng.sample(tags, rng.randint(0, 3))
        )
    project_objectives.objects.bulk_create(links_o, batch_size=2000)
    project_tags.objects.bulk_create(links_t, batch_size=2000)

    project_type = ContentType.objects.get_for_model(Project)
    changes, entries = [], []

    def record(project, *, actor, action, audit_action, source, target, day, audit_changes):
        """One lifecycle step: its status-change row and its audit entry (two timestamps drawn,
        in this order, so the seeded data stays the same)."""
        changes.append(
            ProjectStatusChange(
                project=project,
                source=source,
                target=target,
                action=action,
                actor=actor,
                at=_moment(day, rng),
            )
        )
        entries.append(
            AuditEntry(
                content_type=project_type,
                object_id=project.pk,
                object_repr=str(project)[:255],
                action=audit_action,
                actor=actor,
                at=_moment(day, rng),
                changes=audit_changes,
            )
        )

    for project, created in zip(rows, histories, strict=True):
        actor = rng.choice(office)
        repr_ = str(project)[:255]
        day = created
        record(
            project,
            actor=actor,
            action="create",
            audit_action=AuditEntry.Action.CREATE,
            source="",
            target=S.DEMAND,
            day=day,
            audit_changes={
                "code": {"label": "code", "old": "", "new": project.code},
                "name": {"label": "name", "old": "", "new": project.name},
            },
        )
        source: str = S.DEMAND
        span = max((ANCHOR - created).days, 10)
        for action, target in PATHS[project.status]:
            day = min(day + timedelta(days=rng.randrange(1, span // 5 + 2)), ANCHOR)
            actor = project.manager or actor
            record(
                project,
                actor=actor,
                action=action,
                audit_action=AuditEntry.Action.TRANSITION,
                source=source,
                target=target,
                day=day,
                audit_changes={
                    "status": {
                        "label": "status",
                        "old": str(S(source).label),
                        "new": str(S(target).label),
                        "old_raw": str(source),
                        "new_raw": str(target),
                    }
                },
            )
            source = target
        entries.extend(
            AuditEntry(
                content_type=project_type,
                object_id=project.pk,
                object_repr=repr_,
                action=AuditEntry.Action.UPDATE,
                actor=project.manager or actor,
                at=_moment(created + timedelta(days=rng.randrange(span)), rng),
                changes={
                    "description": {
                        "label": "description",
                        "old": f"Version {update}",
                        "new": f"Version {update + 1}",
                    },
                    "priority": {"label": "priority", "old": "Medium", "new": "High"},
                },
            )
            for update in range(rng.randint(2, 12))
        )
    with explicit_timestamps(ProjectStatusChange._meta.get_field("at"), AuditEntry._meta.get_field("at")):
        ProjectStatusChange.objects.bulk_create(changes, batch_size=2000)
        AuditEntry.objects.bulk_create(entries, batch_size=2000)

    final = Counter(project.status for project in rows)
    by_objective = Counter(link.objective_id for link in links_o)
    codes = {objective.pk: objective.code for objective in objectives}
    snapshots = []
    for n in range(SNAPSHOT_DAYS):
        day = ANCHOR - timedelta(days=SNAPSHOT_DAYS - 1 - n)
        share = 0.7 + 0.3 * n / (SNAPSHOT_DAYS - 1)
        counts = {s: round(final[s] * share * rng.uniform(0.97, 1.03)) for s in S.values}
        snapshots.append(
            PortfolioSnapshot(
                day=day,
                taken_at=_moment(day, rng),
                total=sum(counts.values()),
                by_status=counts,
                by_objective={codes[pk]: round(count * share) for pk, count in by_objective.items()},
            )
        )
    with explicit_timestamps(PortfolioSnapshot._meta.get_field("taken_at")):
        PortfolioSnapshot.objects.bulk_create(snapshots)
    # Issue #6: one project with a 2,500-task schedule, for the Gantt payload's figure (a small one
    # for the small datasets of the tests).
    from portfolio.scheduling.bench import GANTT_LINKS, GANTT_TASKS, seed_gantt

    big = projects >= 500
    seed_gantt(n_tasks=GANTT_TASKS if big else 60, n_links=GANTT_LINKS if big else 100)


def figures() -> list[str]:
    """Figures printed after the screens: the scheduler's (issue #6)."""
    from portfolio.scheduling.bench import scheduler_figures

    return scheduler_figures()


def screens() -> list[Screen]:
    from portfolio.scheduling.bench import gantt_screens

    project_id = showcase_project_id()
    return [
        Screen("Portfolio dashboard", "/", [QUALITY_BAR, at_most_queries(20), NO_LARGE_SEQ_SCAN]),
        Screen("Project list, page 1", "/projects/", [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN]),
        Screen(
            "Project list, filtered",
            f"/projects/?status=in_progress&q={SEARCH_WORD}",
            [QUALITY_BAR, at_most_queries(12), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "API projects, page of 100",
            "/api/v1/projects/?page_size=100",
            [QUALITY_BAR, p95_at_most(30), at_most_queries(12), NO_LARGE_SEQ_SCAN],
            accept="application/json",
            load_test=True,
        ),
        Screen(
            "API project detail",
            f"/api/v1/projects/{project_id}/",
            [QUALITY_BAR, NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
        Screen("Project page with history", f"/projects/{project_id}/", [QUALITY_BAR, NO_LARGE_SEQ_SCAN]),
    ] + gantt_screens()


def showcase_project_id() -> int:
    """The closed project with the longest audit trail: the heaviest project page."""
    project_type = ContentType.objects.get_for_model(Project)
    ids = Project.objects.filter(status=S.CLOSED).values_list("pk", flat=True)
    busiest = (
        AuditEntry.objects.filter(content_type=project_type, object_id__in=list(ids))
        .values("object_id")
        .annotate(n=Count("id"))
        .order_by("-n", "object_id")
        .first()
    )
    return (
        int(busiest["object_id"])
        if busiest
        else Project.objects.order_by("pk").values_list("pk", flat=True)[0]
    )
