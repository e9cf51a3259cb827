"""The core's demo data (ppm/demo.py) and the one `load_demo` command that runs every app's part."""

from collections import Counter
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError

from ppm import demo
from ppm.management.commands.load_demo import demo_modules, summary
from ppm.models import Directorate
from ppm.roles import Role
from ppm.testing import load_demo

User = get_user_model()
pytestmark = pytest.mark.usefixtures("demo_on")
TODAY = date(2025, 6, 30)


def test_demo_modules_are_found_in_installed_apps_order_core_first():
    modules = demo_modules()
    names = [module.__name__ for module in modules]
    order = [config.name for config in apps.get_app_configs()]

    assert names[0] == "ppm.demo"
    assert names == sorted(names, key=lambda name: order.index(name.rsplit(".", 1)[0]))
    assert all(callable(module.load) for module in modules)


@pytest.mark.django_db
def test_core_demo_creates_the_directorates_and_one_user_per_role(client):
    created = demo.load(today=TODAY)

    assert created == Counter(directorates=len(demo.DEMO_DIRECTORATES), users=len(demo.DEMO_USERS))
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()
    assert User.objects.get(username="isabelle.fabre").directorate.code == "DAUT"
    for username in ("pmo", "finances", "comite", "cheffe.projet", "contributeur", "lecteur"):
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username


@pytest.mark.django_db
def test_core_demo_twice_creates_nothing_and_keeps_an_existing_account():
    own = User.objects.create_user(username="lecteur", password="my-own-password-1", role=Role.PROJECT_OFFICE)
    demo.load(today=TODAY)
    sizes = (User.objects.count(), Directorate.objects.count())

    assert not any(demo.load(today=TODAY).values())

    assert (User.objects.count(), Directorate.objects.count()) == sizes
    own.refresh_from_db()
    assert own.check_password("my-own-password-1") and own.role == Role.PROJECT_OFFICE


@pytest.mark.django_db
def test_logins_banner_lists_the_demo_accounts_present_in_order():
    assert demo.logins_banner_lines() == []
    demo.load(today=TODAY)

    lines = demo.logins_banner_lines()

    assert [username for username, _role, _name in lines] == [user.username for user in demo.DEMO_USERS]
    assert lines[0] == ("admin", str(Role.ADMINISTRATOR.label), "Claire Martin")


def test_summary_names_each_kind_with_its_plural():
    class Part:
        KINDS = demo.KINDS

    text = summary([(Part, Counter(directorates=1, users=11)), (object(), Counter(widgets=2))])

    assert text == "1 directorate, 11 users, 2 widgets"


@pytest.mark.django_db
def test_load_demo_refuses_when_demo_mode_is_off(settings):
    settings.PILOTIS_DEMO = False

    with pytest.raises(CommandError, match="PILOTIS_DEMO"):
        load_demo()

    assert not User.objects.exists()


@pytest.mark.django_db
def test_load_demo_if_empty_skips_quietly_when_demo_mode_is_off(settings):
    settings.PILOTIS_DEMO = False

    output = load_demo(if_empty=True)

    assert "PILOTIS_DEMO is off" in output
    assert not User.objects.exists()


@pytest.mark.django_db
def test_run_all_banner_prints_the_core_demo_logins():
    from ppm.management.commands.run_all import Command as RunAll

    assert "Demo logins" not in RunAll()._banner("http://127.0.0.1:8000")
    demo.load(today=TODAY)

    banner = RunAll()._banner("http://127.0.0.1:8000")

    assert f"password “{demo.DEMO_PASSWORD}”" in banner
    for spec in demo.DEMO_USERS:
        assert spec.username in banner
    assert "Claire Martin" in banner and str(Role.ADMINISTRATOR.label) in banner
