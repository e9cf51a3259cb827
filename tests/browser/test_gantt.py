"""The project Gantt and the portfolio roadmap in real Chromium: drag a bar and see its successor move
(the server re-schedules), link two tasks and see the critical path change, a stale edit shows a
conflict, axe clean in English and French, no page overflow at 360 px.

The browser benchmark (1,000 and 5,000 bars) is tests/browser/bench_gantt.py, run explicitly (figures in
the README): it prints its figures and is not a timed unit test."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from portfolio.models import Project
from portfolio.scheduling import services
from portfolio.scheduling.models import Task, TaskLink
from tests.axe import assert_accessible

LANGUAGES = ["en", "fr"]


def _schedule(project):
    """Cadrage (5 d) → Conception (5 d) → « Mise en production »; Recette (2 d) hangs free (not critical)."""
    framing = services.task_create(actor=None, project=project, name="Cadrage", duration=5)
    design = services.task_create(actor=None, project=project, name="Conception", duration=5)
    testing = services.task_create(actor=None, project=project, name="Recette", duration=2)
    go_live = services.task_create(actor=None, project=project, name="Mise en production", milestone=True)
    services.link_create(actor=None, predecessor=framing, successor=design)
    services.link_create(actor=None, predecessor=design, successor=go_live)
    return {t.name: t.pk for t in (framing, design, testing, go_live)}


@pytest.fixture
def planned(world):
    project = world.projects[0]
    Project.objects.filter(pk=project.pk).update(planned_start=timezone.localdate())
    project.refresh_from_db()
    return project, _schedule(project)


def _open(page, project):
    page.goto(reverse("portfolio:project_gantt", args=[project.pk]))
    expect(page.locator("#gantt[data-loaded]")).to_be_attached()
    page.evaluate("window.pilotisGantt.setZoom('day')")


def _bar(page, task_id):
    # Only bars in view are drawn (virtualised); the chart scrolls to it on the next frames.
    page.evaluate(
        f"""() => new Promise(done => {{ gantt.showTask({task_id});
            requestAnimationFrame(() => requestAnimationFrame(done)); }})"""
    )
    return page.locator(f".gantt_task_line[data-task-id='{task_id}']")


def _day_width(page):
    return page.evaluate(
        """() => { const d = new Date(); d.setHours(0, 0, 0, 0);
                   const e = new Date(d); e.setDate(d.getDate() + 1);
                   return gantt.posFromDate(e) - gantt.posFromDate(d); }"""
    )


def _wait_redraw(page, before):
    page.wait_for_function(
        "before => document.getElementById('gantt').getAttribute('data-loaded') !== before", arg=before
    )


def _drag_bar(page, task_id, dx):
    box = _bar(page, task_id).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = page.locator("#gantt").get_attribute("data-loaded")
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y)
    page.mouse.up()
    _wait_redraw(page, before)


def test_drag_a_bar_and_its_successor_moves(signed_in, planned):
    project, ids = planned
    page = signed_in("pmo")
    _open(page, project)
    expect(
        page.locator(f".gantt_task_line.gantt-critical[data-task-id='{ids['Conception']}']")
    ).to_be_visible()
    expect(page.locator(f".gantt_task_line.gantt-critical[data-task-id='{ids['Recette']}']")).to_have_count(0)
    design_before = Task.objects.get(pk=ids["Conception"]).start
    day = _day_width(page)
    _drag_bar(page, ids["Cadrage"], day * 7)
    framing = Task.objects.get(pk=ids["Cadrage"])
    design = Task.objects.get(pk=ids["Conception"])
    assert framing.constraint_type == "snet"
    assert design.start > design_before, (framing.start, framing.constraint_date, day)  # re-scheduled
    expect(page.locator("#gantt-message")).to_be_hidden()
    # The chart shows the server's answer: the successor's bar moved too.
    shown = page.evaluate(f"() => gantt.getTask({ids['Conception']}).start_date.toISOString().slice(0, 10)")
    assert shown <= design.start.isoformat()  # local midnight in UTC may be the day before
    assert framing.version >= 2


def test_edit_a_grid_cell(signed_in, planned):
    project, ids = planned
    page = signed_in("pmo")
    _open(page, project)
    design_before = Task.objects.get(pk=ids["Conception"]).start
    before = page.locator("#gantt").get_attribute("data-loaded")
    page.evaluate(f"gantt.ext.inlineEditors.startEdit({ids['Cadrage']}, 'working_duration')")
    editor = page.locator(".gantt_grid_editor_placeholder input")
    editor.fill("8")
    editor.press("Enter")
    # Enter saves through the keyboard plugin; where it has not taken the focus, save as a blur does.
    page.evaluate("gantt.ext.inlineEditors.isVisible() && gantt.ext.inlineEditors.save()")
    _wait_redraw(page, before)
    assert Task.objects.get(pk=ids["Cadrage"]).duration == 8
    assert Task.objects.get(pk=ids["Conception"]).start > design_before
    expect(page.locator(f".gantt_row[data-task-id='{ids['Cadrage']}']")).to_contain_text("8")


LINK_STATE = """() => { const s = gantt.getState();
    return {source: s.link_source_id, target: s.link_target_id, landing: s.link_landing_area,
            from_start: s.link_from_start, to_start: s.link_to_start}; }"""


def _drag_link(page, source_id, target_id, seen: list) -> bool:
    """Drag from the source bar's end handle onto the target bar's start handle; True once redrawn.

    What the chart knew of the gesture (its link drag state at the press and before the release) is
    appended to `seen`, for the failure message."""
    target_bar = _bar(page, target_id)
    source = _bar(page, source_id)  # both in view (showTask scrolls): boxes measured after
    target = target_bar.bounding_box()
    source.hover()
    handle = source.locator(".gantt_link_control.task_end_date .gantt_link_point")
    expect(handle).to_be_visible()
    start = handle.bounding_box()
    before = page.locator("#gantt").get_attribute("data-loaded")
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2, steps=3)
    page.mouse.down()
    pressed = page.evaluate(LINK_STATE)
    page.mouse.move(target["x"] + 10, target["y"] + target["height"] / 2, steps=10)
    # The chart handles at most 60 pointer moves a second and drops the others, so a last move that
    # came too soon after the previous one is never seen: move over the target's start handle until the
    # chart's own drag state names the target (a few frames), then release.
    point = None
    for jiggle in range(40):
        point = target_bar.locator(".gantt_link_control.task_start_date .gantt_link_point").bounding_box()
        if point is not None:
            page.mouse.move(point["x"] + point["width"] / 2 + jiggle % 2, point["y"] + point["height"] / 2)
        else:
            # The chart has not seen the pointer over the target yet (on a slow machine the last moves
            # came too fast and were dropped): its start handles only show on a bar it knows is under
            # the pointer, so move over the bar itself again, then onto the handle next time round.
            page.mouse.move(target["x"] + 10 + jiggle % 2, target["y"] + target["height"] / 2)
        if page.evaluate(LINK_STATE)["target"] == str(target_id):
            break
        page.wait_for_timeout(50)  # longer than a frame: the next move is not dropped
    seen.append({"pressed": pressed, "released": page.evaluate(LINK_STATE), "handle": start, "point": point})
    page.mouse.up()
    try:
        page.wait_for_function(
            "before => document.getElementById('gantt').getAttribute('data-loaded') !== before",
            arg=before,
            timeout=10_000,  # the link's POST and the reschedule, on a loaded CI machine
        )
    except PlaywrightTimeoutError:
        return False
    return True


def test_link_two_tasks_and_the_critical_path_changes(signed_in, planned):
    project, ids = planned
    page = signed_in("pmo")
    requests: list[str] = []  # every request of the page, named in the failure message
    page.on("requestfinished", lambda r: requests.append(f"{r.method} {r.url}"))
    page.on("requestfailed", lambda r: requests.append(f"{r.method} {r.url} FAILED {r.failure}"))
    gestures: list[dict] = []
    _open(page, project)
    # Recette (2 d) after Conception, before nothing: it ends after the go-live → now critical.
    # A pointer drag between two 10 px handles (_drag_link waits for the chart to see the target); a
    # gesture that still did nothing is tried again from a freshly drawn chart, up to three times.
    for attempt in range(3):
        if attempt:  # a gesture that did nothing: start again from a freshly drawn chart
            _open(page, project)
        if _drag_link(page, ids["Conception"], ids["Recette"], gestures):
            break
    assert TaskLink.objects.filter(
        predecessor_id=ids["Conception"], successor_id=ids["Recette"], type="FS"
    ).exists(), f"no link; the gestures: {gestures}; the page's requests: {requests}"
    expect(page.locator(f".gantt_task_line.gantt-critical[data-task-id='{ids['Recette']}']")).to_be_visible()
    expect(page.locator(".gantt_task_link[data-link-id] .gantt_line_wrapper").first).to_be_attached()


def test_a_stale_edit_shows_a_conflict_and_reloads(signed_in, planned, console_errors):
    console_errors.allow(r"412")
    project, ids = planned
    page = signed_in("pmo")
    _open(page, project)
    # Someone else renames the task after the page was loaded.
    task = Task.objects.get(pk=ids["Recette"])
    services.task_update(actor=None, task=task, data={"name": "Recette fonctionnelle"})
    day = _day_width(page)
    _drag_bar(page, ids["Recette"], day * 7)
    message = page.locator("#gantt-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Someone else changed this schedule")
    assert Task.objects.get(pk=ids["Recette"]).constraint_type == ""  # not applied over their change
    expect(page.locator(".gantt_tree_content", has_text="Recette fonctionnelle")).to_be_visible()


def test_a_refused_edit_shows_the_servers_message(signed_in, planned, console_errors):
    console_errors.allow(r"400")
    project, ids = planned
    page = signed_in("pmo")
    _open(page, project)
    script = """ids => fetch(ids[2], {method: 'POST', credentials: 'same-origin', headers: {
        'Content-Type': 'application/json', 'X-CSRFToken': document.getElementById('gantt').dataset.csrf},
        body: JSON.stringify({predecessor: ids[1], successor: ids[0], type: 'FS', lag: 0})})
        .then(r => r.status)"""
    url = f"/api/v1/projects/{project.pk}/links/"
    result = page.evaluate(script, [ids["Cadrage"], ids["Mise en production"], url])
    assert result == 400  # a cycle is refused by the API the Gantt uses


def test_readers_cannot_drag(signed_in, planned):
    project, ids = planned
    page = signed_in("reader")
    _open(page, project)
    before = Task.objects.get(pk=ids["Cadrage"]).version
    box = _bar(page, ids["Cadrage"]).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 200, box["y"] + 5, steps=5)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert Task.objects.get(pk=ids["Cadrage"]).version == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_gantt_and_roadmap_are_accessible(signed_in, context, live_server, planned, language):
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    project, _ids = planned
    page = signed_in("pmo")
    _open(page, project)
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page, f"gantt ({language})")
    page.goto(reverse("portfolio:roadmap") + "?group_by=directorate")
    expect(page.locator("#roadmap[data-loaded]")).to_be_attached()
    assert_accessible(page, f"roadmap ({language})")


def test_no_page_overflow_at_360_px_and_roadmap_click_through(signed_in, planned):
    project, ids = planned
    page = signed_in("pmo")
    page.set_viewport_size({"width": 360, "height": 740})
    _open(page, project)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(reverse("portfolio:roadmap"))
    expect(page.locator("#roadmap[data-loaded]")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(reverse("portfolio:roadmap") + "?group_by=status")
    expect(page.locator("#roadmap[data-loaded]")).to_be_attached()
    page.locator(".gantt_row", has_text=project.code).first.click()
    page.wait_for_url(f"**{reverse('portfolio:project_detail', args=[project.pk])}")


# --- the browser benchmark (opt-in) -----------------------------------------------------------------
