"""`load_demo` on a database that is not empty, and the order of the demo parts (the whole demo's tests
are in tests/test_demo_whole.py)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from portfolio.models import Project
from portfolio.tests.factories import ProjectFactory
from ppm.management.commands.load_demo import demo_modules

User = get_user_model()


@pytest.fixture(autouse=True)
def _demo_on(settings):
    settings.PILOTIS_DEMO = True


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_if_empty_leaves_an_existing_portfolio_alone():
    ProjectFactory(code="MINE-1")

    output = load(if_empty=True)

    assert "not loaded" in output
    assert list(Project.objects.values_list("code", flat=True)) == ["MINE-1"]
    assert not User.objects.filter(username="admin").exists()


def test_the_portfolio_demo_loads_after_the_core_demo():
    modules = [module.__name__ for module in demo_modules()]

    assert modules.index("portfolio.demo") > modules.index("ppm.demo")
