"""The resource register in a real browser: filter the list, open a person, record an absence inline and
see the capacity table change; axe clean in English and French."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from resources.tests.factories import BackgroundLoadFactory, ProfileFactory, ResourceFactory
from tests.axe import assert_accessible


def _next_month_monday() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    monday = month + datetime.timedelta(days=(7 - month.weekday()) % 7)
    return month, monday


def test_filter_open_a_person_and_record_an_absence(signed_in, world, live_server, console_errors):
    # The refused absence answers 400 with the form and its message (swapped in): expected here.
    console_errors.allow(r"status of 400 .*/absences/")
    developer = ProfileFactory(code="MOE-DEV-B", name="Développeur·se", family="moe")
    owner = ProfileFactory(code="MOA-REF-B", name="Référent·e métier", family="moa")
    person = ResourceFactory(
        name="Émilie Garcia", primary_profile=developer, week_pattern=["1", "1", "0", "1", "1"]
    )
    BackgroundLoadFactory(resource=person, start=datetime.date(2020, 1, 1), share=Decimal("20"))
    ResourceFactory(name="Karim Benali", primary_profile=owner)
    month, monday = _next_month_monday()

    page = signed_in("pmo")
    page.goto(f"{live_server.url}{reverse('resources:resource_list')}")
    expect(page.get_by_role("heading", name="Resources", exact=True)).to_be_visible()
    assert_accessible(page, "resource list")

    searches: list[str] = []
    page.on("request", lambda request: "q=emilie" in request.url and searches.append(request.url))
    page.get_by_label("Search").fill("emilie")  # accents do not matter
    expect(page.locator("#resource-results")).not_to_contain_text("Karim Benali")
    expect(page.locator("#resource-results")).to_contain_text("Émilie Garcia")
    # Leaving the search box ("change") does not send the search again: the second answer replaced
    # the results under the pointer and the click on a result was lost.
    page.get_by_label("Search").blur()
    page.wait_for_timeout(400)
    assert len(searches) == 1, searches

    page.get_by_role("link", name="Émilie Garcia").click()
    expect(page.get_by_role("heading", name="Émilie Garcia", level=1)).to_be_visible()
    row = page.locator(f'#capacity-table tr[data-month="{month:%Y-%m}"]')
    expect(row.locator('[data-key="absent"]')).to_have_text("0")
    assert_accessible(page, "resource page")

    form = page.locator("#absences form[aria-labelledby='absence-add-title']")
    form.get_by_label("Kind").select_option("training")
    form.get_by_label("First day").fill(monday.isoformat())
    form.get_by_label("Last day").fill((monday + datetime.timedelta(days=1)).isoformat())
    form.get_by_role("button", name="Record the absence").click()

    # The absences section and the capacity table are replaced in place (htmx), no reload.
    expect(page.locator("#absences table")).to_contain_text("Training")
    expect(row.locator('[data-key="absent"]')).to_have_text("2")
    # The same days again: refused, the form says which absence is in the way.
    form = page.locator("#absences form[aria-labelledby='absence-add-title']")
    form.get_by_label("First day").fill(monday.isoformat())
    form.get_by_label("Last day").fill(monday.isoformat())
    form.get_by_role("button", name="Record the absence").click()
    expect(page.locator("#absences .error-summary")).to_contain_text("already away")
    assert_accessible(page, "resource page with an error")

    page.locator("form.lang-switch button[value=fr]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page, "resource page in French")
