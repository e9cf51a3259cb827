"""Pages of the register: list (filters, sort, cost, export), resource page, inline absences, forms."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolio.tests.factories import ProjectFactory
from ppm.testing import assert_same_queries_at_two_sizes
from resources.models import Absence, Allocation, Resource
from resources.tests.factories import (
    AbsenceFactory,
    BackgroundLoadFactory,
    ExternalResourceFactory,
    ProfileFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "absences"}
D = datetime.date


def test_the_list_filters_without_accents_and_shows_cost_to_the_project_office_only(
    client, pmo_user, contributor_user
):
    ResourceFactory(name="Émilie Garcia", daily_cost=Decimal("8641"))
    ResourceFactory(name="Karim Benali")
    client.force_login(pmo_user)
    page = client.get(reverse("resources:resource_list"), {"q": "emilie"}).content.decode()
    assert "Émilie Garcia" in page and "Karim Benali" not in page
    assert "Daily cost" in page and "8,641 €" in page

    client.force_login(contributor_user)
    page = client.get(reverse("resources:resource_list")).content.decode()
    assert "Émilie Garcia" in page and "Daily cost" not in page and "8,641" not in page
    # Sorting by cost is not a way round: it is ignored (the list stays sorted by name).
    ResourceFactory(name="Alice Cheap", daily_cost=Decimal("100"))
    ResourceFactory(name="Bruno Dear", daily_cost=Decimal("900"))
    page = client.get(reverse("resources:resource_list"), {"ordering": "-daily_cost"}).content.decode()
    assert page.index("Alice Cheap") < page.index("Bruno Dear")


def test_the_list_filters_by_family_external_and_vendor(client, reader_user):
    internal = ResourceFactory(name="Internal dev")
    external = ExternalResourceFactory(name="External dev")
    ResourceFactory(name="Owner", primary_profile=ProfileFactory(code="MOA-T", family="moa"))
    client.force_login(reader_user)
    url = reverse("resources:resource_list")
    page = client.get(url, {"family": "moe", "external": "true"}).content.decode()
    assert external.name in page and internal.name not in page and "Owner" not in page
    page = client.get(url, {"vendor": external.vendor_id}).content.decode()
    assert external.name in page and internal.name not in page
    # htmx asks for the results only.
    response = client.get(url, {"family": "moa"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="resource-results")
    body = response.content.decode()
    assert "Owner" in body and "<html" not in body and "HX-Request" in response["Vary"]


def test_the_list_exports_what_is_filtered(client, pmo_user, contributor_user):
    ResourceFactory(name="=cmd()", daily_cost=Decimal("4817"))
    ResourceFactory(name="Karim Benali")
    client.force_login(pmo_user)
    body = client.get(reverse("resources:resource_export", args=["csv"]), {"q": "cmd"}).content.decode(
        "utf-8-sig"
    )
    lines = body.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("'=cmd()") and "4817" in lines[1]
    client.force_login(contributor_user)
    body = client.get(reverse("resources:resource_export", args=["csv"])).content.decode("utf-8-sig")
    # The cost column is withheld (the figure is one no factory sequence produces).
    assert "Daily cost" not in body and "4817" not in body
    response = client.get(reverse("resources:resource_export", args=["xlsx"]))
    assert response.status_code == 200 and response.content.startswith(b"PK")


def test_list_queries_do_not_grow(client, pmo_user):
    client.force_login(pmo_user)

    def grow(n):
        for _ in range(n):
            ExternalResourceFactory()

    def action():
        response = client.get(reverse("resources:resource_list"))
        assert response.status_code == 200 and response.context["page_obj"].paginator.count >= 3

    assert_same_queries_at_two_sizes(action, grow=grow, ceiling=14)  # + the header's menu and bell


def test_the_resource_page_shows_identity_pattern_capacity_and_history(client, contributor_user, pmo_user):
    person = ResourceFactory(name="Sarah Lambert", week_pattern=["1", "1", "0", "1", "1"])
    BackgroundLoadFactory(resource=person, share=Decimal("20"), start=D(2020, 1, 1))
    project = ProjectFactory(code="ERP-T")
    today = timezone.localdate()
    Allocation.objects.create(
        project=project, family="moe", resource=person, period_start=today.replace(day=1), days=7
    )
    client.force_login(contributor_user)
    page = client.get(reverse("resources:resource_detail", args=[person.pk])).content.decode()
    assert "Sarah Lambert" in page and "80 %" in page
    assert 'id="capacity-table"' in page and "ERP-T" in page and 'data-key="planned">7<' in page
    assert "figure-capacity" in page
    assert "Daily cost" not in page
    assert "Record an absence" not in page  # someone else's absences are not theirs to record


def test_detail_queries_do_not_grow_with_absences_and_allocations(client, pmo_user):
    person = ResourceFactory()
    client.force_login(pmo_user)
    start = timezone.localdate().replace(day=1)

    def grow(n):
        for i in range(n):
            day = D(2020, 1, 1) + datetime.timedelta(days=3 * (Absence.objects.count() + i))
            AbsenceFactory(resource=person, start=day, end=day)
            Allocation.objects.create(
                project=ProjectFactory(), family="moe", resource=person, period_start=start, days=1
            )

    def action():
        assert client.get(reverse("resources:resource_detail", args=[person.pk])).status_code == 200

    assert_same_queries_at_two_sizes(action, grow=grow, ceiling=25)


def test_a_person_adds_an_absence_inline_and_the_capacity_follows(client, contributor_user):
    person = ResourceFactory(user=contributor_user)
    today = timezone.localdate()
    # Next month's first Monday–Tuesday.
    month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    monday = month + datetime.timedelta(days=(7 - month.weekday()) % 7)
    client.force_login(contributor_user)
    response = client.post(
        reverse("resources:absence_add", args=[person.pk]),
        {
            "absence-kind": "training",
            "absence-start": monday,
            "absence-end": monday + datetime.timedelta(days=1),
            "absence-day_share": "1",
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="absences"' in body and 'hx-swap-oob="true"' in body
    row = body.split(f'data-month="{month:%Y-%m}"')[1].split("</tr>")[0]
    assert 'data-key="absent">2<' in row
    assert Absence.objects.filter(resource=person).count() == 1

    # The same days again: refused, the form says which absence is in the way.
    response = client.post(
        reverse("resources:absence_add", args=[person.pk]),
        {"absence-kind": "leave", "absence-start": monday, "absence-end": monday, "absence-day_share": "0.5"},
        **HTMX,
    )
    assert response.status_code == 400
    assert "already away" in response.content.decode()
    assert Absence.objects.filter(resource=person).count() == 1


def test_absence_edit_and_delete_inline_with_versions(client, pmo_user):
    absence = AbsenceFactory(start=D(2025, 8, 4), end=D(2025, 8, 8))
    client.force_login(pmo_user)
    url = reverse("resources:absence_edit", args=[absence.pk])
    form = client.get(url, **HTMX).content.decode()
    assert f'name="absence-{absence.pk}-start"' in form
    data = {
        f"absence-{absence.pk}-kind": "leave",
        f"absence-{absence.pk}-start": "2025-08-04",
        f"absence-{absence.pk}-end": "2025-08-11",
        f"absence-{absence.pk}-day_share": "1",
        f"absence-{absence.pk}-version": "1",
    }
    assert client.post(url, data, **HTMX).status_code == 200
    absence.refresh_from_db()
    assert absence.end == D(2025, 8, 11) and absence.version == 2
    # A second tab still holding version 1 is told, and changes nothing.
    data[f"absence-{absence.pk}-end"] = "2025-08-12"
    assert client.post(url, data, **HTMX).status_code == 409
    absence.refresh_from_db()
    assert absence.end == D(2025, 8, 11)

    response = client.post(reverse("resources:absence_delete", args=[absence.pk]), {"version": "2"}, **HTMX)
    assert response.status_code == 200 and not Absence.objects.exists()


def test_create_and_edit_a_resource_through_the_form(client, pmo_user):
    team = ResourceFactory().team
    profile = ProfileFactory(code="MOE-CP-T", name="Chef·fe de projet MOE")
    client.force_login(pmo_user)
    data = {
        "name": "Nouvelle Personne",
        "kind": "person",
        "directorate": team.directorate_id,
        "team": team.pk,
        "primary_profile": profile.pk,
        "daily_cost": "480",
        "day_0": "1",
        "day_1": "1",
        "day_2": "0",
        "day_3": "1",
        "day_4": "0.5",
    }
    response = client.post(reverse("resources:resource_create"), data)
    created = Resource.objects.get(name="Nouvelle Personne")
    assert response.status_code == 302 and response["Location"] == reverse(
        "resources:resource_detail", args=[created.pk]
    )
    assert created.week_pattern == ["1", "1", "0", "1", "0.5"]

    # A bad pattern and a missing vendor are explained on the form.
    response = client.post(
        reverse("resources:resource_create"), {**data, "name": "Other", "is_external": "on"}
    )
    assert response.status_code == 400 and "works for a vendor" in response.content.decode()

    edit = reverse("resources:resource_edit", args=[created.pk])
    assert client.post(edit, {**data, "name": "Renommée", "version": "1"}).status_code == 302
    response = client.post(edit, {**data, "name": "Perdue", "version": "1"})
    assert response.status_code == 409 and "Someone else changed this resource" in response.content.decode()
    created.refresh_from_db()
    assert created.name == "Renommée"


def test_the_navigation_entry_is_current_on_the_register(client, reader_user):
    client.force_login(reader_user)
    page = client.get(reverse("resources:resource_list")).content.decode()
    assert f'<a href="{reverse("resources:resource_list")}" aria-current="page">Resource register</a>' in page
    assert '<summary class="nav-group__current">Resources</summary>' in page
    page = client.get(reverse("portfolio:project_list")).content.decode()
    assert f'<a href="{reverse("resources:resource_list")}">Resource register</a>' in page
    assert "<summary>Resources</summary>" in page


def test_reference_pages_are_the_project_office_s(client, pmo_user, manager_user):
    client.force_login(pmo_user)
    assert client.get(reverse("resources:teams_list")).status_code == 200
    response = client.post(
        reverse("resources:vendors_create"), {"name": "Numeria Conseil", "is_active": "on"}
    )
    assert response.status_code == 302
    client.force_login(manager_user)
    assert client.get(reverse("resources:vendors_list")).status_code == 403
