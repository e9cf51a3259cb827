import datetime

import pytest
from django.core.cache import cache
from django.http import Http404

from portfolio.filters import ProjectFilterSet
from portfolio.models import Objective, PortfolioSnapshot, Project
from portfolio.rules import ProjectStatus
from portfolio.selectors import (
    dashboard_data,
    portfolio_counts,
    project_get_for_user,
    project_list,
)
from portfolio.services import objective_update, project_transition
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, TagFactory
from ppm.testing import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db


def grower(directorate):
    """`grow(n)` for assert_same_queries_at_two_sizes: n more projects, statuses in turn, on one
    objective and one tag shared by all."""
    objective = ObjectiveFactory()
    tag = TagFactory(name="ged")
    made = []

    def grow(n):
        for _ in range(n):
            made.append(
                ProjectFactory(
                    directorate=directorate,
                    objectives=[objective],
                    tags=[tag],
                    status=list(ProjectStatus)[len(made) % len(ProjectStatus)],
                )
            )

    grow.made = made
    return grow


def test_project_list_queries_do_not_grow(directorate):
    grow = grower(directorate)

    def read():
        rows = [
            (p.directorate.name, [o.code for o in p.objectives.all()], [t.name for t in p.tags.all()])
            for p in project_list()
        ]
        assert len(rows) == len(grow.made)

    assert assert_same_queries_at_two_sizes(read, grow=grow, ceiling=3) == 3


def test_dashboard_queries_do_not_grow(directorate):
    grow = grower(directorate)

    def read():
        n = len(grow.made)
        cache.clear()  # the live computation, not the cached summary
        data = dashboard_data()
        assert data["counts"]["total"] == n
        assert [o.n_projects for o in data["objectives"]] == [n]
        statuses = list(ProjectStatus)
        cancelled = sum(1 for i in range(n) if statuses[i % len(statuses)] == "cancelled")
        assert len(data["roadmap"]) == n - cancelled

    assert_same_queries_at_two_sizes(read, grow=grow, ceiling=6)


def test_get_for_user_404_on_unknown_or_garbage(reader_user):
    for pk in (999999, "abc", None):
        with pytest.raises(Http404):
            project_get_for_user(user=reader_user, pk=pk)


def test_filterset_search_status_tag_and_ordering(directorate, manager_user):
    a = ProjectFactory(
        code="A-1",
        name="Portail usagers",
        directorate=directorate,
        manager=manager_user,
        status=ProjectStatus.IN_PROGRESS,
        planned_start=datetime.date(2025, 3, 1),
    )
    b = ProjectFactory(
        code="B-1",
        name="GED départementale",
        directorate=directorate,
        status=ProjectStatus.DEMAND,
        tags=[TagFactory(name="archives")],
        planned_start=datetime.date(2024, 3, 1),
    )
    qs = project_list()
    assert list(ProjectFilterSet({"q": "portail"}, queryset=qs).qs) == [a]
    assert list(ProjectFilterSet({"q": "GED dép"}, queryset=qs).qs) == [b]
    assert list(ProjectFilterSet({"status": ["demand"]}, queryset=qs).qs) == [b]
    assert list(ProjectFilterSet({"tag": "archives"}, queryset=qs).qs) == [b]
    assert list(ProjectFilterSet({"manager": manager_user.pk}, queryset=qs).qs) == [a]
    assert list(ProjectFilterSet({"ordering": "planned_start"}, queryset=qs).qs) == [b, a]
    assert list(ProjectFilterSet({"ordering": "-code"}, queryset=qs).qs) == [b, a]
    nul = ProjectFilterSet({"q": "\x00portail"}, queryset=qs)
    assert not nul.is_valid()
    assert "q" in nul.errors


def test_objective_filter_returns_each_project_once(directorate):
    o1, o2 = ObjectiveFactory(), ObjectiveFactory()
    project = ProjectFactory(directorate=directorate, objectives=[o1, o2])
    assert list(ProjectFilterSet({"objective": o1.pk}, queryset=project_list()).qs) == [project]


def test_invalid_filter_values_make_an_invalid_form(directorate):
    fs = ProjectFilterSet({"status": ["bogus"], "directorate": "abc"}, queryset=project_list())
    assert not fs.is_valid()
    assert {"status", "directorate"} <= set(fs.errors)


def test_filter_choices_in_one_query(directorate, manager_user, django_assert_num_queries):
    from portfolio.selectors import project_filter_choices

    objective = ObjectiveFactory(code="OS9", name="Open data")
    ProjectFactory(
        directorate=directorate,
        manager=manager_user,
        objectives=[objective],
        tags=[TagFactory(name="zeta"), TagFactory(name="alpha")],
    )
    with django_assert_num_queries(1):
        choices = project_filter_choices()
    assert choices["directorate"] == [(str(directorate.pk), directorate.name)]
    assert choices["objective"] == [(str(objective.pk), "OS9 · Open data")]
    assert choices["manager"] == [(str(manager_user.pk), manager_user.get_full_name())]
    assert [label for _value, label in choices["tag"]] == ["alpha", "zeta"]


def test_filter_choices_are_cached_until_reference_data_or_a_manager_changes(
    settings, directorate, manager_user, pmo_user, django_assert_num_queries
):
    from portfolio.selectors import project_filter_choices
    from portfolio.services import project_update
    from ppm.models import Directorate
    from ppm.roles import Role
    from ppm.tests.factories import UserFactory

    settings.PILOTIS_USER_CACHE = True
    cache.clear()
    project = ProjectFactory(directorate=directorate, manager=manager_user)
    first = project_filter_choices()
    with django_assert_num_queries(0):
        assert project_filter_choices() == first
    # Another manager (through the service, as the pages do): the option list follows.
    other = UserFactory(first_name="Zoé", last_name="Zed", role=Role.PROJECT_MANAGER)
    project_update(actor=pmo_user, project=project, data={"manager": other}, expected_version=project.version)
    assert project_filter_choices()["manager"] == [(str(other.pk), "Zoé Zed")]
    Directorate.objects.create(code="DNEW", name="Direction nouvelle")
    assert "Direction nouvelle" in [label for _value, label in project_filter_choices()["directorate"]]
    TagFactory(name="nouveau")
    assert "nouveau" in [label for _value, label in project_filter_choices()["tag"]]
    cache.clear()


def test_dashboard_summary_is_cached_until_the_portfolio_changes(
    directorate, pmo_user, django_assert_num_queries
):
    grow = grower(directorate)
    grow(3)
    first = dashboard_data()
    assert first["counts"] == portfolio_counts()

    with django_assert_num_queries(1):  # the fingerprint only
        assert dashboard_data() == first

    project = grow.made[0]
    assert project.status == ProjectStatus.DEMAND
    project_transition(actor=pmo_user, project=project, action="start_framing")
    assert dashboard_data()["counts"]["by_status"][ProjectStatus.FRAMING] == (
        first["counts"]["by_status"][ProjectStatus.FRAMING] + 1
    )

    grow(1)
    assert dashboard_data()["counts"]["total"] == 4

    PortfolioSnapshot.objects.create(day=datetime.date(2025, 1, 1), total=4, by_status={}, by_objective={})
    assert [row["day"] for row in dashboard_data()["trend"]] == [datetime.date(2025, 1, 1)]

    objective = Objective.objects.get()
    objective_update(actor=pmo_user, objective=objective, data={"name": "Renamed objective"})
    assert [o.name for o in dashboard_data()["objectives"]] == ["Renamed objective"]


@pytest.mark.django_db
def test_column_filters_are_built_once_per_language_and_copied_for_each_filter_set():
    from django.utils import translation

    def sort_labels(filterset):
        return dict(filterset.filters["ordering"].extra["choices"])

    with translation.override("fr"):
        first, second = ProjectFilterSet({}), ProjectFilterSet({})
        french = sort_labels(first)
    with translation.override("en"):
        english = sort_labels(ProjectFilterSet({}))
    # Each filter set has its own copies, bound to it (the weather filter's method reads its parent).
    assert first.filters["ordering"] is not second.filters["ordering"]
    assert first.filters["weather"].parent is first and second.filters["weather"].parent is second
    # The labels are written in the language of the request that uses them.
    assert french["-flash_weather"] == "Météo (décroissant)"
    assert english["-flash_weather"] == "Weather (descending)"
    assert list(ProjectFilterSet({"weather": "none"}, queryset=Project.objects.all()).qs) == []
