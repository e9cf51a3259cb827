"""Projects end to end: create through the form, the lifecycle by buttons, the list's filters."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from portfolio.models import Project, ProjectStatusChange
from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ProjectFactory


def _history_rows(page):
    return page.locator("#lifecycle-history tbody tr")


def _click_transition(page, label, comment=""):
    if comment:
        page.get_by_label("Comment (optional)").fill(comment)
    confirm_step = page.locator(
        "details.confirm-move > summary", has_text=re.compile(f"^{re.escape(label)}$")
    )
    if confirm_step.count():
        # An irreversible move: a second step asks for confirmation.
        confirm_step.click()
        page.get_by_role("button", name=f"Confirm: {label}", exact=True).click()
    else:
        page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()


def test_create_a_project_through_the_form(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_list"))
    page.get_by_role("link", name=re.compile(r"new project", re.IGNORECASE)).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("portfolio:project_create")) + "$"))

    page.get_by_label("Code", exact=True).fill("NUM-2027")
    page.get_by_label("Name", exact=True).fill("Digital school canteen")
    page.get_by_label(re.compile("directorate", re.IGNORECASE)).select_option(
        label=world.directorates[1].name
    )
    manager = world.user("manager")
    page.get_by_label(re.compile("project manager", re.IGNORECASE)).select_option(str(manager.pk))
    page.get_by_label(re.compile("planned start", re.IGNORECASE)).fill("2027-01-04")
    page.get_by_label(re.compile("planned end", re.IGNORECASE)).fill("2027-12-17")
    objectives = page.get_by_role("group", name=re.compile("objectives", re.IGNORECASE))
    objectives.get_by_label(re.compile("Online procedures")).check()
    objectives.get_by_label(re.compile("Data governance")).check()
    page.locator("main form [type='submit']").last.click()

    project = Project.objects.get(code="NUM-2027")
    expect(page).to_have_url(
        re.compile(re.escape(reverse("portfolio:project_detail", args=[project.pk])) + "$")
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digital school canteen")
    assert project.directorate == world.directorates[1]
    assert project.manager == manager
    assert str(project.planned_start) == "2027-01-04"
    assert sorted(o.code for o in project.objectives.all()) == ["OBJ1", "OBJ2"]


def test_invalid_form_shows_errors_and_saves_nothing(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_create"))
    page.get_by_label("Code", exact=True).fill("bad code!")
    page.get_by_label("Name", exact=True).fill("Broken")
    page.get_by_label(re.compile("directorate", re.IGNORECASE)).select_option(
        label=world.directorates[0].name
    )
    page.locator("main form [type='submit']").last.click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("Use letters, digits, dots, dashes and underscores only.")
    assert not Project.objects.filter(name="Broken").exists()


def test_lifecycle_by_buttons_and_the_history_grows(signed_in, world):
    project = ProjectFactory(
        code="LIFE-1",
        name="Lifecycle project",
        directorate=world.directorates[0],
        manager=world.user("manager"),
    )
    ProjectStatusChange.objects.create(project=project, source="", target="demand", action="create")
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    history = _history_rows(page)
    expect(history).to_have_count(1)

    steps = [
        ("Start framing", "framing"),
        ("Approve", "approved"),
        ("Start", "in_progress"),
        ("Put on hold", "on_hold"),
        ("Resume", "in_progress"),
        ("Close", "closed"),
    ]
    for number, (label, status) in enumerate(steps, start=2):
        _click_transition(page, label, comment=f"Step {number}: {label}")
        expect(history).to_have_count(number)
        project.refresh_from_db()
        assert project.status == status, f"after {label!r}: {project.status}"
        expect(page.locator("main")).to_contain_text(str(ProjectStatus(status).label))
        expect(history.filter(has_text=f"Step {number}: {label}")).to_have_count(1)
    # A closed project offers no more moves, except reopening (project office, with a reason).
    for label in ("Start framing", "Approve", "Start", "Put on hold", "Resume", "Close", "Abandon"):
        expect(page.get_by_role("button", name=label, exact=True)).to_have_count(0)
    page.locator("details.confirm-move > summary", has_text="Reopen").click()
    page.get_by_label("Reason (required)").fill("Closed too early")
    page.get_by_role("button", name="Confirm: Reopen", exact=True).click()
    page.wait_for_load_state()
    expect(history).to_have_count(len(steps) + 2)
    project.refresh_from_db()
    assert project.status == "in_progress"


def test_a_refused_move_explains_why(signed_in, world, console_errors):
    console_errors.allow(r"status of (400|409)")
    project = ProjectFactory(
        code="NOMGR-1",
        name="Project without a manager",
        directorate=world.directorates[0],
        manager=None,
        status="framing",
    )
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    _click_transition(page, "Approve")
    expect(page.get_by_text(re.compile("without a project manager"))).to_be_visible()
    project.refresh_from_db()
    assert project.status == "framing"


def test_a_reader_sees_no_edit_or_lifecycle_buttons(signed_in, world):
    project = world.projects[1]  # framing, with several moves available to editors
    page = signed_in("reader")
    page.goto(reverse("portfolio:project_detail", args=[project.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(project.name)
    expect(page.get_by_role("link", name=re.compile(r"^edit", re.IGNORECASE))).to_have_count(0)
    expect(
        page.locator(f"form[action='{reverse('portfolio:project_transition', args=[project.pk])}']")
    ).to_have_count(0)
    for label in ("Approve", "Put on hold", "Abandon"):
        expect(page.get_by_role("button", name=label, exact=True)).to_have_count(0)
    page.goto(reverse("portfolio:project_list"))
    expect(page.get_by_role("link", name=re.compile(r"new project", re.IGNORECASE))).to_have_count(0)


def test_the_manager_sees_the_buttons_on_their_own_project_only(signed_in, world):
    own, other = world.projects[0], world.projects[1]
    page = signed_in("manager")
    page.goto(reverse("portfolio:project_detail", args=[own.pk]))
    expect(page.get_by_role("button", name="Put on hold", exact=True)).to_be_visible()
    page.goto(reverse("portfolio:project_detail", args=[other.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(other.name)
    expect(page.get_by_role("button", name="Put on hold", exact=True)).to_have_count(0)


def test_list_filters_by_status_with_htmx_and_the_url_follows(signed_in, world):
    page = signed_in("pmo")
    page.goto(reverse("portfolio:project_list"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(4)
    document_loads = []
    page.on("load", lambda: document_loads.append(page.url))

    status = page.get_by_label(re.compile(r"^status$", re.IGNORECASE))
    if status.evaluate("el => el.tagName") == "SELECT":
        status.select_option("in_progress")
    else:
        page.get_by_role("checkbox", name=re.compile("In progress")).check()

    expect(page).to_have_url(re.compile(r"status=in_progress"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ERP-2025")
    assert document_loads == [], "the list must update in place (htmx), not reload the page"


def test_list_search(signed_in, world):
    page = signed_in("reader")
    page.goto(reverse("portfolio:project_list"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(4)
    # Results follow the typing (no Enter: the list searches as you type).
    page.get_by_role("searchbox").fill("archiving")
    expect(page).to_have_url(re.compile(r"q=archiving"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ARCH-2024")


def test_list_search_with_enter_and_filter_changes_log_no_error(signed_in, world):
    """Typing, pressing Enter and ticking a filter overlap requests: they queue, none aborts."""
    page = signed_in("reader")
    page.goto(reverse("portfolio:project_list"))
    rows = page.locator("main table tbody tr")
    search = page.get_by_role("searchbox")
    search.fill("archiv")
    search.press("Enter")
    search.type("ing")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=archiving"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ARCH-2024")
    # The console guard of the `page` fixture fails the test on any console error.
