"""The benchmark behind `make bench` (`manage.py bench`): a large seeded portfolio and measurements.

Seeding writes straight to the tables with `bulk_create` (a thousand projects with their history
in a few seconds): going through the services would take minutes, and the services are exercised
by the test suite, not here. The data is deterministic (a seeded random generator, a fixed anchor
date), so two runs at the same size measure the same rows.

Measuring a screen: the Django server time of N in-process requests (the test `Client`), the SQL
statements of one more request (`CaptureQueriesContext`), and the time PostgreSQL takes for those
same statements replayed on a raw DB-API cursor (round-trips and row decoding included, Django
excluded); on PostgreSQL each statement's plan is also read (`EXPLAIN (ANALYZE, FORMAT JSON)`) for
its execution time and any sequential scan.
"""

import json
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portfolio.models import (
    Objective,
    PortfolioSnapshot,
    Priority,
    Project,
    ProjectStatusChange,
    StrategicAxis,
    Tag,
)
from portfolio.rules import ProjectStatus
from ppm.models import AuditEntry, Directorate, User
from ppm.roles import Role

SEED = 1789
ANCHOR = date(2025, 6, 30)  # "today" of the seeded portfolio: fixed, so the data never drifts
CODE_PREFIX = "BENCH-"
USER_PREFIX = "bench-"
SNAPSHOT_DAYS = 300
SEARCH_WORD = "portail"  # occurs in about one project name in eight
LARGE_TABLE_ROWS = 10_000  # QUALITY: no sequential scan past this many rows
WATCHED_TABLES = ("portfolio_project", "ppm_auditentry", "portfolio_projectstatuschange")

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
DIRECTORATE_NAMES = (
    "Direction des systèmes d'information",
    "Direction des finances",
    "Direction des ressources humaines",
    "Direction de l'éducation et des collèges",
    "Direction des routes",
    "Direction de l'autonomie",
    "Direction de l'enfance et de la famille",
    "Direction de l'insertion",
    "Direction de la culture",
    "Direction de l'environnement",
)
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


@contextmanager
def _explicit_timestamps(*fields) -> Iterator[None]:
    """Let bulk_create keep the historical dates we give instead of `auto_now(_add)`'s now."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _moment(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, dtime(8 + rng.randrange(10), rng.randrange(60))))


def dataset_size() -> int:
    return Project.objects.filter(code__startswith=CODE_PREFIX).count()


def foreign_data() -> bool:
    """True when the database holds projects or users that the benchmark did not seed."""
    return (
        Project.objects.exclude(code__startswith=CODE_PREFIX).exists()
        or User.objects.exclude(username__startswith=USER_PREFIX).exists()
    )


def wipe() -> None:
    """Empty every table the seed writes (PostgreSQL; the database holds benchmark data only)."""
    tables = [
        model._meta.db_table
        for model in (
            AuditEntry,
            ProjectStatusChange,
            PortfolioSnapshot,
            Project,
            Tag,
            Objective,
            StrategicAxis,
            User,
            Directorate,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} CASCADE")


@transaction.atomic
def seed(*, projects: int) -> dict[str, int]:
    """Write the benchmark portfolio of `projects` projects; returns the row counts."""
    rng = random.Random(SEED)
    directorates = Directorate.objects.bulk_create(
        Directorate(code=f"D{n:02d}", name=f"{DIRECTORATE_NAMES[n % len(DIRECTORATE_NAMES)]} {n // 10 + 1}")
        for n in range(40)
    )
    axes = StrategicAxis.objects.bulk_create(
        StrategicAxis(code=code, name=name, order=order) for order, (code, name, _n) in enumerate(AXES)
    )
    objectives = []
    for axis, (code, _name, n_objectives) in zip(axes, AXES, strict=True):
        objectives.extend(
            Objective(axis=axis, code=f"{code}-O{n + 1}", name=f"Objectif {n + 1} de {code}", order=n)
            for n in range(n_objectives)
        )
    objectives = Objective.objects.bulk_create(objectives)
    tags = Tag.objects.bulk_create(Tag(name=name) for name in TAGS)

    roles = (
        [Role.ADMINISTRATOR] * 2
        + [Role.PROJECT_OFFICE] * 6
        + [Role.COMMITTEE_MEMBER] * 12
        + [Role.PROJECT_MANAGER] * 110
        + [Role.CONTRIBUTOR] * 40
        + [Role.READER] * 30
    )
    users = User.objects.bulk_create(
        User(
            username=f"{USER_PREFIX}{role}-{n + 1}",
            first_name=f"Prénom{n + 1}",
            last_name=f"Nom{n + 1:03d}",
            email=f"{USER_PREFIX}{n + 1}@example.org",
            password="!bench-unusable",  # noqa: S106 - an unusable password hash: nobody logs in
            role=role,
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
            directorate=directorates[n % len(directorates)],
        )
        for n, role in enumerate(roles)
    )
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
    with _explicit_timestamps(project_model.get_field("created_at"), project_model.get_field("updated_at")):
        rows = Project.objects.bulk_create(rows, batch_size=1000)

    project_objectives = Project.objectives.through
    project_tags = Project.tags.through
    links_o, links_t = [], []
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
                object_id=str(project.pk),
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
        source = S.DEMAND
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
                object_id=str(project.pk),
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
    with _explicit_timestamps(ProjectStatusChange._meta.get_field("at"), AuditEntry._meta.get_field("at")):
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
    with _explicit_timestamps(PortfolioSnapshot._meta.get_field("taken_at")):
        PortfolioSnapshot.objects.bulk_create(snapshots)
    return counts_of_dataset()


def counts_of_dataset() -> dict[str, int]:
    return {
        "projects": Project.objects.count(),
        "directorates": Directorate.objects.count(),
        "users": User.objects.count(),
        "axes": StrategicAxis.objects.count(),
        "objectives": Objective.objects.count(),
        "tags": Tag.objects.count(),
        "status changes": ProjectStatusChange.objects.count(),
        "audit entries": AuditEntry.objects.count(),
        "snapshots": PortfolioSnapshot.objects.count(),
    }


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    met: Callable[["Measure"], bool]


@dataclass
class Screen:
    label: str
    path: str
    bars: list[Bar] = field(default_factory=list)
    accept: str = "text/html"


@dataclass
class SeqScan:
    table: str
    rows: int

    @property
    def large(self) -> bool:
        return self.rows > LARGE_TABLE_ROWS


@dataclass
class Measure:
    screen: Screen
    queries: int
    server_ms: list[float]
    db_ms: list[float]
    db_exec_ms: float | None  # sum of EXPLAIN ANALYZE execution times (PostgreSQL only)
    seq_scans: list[SeqScan]

    @property
    def server_median(self) -> float:
        return statistics.median(self.server_ms)

    @property
    def server_p95(self) -> float:
        ordered = sorted(self.server_ms)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]

    @property
    def db_median(self) -> float:
        return statistics.median(self.db_ms)

    @property
    def ratio(self) -> float:
        return self.server_median / self.db_median if self.db_median else math.inf

    @property
    def missed(self) -> list[str]:
        return [bar.label for bar in self.screen.bars if not bar.met(self)]


def at_most_queries(limit: int) -> Bar:
    return Bar(f"≤ {limit} queries", lambda m: m.queries <= limit)


NO_LARGE_SEQ_SCAN = Bar(
    f"no seq scan > {LARGE_TABLE_ROWS:,} rows", lambda m: not any(s.large for s in m.seq_scans)
)


def screens(*, project_id: int) -> list[Screen]:
    return [
        Screen(
            "Portfolio dashboard",
            "/",
            [Bar("≤ 1.5 × PostgreSQL", lambda m: m.ratio <= 1.5), at_most_queries(20), NO_LARGE_SEQ_SCAN],
        ),
        Screen("Project list, page 1", "/projects/", [at_most_queries(12), NO_LARGE_SEQ_SCAN]),
        Screen(
            "Project list, filtered",
            f"/projects/?status=in_progress&q={SEARCH_WORD}",
            [at_most_queries(12), NO_LARGE_SEQ_SCAN],
        ),
        Screen(
            "API projects, page of 100",
            "/api/v1/projects/?page_size=100",
            [Bar("p95 ≤ 30 ms", lambda m: m.server_p95 <= 30), at_most_queries(12), NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
        Screen(
            "API project detail",
            f"/api/v1/projects/{project_id}/",
            [NO_LARGE_SEQ_SCAN],
            accept="application/json",
        ),
        Screen("Project page with history", f"/projects/{project_id}/", [NO_LARGE_SEQ_SCAN]),
    ]


def showcase_project_id() -> int:
    """The closed project with the longest audit trail: the heaviest project page."""
    project_type = ContentType.objects.get_for_model(Project)
    ids = Project.objects.filter(status=S.CLOSED).values_list("pk", flat=True)
    busiest = (
        AuditEntry.objects.filter(content_type=project_type, object_id__in=[str(pk) for pk in ids])
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


_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def _replayable(statements: list[str]) -> list[str]:
    return [sql for sql in statements if not sql.lstrip().upper().startswith(_TRANSACTION_CONTROL)]


def replay(statements: list[str], *, repeat: int) -> list[float]:
    """Milliseconds the database takes for `statements`, run `repeat` times on a raw cursor."""
    connection.ensure_connection()
    raw = connection.connection
    timings = []
    cursor = raw.cursor()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
            timings.append((time.perf_counter() - start) * 1000)
    finally:
        cursor.close()
    return timings


def _plan_nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def explain(statements: list[str]) -> tuple[float, list[SeqScan]]:
    """PostgreSQL: summed execution time of the SELECTs and the sequential scans of every plan."""
    execution, scans, sizes = 0.0, [], {}
    with connection.cursor() as cursor:
        for sql in statements:
            is_select = sql.lstrip().upper().startswith(("SELECT", "WITH"))
            options = "ANALYZE, FORMAT JSON" if is_select else "FORMAT JSON"
            cursor.execute(f"EXPLAIN ({options}) {sql}")
            document = cursor.fetchone()[0]
            plan = (json.loads(document) if isinstance(document, str) else document)[0]
            execution += plan.get("Execution Time", 0.0)
            for node in _plan_nodes(plan["Plan"]):
                if node.get("Node Type") == "Seq Scan":
                    table = node["Relation Name"]
                    if table not in sizes:
                        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                        sizes[table] = cursor.fetchone()[0]
                    scans.append(SeqScan(table, sizes[table]))
    unique = {(s.table, s.rows): s for s in scans}
    return execution, list(unique.values())


def measure(client, screen: Screen, *, repeat: int, warmup: int = 2) -> Measure:
    def get():
        response = client.get(screen.path, secure=True, HTTP_ACCEPT=screen.accept)
        if response.status_code != 200:
            raise RuntimeError(f"{screen.path} answered {response.status_code}, not 200")
        return response

    for _ in range(warmup):
        get()
    server_ms = []
    for _ in range(repeat):
        start = time.perf_counter()
        get()
        server_ms.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        get()
    statements = _replayable([query["sql"] for query in captured.captured_queries])
    db_ms = replay(statements, repeat=repeat)
    db_exec, scans = explain(statements) if connection.vendor == "postgresql" else (None, [])
    return Measure(screen, len(captured.captured_queries), server_ms, db_ms, db_exec, scans)
