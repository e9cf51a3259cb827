import datetime

import pytest
from django.http import Http404

from portfolio.filters import ProjectFilterSet
from portfolio.rules import ProjectStatus
from portfolio.selectors import dashboard_data, project_get_for_user, project_list
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db


def build(n, directorate):
    objective = ObjectiveFactory()
    tag = TagFactory(name="ged")
    for i in range(n):
        ProjectFactory(
            directorate=directorate,
            objectives=[objective],
            tags=[tag],
            status=list(ProjectStatus)[i % len(ProjectStatus)],
        )


@pytest.mark.parametrize("n", [3, 30])
def test_project_list_queries_do_not_grow(n, directorate, django_assert_max_num_queries):
    build(n, directorate)
    with django_assert_max_num_queries(3):
        rows = [
            (p.directorate.name, [o.code for o in p.objectives.all()], [t.name for t in p.tags.all()])
            for p in project_list()
        ]
    assert len(rows) == n


@pytest.mark.parametrize("n", [3, 30])
def test_dashboard_queries_do_not_grow(n, directorate, django_assert_max_num_queries):
    build(n, directorate)
    with django_assert_max_num_queries(6):
        data = dashboard_data()
        objective_counts = [o.n_projects for o in data["objectives"]]
    assert data["counts"]["total"] == n
    assert objective_counts == [n]
    assert len(data["roadmap"]) == n - sum(
        1 for i in range(n) if list(ProjectStatus)[i % len(ProjectStatus)] == "cancelled"
    )


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
