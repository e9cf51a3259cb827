"""The project office's management pages of the core: directorates and user accounts.

Who may open each page is the permissions matrix's business (tests/test_permissions_matrix.py);
these tests check what the pages do: lists, search, htmx fragment, pagination, constant query
counts, forms, audited writes through the services, and the limits on accounts.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ppm.models import AuditEntry, Directorate, User
from ppm.roles import Role
from ppm.tests.factories import DirectorateFactory, UserFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    client.get(url)  # warm: per-person values cached by the header (ppm.usercache) are not growth
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


# --- Directorates --------------------------------------------------------------------------------


def test_directorate_list_shows_rows_with_their_parent(client, pmo_user):
    parent = DirectorateFactory(code="DG", name="Direction générale")
    DirectorateFactory(code="DSI", name="Systèmes d'information", parent=parent)
    client.force_login(pmo_user)
    html = client.get(reverse("manage:directorates_list")).content.decode()
    assert "Systèmes d&#x27;information" in html
    assert "<td>Direction générale</td>" in html  # the parent column
    assert reverse("manage:directorates_create") in html


def test_directorate_list_query_count_is_the_same_at_3_and_30(client, pmo_user):
    client.force_login(pmo_user)
    parent = DirectorateFactory(code="TOP")
    url = reverse("manage:directorates_list")
    for index in range(2):
        DirectorateFactory(code=f"A{index}", parent=parent)
    at_3 = _queries(client, url)
    for index in range(27):
        DirectorateFactory(code=f"B{index}", parent=parent)
    assert Directorate.objects.count() == 30
    assert _queries(client, url) == at_3


def test_directorate_list_searches_paginates_and_answers_htmx_with_the_table(client, pmo_user):
    for index in range(30):
        DirectorateFactory(code=f"D{index:02d}", name=f"Unit {index:02d}")
    DirectorateFactory(code="FIN", name="Finances")
    client.force_login(pmo_user)
    url = reverse("manage:directorates_list")
    page_2 = client.get(url, {"page": 2}).content.decode()
    assert "page 2 of 2" in page_2
    found = client.get(url, {"q": "finan"}).content.decode()
    assert "Finances" in found and "Unit 01" not in found
    fragment = client.get(url, {"q": "finan"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="manage-results")
    assert "<html" not in fragment.content.decode()
    assert "Finances" in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]


def test_create_directorate_through_the_page_is_audited(client, pmo_user):
    client.force_login(pmo_user)
    response = client.post(
        reverse("manage:directorates_create"),
        {"code": "DAJ", "name": "Affaires juridiques", "is_active": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("manage:directorates_list")
    directorate = Directorate.objects.get(code="DAJ")
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(directorate),
        object_id=str(directorate.pk),
        action=AuditEntry.Action.CREATE,
    )
    assert entry.actor == pmo_user
    assert entry.changes["name"]["new"] == "Affaires juridiques"


def test_duplicate_code_is_shown_next_to_the_field(client, pmo_user):
    DirectorateFactory(code="DSI")
    client.force_login(pmo_user)
    response = client.post(reverse("manage:directorates_create"), {"code": "DSI", "name": "Again"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert "There is a problem" in response.content.decode()
    assert Directorate.objects.filter(code="DSI").count() == 1


def test_edit_directorate_refuses_a_cycle_and_saves_a_rename(client, pmo_user):
    top = DirectorateFactory(code="TOP", name="Top")
    child = DirectorateFactory(code="CHILD", name="Child", parent=top)
    client.force_login(pmo_user)
    url = reverse("manage:directorates_edit", args=[top.pk])
    response = client.post(url, {"code": "TOP", "name": "Top", "parent": child.pk, "is_active": "on"})
    assert response.status_code == 200
    assert "cannot be placed under itself" in str(response.context["form"].errors)
    response = client.post(url, {"code": "TOP", "name": "Top level", "is_active": "on"})
    assert response.status_code == 302
    top.refresh_from_db()
    assert top.name == "Top level"
    assert (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(top),
            object_id=str(top.pk),
            action=AuditEntry.Action.UPDATE,
        ).count()
        == 1
    )


def test_unknown_directorate_is_a_404(client, pmo_user):
    client.force_login(pmo_user)
    assert client.get(reverse("manage:directorates_edit", args=[999999])).status_code == 404


# --- Users ---------------------------------------------------------------------------------------


def test_user_list_query_count_is_the_same_at_3_and_30(client, pmo_user, directorate):
    client.force_login(pmo_user)
    url = reverse("manage:users_list")
    for index in range(2):
        UserFactory(username=f"a{index}", directorate=directorate)
    at_3 = _queries(client, url)
    for index in range(27):
        UserFactory(username=f"b{index}", directorate=DirectorateFactory())
    assert User.objects.count() == 30
    assert _queries(client, url) == at_3


def test_create_user_without_password_and_audited(client, pmo_user, directorate):
    client.force_login(pmo_user)
    response = client.post(
        reverse("manage:users_create"),
        {
            "username": "jdupont",
            "first_name": "Jeanne",
            "last_name": "Dupont",
            "email": "jeanne.dupont@EXAMPLE.org",
            "role": Role.PROJECT_MANAGER,
            "directorate": directorate.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="jdupont")
    assert user.role == Role.PROJECT_MANAGER and user.directorate == directorate
    assert user.email == "jeanne.dupont@example.org"
    assert not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(user),
        object_id=str(user.pk),
        action=AuditEntry.Action.CREATE,
    )
    assert entry.actor == pmo_user
    assert entry.changes["role"]["new_raw"] == Role.PROJECT_MANAGER


def test_project_office_cannot_offer_or_grant_the_administrator_role(client, pmo_user):
    client.force_login(pmo_user)
    form = client.get(reverse("manage:users_create")).context["form"]
    assert Role.ADMINISTRATOR not in [value for value, _label in form.fields["role"].choices]
    response = client.post(
        reverse("manage:users_create"), {"username": "boss", "role": Role.ADMINISTRATOR, "is_active": "on"}
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="boss").exists()


def test_administrator_grants_the_administrator_role(client, admin_user_, reader_user):
    client.force_login(admin_user_)
    data = {
        "first_name": "R",
        "last_name": "Eader",
        "email": "",
        "role": Role.ADMINISTRATOR,
        "is_active": "on",
    }
    response = client.post(reverse("manage:users_edit", args=[reader_user.pk]), data)
    assert response.status_code == 302
    reader_user.refresh_from_db()
    assert reader_user.role == Role.ADMINISTRATOR


def test_project_office_edits_accounts_but_not_an_administrators(client, pmo_user, admin_user_, reader_user):
    client.force_login(pmo_user)
    assert client.get(reverse("manage:users_edit", args=[admin_user_.pk])).status_code == 403
    response = client.post(
        reverse("manage:users_edit", args=[admin_user_.pk]), {"role": Role.READER, "is_active": ""}
    )
    assert response.status_code == 403
    admin_user_.refresh_from_db()
    assert admin_user_.is_active and admin_user_.role == Role.ADMINISTRATOR
    # Deactivating someone else is how an account is withdrawn (accounts are never deleted).
    data = {"first_name": "Rea", "last_name": "Der", "email": "r@example.org", "role": Role.READER}
    assert client.post(reverse("manage:users_edit", args=[reader_user.pk]), data).status_code == 302
    reader_user.refresh_from_db()
    assert not reader_user.is_active and reader_user.first_name == "Rea"
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(reader_user),
        object_id=str(reader_user.pk),
        action=AuditEntry.Action.UPDATE,
    )
    assert set(entry.changes) >= {"is_active", "first_name", "last_name", "email"}


def test_nobody_deactivates_themselves_or_changes_their_own_role(client, pmo_user):
    client.force_login(pmo_user)
    url = reverse("manage:users_edit", args=[pmo_user.pk])
    data = {"first_name": "P", "last_name": "MO", "email": "", "role": Role.PROJECT_OFFICE}
    response = client.post(url, data)  # is_active unticked
    assert response.status_code == 200
    assert "your own account" in " ".join(response.context["form"].non_field_errors())
    response = client.post(url, {**data, "role": Role.READER, "is_active": "on"})
    assert response.status_code == 200
    pmo_user.refresh_from_db()
    assert pmo_user.is_active and pmo_user.role == Role.PROJECT_OFFICE


def test_user_edit_form_has_no_password_staff_or_username_field(client, pmo_user, reader_user):
    client.force_login(pmo_user)
    form = client.get(reverse("manage:users_edit", args=[reader_user.pk])).context["form"]
    assert set(form.fields) == {"first_name", "last_name", "email", "role", "directorate", "is_active"}


# --- Menu and index ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "shown"), [(Role.PROJECT_OFFICE, True), (Role.PROJECT_MANAGER, False)])
def test_manage_menu_entry_only_for_the_project_office_and_administrators(client, make_user, role, shown):
    client.force_login(make_user(role))
    html = client.get(reverse("profile")).content.decode()
    assert (f'href="{reverse("manage:index")}"' in html) is shown


def test_manage_index_lists_the_core_sections(client, pmo_user):
    client.force_login(pmo_user)
    html = client.get(reverse("manage:index")).content.decode()
    assert reverse("manage:directorates_list") in html
    assert reverse("manage:users_list") in html


def test_user_list_offers_no_edit_link_the_project_office_would_be_refused(
    client, pmo_user, admin_user_, reader_user
):
    client.force_login(pmo_user)
    html = client.get(reverse("manage:users_list")).content.decode()
    assert reverse("manage:users_edit", args=[reader_user.pk]) in html
    assert reverse("manage:users_edit", args=[admin_user_.pk]) not in html
    client.force_login(admin_user_)
    html = client.get(reverse("manage:users_list")).content.decode()
    assert reverse("manage:users_edit", args=[admin_user_.pk]) in html


def test_bad_ids_and_parameters_are_404_or_ignored_never_500(client, pmo_user):
    client.force_login(pmo_user)
    for url in (
        "/manage/directorates/99999999999999999999999/edit/",
        "/manage/users/9223372036854775808/edit/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("manage:users_list"), {"page": "abc", "q": "\x00x"}).status_code == 200


def test_user_list_filters_by_role_and_active_flag(client, pmo_user, manager_user, reader_user, make_user):
    retired = make_user(Role.PROJECT_MANAGER, username="retired", is_active=False)
    client.force_login(pmo_user)
    url = reverse("manage:users_list")

    def listed(**params):
        return {row["obj"].username for row in client.get(url, params).context["rows"]}

    assert listed(role=Role.PROJECT_MANAGER) == {manager_user.username, retired.username}
    assert listed(role=Role.PROJECT_MANAGER, active="1") == {manager_user.username}
    assert listed(active="0") == {retired.username}
    assert reader_user.username in listed(role="emperor")  # an unknown value is ignored
    html = client.get(url, {"role": Role.READER}).content.decode()
    assert f'<option value="{Role.READER}" selected>' in html
