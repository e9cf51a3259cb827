"""`load_demo` on a database that is not empty, and the order of the demo parts (the whole demo's tests
are in tests/test_demo_whole.py)."""

import pytest
from django.contrib.auth import get_user_model

from portfolio.models import Project
from portfolio.tests.factories import ProjectFactory
from ppm.management.commands.load_demo import demo_modules
from ppm.testing import load_demo

User = get_user_model()
pytestmark = pytest.mark.usefixtures("demo_on")


@pytest.mark.django_db
def test_load_demo_if_empty_leaves_an_existing_portfolio_alone():
    ProjectFactory(code="MINE-1")

    output = load_demo(if_empty=True)

    assert "not loaded" in output
    assert list(Project.objects.values_list("code", flat=True)) == ["MINE-1"]
    assert not User.objects.filter(username="admin").exists()


def test_the_portfolio_demo_loads_after_the_core_demo():
    modules = [module.__name__ for module in demo_modules()]

    assert modules.index("portfolio.demo") > modules.index("ppm.demo")
