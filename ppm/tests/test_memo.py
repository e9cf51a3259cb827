"""ppm.memo and {% memo %}: a fragment is rendered once per key and language, and the header it serves
never shows one person's or one page's menu on another's."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from ppm import memo
from ppm.roles import Role
from ppm.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_store():
    memo.memo_clear()
    yield
    memo.memo_clear()


def test_a_fragment_is_rendered_once_per_key_and_language():
    calls = []

    def render(text):
        def run():
            calls.append(text)
            return text

        return run

    with translation.override("en"):
        assert memo.memo_html(("menu", 1), render("one")) == "one"
        assert memo.memo_html(("menu", 1), render("again")) == "one"  # reused
        assert memo.memo_html(("menu", 2), render("two")) == "two"  # another key
    with translation.override("fr"):
        assert memo.memo_html(("menu", 1), render("un")) == "un"  # another language
    assert calls == ["one", "two", "un"]


def test_the_store_is_bounded(monkeypatch):
    monkeypatch.setattr(memo, "LIMIT", 3)
    for number in range(7):
        memo.memo_html(("n", number), lambda number=number: str(number))
    assert len(memo._STORE) <= 3
    assert memo.memo_html(("n", 6), lambda: "other") == "6"


def test_freeze_makes_keys_of_nested_values_and_refuses_what_cannot_be_one():
    assert memo.freeze({"b": [1, 2], "a": {"x": True}}) == memo.freeze({"a": {"x": True}, "b": (1, 2)})
    assert memo.freeze({"a": 1}) != memo.freeze({"a": 2})
    with pytest.raises(TypeError):
        memo.freeze(object.__new__(type("Unhashable", (), {"__hash__": None})))


def test_the_template_tag_keys_on_its_values():
    template = Template('{% load memo %}{% memo "greeting" name %}Hello {{ name }} {{ other }}{% endmemo %}')
    assert template.render(Context({"name": "Ada", "other": 1})) == "Hello Ada 1"
    # `other` is not in the key: the fragment is the one already rendered (what the tag promises).
    assert template.render(Context({"name": "Ada", "other": 2})) == "Hello Ada 1"
    assert template.render(Context({"name": "Grace", "other": 2})) == "Hello Grace 2"


@pytest.mark.django_db
def test_the_header_menu_is_each_persons_own_on_the_same_page(client):
    """The same page, in one process, for the project office then a reader, and back: each sees their own
    name, role and entries (the user menu is memoised per person and page)."""
    pmo = UserFactory(username="pmo-memo", first_name="Paula", last_name="Office", role=Role.PROJECT_OFFICE)
    reader = UserFactory(username="reader-memo", first_name="Remy", last_name="Reader", role=Role.READER)
    audit_link = f'href="{reverse("audit_log")}"'
    manage_link = f'href="{reverse("manage:index")}"'
    for user, sees_office_entries in ((pmo, True), (reader, False), (pmo, True)):
        client.force_login(user)
        page = client.get(reverse("profile")).content.decode()
        assert user.get_full_name() in page
        assert (audit_link in page) is sees_office_entries
        assert (manage_link in page) is sees_office_entries
    # A change of name or role shows on the next page.
    reader.first_name, reader.role = "Renée", Role.PROJECT_OFFICE
    reader.save()
    client.force_login(reader)
    page = client.get(reverse("profile")).content.decode()
    assert "Renée Reader" in page and audit_link in page


@pytest.mark.django_db
def test_the_current_page_is_marked_on_each_page_and_in_each_language(client):
    client.force_login(UserFactory(username="pmo-pages", role=Role.PROJECT_OFFICE))
    manage, projects = reverse("manage:index"), reverse("portfolio:project_list")
    page = client.get(manage).content.decode()
    assert f'<a href="{manage}" aria-current="page">' in page
    page = client.get(reverse("manage:users_list")).content.decode()
    assert f'<a href="{manage}" aria-current="page">' in page
    page = client.get(projects).content.decode()
    assert f'<a href="{manage}">' in page and f'<a href="{projects}" aria-current="page">' in page
    client.cookies["django_language"] = "fr"
    page = client.get(projects).content.decode()
    assert '<html lang="fr"' in page and "Projets</a>" in page and 'aria-pressed="true"' in page


def test_a_value_is_loaded_once_per_key_and_the_store_is_bounded(monkeypatch):
    loads = []

    def load(value):
        def run():
            loads.append(value)
            return {"value": value}

        return run

    first = memo.memo_value(("dashboard", "digest-1"), load(1))
    assert memo.memo_value(("dashboard", "digest-1"), load(2)) is first  # the same object, not reloaded
    assert memo.memo_value(("dashboard", "digest-2"), load(3)) == {"value": 3}  # the data changed
    assert loads == [1, 3]
    monkeypatch.setattr(memo, "VALUES_LIMIT", 2)
    for number in range(5):
        memo.memo_value(("n", number), load(number))
    assert len(memo._VALUES) <= 2


def test_a_cached_value_is_computed_once_for_every_process():
    from django.core.cache import cache

    computed = []

    def compute():
        computed.append(1)
        return {"figures": len(computed)}

    key = "memo-test:digest-1"
    assert memo.memo_cached(key, compute, 60) == {"figures": 1}
    memo.memo_clear()  # another process: nothing in its memory, the value in the shared cache
    assert memo.memo_cached(key, compute, 60) == {"figures": 1}
    assert cache.get(key) == {"figures": 1}
    assert computed == [1]
