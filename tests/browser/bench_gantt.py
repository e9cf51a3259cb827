"""Browser benchmark of the Gantt (not part of `make test`: its file name is not collected).

Run it explicitly: `.venv/bin/pytest -s tests/browser/bench_gantt.py` — 1,000 and 5,000 bars drawn in
headless Chromium, with the page-load time and the longest task printed (QUALITY.md: 1,000 bars usable
in ≤ 1.5 s, 5,000 without a long task over 0.5 s)."""

import datetime
import json
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.scheduling.models import Task, TaskLink


def _big_schedule(project, n):
    """`n` tasks in phases of 20 (a summary + 19 children), a chain of FS links, dates spread over years."""
    start = datetime.date(2026, 1, 5)
    tasks = []
    for i in range(n):
        day = start + datetime.timedelta(days=(i * 3) % 1500)
        tasks.append(
            Task(
                project=project,
                name=f"Tâche {i}",
                wbs=f"{i // 20 + 1}.{i % 20}" if i % 20 else str(i // 20 + 1),
                position=i % 20,
                duration=5,
                start=day,
                finish=day + datetime.timedelta(days=6),
                milestone=i % 50 == 49,
                critical=i % 7 == 0,
            )
        )
    Task.objects.bulk_create(tasks, batch_size=1000)
    by_index = list(Task.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    parents = {}
    for i, pk in enumerate(by_index):
        if i % 20 == 0:
            parents[i // 20] = pk
    Task.objects.filter(pk__in=list(parents.values())).update(is_summary=True)
    for i, pk in enumerate(by_index):
        if i % 20:
            Task.objects.filter(pk=pk).update(parent_id=parents[i // 20])
    TaskLink.objects.bulk_create(
        [
            TaskLink(project=project, predecessor_id=by_index[i], successor_id=by_index[i + 1])
            for i in range(1, n - 1)
            if i % 20 and (i + 1) % 20
        ],
        batch_size=1000,
    )


@pytest.mark.parametrize("n", [1000, 5000])
def test_bench_bars(signed_in, world, n):
    project = world.projects[0]
    _big_schedule(project, n)
    page = signed_in("pmo")
    page.add_init_script(
        """window.__longTasks = [];
        new PerformanceObserver(list => list.getEntries().forEach(e => window.__longTasks.push(e.duration)))
          .observe({type: 'longtask', buffered: true});"""
    )
    started = time.perf_counter()
    page.goto(reverse("portfolio:project_gantt", args=[project.pk]))
    expect(page.locator("#gantt[data-loaded]")).to_be_attached(timeout=30_000)
    drawn = time.perf_counter() - started
    scroll_started = time.perf_counter()
    page.evaluate(
        """() => new Promise(done => { let y = 0; function step() { y += 2000; gantt.scrollTo(null, y);
           if (y < gantt.getVisibleTaskCount() * gantt.config.row_height) { requestAnimationFrame(step); }
           else { done(); } } step(); })"""
    )
    scrolled = time.perf_counter() - scroll_started
    figures = page.evaluate(
        """() => ({draw_ms: +document.getElementById('gantt').dataset.drawMs,
                 timings: window.pilotisGantt.state.timings,
                 nav_ms: performance.getEntriesByType('navigation')[0].duration,
                 long_tasks: window.__longTasks, rows: gantt.getTaskCount(),
                 dom_rows: document.querySelectorAll('.gantt_row').length})"""
    )
    figures.update(bars=n, wall_s=round(drawn, 3), scroll_s=round(scrolled, 3))
    print("GANTT-BENCH", json.dumps(figures))
    assert figures["rows"] == n
