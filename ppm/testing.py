"""Test helpers every app's tests share (no test runs from here).

`assert_same_queries_at_two_sizes` is STYLE.md's query-count test: a list, a board, a dashboard or a
Gantt is measured with a few objects and with ten times more, and must issue the SAME number of SQL
queries at both sizes (Zulip's `assert_database_query_count`), under the ceiling QUALITY.md sets. A
ceiling alone would hide a query per row as long as the rows are few.
"""

from collections.abc import Callable, Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

SIZES = (3, 30)


def load_demo(**options) -> str:
    """`manage.py load_demo` with `options` (if_empty, force); returns what it printed. With the root
    conftest's `demo_on` fixture for demo mode."""
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def module_data(load: Callable[[], object]):
    """A module-scoped fixture whose value is `load()`'s, with the rows it wrote shared by the module's
    tests: written once inside an outer transaction, which each test's own (a savepoint) nests in, and
    rolled back after the module's last test. For expensive data (the whole demo, a bench seed) that
    several tests read; not for `transaction=True` tests, whose flush would empty it.

        demo = module_data(lambda: call_command("load_demo"))
    """

    @pytest.fixture(scope="module")
    def fixture(module_data_context, django_db_blocker) -> Iterator[object]:
        outer = transaction.atomic()
        with django_db_blocker.unblock():
            outer.__enter__()
        try:
            with django_db_blocker.unblock():
                module_data_context()  # the root conftest's: reference data, as every test has it
                value = load()
            yield value
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    return fixture


def captured_queries(action: Callable[[], object]) -> list[str]:
    """The SQL statements `action()` sends to the default database."""
    with CaptureQueriesContext(connection) as context:
        action()
    return [query["sql"] for query in context.captured_queries]


def assert_same_queries_at_two_sizes(
    action: Callable[[], object],
    *,
    grow: Callable[[int], object],
    ceiling: int | None = None,
    sizes: tuple[int, int] = SIZES,
    warm_up: bool = True,
) -> int:
    """Grow the data to `sizes[0]` objects, count the queries of `action()`; grow it to `sizes[1]`,
    count again. The two counts must be equal (and at most `ceiling`); returns the count.

    `grow(n)` adds `n` more objects (first `sizes[0]`, then `sizes[1] - sizes[0]`). `action()` should
    itself check that it saw the objects (rows on the page), or the sizes prove nothing. With
    `warm_up`, `action()` runs once before the first count, so that what a process loads once (the
    content types, a first token lookup) is not counted as growth; it runs again after the growth, as
    the growth may have made a cached per-person value stale (ppm.usercache: the header's alert count,
    the menu's timesheet entries), which the next page recomputes once — not growth either.
    """
    small, large = sizes
    if not 0 < small < large:
        raise ValueError(f"sizes must grow: {sizes}")
    grow(small)
    if warm_up:
        action()
    first = captured_queries(action)
    grow(large - small)
    if warm_up:
        action()
    second = captured_queries(action)
    if len(first) != len(second):
        extra = [sql for sql in second if sql not in first] or second
        raise AssertionError(
            f"{len(first)} queries with {small} objects but {len(second)} with {large}: the count grows "
            "with the data. Queries seen only at the larger size (or all of them):\n  "
            + "\n  ".join(sql[:300] for sql in extra[:10])
        )
    if ceiling is not None and len(first) > ceiling:
        raise AssertionError(
            f"{len(first)} queries, more than the ceiling of {ceiling}:\n  "
            + "\n  ".join(sql[:300] for sql in first)
        )
    return len(first)


def same_markup(html) -> str:
    """`html` with its layout whitespace squeezed (around tags, runs of spaces) and apostrophes
    unescaped: to compare rows written in Python with the template rows they replace (a translated
    word keeps its apostrophe in a template, Python's escape() writes &#x27;)."""
    import re

    text = str(html).replace("&#x27;", "'")
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", text)).strip()


def run_interleaved_imports(
    monkeypatch, importer_class, jobs, *, meet_after: Callable[[object], bool]
) -> list:
    """Run these import jobs (ppm.imports) at once, one thread each: each writes rows until one for which
    `meet_after(cleaned)` is true, then waits there for the others (3 s at most) — the interleaving in
    which imports locking rows as they come deadlock on each other's. Returns the exceptions raised."""
    import threading

    from ppm.imports import import_job_run

    meeting = threading.Barrier(len(jobs), timeout=3)
    real_write = importer_class.write_row

    def write_row(self, job, cleaned):
        real_write(self, job, cleaned)
        if meet_after(cleaned):
            try:
                meeting.wait()
            except threading.BrokenBarrierError:
                pass  # another import waits for this one's locks: it never comes to the meeting

    monkeypatch.setattr(importer_class, "write_row", write_row)
    errors: list = []

    def run(job):
        try:
            import_job_run(job_id=job.pk, importer=importer_class())
        except Exception as error:  # noqa: BLE001 - returned to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def page_with_lazy_panels(client, url: str, **extra) -> str:
    """The page at `url` as a browser shows it once htmx has loaded its lazy panels (ppm.slots): each
    placeholder replaced by what the page answers to its ``hx-get`` (nothing when the panel leaves
    itself out). The fallback link for browsers without JavaScript is dropped."""
    import re

    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    page = response.content.decode()

    def panel(match) -> str:
        answer = client.get(match.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true", **extra)
        assert answer.status_code == 200, (match.group(1), answer.status_code)
        return answer.content.decode()

    page = re.sub(r'<div class="slot-lazy" hx-get="([^"]+)"[^>]*></div>', panel, page)
    return re.sub(r'<noscript><p class="muted"><a href="[^"]*\?panel=all">[^<]*</a></p></noscript>', "", page)


def redis_test_url(default: str = "redis://127.0.0.1:6379/6") -> str | None:
    """The Redis the tests may use (CACHE_URL when it is one, else `default`), or None when none answers:
    the caller skips, or fails under CI, where Redis must be there."""
    import os

    url = os.environ.get("CACHE_URL", "")
    if not url.startswith("redis"):
        url = default
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis here
        return None
    return url
