"""The benchmark harness behind `make bench` (`manage.py bench`): seeding, screens, bars, measures.

The core knows no domain app. Each installed app may contribute a `<app>.bench` module (found in
INSTALLED_APPS order, like the demo data) exposing:

* `seed(*, projects: int) -> None`: write the app's share of a benchmark of `projects` projects,
  on top of what the apps below it seeded (bulk inserts, deterministic: a seeded random generator,
  a fixed anchor date);
* `screens() -> list[Screen]`: the pages and API calls to measure over the seeded data, each with
  the bars QUALITY.md sets for it;
* `SEEDED_MODELS`: the models its seed writes (counted in the report, emptied by --reseed);
* optionally `seeded_projects() -> int` (the size of the seeded dataset), `foreign_data() -> bool`
  (rows the benchmark did not write: the benchmark refuses such a database), `WATCHED_TABLES`
  (tables whose sequential scans are listed even when small).

This module is the core's own part: 40 directorates and 200 users (every role), the measuring and
the query-plan checks. Measuring a screen: the Django server time of N in-process requests (the
test `Client`), the SQL statements of one more request (`CaptureQueriesContext`), and the time
PostgreSQL takes for those same statements replayed on a raw DB-API cursor (round-trips and row
decoding included, Django excluded); on PostgreSQL each statement's plan is also read
(`EXPLAIN (ANALYZE, FORMAT JSON)`) for its execution time and any sequential scan. The server time
minus the SQL time is Python's own share.
"""

import gc
import json
import math
import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ppm import gc_policy
from ppm.discovery import app_modules
from ppm.models import AuditEntry, Directorate, User
from ppm.roles import Role

USER_PREFIX = "bench-"
LARGE_TABLE_ROWS = 10_000  # QUALITY: no sequential scan past this many rows
WATCHED_TABLES = ("ppm_auditentry",)
SEEDED_MODELS = (Directorate, User, AuditEntry)
# QUALITY.md: where the SQL takes at least this long, the bar is a ratio; below it, Python's share.
SQL_RATIO_FLOOR_MS = 10.0
MAX_RATIO = 1.5
MAX_PYTHON_MS = 20.0
MAX_P95_OVER_P50 = 2.0


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
ROLES = (
    [Role.ADMINISTRATOR] * 2
    + [Role.PROJECT_OFFICE] * 6
    + [Role.COMMITTEE_MEMBER] * 12
    + [Role.PROJECT_MANAGER] * 110
    + [Role.CONTRIBUTOR] * 40
    + [Role.READER] * 30
)


def bench_modules() -> list:
    """Every installed app's bench module (this one first), in INSTALLED_APPS order."""
    return app_modules("bench")


def cache_description() -> str:
    """Which cache the figures were measured with (the API throttle and the per-person header facts
    write to it on every request): Redis as production runs it, or the embedded default's files."""
    from django.conf import settings

    backend = str(settings.CACHES["default"]["BACKEND"])
    if backend.endswith("RedisCache"):
        location = re.sub(r"//[^@/]*@", "//", str(settings.CACHES["default"]["LOCATION"]))  # no password
        return f"Redis ({location}), as production runs with PostgreSQL (docker-compose.yml)."
    if backend.endswith("FileBasedCache"):
        return (
            "files under var/cache, the embedded default (production runs Redis with PostgreSQL: set "
            "CACHE_URL, or let `make bench` find Redis at its BENCH_CACHE_URL)."
        )
    return backend.rsplit(".", 1)[-1] + "."


def tune_gc() -> None:
    """What gunicorn.conf.py does after loading the application (ppm.gc_policy)."""
    gc_policy.settle()


@contextmanager
def tuned_gc() -> Iterator[None]:
    """`tune_gc()` for the time of the measures, then the process' own settings back (the test
    suite runs the command in its own process)."""
    thresholds = gc.get_threshold()
    tune_gc()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


# The sizes the issues' bars are stated for: 1,000 projects and what goes with them (400 people's
# timesheets, 5,000 orders, 10,000 alerts...).
FULL_SIZE = 1000


def scaled(count: int, projects: int, *, least: int = 1) -> int:
    """`count` (stated for FULL_SIZE projects) for a smaller dataset, in proportion (at least `least`);
    unchanged from FULL_SIZE up. The tests seed 20 projects: they need each kind of row, not 120,000."""
    if projects >= FULL_SIZE:
        return count
    return min(count, max(least, count * projects // FULL_SIZE))


# --- the core's seed ------------------------------------------------------------------------


def seeded_users(role: str | None = None) -> list[User]:
    users = User.objects.filter(username__startswith=USER_PREFIX).order_by("pk")
    return list(users.filter(role=role) if role else users)


def foreign_data() -> bool:
    """True when the database holds users that the benchmark did not seed."""
    return User.objects.exclude(username__startswith=USER_PREFIX).exists()


def seed(*, projects: int) -> None:
    """40 directorates and 200 users of every role (the same whatever the size)."""
    directorates = Directorate.objects.bulk_create(
        Directorate(code=f"D{n:02d}", name=f"{DIRECTORATE_NAMES[n % len(DIRECTORATE_NAMES)]} {n // 10 + 1}")
        for n in range(40)
    )
    User.objects.bulk_create(
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
        for n, role in enumerate(ROLES)
    )


def screens() -> list["Screen"]:
    return []


# --- the whole dataset, over every app ------------------------------------------------------


@transaction.atomic
def seed_all(*, projects: int) -> None:
    """Every app's seed, in dependency order, in one transaction."""
    for module in bench_modules():
        module.seed(projects=projects)


def dataset_size() -> int:
    """The number of projects seeded (0 when nothing is)."""
    sizes = [module.seeded_projects() for module in bench_modules() if hasattr(module, "seeded_projects")]
    return max(sizes, default=0)


def any_foreign_data() -> bool:
    return any(module.foreign_data() for module in bench_modules() if hasattr(module, "foreign_data"))


def seeded_models() -> list:
    return [model for module in bench_modules() for model in getattr(module, "SEEDED_MODELS", ())]


def watched_tables() -> set[str]:
    return {table for module in bench_modules() for table in getattr(module, "WATCHED_TABLES", ())}


def wipe() -> None:
    """Empty every table the seeds write (PostgreSQL; the database holds benchmark data only)."""
    tables = [model._meta.db_table for model in reversed(seeded_models())]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} CASCADE")


def counts_of_dataset() -> dict[str, int]:
    """Rows per seeded model, the higher apps' first."""
    models = [model for module in reversed(bench_modules()) for model in getattr(module, "SEEDED_MODELS", ())]
    return {str(model._meta.verbose_name_plural): model.objects.count() for model in models}


def all_screens() -> list["Screen"]:
    return [screen for module in bench_modules() for screen in module.screens()]


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
    # Also measured under load: wrk against a real gunicorn (QUALITY: ≥ 300 req/s at -c4, 2 cores).
    load_test: bool = False


@dataclass
class SeqScan:
    table: str
    rows: int
    # Rows the scan went through (EXPLAIN ANALYZE: returned plus filtered out, over every loop); None
    # when the statement was not executed. A scan under LIMIT or EXISTS stops at its first match.
    read: int | None = None

    @property
    def large(self) -> bool:
        return self.rows > LARGE_TABLE_ROWS and (self.read is None or self.read > LARGE_TABLE_ROWS)


@dataclass
class Measure:
    screen: Screen
    queries: int
    server_ms: list[float]
    db_ms: list[float]
    db_exec_ms: float | None  # sum of EXPLAIN ANALYZE execution times (PostgreSQL only)
    seq_scans: list[SeqScan]
    # This process' CPU time per request: Python's work (and the driver's) whatever else the machine
    # does, where the wall-clock figures above grow with every other process on the cores.
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms) if self.cpu_ms else math.nan

    @property
    def server_median(self) -> float:
        return statistics.median(self.server_ms)

    @property
    def server_p95(self) -> float:
        return percentile(self.server_ms, 95)

    @property
    def db_median(self) -> float:
        return statistics.median(self.db_ms)

    @property
    def python_median(self) -> float:
        """Python's own share: the server time the SQL does not explain."""
        return max(self.server_median - self.db_median, 0.0)

    @property
    def ratio(self) -> float:
        return self.server_median / self.db_median if self.db_median else math.inf

    @property
    def missed(self) -> list[str]:
        return [bar.label for bar in self.screen.bars if not bar.met(self)]


def percentile(values: list[float], rank: int) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(rank / 100 * len(ordered)) - 1, 0)]


def _meets_quality(m: Measure) -> bool:
    steady = m.server_p95 <= MAX_P95_OVER_P50 * m.server_median
    if m.db_median >= SQL_RATIO_FLOOR_MS:
        return m.ratio <= MAX_RATIO and steady
    return m.python_median <= MAX_PYTHON_MS and steady


# QUALITY.md's bar for any page or API call over the benchmark's data.
QUALITY_BAR = Bar(
    f"python ≤ {MAX_PYTHON_MS:g} ms (≤ {MAX_RATIO:g}× if SQL ≥ {SQL_RATIO_FLOOR_MS:g} ms), "
    f"p95 ≤ {MAX_P95_OVER_P50:g}×p50",
    _meets_quality,
)


def at_most_queries(limit: int) -> Bar:
    return Bar(f"≤ {limit} queries", lambda m: m.queries <= limit)


def p95_at_most(ms: float) -> Bar:
    return Bar(f"p95 ≤ {ms:g} ms", lambda m: m.server_p95 <= ms)


NO_LARGE_SEQ_SCAN = Bar(
    f"no seq scan > {LARGE_TABLE_ROWS:,} rows", lambda m: not any(s.large for s in m.seq_scans)
)


_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


_SERVER_SIDE_CURSOR = re.compile(
    r'^\s*DECLARE\s+"[^"]+"\s+.*?CURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?FOR\s+', re.S | re.I
)


def _replayable(statements: list[str]) -> list[str]:
    """The captured statements as they can run again on a plain cursor: no transaction control; a
    server-side cursor's DECLARE (a queryset's `.iterator()` on PostgreSQL) becomes its SELECT, its FETCH
    and CLOSE are left out (declaring the same cursor twice fails)."""
    replayable = []
    for sql in statements:
        head = sql.lstrip().upper()
        if head.startswith(_TRANSACTION_CONTROL) or head.startswith(("FETCH ", "CLOSE ")):
            continue
        replayable.append(_SERVER_SIDE_CURSOR.sub("", sql, count=1))
    return replayable


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
                    scans.append(SeqScan(table, sizes[table], _rows_read(node)))
    unique: dict[str, SeqScan] = {}
    for scan in scans:  # per table, the scan that read the most
        kept = unique.get(scan.table)
        if kept is None or (kept.read is not None and (scan.read is None or scan.read > kept.read)):
            unique[scan.table] = scan
    return execution, list(unique.values())


def _rows_read(node: dict) -> int | None:
    if "Actual Rows" not in node:
        return None
    per_loop = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
    return round(per_loop * node.get("Actual Loops", 1))


def measure(client, screen: Screen, *, repeat: int, warmup: int = 2) -> Measure:
    def get():
        response = client.get(screen.path, secure=True, HTTP_ACCEPT=screen.accept)
        if response.status_code != 200:
            raise RuntimeError(f"{screen.path} answered {response.status_code}, not 200")
        return response

    for _ in range(warmup):
        get()
    server_ms, cpu_ms = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        get()
        server_ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        gc_policy.after_response()  # untimed, as gunicorn's post_request hook
    with CaptureQueriesContext(connection) as captured:
        get()
    statements = _replayable([query["sql"] for query in captured.captured_queries])
    db_ms = replay(statements, repeat=repeat)
    db_exec, scans = explain(statements) if connection.vendor == "postgresql" else (None, [])
    return Measure(screen, len(captured.captured_queries), server_ms, db_ms, db_exec, scans, cpu_ms)


REFERENCE_TEMPLATE = (
    "<table>{% for row in rows %}<tr><td>{{ row.code }}</td><td>{{ row.name }}</td><td>{{ row.status }}</td>"
    "<td>{{ row.owner }}</td><td>{{ row.start }}</td><td>{{ row.end }}</td><td>{{ row.amount }}</td>"
    "<td>{{ row.progress }}</td></tr>{% endfor %}</table>"
)


def reference_ms(*, repeat: int = 20) -> float:
    """The time this machine takes for a fixed piece of template work (Python's speed, no database)."""
    import datetime

    from django.template import engines

    template = engines["django"].from_string(REFERENCE_TEMPLATE)
    day = datetime.date(2026, 1, 1)
    rows = [
        {
            "code": f"P-{n:04}",
            "name": f"Projet <{n}> & co",
            "status": "in_progress",
            "owner": f"Chef·fe {n}",
            "start": day,
            "end": day,
            "amount": n * 1000,
            "progress": n % 100,
        }
        for n in range(100)
    ]
    times = []
    for _ in range(repeat + 2):
        start = time.perf_counter()
        template.render({"rows": rows})
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[2:])


@contextmanager
def explicit_timestamps(*fields) -> Iterator[None]:
    """Let bulk_create keep the historical dates a seed gives instead of `auto_now(_add)`'s now."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
