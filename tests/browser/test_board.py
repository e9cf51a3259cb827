"""The boards in Chromium: drag a card, move one with its "Move to…" menu (keyboard), a stale move
snaps back with the conflict, an illegal lifecycle move on the portfolio board snaps back with the
reason; axe clean in English and French; no page overflow at 360 px."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio.scheduling import board, services
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory
from tests.axe import assert_accessible


def _set_language(context, live_server, code):
    context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


@pytest.fixture
def cards(world):
    project = world.projects[0]  # in progress, managed by "manager"
    pmo = world.user("pmo")
    phase = services.task_create(actor=pmo, project=project, name="Conception")
    tasks = [
        services.task_create(
            actor=pmo,
            project=project,
            name=name,
            parent=phase,
            duration=3,
            assignee=world.user("contributor"),
        )
        for name in ("Rédiger le cahier des charges", "Choisir le prestataire", "Recette")
    ]
    services.task_create(actor=pmo, project=project, name="COPIL de lancement", milestone=True)
    return project, tasks


def _drag(page, source, target):
    """Press in the middle of the card (not on its link or menu), move in steps, release in the target."""
    box = source.bounding_box()
    goal = target.bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    x1, y1 = goal["x"] + goal["width"] / 2, goal["y"] + 20
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10)
        page.wait_for_timeout(30)
    page.mouse.up()


def test_drag_a_card_to_another_column(signed_in, cards):
    project, tasks = cards
    page = signed_in("manager")
    page.goto(reverse("portfolio:task_board", args=[project.pk]))
    card = page.locator(f"#card-{tasks[0].pk}")
    target = page.locator(".board__cards[data-status='in_progress']")
    _drag(page, card, target)
    expect(page.locator("#messages")).to_contain_text("moved to “In progress”")
    expect(target.locator(f"#card-{tasks[0].pk}")).to_have_count(1)
    assert Task.objects.get(pk=tasks[0].pk).board_status == "in_progress"
    expect(page.locator("[data-column-head='in_progress'] [data-count-text]")).to_have_text("1")
    page.reload()
    expect(page.locator(f".board__cards[data-status='in_progress'] #card-{tasks[0].pk}")).to_have_count(1)


def test_move_a_card_with_the_keyboard_menu(signed_in, cards):
    project, tasks = cards
    page = signed_in("contributor")
    page.goto(reverse("portfolio:task_board", args=[project.pk]))
    link = page.locator(f"#card-{tasks[1].pk} a.card__move")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Choisir le prestataire")
    expect(page.get_by_label("Column")).to_be_focused()
    page.get_by_label("Column").select_option("done")
    page.get_by_role("button", name="Move", exact=True).press("Enter")
    expect(page.locator("#messages")).to_contain_text("moved to “Done”")
    expect(page.locator(f".board__cards[data-status='done'] #card-{tasks[1].pk}")).to_have_count(1)
    task = Task.objects.get(pk=tasks[1].pk)
    assert (task.board_status, task.percent_complete) == ("done", 100)


def test_a_stale_move_snaps_back_with_the_conflict(signed_in, cards, world, console_errors):
    console_errors.allow(r"status of 412")
    project, tasks = cards
    page = signed_in("pmo")
    page.set_viewport_size({"width": 1280, "height": 1600})  # the third card and its target in view
    page.goto(reverse("portfolio:task_board", args=[project.pk]))
    # Someone else moves the card meanwhile (its version changes).
    board.task_move_card(actor=world.user("manager"), task=tasks[2], board_status="blocked")
    _drag(page, page.locator(f"#card-{tasks[2].pk}"), page.locator(".board__cards[data-status='done']"))
    expect(page.locator("#messages")).to_contain_text("changed by someone else")
    expect(page.locator(f".board__cards[data-status='todo'] #card-{tasks[2].pk}")).to_have_count(1)
    assert Task.objects.get(pk=tasks[2].pk).board_status == "blocked"


def test_portfolio_board_illegal_move_snaps_back_with_the_reason(signed_in, world, console_errors):
    console_errors.allow(r"status of 409")
    framing = world.projects[1]  # GRC-2025: framing; without planned dates it cannot be approved
    type(framing).objects.filter(pk=framing.pk).update(planned_start=None, planned_end=None)
    page = signed_in("pmo")
    page.goto(reverse("portfolio:portfolio_board"))
    card = page.locator(f"#project-card-{framing.pk}")
    _drag(page, card, page.locator(".board__cards[data-status='approved']"))
    expect(page.locator("#messages")).to_contain_text("cannot become “Approved” without")
    expect(page.locator(f".board__cards[data-status='framing'] #project-card-{framing.pk}")).to_have_count(1)
    # A move the lifecycle has no arrow for is refused on the spot.
    _drag(page, card, page.locator(".board__cards[data-status='closed']"))
    expect(page.locator("#messages")).to_contain_text("cannot go from “Framing” to “Closed”")
    framing.refresh_from_db()
    assert framing.status == "framing"


def test_portfolio_board_move_asks_for_confirmation(signed_in, world):
    project = world.projects[0]  # in progress, with a manager and dates
    page = signed_in("pmo")
    page.goto(reverse("portfolio:portfolio_board"))
    _drag(
        page, page.locator(f"#project-card-{project.pk}"), page.locator(".board__cards[data-status='closed']")
    )
    dialog = page.locator("#transition-dialog")
    expect(dialog).to_be_visible()
    assert_accessible(page, "portfolio board, confirming a close")
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator("#messages")).to_contain_text("is now “Closed”")
    expect(page.locator(f".board__cards[data-status='closed'] #project-card-{project.pk}")).to_have_count(1)
    project.refresh_from_db()
    assert project.status == "closed"


def test_portfolio_board_loads_the_rest_of_a_column_and_its_cards_move(signed_in, world, monkeypatch):
    monkeypatch.setattr(board, "PORTFOLIO_PAGE", 1)
    for index in range(2):
        ProjectFactory(code=f"FRAME-{index}", status="framing", manager=world.user("manager"))
    framing = type(world.projects[0]).objects.filter(status="framing")
    page = signed_in("pmo")
    page.goto(reverse("portfolio:portfolio_board"))
    column = page.locator(".board__cards[data-status='framing']")
    expect(column.locator(".card")).to_have_count(1)
    more = column.get_by_role("button", name="Load more")
    expect(more).to_contain_text(f"{framing.count() - 1} left")
    while more.count():
        shown = column.locator(".card").count()
        more.first.click()
        expect(column.locator(".card")).to_have_count(shown + 1)
    expect(column.locator(".card")).to_have_count(framing.count())
    # A card loaded later is a card like the others: dragged to "Cancelled" it asks for confirmation.
    last = column.locator(".card").last
    _drag(page, last, page.locator(".board__cards[data-status='cancelled']"))
    expect(page.locator("#transition-dialog")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("width", [360, 1440])
def test_boards_are_accessible_and_fit(signed_in, context, live_server, cards, language, width):
    project, _tasks = cards
    _set_language(context, live_server, language)
    page = signed_in("manager")
    page.set_viewport_size({"width": width, "height": 900})
    for url in (
        reverse("portfolio:task_board_move", args=[project.pk, _tasks[0].pk]),
        reverse("portfolio:task_board", args=[project.pk]),
        reverse("portfolio:task_board", args=[project.pk]) + "?swimlanes=phase",
        reverse("portfolio:portfolio_board"),
    ):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
        assert_accessible(page, f"{url} ({language}, {width} px)")
        page.screenshot(
            path=f"/tmp/board-shots/{language}-{width}-{url.strip('/').replace('/', '_')}.png", full_page=True
        )
