"""The workload tab, its inline cell edits (htmx), forms, export, the project page's panel and the ratio
template pages."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.tests.factories import ProjectFactory
from ppm.roles import Role
from ppm.testing import assert_same_queries_at_two_sizes, page_with_lazy_panels
from ppm.tests.factories import UserFactory
from resources.models import Allocation, Profile, RatioTemplate
from resources.tests.factories import AllocationFactory, ResourceFactory

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = datetime.date(2025, 3, 1)


@pytest.fixture
def manager():
    return UserFactory(role=Role.PROJECT_MANAGER)


@pytest.fixture
def project(manager):
    return ProjectFactory(
        manager=manager, planned_start=datetime.date(2025, 3, 3), planned_end=datetime.date(2025, 12, 19)
    )


def _tab(project, **params):
    return reverse("resources:project_workload", args=[project.pk]), params


def _cell_post(client, project, *, days, version=0, family="moe", period="2025-03-01", htmx=True, **extra):
    data = {
        "cell": f"{family}|||0|{period}",
        "family": family,
        "profile": "",
        "resource": "",
        "is_external": "",
        "period_start": period,
        "version": version,
        "days": days,
        "view_year": "2025",
        "grain": "month",
        **extra,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("resources:workload_cell", args=[project.pk]), data, headers=headers)


def test_the_manager_edits_a_cell_inline_and_sees_a_conflict(client, manager, project):
    client.force_login(manager)
    response = _cell_post(client, project, days="4,5" if False else "4.5")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="workload-grid"' in body and "<html" not in body
    cell = Allocation.objects.get(project=project)
    assert cell.days == D("4.5")
    assert '"version": 1' in body.replace("&quot;", '"')
    # Someone else read the empty cell (version 0) and types 3: refused, shown in the cell.
    response = _cell_post(client, project, days="3", version=0)
    body = response.content.decode()
    assert "changed by someone else" in body and 'aria-invalid="true"' in body
    assert Allocation.objects.get(project=project).days == D("4.5")
    # Bad input stays in the cell with its error.
    response = _cell_post(client, project, days="abc", version=1)
    assert 'role="alert"' in response.content.decode()
    # Emptying the cell removes it.
    _cell_post(client, project, days="", version=1)
    assert not Allocation.objects.filter(project=project).exists()


def test_a_reader_sees_the_grid_without_inputs_and_cannot_post(client, project):
    AllocationFactory(project=project, period_start=MARCH, days=D("7"))
    client.force_login(UserFactory(role=Role.READER))
    body = client.get(
        reverse("resources:project_workload", args=[project.pk]), {"year": 2025}
    ).content.decode()
    assert "wl-input" not in body and "7" in body
    assert _cell_post(client, project, days="1", version=1).status_code == 403


def test_apply_template_form_and_deviation_mark(client, manager, project):
    client.force_login(manager)
    url = reverse("resources:workload_apply_template", args=[project.pk])
    template = RatioTemplate.objects.get(is_default=True)
    response = client.post(
        url,
        {
            "template": template.pk,
            "estimate_days": "100",
            "start_month": "2025-03",
            "end_month": "2025-12",
            "spread": "even",
        },
    )
    assert response.status_code == 302
    totals = {
        f: sum(a.days for a in Allocation.objects.filter(project=project, family=f))
        for f in ("moe", "moa", "amoa")
    }
    assert totals == {"moe": D("100"), "moa": D("100"), "amoa": D("50")}
    moa = Allocation.objects.get(project=project, family="moa", period_start=MARCH)
    _cell_post(client, project, family="moa", days="20", version=moa.version)
    body = client.get(
        reverse("resources:project_workload", args=[project.pk]), {"year": 2025}
    ).content.decode()
    assert "wl-cell--deviates" in body and "differs from the template" in body
    # A stale plan token refuses the whole application.
    response = client.post(
        url,
        {
            "plan_etag": "stale",
            "template": template.pk,
            "estimate_days": "10",
            "start_month": "2025-03",
            "end_month": "2025-04",
            "spread": "even",
        },
    )
    assert response.status_code == 400 and "changed by someone else" in response.content.decode()


def test_staff_form_and_proposal_pages(client, manager, project):
    client.force_login(manager)
    AllocationFactory(project=project, family="moe", period_start=MARCH, days=D("10"))
    person = ResourceFactory(primary_profile=Profile.objects.get(code="MOE-DEV"))
    response = client.post(
        reverse("resources:workload_staff", args=[project.pk]),
        {
            "family": "moe",
            "resource": person.pk,
            "start_month": "2025-03",
            "end_month": "2025-03",
            "days": "4",
        },
    )
    assert response.status_code == 302
    assert Allocation.objects.get(project=project, resource=person).days == D("4")
    assert Allocation.objects.get(project=project, resource=None).days == D("6")
    response = client.get(reverse("resources:workload_proposal", args=[project.pk]))
    assert response.status_code == 200 and "plan of record" in response.content.decode()


def test_export_csv_and_xlsx(client, manager, project):
    AllocationFactory(project=project, family="moe", period_start=MARCH, days=D("12.5"))
    client.force_login(manager)
    url = reverse("resources:workload_export", args=[project.pk])
    csv = client.get(url, {"year": 2025}).content.decode("utf-8-sig")
    assert "2025-03" in csv.splitlines()[0] and "12.5" in csv
    xlsx = client.get(url, {"year": 2025, "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_project_page_panel_links_to_the_tab(client, manager, project):
    AllocationFactory(project=project, family="amoa", period_start=MARCH, days=D("3"), is_external=True)
    client.force_login(manager)
    body = page_with_lazy_panels(client, reverse("portfolio:project_detail", args=[project.pk]))
    assert 'id="workload-panel"' in body
    assert reverse("resources:project_workload", args=[project.pk]) in body


def test_the_workload_tab_issues_the_same_queries_at_two_sizes(client, manager, project):
    client.force_login(manager)
    profiles = list(Profile.objects.order_by("pk"))

    def grow(n):
        for i in range(n):
            resource = ResourceFactory(primary_profile=profiles[i % len(profiles)])
            for month in range(1, 13, 3):
                AllocationFactory(
                    project=project,
                    family=resource.primary_profile.family,
                    resource=resource,
                    period_start=datetime.date(2025, month, 1),
                    days=D("2"),
                )

    url = reverse("resources:project_workload", args=[project.pk])

    def action():
        response = client.get(url, {"year": 2025})
        assert response.status_code == 200

    assert_same_queries_at_two_sizes(
        action, grow=grow, ceiling=22
    )  # the page, plus the main menu's (one per app menu)

    def grid():
        response = client.get(url, {"year": 2025}, headers={"HX-Request": "true"})
        assert response.status_code == 200

    grid()


def test_ratio_template_pages(client):
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    client.force_login(pmo)
    assert client.get(reverse("resources:ratio_template_list")).status_code == 200
    response = client.post(
        reverse("resources:ratio_template_create"),
        {
            "name": "Externalised build",
            "base_family": "moe",
            "ratio_moe": "1",
            "external_moe": "80",
            "ratio_amoa": "0,25",
        },
    )
    assert response.status_code == 400  # "0,25" is not an English number
    response = client.post(
        reverse("resources:ratio_template_create"),
        {
            "name": "Externalised build",
            "base_family": "moe",
            "ratio_moe": "1",
            "external_moe": "80",
            "ratio_amoa": "0.25",
        },
    )
    assert response.status_code == 302
    template = RatioTemplate.objects.get(name="Externalised build")
    assert {(line.family, line.ratio, line.external_share) for line in template.lines.all()} == {
        ("moe", D("1"), D("80")),
        ("amoa", D("0.25"), D("0")),
    }
    edit = reverse("resources:ratio_template_edit", args=[template.pk])
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, {"version": template.version, "name": "Renamed", "base_family": "moe", "ratio_moe": "1"}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Renamed" and template.lines.count() == 1
    client.force_login(UserFactory(role=Role.PROJECT_MANAGER))
    assert client.get(edit).status_code == 403
