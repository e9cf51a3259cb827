"""`manage.py bench` on a tiny dataset: it seeds every app, measures every screen and prints the figures.

No timing is asserted (QUALITY.md: figures belong to benchmarks, never to unit tests). The screens and
seeds are the installed apps' (`<app>.bench`); this core test names none of them.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ppm import bench, gc_policy
from ppm.management.commands.bench import parse_wrk
from ppm.models import Directorate, User

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:40111/api/v1/projects/?page_size=100
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.02ms    3.10ms  48.71ms   90.12%
    Req/Sec   182.40     20.11   230.00     70.00%
  Latency Distribution
     50%   10.48ms
     75%   11.90ms
     90%   13.61ms
     99%    1.02s
  1824 requests in 5.01s, 55.12MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    364.07
Transfer/sec:     11.00MB
"""


def run_bench(*args: str) -> str:
    out = StringIO()
    call_command("bench", "--projects", "20", "--repeat", "2", "--any-database", *args, stdout=out)
    return out.getvalue()


def test_bench_modules_come_in_installed_apps_order_core_first():
    modules = bench.bench_modules()

    assert modules[0] is bench
    assert all(callable(module.seed) and callable(module.screens) for module in modules)


@pytest.mark.django_db
def test_bench_seeds_measures_every_screen_and_prints_the_figures():
    text = run_bench()

    assert bench.dataset_size() == 20
    assert Directorate.objects.count() == 40
    assert User.objects.filter(username__startswith=bench.USER_PREFIX).count() == 200
    assert re.search(r"^Dataset: .*\b20 projects, .*40 directorates, 200 users", text, re.MULTILINE), text
    screens = bench.all_screens()
    assert screens
    for screen in screens:
        # label | queries | server median | p95 | DB median | exec | python | cpu | ratio | bars | verdict
        row = re.search(
            rf"^{re.escape(screen.label)} +(\d+) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+|n/a) +([\d.]+) "
            rf"+([\d.]+) +([\d.]+|inf)× +(.+)$",
            text,
            re.MULTILINE,
        )
        assert row, f"no figures for {screen.label}:\n{text}"
        assert int(row.group(1)) > 0
        assert "; ".join(bar.label for bar in screen.bars) in row.group(9)
        assert row.group(9).rstrip().endswith("pass") or "OVER:" in row.group(9)
    assert bench.QUALITY_BAR.label in text
    assert re.search(rf"Screens meeting every bar: \d+ of {len(screens)}\.", text)
    assert re.search(
        r"^Machine: a Django template of 100 rows × 8 plain values renders in [\d.]+ ms", text, re.M
    )
    assert re.search(r"^Cache: \S", text, re.M)
    # The load test needs a gunicorn that sees the data: never the test database's uncommitted rows.
    expected = "needs PostgreSQL" if connection.vendor != "postgresql" else "the seeded data is not committed"
    assert "Load test" in text and f"not run: {expected}" in text


@pytest.mark.django_db
def test_only_measures_the_screens_whose_label_contains_the_text():
    run_bench("--seed-only")
    text = run_bench("--only", "TASK BOARD")

    chosen = [s.label for s in bench.all_screens() if "task board" in s.label.casefold()]
    assert chosen
    assert "Screens meeting every bar: " in text and f" of {len(chosen)}." in text
    assert "Portfolio dashboard " not in text
    with pytest.raises(CommandError, match="No screen's label contains 'no such screen'"):
        run_bench("--only", "no such screen")


@pytest.mark.django_db
def test_second_run_at_the_same_size_does_not_seed_again():
    first = run_bench("--seed-only")
    before = User.objects.count()

    assert "Seeding 20 projects" in first and "Screens meeting" not in first  # seeded, not measured
    second = run_bench("--seed-only")
    assert "Dataset already seeded with 20 projects." in second and "Seeding" not in second
    assert User.objects.count() == before


@pytest.mark.django_db
def test_refuses_a_database_with_users_it_did_not_seed(make_user):
    make_user(username="a-real-person")

    with pytest.raises(CommandError, match="did not seed"):
        run_bench()
    assert not User.objects.filter(username__startswith=bench.USER_PREFIX).exists()


@pytest.mark.django_db
def test_needs_postgresql_unless_told_otherwise(monkeypatch):
    # Runs on both test databases: on PostgreSQL, the connection pretends to be another vendor.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "--projects", "20", "--repeat", "2", stdout=StringIO())


def _measure(server_ms: list[float], db_ms: float) -> bench.Measure:
    screen = bench.Screen("s", "/", [bench.QUALITY_BAR])
    return bench.Measure(screen, 3, server_ms, [db_ms] * len(server_ms), None, [])


def test_quality_bar_is_python_share_below_10_ms_of_sql_and_a_ratio_above():
    # SQL under 10 ms: Python's own share (server − SQL) ≤ 20 ms and p95 ≤ 2 × p50.
    assert _measure([24.5] * 20, 4.0).missed == [bench.QUALITY_BAR.label]
    assert not _measure([24.0] * 20, 4.0).missed
    assert _measure([10.0] * 18 + [21.0, 21.0], 2.0).missed  # p95 21 > 2 × 10
    # SQL of 10 ms or more: server ≤ 1.5 × SQL.
    assert not _measure([45.0] * 20, 30.0).missed
    assert _measure([46.0] * 20, 30.0).missed


def test_wrk_report_is_read():
    figures = parse_wrk(WRK_OUTPUT)

    assert figures == {
        "requests_per_second": 364.07,
        "requests": 1824,
        "p50_ms": 10.48,
        "p99_ms": 1020.0,
        "errors": 3,
    }


def test_the_cache_measured_is_named_without_its_password(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "ppm.cache.RedisCache",
            "LOCATION": "redis://:s3cret@cache.example:6379/2",
        }
    }
    described = bench.cache_description()
    assert described.startswith("Redis (redis://cache.example:6379/2)") and "s3cret" not in described
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"}}
    assert bench.cache_description().startswith("files under var/cache")


def test_the_measures_leave_the_garbage_collector_as_they_found_it():
    import gc

    before = gc.get_threshold(), gc.get_freeze_count()
    with bench.tuned_gc():
        assert gc.get_threshold() == gc_policy.THRESHOLDS
        assert gc.get_freeze_count() > 0

    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_gunicorn_collects_young_objects_after_each_response_as_the_measures_do():
    """gunicorn.conf.py's post_request hook empties the young generation (what gc_policy.after_response
    does between measured requests), so a request's cycles are not collected inside the next one."""
    import gc
    import runpy
    from pathlib import Path

    from django.conf import settings

    thresholds = gc.get_threshold()
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))  # sets its thresholds
    try:
        for after in (config["post_request"], lambda *args: gc_policy.after_response()):
            gc.collect(0)
            garbage = []
            for _ in range(2_000):
                cycle = [None]
                cycle[0] = cycle
                garbage.append(cycle)
            del garbage, cycle
            assert gc.get_count()[0] >= 1_000
            after(None, None, {}, None)
            assert gc.get_count()[0] < 100
        # The middle generation is collected too once as many young collections as its threshold
        # have passed (CPython's own rule), so nothing stays there for the worker's lifetime.
        for after in (config["post_request"], lambda *args: gc_policy.after_response()):
            gc.collect(1)
            for _ in range(gc.get_threshold()[1]):
                after(None, None, {}, None)
            assert gc.get_count()[1] >= gc.get_threshold()[1] - 1
            after(None, None, {}, None)
            assert gc.get_count()[1] == 0
    finally:
        gc.set_threshold(*thresholds)


def test_a_sequential_scan_is_judged_by_the_rows_it_read():
    # EXPLAIN ANALYZE's figures are per loop: returned plus filtered out, times the loops.
    whole = {
        "Node Type": "Seq Scan",
        "Actual Rows": 11_612,
        "Rows Removed by Filter": 27_458,
        "Actual Loops": 1,
    }
    first_match = {"Node Type": "Seq Scan", "Actual Rows": 1, "Actual Loops": 1}
    looped = {"Node Type": "Seq Scan", "Actual Rows": 2, "Rows Removed by Filter": 98, "Actual Loops": 200}
    assert bench._rows_read(whole) == 39_070
    assert bench._rows_read(first_match) == 1
    assert bench._rows_read(looped) == 20_000
    assert bench._rows_read({"Node Type": "Seq Scan"}) is None  # not executed (a write's plan)

    assert bench.SeqScan("budgets_budgetlineyear", 39_070, 39_070).large
    assert not bench.SeqScan("resources_allocation", 115_317, 1).large  # SELECT 1 … LIMIT 1
    assert bench.SeqScan("resources_allocation", 115_317, None).large
    assert not bench.SeqScan("ppm_user", 200, 200).large
