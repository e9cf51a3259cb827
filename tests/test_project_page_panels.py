"""The project page's lazy panels (ppm.slots, ``lazy=True``): the page holds placeholders that htmx fills
with the page's own answer to ``?panel=<key>``; the result is the page as it was when every panel was
rendered in it, for every role, and without JavaScript ``?panel=all`` renders them all in place."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from budgets.tests.factories import OrderFactory
from governance import periods
from governance.models import Cadence, FlashReport, FlashReportDimension, FlashReportStatus
from portfolio.tests.factories import ProjectFactory
from ppm.slots import slot_panels
from ppm.testing import page_with_lazy_panels
from resources.tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db

DIMENSIONS = ("schedule", "budget", "scope", "resources", "risks")

LAZY_KEYS = {
    "budgets.contracts_project_panel",
    "governance.flash_project_panel",
    "resources.timesheets_project_panel",
    "resources.workload_project_panel",
}


@pytest.fixture
def project(manager_user):
    """A project every lazy panel has something to say about."""
    project = ProjectFactory(manager=manager_user)
    period = periods.period_get(Cadence.MONTHLY, date(2025, 9, 1))
    report = FlashReport.objects.create(
        project=project, period=period, status=FlashReportStatus.VALIDATED, weather="cloudy"
    )
    FlashReportDimension.objects.bulk_create(
        FlashReportDimension(report=report, dimension=d, weather="cloudy") for d in DIMENSIONS
    )
    AllocationFactory(
        project=project, family="moe", period_start=timezone.localdate().replace(day=1), days=Decimal(4)
    )
    OrderFactory(budget_line__project=project)
    return project


def _comparable(page: str) -> str:
    """The page without what differs between two requests of one session (the CSRF token's mask) and
    the ``next`` field of the forms, which repeats the page's address."""
    page = re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"', r'\1"…"', page)
    return re.sub(r'name="next" value="[^"]*"', 'name="next" value="…"', page)


def test_the_lazy_panels_are_those_of_the_project_page():
    lazy = {
        panel.key for slot in ("project.side", "project.main") for panel in slot_panels(slot) if panel.lazy
    }
    assert lazy == LAZY_KEYS


def test_the_page_holds_placeholders_and_a_link_for_browsers_without_javascript(client, pmo_user, project):
    client.force_login(pmo_user)
    url = reverse("portfolio:project_detail", args=[project.pk])
    page = client.get(url).content.decode()
    for key in LAZY_KEYS:
        assert f'hx-get="{url}?panel={key}" hx-trigger="load"' in page
    assert "Orders and workload cost" not in page and "weather--cloudy" not in page
    assert f'<a href="{url}?panel=all">Show the other panels</a>' in page
    assert "Open the budget" in page  # a panel not registered as lazy stays in the page


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("role", ["pmo_user", "manager_user", "reader_user"])
def test_the_page_once_loaded_is_the_page_with_every_panel_in_place(client, request, project, role, language):
    client.force_login(request.getfixturevalue(role))
    url = reverse("portfolio:project_detail", args=[project.pk])
    with translation.override(language):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        loaded = page_with_lazy_panels(client, url, **headers)
        in_place = client.get(f"{url}?panel=all", **headers).content.decode()
    assert "slot-lazy" not in loaded and "slot-lazy" not in in_place
    assert _comparable(loaded) == _comparable(in_place)
    if role != "reader_user":
        assert "weather--cloudy" in loaded and project.orders.get().number in loaded


def test_a_panel_the_user_may_not_see_answers_nothing(client, reader_user, project):
    client.force_login(reader_user)
    url = reverse("portfolio:project_detail", args=[project.pk])
    answer = client.get(url, {"panel": "budgets.contracts_project_panel"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and answer.content == b""  # budgets are not shown to readers


def test_a_panel_answers_only_for_a_project_the_user_may_see(client, pmo_user, project):
    url = reverse("portfolio:project_detail", args=[project.pk])
    anonymous = client.get(url, {"panel": "governance.flash_project_panel"}, HTTP_HX_REQUEST="true")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    client.force_login(pmo_user)
    missing = reverse("portfolio:project_detail", args=[project.pk + 1000])
    assert (
        client.get(missing, {"panel": "governance.flash_project_panel"}, HTTP_HX_REQUEST="true").status_code
        == 404
    )


@pytest.mark.parametrize("key", ["nothing.such_panel", "budgets.lines_project_panel"])
def test_only_lazy_panels_are_served_alone(client, pmo_user, project, key):
    client.force_login(pmo_user)
    url = reverse("portfolio:project_detail", args=[project.pk])
    assert client.get(url, {"panel": key}, HTTP_HX_REQUEST="true").status_code == 404


def test_a_panel_asked_for_without_htmx_gets_the_whole_page(client, pmo_user, project):
    client.force_login(pmo_user)
    url = reverse("portfolio:project_detail", args=[project.pk])
    page = client.get(url, {"panel": "governance.flash_project_panel"}).content.decode()
    assert "<h1>" in page and "slot-lazy" in page
