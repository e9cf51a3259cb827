"""Permissions matrix of baselines and calendar feeds (issue #6 §4, §6): role × action × ownership →
exact HTTP status, pages and API, with the effect checked (a refused write changes nothing).

Kept beside tests/test_permissions_matrix.py (same roles, same world, same conventions) so that the
engineers of issue #6 extend the matrix without editing one file at once.
Project baselines are taken by the schedule's editors (project office, administrators, the project's
manager); renaming and deleting any baseline, and taking portfolio baselines, is the project office's.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portfolio.models import Baseline, CalendarFeedToken, PortfolioBaseline
from portfolio.scheduling.baselines import baseline_take, portfolio_baseline_take
from portfolio.scheduling.ical import feed_token_create
from ppm.services import api_token_create
from tests import test_permissions_matrix as matrix
from tests.test_permissions_matrix import NA, _cases

setup = matrix.setup  # the matrix's fixture: (role, owner) → (user, project)

# fmt: off
PAGE_EXPECTED = [
    # action              owner    admin pmo  committee manager contributor reader anonymous
    ("baselines",         "other", 200,  200, 200,      200,    200,        200,   302),
    ("take",              "own",   302,  302, 403,      302,    403,        403,   NA),
    ("take",              "other", 302,  302, 403,      403,    403,        403,   302),
    ("rename",            "own",   302,  302, 403,      403,    403,        403,   NA),
    ("delete",            "own",   302,  302, 403,      403,    403,        403,   NA),
    ("delete",            "other", 302,  302, 403,      403,    403,        403,   302),
    ("portfolio",         "-",     200,  200, 200,      200,    200,        200,   302),
    ("portfolio_take",    "-",     302,  302, 403,      403,    403,        403,   302),
    ("portfolio_delete",  "-",     302,  302, 403,      403,    403,        403,   302),
    ("feed_create",       "other", 302,  302, 302,      302,    302,        302,   302),
]

API_EXPECTED = [
    # action              owner    admin pmo  committee manager contributor reader anonymous
    ("list",              "other", 200,  200, 200,      200,    200,        200,   401),
    ("take",              "own",   201,  201, 403,      201,    403,        403,   NA),
    ("take",              "other", 201,  201, 403,      403,    403,        403,   401),
    ("compare",           "other", 200,  200, 200,      200,    200,        200,   401),
    ("delete",            "own",   204,  204, 403,      403,    403,        403,   NA),
    ("delete",            "other", 204,  204, 403,      403,    403,        403,   401),
    ("portfolio_list",    "-",     200,  200, 200,      200,    200,        200,   401),
    ("portfolio_take",    "-",     201,  201, 403,      403,    403,        403,   401),
    ("portfolio_compare", "-",     200,  200, 200,      200,    200,        200,   401),
    ("portfolio_delete",  "-",     204,  204, 403,      403,    403,        403,   401),
]
# fmt: on


def _state():
    return (
        Baseline.objects.count(),
        list(Baseline.objects.values_list("name", flat=True).order_by("pk")),
        PortfolioBaseline.objects.count(),
        CalendarFeedToken.objects.count(),
    )


@pytest.fixture
def baseline_setup(world, setup):  # noqa: F811
    def _setup(role, owner):
        user, project = setup(role, owner)
        pmo = world.user("pmo")
        baseline = baseline_take(actor=pmo, project=project, name="COPIL 1")
        portfolio = portfolio_baseline_take(actor=pmo, name="COPIL T1")
        return user, project, baseline, portfolio

    return _setup


def _page(client, action, project, baseline, portfolio):
    if action == "baselines":
        return client.get(reverse("portfolio:project_baselines", kwargs={"pk": project.pk}))
    if action == "take":
        return client.post(reverse("portfolio:baseline_take", kwargs={"pk": project.pk}), {"name": "New"})
    if action == "rename":
        return client.post(
            reverse("portfolio:baseline_rename", kwargs={"baseline_pk": baseline.pk}), {"name": "R"}
        )
    if action == "delete":
        return client.post(reverse("portfolio:baseline_delete", kwargs={"baseline_pk": baseline.pk}))
    if action == "portfolio":
        return client.get(reverse("portfolio:portfolio_baselines"))
    if action == "portfolio_take":
        return client.post(reverse("portfolio:portfolio_baseline_take"), {"name": "New"})
    if action == "portfolio_delete":
        return client.post(
            reverse("portfolio:portfolio_baseline_delete", kwargs={"baseline_pk": portfolio.pk})
        )
    if action == "feed_create":
        return client.post(
            reverse("portfolio:feed_token_create"), {"scope": "project", "project": project.pk}
        )
    raise AssertionError(action)


def _expected_change(action, before, after, allowed):
    if not allowed:
        assert after == before, f"a refused {action} changed something"
        return
    count, names, portfolios, feeds = before
    expected = {
        "take": (count + 1, None, portfolios, feeds),
        "rename": (count, ["R"], portfolios, feeds),
        "delete": (count - 1, [], portfolios, feeds),
        "portfolio_take": (count, names, portfolios + 1, feeds),
        "portfolio_delete": (count, names, portfolios - 1, feeds),
        "feed_create": (count, names, portfolios, feeds + 1),
    }.get(action)
    if expected is None:
        assert after == before
        return
    for want, got in zip(expected, after, strict=True):
        if want is not None:
            assert got == want, (action, before, after)


@pytest.mark.parametrize(("role", "action", "owner", "expected"), list(_cases(PAGE_EXPECTED)))
def test_baseline_page_permissions(client, baseline_setup, role, action, owner, expected):
    user, project, baseline, portfolio = baseline_setup(role, owner)
    if user is not None:
        client.force_login(user)
    before = _state()
    response = _page(client, action, project, baseline, portfolio)
    assert response.status_code == expected, f"{role} {action} ({owner}): {response.status_code}"
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    _expected_change(action, before, _state(), expected == 302 and user is not None)


def _api(client, action, project, baseline, portfolio):
    if action == "list":
        return client.get(f"/api/v1/projects/{project.pk}/baselines/")
    if action == "take":
        return client.post(f"/api/v1/projects/{project.pk}/baselines/", {"name": "New"}, format="json")
    if action == "compare":
        return client.get(f"/api/v1/baselines/{baseline.pk}/compare/?with=today")
    if action == "delete":
        return client.delete(f"/api/v1/baselines/{baseline.pk}/")
    if action == "portfolio_list":
        return client.get("/api/v1/portfolio-baselines/")
    if action == "portfolio_take":
        return client.post("/api/v1/portfolio-baselines/", {"name": "New"}, format="json")
    if action == "portfolio_compare":
        return client.get(f"/api/v1/portfolio-baselines/{portfolio.pk}/compare/")
    if action == "portfolio_delete":
        return client.delete(f"/api/v1/portfolio-baselines/{portfolio.pk}/")
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "owner", "expected"), list(_cases(API_EXPECTED)))
def test_baseline_api_permissions(baseline_setup, role, action, owner, expected):
    user, project, baseline, portfolio = baseline_setup(role, owner)
    client = APIClient()
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    before = _state()
    response = _api(client, action, project, baseline, portfolio)
    assert response.status_code == expected, f"{role} {action} ({owner}): {response.status_code}"
    if expected in (401, 403):
        assert "detail" in response.json()
    _expected_change(action, before, _state(), expected in (200, 201, 204))


def test_calendar_feed_is_read_without_signing_in_by_its_token_only(client, world, setup):  # noqa: F811
    user, project = setup("reader", "other")
    _token, raw = feed_token_create(actor=user, scope="project", project=project)
    assert client.get(reverse("portfolio:calendar_feed", kwargs={"token": raw})).status_code == 200
    assert client.get(reverse("portfolio:calendar_feed", kwargs={"token": raw[:-1]})).status_code == 404
