"""`manage.py bench` (`make bench`): QUALITY.md's performance figures on a large seeded dataset.

Runs against PostgreSQL (the figures mean nothing elsewhere): creates the database named by
DATABASE_URL when it is missing, migrates it, seeds it once per size (every app's `bench.seed`, see
ppm/bench.py: bulk inserts, not the services) and, for every app's screens, prints the number of SQL
queries, the server time (median and p95 of --repeat in-process requests after two warm-ups), the
time PostgreSQL alone takes for the same SQL, Python's own share, their ratio, the bars QUALITY.md
sets and whether they are met. Then the screens marked for load testing are measured with `wrk`
(-c4, bounded duration) against a gunicorn this command starts on an ephemeral loopback port.
Exit status 0, or 1 with --strict when a bar is missed.

Dev tool output: plain English, not translated.
"""

import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import quote

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.utils import translation

from ppm import bench, gc_policy, services
from ppm.models import ApiToken, User
from ppm.roles import Role

MIN_REQUESTS_PER_SECOND = 300  # QUALITY: a REST page of 100 objects under wrk -c4 on 2 cores
WRK_CONNECTIONS = 4
# The API throttle rate of the measured requests and of the load test's server: it runs, never refuses.
LOAD_TEST_USER_RATE = "1000000/minute"


@dataclass
class LoadResult:
    screen: bench.Screen
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int

    @property
    def met(self) -> bool:
        return self.requests_per_second >= MIN_REQUESTS_PER_SECOND and not self.errors


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> dict:
    """Requests per second, latency percentiles and errors from `wrk --latency`'s report."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if not (rate and total and "50" in percentiles and "99" in percentiles):
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "requests_per_second": float(rate.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": _duration_ms(percentiles["50"]),
        "p99_ms": _duration_ms(percentiles["99"]),
        "errors": errors,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Seed a large dataset in PostgreSQL and print QUALITY.md's performance figures."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=1000, help="Projects to seed (default 1000).")
        parser.add_argument("--repeat", type=int, default=20, help="Timed requests per screen (default 20).")
        parser.add_argument("--reseed", action="store_true", help="Empty the benchmark data and seed again.")
        parser.add_argument("--strict", action="store_true", help="Exit with status 1 when a bar is missed.")
        parser.add_argument(
            "--seed-only", action="store_true", help="Seed the dataset (if needed) and stop: no measures."
        )
        parser.add_argument(
            "--wrk-seconds",
            type=int,
            default=5,
            help="Duration of each wrk load test (default 5; 0 skips the load tests).",
        )
        parser.add_argument(
            "--only",
            default="",
            help="Measure only the screens whose label contains this text (case-insensitive).",
        )
        parser.add_argument(
            "--any-database",
            action="store_true",
            help="Run on a database other than PostgreSQL (the test suite does; figures are meaningless).",
        )

    def handle(
        self, *args, projects, repeat, reseed, strict, wrk_seconds, any_database, seed_only, only, **options
    ):
        if projects < 1 or repeat < 1 or wrk_seconds < 0:
            raise CommandError("--projects and --repeat must be at least 1, --wrk-seconds at least 0.")
        self._connect(any_database=any_database)
        call_command("migrate", interactive=False, verbosity=0)
        self._seed(projects=projects, reseed=reseed)
        if seed_only:
            return
        throttle_rates = cast(dict[str, str], settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        # Production-like settings (DEBUG off: no query log); the test client's host, and static
        # URLs without a collectstatic manifest (not part of what is measured). Pages in English.
        with (
            override_settings(
                ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                STORAGES={
                    **settings.STORAGES,
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
                },
                # The API throttle still runs (its cache read and write are measured), at a rate the
                # measures never reach: with a shared cache (Redis), two runs within a minute
                # otherwise exceeded the user's 1,200 requests a minute (as the load test's server).
                REST_FRAMEWORK={
                    **settings.REST_FRAMEWORK,
                    "DEFAULT_THROTTLE_RATES": {**throttle_rates, "user": LOAD_TEST_USER_RATE},
                },
            ),
            translation.override("en"),
            # Like gunicorn.conf.py: the loaded application frozen out of the garbage collector's work.
            bench.tuned_gc(),
        ):
            # WhiteNoise warns that STATIC_ROOT was never collected: irrelevant here.
            warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            client = Client()
            client.force_login(self._bench_user())
            try:
                chosen = [s for s in bench.all_screens() if only.casefold() in s.label.casefold()]
                if not chosen:
                    raise CommandError(f"No screen's label contains {only!r}.")
                results = [bench.measure(client, screen, repeat=repeat) for screen in chosen]
            except RuntimeError as error:
                raise CommandError(str(error)) from error
            self._report(results, repeat=repeat)
            # Figures the apps measure themselves (e.g. a pure algorithm), printed as they are.
            for module in bench.bench_modules() if not only else ():
                for line in getattr(module, "figures", list)():
                    self.stdout.write(line)
        loads = self._load_tests(results, seconds=wrk_seconds)
        if strict and (any(result.missed for result in results) or any(not load.met for load in loads)):
            sys.exit(1)

    @staticmethod
    def _bench_user() -> User:
        user = User.objects.filter(role=Role.PROJECT_OFFICE, username__startswith=bench.USER_PREFIX).first()
        if user is None:
            raise CommandError("The benchmark data has no project office user: run with --reseed.")
        return user

    # -- database ----------------------------------------------------------------------------

    def _connect(self, *, any_database: bool) -> None:
        db = connection.settings_dict
        if connection.vendor != "postgresql":
            if any_database:
                return
            raise CommandError(
                "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/pilotis_bench "
                "(`make bench` does it for you)."
            )
        where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
        try:
            connection.ensure_connection()
            return
        except OperationalError as error:
            if "does not exist" not in str(error):
                raise CommandError(
                    f"PostgreSQL is unreachable at {where} ({str(error).strip()}). "
                    "Start it, or point DATABASE_URL to a server that runs."
                ) from error
        connection.close()
        self._create_database(db, where)
        connection.ensure_connection()

    def _create_database(self, db: dict, where: str) -> None:
        import psycopg2
        from psycopg2 import sql

        self.stdout.write(f"Creating the database {db['NAME']} on {where}…")
        try:
            server = psycopg2.connect(
                dbname="postgres",
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                host=db.get("HOST") or None,
                port=db.get("PORT") or None,
            )
        except psycopg2.OperationalError as error:
            raise CommandError(f"PostgreSQL is unreachable at {where} ({str(error).strip()}).") from error
        try:
            server.autocommit = True
            with server.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        except psycopg2.Error as error:
            raise CommandError(f"Could not create the database {db['NAME']}: {str(error).strip()}") from error
        finally:
            server.close()

    def _seed(self, *, projects: int, reseed: bool) -> None:
        if bench.any_foreign_data():
            raise CommandError(
                "This database holds data that the benchmark did not seed. "
                "Point DATABASE_URL to a database of its own (default: pilotis_bench)."
            )
        size = bench.dataset_size()
        if size == projects and not reseed:
            self.stdout.write(f"Dataset already seeded with {projects:,} projects.")
            return
        if size or reseed:
            if connection.vendor != "postgresql":
                raise CommandError("Reseeding needs PostgreSQL; use an empty database.")
            self.stdout.write(f"Emptying the benchmark data ({size:,} projects)…")
            bench.wipe()
        self.stdout.write(f"Seeding {projects:,} projects…")
        bench.seed_all(projects=projects)
        if connection.vendor == "postgresql":
            # Statistics and the visibility map, as autovacuum leaves a production database after bulk
            # inserts: without the map, counting a table can only be a sequential scan.
            # (VACUUM cannot run in a transaction: the tests call the command inside theirs.)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")

    # -- report ------------------------------------------------------------------------------

    def _report(self, results: list[bench.Measure], *, repeat: int) -> None:
        write = self.stdout.write
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                database = f"PostgreSQL {cursor.fetchone()[0]}"
            else:
                database = f"{connection.vendor} (not PostgreSQL: figures are not meaningful)"
        with translation.override("en"):
            counts = bench.counts_of_dataset()
        write("")
        write(
            f"Pilotis benchmark: {database}, Django {django.get_version()}, "
            f"Python {platform.python_version()}, {platform.machine()}"
        )
        write("Dataset: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()))
        write(
            f"Server: median and p95 of {repeat} in-process requests after 2 warm-ups "
            f"(gc thresholds {gc_policy.THRESHOLDS}, application frozen, a young collection after "
            "each response). "
            f"DB: the same SQL replayed on a raw cursor (median of {repeat}); "
            "exec: PostgreSQL's own execution time (EXPLAIN ANALYZE)."
        )
        write("Cache: " + bench.cache_description())
        write(
            "Machine: a Django template of 100 rows × 8 plain values renders in "
            f"{bench.reference_ms():.1f} ms here (median of 20): "
            "Python's speed on this machine, to compare runs on different machines."
        )
        write("")
        width = max(len("; ".join(bar.label for bar in r.screen.bars)) for r in results)
        header = (
            f"{'screen':<27} {'queries':>7} {'server med':>10} {'p95':>8} {'DB med':>8} {'exec':>7} "
            f"{'python':>7} {'cpu':>6} {'ratio':>6}  {'bar':<{width}} result"
        )
        write(header)
        write("-" * len(header))
        for r in results:
            bars = "; ".join(bar.label for bar in r.screen.bars)
            missed = r.missed
            verdict = "pass" if not missed else "OVER: " + ", ".join(missed)
            exec_ms = f"{r.db_exec_ms:7.1f}" if r.db_exec_ms is not None else f"{'n/a':>7}"
            write(
                f"{r.screen.label:<27} {r.queries:>7} {r.server_median:>10.1f} {r.server_p95:>8.1f} "
                f"{r.db_median:>8.1f} {exec_ms} {r.python_median:>7.1f} {r.cpu_median:>6.1f} "
                f"{r.ratio:>5.1f}×  {bars:<{width}} {verdict}"
            )
        write(
            "(times in ms; python: server median − DB median, Python's own share; cpu: this process' CPU "
            "time per request, median, which other processes on the machine do not inflate)"
        )
        write("")
        write(
            f"Sequential scans in query plans (bar: none reading past {bench.LARGE_TABLE_ROWS:,} rows of a "
            "table; EXPLAIN ANALYZE counts what each scan read):"
        )
        if connection.vendor != "postgresql":
            write("  not checked: plans are read on PostgreSQL only.")
        listed = False
        watched = bench.watched_tables()
        for r in results:
            for scan in r.seq_scans:
                if scan.large or scan.table in watched:
                    listed = True
                    if scan.large:
                        note = "OVER the bar"
                    elif scan.rows > bench.LARGE_TABLE_ROWS:
                        note = f"stopped after {scan.read:,} rows (LIMIT or EXISTS): note only"
                    else:
                        note = "small table, the planner's choice: note only"
                    write(f"  {r.screen.label}: {scan.table} ({scan.rows:,} rows) — {note}")
        if connection.vendor == "postgresql" and not listed:
            write(f"  none on the watched tables ({', '.join(sorted(watched))}).")
        met = sum(not r.missed for r in results)
        write("")
        write(f"Screens meeting every bar: {met} of {len(results)}.")

    # -- load test ---------------------------------------------------------------------------

    def _load_tests(self, results: list[bench.Measure], *, seconds: int) -> list[LoadResult]:
        """wrk -c4 against a real gunicorn (2 workers) for each screen marked `load_test`."""
        write = self.stdout.write
        screens = [r.screen for r in results if r.screen.load_test]
        if not screens or not seconds:
            return []
        write("")
        write(
            f"Load test: wrk -t2 -c{WRK_CONNECTIONS} -d{seconds}s against gunicorn (2 sync workers, "
            "gunicorn.conf.py, database connections kept 60 s) on loopback, token authentication"
        )
        wrk = shutil.which("wrk")
        if connection.vendor != "postgresql":
            write("  not run: needs PostgreSQL (gunicorn must see the seeded data).")
            return []
        if connection.in_atomic_block:
            # Under the tests the seeded rows are never committed: another process cannot see them.
            write("  not run: the seeded data is not committed (the command runs inside a transaction).")
            return []
        if wrk is None:
            write("  not run: wrk is not installed (apt-get install wrk).")
            return []
        user = self._bench_user()
        ApiToken.objects.filter(user=user).delete()
        token, raw = services.api_token_create(user=user, name="bench")
        port = _free_port()
        server = self._start_gunicorn(port)
        loads = []
        try:
            for screen in screens:
                completed = subprocess.run(  # noqa: S603 - fixed argument list, loopback only
                    [
                        wrk, "-t2", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency",
                        "-H", f"Authorization: Token {raw}",
                        "-H", f"Accept: {screen.accept}",
                        "-H", "X-Forwarded-Proto: https",
                        f"http://127.0.0.1:{port}{screen.path}",
                    ],
                    capture_output=True, text=True, timeout=seconds + 30, check=True,
                )  # fmt: skip
                loads.append(LoadResult(screen, **parse_wrk(completed.stdout)))
        finally:
            self._stop(server)
            token.delete()
        header = (
            f"{'screen':<27} {'req/s':>8} {'p50':>8} {'p99':>8} {'requests':>9} {'errors':>7}  "
            f"{'bar':<22} result"
        )
        write(header)
        write("-" * len(header))
        for load in loads:
            verdict = (
                "pass" if load.met else "OVER: " + (f"{load.errors} errors" if load.errors else "too slow")
            )
            write(
                f"{load.screen.label:<27} {load.requests_per_second:>8.1f} {load.p50_ms:>8.1f} "
                f"{load.p99_ms:>8.1f} {load.requests:>9} {load.errors:>7}  "
                f"{f'≥ {MIN_REQUESTS_PER_SECOND} req/s, no error':<22} {verdict}"
            )
        write("(latencies in ms, as wrk measures them: network and gunicorn included)")
        return loads

    def _start_gunicorn(self, port: int) -> subprocess.Popen:
        database = connection.settings_dict
        env = {
            **os.environ,
            # The server reads the database this command seeded (under the tests, the test database)
            # and runs with this process' key (the tests set none in the environment).
            "DATABASE_URL": "postgres://{user}{password}@{host}:{port}/{name}".format(
                user=quote(database.get("USER") or ""),
                password=(":" + quote(database["PASSWORD"])) if database.get("PASSWORD") else "",
                host=database.get("HOST") or "127.0.0.1",
                port=database.get("PORT") or 5432,
                name=quote(database["NAME"]),
            ),
            "DJANGO_SECRET_KEY": str(os.environ.get("DJANGO_SECRET_KEY") or settings.SECRET_KEY),
            "DJANGO_ALLOWED_HOSTS": ",".join([*settings.ALLOWED_HOSTS, "127.0.0.1"]),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESS_LOG": "",
            # As docker-compose.yml runs it: database connections kept between requests.
            "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE") or "60",
            # The load test measures throughput, not the API throttle's refusals.
            "PILOTIS_API_USER_RATE": LOAD_TEST_USER_RATE,
        }
        server = subprocess.Popen(  # noqa: S603 - fixed argument list
            [
                sys.executable, "-m", "gunicorn", "ppm.wsgi",
                "--config", str(Path(settings.BASE_DIR) / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}",
            ],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                error = server.stderr.read().decode(errors="replace") if server.stderr else ""
                raise CommandError(f"gunicorn stopped at start-up:\n{error[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                    return server
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self._stop(server)
        raise CommandError("gunicorn did not answer /healthz within 60 seconds.")

    @staticmethod
    def _stop(server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=5)
