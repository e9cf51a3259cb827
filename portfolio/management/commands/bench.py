"""`manage.py bench` (`make bench`): QUALITY.md's performance figures on a large seeded portfolio.

Runs against PostgreSQL (the figures mean nothing elsewhere): creates the database named by
DATABASE_URL when it is missing, migrates it, seeds it once per size (see portfolio/bench.py: bulk
inserts, not the services) and, for each screen that exists, prints the number of SQL queries, the
server time (median and p95 of --repeat in-process requests after two warm-ups), the time
PostgreSQL alone takes for the same SQL, their ratio, the bar QUALITY.md sets and whether it is met.
Exit status 0, or 1 with --strict when a bar is missed.

Dev tool output: plain English, not translated.
"""

import platform
import sys
import warnings

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection
from django.test import Client, override_settings

from portfolio import bench
from ppm.models import User
from ppm.roles import Role


class Command(BaseCommand):
    help = "Seed a large portfolio in PostgreSQL and print QUALITY.md's performance figures."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=1000, help="Projects to seed (default 1000).")
        parser.add_argument("--repeat", type=int, default=20, help="Timed requests per screen (default 20).")
        parser.add_argument("--reseed", action="store_true", help="Empty the benchmark data and seed again.")
        parser.add_argument("--strict", action="store_true", help="Exit with status 1 when a bar is missed.")
        parser.add_argument(
            "--any-database",
            action="store_true",
            help="Run on a database other than PostgreSQL (the test suite does; figures are meaningless).",
        )

    def handle(self, *args, projects, repeat, reseed, strict, any_database, **options):
        if projects < 1 or repeat < 1:
            raise CommandError("--projects and --repeat must be at least 1.")
        self._connect(any_database=any_database)
        call_command("migrate", interactive=False, verbosity=0)
        self._seed(projects=projects, reseed=reseed)

        # Production-like settings (DEBUG off: no query log); the test client's host, and static
        # URLs without a collectstatic manifest (not part of what is measured).
        with override_settings(
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            # WhiteNoise warns that STATIC_ROOT was never collected: irrelevant here.
            warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            client = Client()
            user = User.objects.filter(
                role=Role.PROJECT_OFFICE, username__startswith=bench.USER_PREFIX
            ).first()
            client.force_login(user)
            try:
                results = [
                    bench.measure(client, screen, repeat=repeat)
                    for screen in bench.screens(project_id=bench.showcase_project_id())
                ]
            except RuntimeError as error:
                raise CommandError(str(error)) from error
        self._report(results, repeat=repeat)
        if strict and any(result.missed for result in results):
            sys.exit(1)

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
        if bench.foreign_data():
            raise CommandError(
                "This database holds projects or users that the benchmark did not seed. "
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
        bench.seed(projects=projects)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    # -- report ------------------------------------------------------------------------------

    def _report(self, results: list[bench.Measure], *, repeat: int) -> None:
        write = self.stdout.write
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                database = f"PostgreSQL {cursor.fetchone()[0]}"
            else:
                database = f"{connection.vendor} (not PostgreSQL: figures are not meaningful)"
        counts = bench.counts_of_dataset()
        write("")
        write(
            f"Pilotis benchmark: {database}, Django {django.get_version()}, "
            f"Python {platform.python_version()}, {platform.machine()}"
        )
        write("Dataset: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()))
        write(
            f"Server: median and p95 of {repeat} in-process requests after 2 warm-ups. "
            f"DB: the same SQL replayed on a raw cursor (median of {repeat}); "
            "exec: PostgreSQL's own execution time (EXPLAIN ANALYZE)."
        )
        write("")
        header = (
            f"{'screen':<27} {'queries':>7} {'server med':>10} {'p95':>8} {'DB med':>8} {'exec':>7} "
            f"{'ratio':>6}  {'bar':<55} result"
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
                f"{r.db_median:>8.1f} {exec_ms} {r.ratio:>5.1f}×  {bars:<55} {verdict}"
            )
        write("(times in ms)")
        write("")
        write(f"Sequential scans in query plans (bar: none on a table past {bench.LARGE_TABLE_ROWS:,} rows):")
        if connection.vendor != "postgresql":
            write("  not checked: plans are read on PostgreSQL only.")
        listed = False
        for r in results:
            for scan in r.seq_scans:
                if scan.large or scan.table in bench.WATCHED_TABLES:
                    listed = True
                    note = "OVER the bar" if scan.large else "small table, the planner's choice: note only"
                    write(f"  {r.screen.label}: {scan.table} ({scan.rows:,} rows) — {note}")
        if connection.vendor == "postgresql" and not listed:
            write("  none on projects, status changes or audit entries.")
        met = sum(not r.missed for r in results)
        write("")
        write(f"Screens meeting every bar: {met} of {len(results)}.")
