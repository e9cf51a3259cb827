"""The portfolio REST API: reference data, projects (CRUD per role, filters, pagination, ETag / If-Match,
lifecycle transitions, history) and the query count of the project list."""

import datetime

import pytest
from django.db.models import F
from rest_framework.test import APIClient

from portfolio import services
from portfolio.models import Objective, Project, ProjectStatusChange, StrategicAxis, Tag
from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, StrategicAxisFactory, TagFactory
from ppm.models import AuditEntry
from ppm.roles import Role
from ppm.testing import assert_same_queries_at_two_sizes
from ppm.tests.factories import DirectorateFactory, UserFactory

PROJECTS = "/api/v1/projects/"


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def detail(project) -> str:
    return f"{PROJECTS}{project.pk}/"


def etag(project) -> str:
    project.refresh_from_db()
    return f'"{project.pk}-{project.version}"'


@pytest.fixture
def users(admin_user_, pmo_user, committee_user, manager_user, contributor_user, reader_user):
    return {
        "admin": admin_user_,
        "pmo": pmo_user,
        "committee": committee_user,
        "manager": manager_user,
        "contributor": contributor_user,
        "reader": reader_user,
    }


@pytest.fixture
def project(manager_user, directorate):
    """A project in framing managed by manager_user, with everything approval needs."""
    return ProjectFactory(
        code="ERP-2025",
        name="Financial ERP",
        directorate=directorate,
        manager=manager_user,
        status=ProjectStatus.FRAMING,
    )


# ------------------------------------------------------------------------------------ reference data

REFERENCE_CREATES = {
    "axes": lambda: {"code": "AX9", "name": "Digital public service", "order": 2},
    "objectives": lambda: {"axis": StrategicAxisFactory().pk, "code": "OBJ9", "name": "Online procedures"},
    "tags": lambda: {"name": "cloud"},
}
REFERENCE_MODELS = {"axes": StrategicAxis, "objectives": Objective, "tags": Tag}


@pytest.mark.parametrize("endpoint", ["axes", "objectives", "tags"])
@pytest.mark.parametrize("role", ["admin", "pmo"])
def test_editors_create_and_update_reference_data(users, role, endpoint):
    client = client_for(users[role])
    response = client.post(f"/api/v1/{endpoint}/", REFERENCE_CREATES[endpoint](), format="json")
    assert response.status_code == 201, response.data
    created = REFERENCE_MODELS[endpoint].objects.get(pk=response.data["id"])
    assert AuditEntry.objects.filter(object_id=str(created.pk), action="create", actor=users[role]).exists()

    response = client.patch(f"/api/v1/{endpoint}/{created.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["name"] == "Renamed"
    created.refresh_from_db()
    assert created.name == "Renamed"


def test_reference_data_is_not_deleted(pmo_user):
    tag = TagFactory(name="legacy")
    response = client_for(pmo_user).delete(f"/api/v1/tags/{tag.pk}/")
    assert response.status_code == 405
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_duplicate_reference_code_is_a_field_error(pmo_user):
    StrategicAxisFactory(code="AX1")
    response = client_for(pmo_user).post("/api/v1/axes/", {"code": "AX1", "name": "Again"}, format="json")
    assert response.status_code == 400
    assert "code" in response.data


def test_axes_list_their_objectives(reader_user):
    axis = StrategicAxisFactory(code="AX1")
    objectives = [ObjectiveFactory(axis=axis, code=f"OBJ{n}") for n in range(2)]
    response = client_for(reader_user).get("/api/v1/axes/")
    row = next(row for row in response.data["results"] if row["id"] == axis.pk)
    assert sorted(row["objectives"]) == sorted(o.pk for o in objectives)


def test_objectives_filter_by_axis(reader_user):
    first, second = ObjectiveFactory(), ObjectiveFactory()
    response = client_for(reader_user).get("/api/v1/objectives/", {"axis": second.axis_id})
    assert [row["id"] for row in response.data["results"]] == [second.pk]
    assert first.pk != second.pk


# ----------------------------------------------------------------------------------- representation

PROJECT_KEYS = {
    "id",
    "code",
    "name",
    "description",
    "status",
    "status_label",
    "directorate",
    "directorate_name",
    "manager",
    "manager_name",
    "planned_start",
    "planned_end",
    "priority",
    "priority_label",
    "calendar_subdiv",
    "objectives",
    "tags",
    "allowed_transitions",
    "version",
    "created_at",
    "updated_at",
    "url",
}


def test_project_representation(reader_user, project):
    objective = ObjectiveFactory(code="OBJ1")
    project.objectives.set([objective])
    project.tags.set([TagFactory(name="finance"), TagFactory(name="erp")])

    response = client_for(reader_user).get(detail(project))

    assert response.status_code == 200
    data = response.json()
    assert set(data) == PROJECT_KEYS
    assert data["code"] == "ERP-2025"
    assert data["status"] == "framing" and data["status_label"] == "Framing"
    assert data["directorate"] == project.directorate_id
    assert data["directorate_name"] == project.directorate.name
    assert data["manager"] == project.manager_id
    assert data["manager_name"] == project.manager.get_full_name()
    assert data["planned_start"] == "2025-01-06" and data["planned_end"] == "2026-06-30"
    assert data["calendar_subdiv"] == ""
    assert data["objectives"] == [objective.pk]
    assert data["tags"] == ["erp", "finance"]
    assert data["version"] == 1
    assert data["url"] == f"http://testserver{detail(project)}"
    assert data["allowed_transitions"] == [], "a reader may not move the project"


def test_allowed_transitions_follow_rights_and_guards(pmo_user, manager_user, other_manager, directorate):
    ready = ProjectFactory(directorate=directorate, manager=manager_user, status=ProjectStatus.FRAMING)
    no_manager = ProjectFactory(directorate=directorate, manager=None, status=ProjectStatus.FRAMING)

    def allowed(user, project):
        return client_for(user).get(detail(project)).data["allowed_transitions"]

    # "Not retained" records the committee's decision: the project office's move.
    assert allowed(pmo_user, ready) == ["approve", "put_on_hold", "not_retain", "cancel"]
    assert allowed(manager_user, ready) == ["approve", "put_on_hold", "cancel"]
    assert allowed(other_manager, ready) == []
    # Approval needs a manager: not offered, though the table has it.
    assert allowed(pmo_user, no_manager) == ["put_on_hold", "not_retain", "cancel"]


def test_unknown_project_is_404(reader_user):
    assert client_for(reader_user).get(f"{PROJECTS}987654/").status_code == 404
    assert client_for(reader_user).get(f"{PROJECTS}abc/").status_code == 404


# ------------------------------------------------------------------------------------- create / update


def project_body(directorate, **extra):
    return {"code": "GED-2026", "name": "Document management", "directorate": directorate.pk, **extra}


@pytest.mark.parametrize("role", ["admin", "pmo"])
def test_editors_create_projects(users, role, directorate):
    objective = ObjectiveFactory()
    body = project_body(
        directorate,
        manager=users["manager"].pk,
        planned_start="2026-01-05",
        planned_end="2026-12-18",
        priority=2,
        objectives=[objective.pk],
        tags=["ged", "archives"],
        description="Paperless.",
    )

    response = client_for(users[role]).post(PROJECTS, body, format="json")

    assert response.status_code == 201, response.data
    project = Project.objects.get(code="GED-2026")
    assert response["ETag"] == f'"{project.pk}-1"'
    assert response["Location"] == f"http://testserver{detail(project)}"
    assert response.data["status"] == "demand"
    assert response.data["objectives"] == [objective.pk]
    assert response.data["tags"] == ["archives", "ged"]
    assert project.manager == users["manager"] and project.priority == 2
    assert ProjectStatusChange.objects.filter(project=project, target="demand").count() == 1
    assert AuditEntry.objects.filter(object_id=str(project.pk), action="create", actor=users[role]).exists()


def test_refusal_comes_before_validation(reader_user):
    """A reader learns nothing about the input rules: 403 even for a bad body."""
    assert client_for(reader_user).post(PROJECTS, {"code": ""}, format="json").status_code == 403


@pytest.mark.parametrize("role", ["admin", "pmo"])
def test_editors_update_any_project(users, role, project):
    response = client_for(users[role]).patch(
        detail(project), {"name": "New ERP", "tags": ["x"]}, format="json"
    )
    assert response.status_code == 200, response.data
    project.refresh_from_db()
    assert project.name == "New ERP" and project.version == 2
    assert list(project.tags.values_list("name", flat=True)) == ["x"]


def test_put_needs_the_required_fields_and_keeps_the_others(pmo_user, project, directorate):
    client = client_for(pmo_user)
    incomplete = client.put(detail(project), {"name": "Only a name"}, format="json")
    assert incomplete.status_code == 400
    assert {"code", "directorate"} <= set(incomplete.data)

    other = DirectorateFactory(code="DRH")
    response = client.put(
        detail(project), {"code": "ERP-2", "name": "ERP two", "directorate": other.pk}, format="json"
    )
    assert response.status_code == 200, response.data
    project.refresh_from_db()
    assert (project.code, project.name, project.directorate) == ("ERP-2", "ERP two", other)
    assert project.manager is not None, "fields left out keep their value"


def test_projects_are_cancelled_not_deleted(pmo_user, project):
    response = client_for(pmo_user).delete(detail(project))
    assert response.status_code == 405
    assert "cancel" in response.data["detail"]
    assert Project.objects.filter(pk=project.pk).exists()


def test_update_cannot_break_what_the_status_guarantees(pmo_user, project):
    project.status = ProjectStatus.APPROVED
    project.save()
    response = client_for(pmo_user).patch(detail(project), {"manager": None}, format="json")
    assert response.status_code == 400
    assert "project manager" in str(response.data)
    project.refresh_from_db()
    assert project.manager_id is not None


def test_end_before_start_is_refused(pmo_user, project):
    response = client_for(pmo_user).patch(detail(project), {"planned_end": "2024-01-01"}, format="json")
    assert response.status_code == 400
    assert "planned end" in str(response.data["planned_end"][0])


# ------------------------------------------------------------------------------------------- filters


@pytest.fixture
def portfolio_rows(manager_user, other_manager):
    dsi = DirectorateFactory(code="DSI", name="Information systems")
    drh = DirectorateFactory(code="DRH", name="Human resources")
    obj_a, obj_b = ObjectiveFactory(code="OBJA"), ObjectiveFactory(code="OBJB")
    cloud, erp = TagFactory(name="cloud"), TagFactory(name="erp")
    rows = {
        "alpha": ProjectFactory(
            code="A-1",
            name="Alpha portal",
            directorate=dsi,
            manager=manager_user,
            status="in_progress",
            priority=1,
            objectives=[obj_a, obj_b],
            tags=[cloud, erp],
        ),
        "beta": ProjectFactory(
            code="B-2",
            name="Beta payroll",
            directorate=drh,
            manager=other_manager,
            status="framing",
            priority=2,
            objectives=[obj_b],
            tags=[erp],
        ),
        "gamma": ProjectFactory(
            code="C-3",
            name="Gamma archive",
            directorate=dsi,
            manager=None,
            status="demand",
            priority=3,
            description="Scanning of the paper archive.",
        ),
        "delta": ProjectFactory(
            code="D-4", name="Delta", directorate=drh, manager=manager_user, status="closed", priority=4
        ),
    }
    return {"rows": rows, "dsi": dsi, "drh": drh, "obj_a": obj_a, "obj_b": obj_b}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [row["code"] for row in response.data["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "payroll"}, ["B-2"]),
        ({"q": "paper archive"}, ["C-3"]),  # every word, in any searched field
        ({"q": "Human"}, ["B-2", "D-4"]),  # directorate name
        ({"status": "framing"}, ["B-2"]),
        ({"status": ["framing", "closed"]}, ["B-2", "D-4"]),
        ({"priority": "1"}, ["A-1"]),
        ({"tag": "erp"}, ["A-1", "B-2"]),
        ({"tag": "unknown-tag"}, None),  # an unknown tag name is an invalid choice
    ],
)
def test_project_filters(reader_user, portfolio_rows, params, expected):
    response = client_for(reader_user).get(PROJECTS, params)
    if expected is None:
        assert response.status_code == 400
        assert "tag" in response.data
    else:
        assert codes(response) == expected


def test_filters_by_related_objects(reader_user, portfolio_rows, manager_user):
    client = client_for(reader_user)
    assert codes(client.get(PROJECTS, {"directorate": portfolio_rows["dsi"].pk})) == ["A-1", "C-3"]
    assert codes(client.get(PROJECTS, {"objective": portfolio_rows["obj_b"].pk})) == ["A-1", "B-2"]
    assert codes(client.get(PROJECTS, {"manager": manager_user.pk})) == ["A-1", "D-4"]
    combined = {"manager": manager_user.pk, "status": "in_progress", "objective": portfolio_rows["obj_a"].pk}
    assert codes(client.get(PROJECTS, combined)) == ["A-1"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("code", ["A-1", "B-2", "C-3", "D-4"]),
        ("-code", ["D-4", "C-3", "B-2", "A-1"]),
        ("-priority", ["D-4", "C-3", "B-2", "A-1"]),
        ("directorate", ["B-2", "D-4", "A-1", "C-3"]),  # Human resources < Information systems
        ("name", ["A-1", "B-2", "D-4", "C-3"]),
    ],
)
def test_project_ordering(reader_user, portfolio_rows, ordering, expected):
    assert codes(client_for(reader_user).get(PROJECTS, {"ordering": ordering})) == expected


def test_pagination(reader_user, portfolio_rows):
    client = client_for(reader_user)
    first = client.get(PROJECTS, {"page_size": 3})
    assert first.data["count"] == 4
    assert codes(first) == ["A-1", "B-2", "C-3"]
    assert first.data["next"].endswith("page=2&page_size=3")
    second = client.get(PROJECTS, {"page_size": 3, "page": 2})
    assert codes(second) == ["D-4"]
    assert second.data["next"] is None


def test_page_size_is_capped_at_500(reader_user, directorate):
    Project.objects.bulk_create(
        Project(code=f"BULK-{n:04d}", name=f"Bulk {n}", directorate=directorate) for n in range(501)
    )
    response = client_for(reader_user).get(PROJECTS, {"page_size": 10_000})
    assert response.status_code == 200
    assert response.data["count"] == 501
    assert len(response.data["results"]) == 500


# ------------------------------------------------------------------------------------ ETag / If-Match


def test_read_carries_a_strong_etag_and_if_none_match_gives_304(reader_user, project):
    client = client_for(reader_user)
    response = client.get(detail(project))
    assert response["ETag"] == f'"{project.pk}-1"'

    not_modified = client.get(detail(project), HTTP_IF_NONE_MATCH=response["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == response["ETag"]
    assert not_modified.content == b""
    weak = client.get(detail(project), HTTP_IF_NONE_MATCH=f'"x", W/{response["ETag"]}')
    assert weak.status_code == 304, "If-None-Match uses the weak comparison"
    assert client.get(detail(project), HTTP_IF_NONE_MATCH="*").status_code == 304

    stale = client.get(detail(project), HTTP_IF_NONE_MATCH=f'"{project.pk}-0"')
    assert stale.status_code == 200 and stale.data["code"] == "ERP-2025"


def test_write_with_current_if_match_succeeds_and_bumps_the_etag(manager_user, project):
    client = client_for(manager_user)
    current = client.get(detail(project))["ETag"]

    response = client.patch(detail(project), {"name": "Renamed"}, format="json", HTTP_IF_MATCH=current)

    assert response.status_code == 200
    assert response["ETag"] == f'"{project.pk}-2"' != current
    assert response.data["version"] == 2
    # The old tag is now stale: a second writer holding it is refused.
    second = client.patch(detail(project), {"name": "Lost update"}, format="json", HTTP_IF_MATCH=current)
    assert second.status_code == 412
    assert second.data["current_etag"] == f'"{project.pk}-2"'
    assert second["ETag"] == f'"{project.pk}-2"'
    assert "changed since you read it" in second.data["detail"]
    project.refresh_from_db()
    assert project.name == "Renamed" and project.version == 2


@pytest.mark.parametrize(
    ("if_match", "expected"),
    [
        ('"{pk}-1"', 200),
        ('"{pk}-0", "{pk}-1"', 200),  # a list matching one of its tags
        ("*", 200),
        ('W/"{pk}-1"', 412),  # weak tags never match If-Match (strong comparison)
        ('"{pk}-7"', 412),
        ('"999999-1"', 412),  # another object's tag
        ("{pk}-1", 400),  # not quoted
        ('"{pk}-1" "{pk}-2"', 400),  # no comma
        ('*, "{pk}-1"', 400),  # * must stand alone
        ('"{pk}-1', 400),  # unterminated
        ("", 400),
    ],
)
def test_if_match_forms(pmo_user, project, if_match, expected):
    response = client_for(pmo_user).patch(
        detail(project), {"name": "Renamed"}, format="json", HTTP_IF_MATCH=if_match.format(pk=project.pk)
    )
    assert response.status_code == expected, response.data
    project.refresh_from_db()
    assert (project.name == "Renamed") == (expected == 200)
    if expected == 400:
        assert "If-Match header is malformed" in response.data["detail"]


def test_malformed_if_none_match_is_400(reader_user, project):
    response = client_for(reader_user).get(detail(project), HTTP_IF_NONE_MATCH="not-an-etag")
    assert response.status_code == 400
    assert "If-None-Match" in response.data["detail"]


def test_write_without_if_match_is_accepted(pmo_user, project):
    project.version = 5
    project.save()
    response = client_for(pmo_user).patch(detail(project), {"name": "Blind write"}, format="json")
    assert response.status_code == 200
    assert response["ETag"] == f'"{project.pk}-6"'


def test_conflict_inside_the_service_transaction_is_412(pmo_user, project, monkeypatch):
    """A write committed between the view's check and the service's lock still ends in 412."""
    original = services.project_update

    def racing_update(**kwargs):
        Project.objects.filter(pk=kwargs["project"].pk).update(version=F("version") + 1)
        return original(**kwargs)

    monkeypatch.setattr(services, "project_update", racing_update)
    response = client_for(pmo_user).patch(
        detail(project), {"name": "Mine"}, format="json", HTTP_IF_MATCH=f'"{project.pk}-1"'
    )

    assert response.status_code == 412
    assert response.data["current_etag"] == f'"{project.pk}-2"'
    assert response["ETag"] == f'"{project.pk}-2"'
    project.refresh_from_db()
    assert project.name == "Financial ERP"


def test_transition_honours_if_match(pmo_user, project):
    client = client_for(pmo_user)
    url = f"{detail(project)}transition/"
    stale = client.post(url, {"action": "approve"}, format="json", HTTP_IF_MATCH=f'"{project.pk}-0"')
    assert stale.status_code == 412
    project.refresh_from_db()
    assert project.status == "framing"

    response = client.post(url, {"action": "approve"}, format="json", HTTP_IF_MATCH=f'"{project.pk}-1"')
    assert response.status_code == 200
    assert response["ETag"] == f'"{project.pk}-2"'


# ---------------------------------------------------------------------------------------- lifecycle


def transition(client, project, action, **extra):
    return client.post(f"{detail(project)}transition/", {"action": action, **extra}, format="json")


def test_legal_transition_returns_the_updated_project(manager_user, project):
    response = transition(client_for(manager_user), project, "approve", comment="Committee of 12 March")

    assert response.status_code == 200, response.data
    assert response.data["status"] == "approved"
    assert response.data["version"] == 2
    assert response.data["allowed_transitions"] == ["start", "put_on_hold", "cancel"]
    change = ProjectStatusChange.objects.get(project=project, action="approve")
    assert (change.source, change.target, change.comment, change.actor) == (
        "framing",
        "approved",
        "Committee of 12 March",
        manager_user,
    )


def test_illegal_transition_is_409_with_the_reason(pmo_user, project):
    response = transition(client_for(pmo_user), project, "close")
    assert response.status_code == 409
    assert response.data["detail"] == "“Close” is not possible from the status “Framing”."
    project.refresh_from_db()
    assert project.status == "framing" and project.version == 1


def test_guard_refuses_approval_without_manager(pmo_user, directorate):
    project = ProjectFactory(
        directorate=directorate, manager=None, planned_end=None, status=ProjectStatus.FRAMING
    )
    response = transition(client_for(pmo_user), project, "approve")
    assert response.status_code == 409
    assert "without a project manager, a planned end date" in response.data["detail"]
    project.refresh_from_db()
    assert project.status == "framing"


def test_unknown_action_is_400(pmo_user, project):
    response = transition(client_for(pmo_user), project, "explode")
    assert response.status_code == 400
    assert "action" in response.data


def test_hold_and_resume(pmo_user, project):
    client = client_for(pmo_user)
    assert transition(client, project, "put_on_hold").data["allowed_transitions"] == ["resume", "cancel"]
    assert transition(client, project, "resume").data["status"] == "framing"


def test_history_lists_status_changes_and_audit_entries(pmo_user, reader_user, directorate):
    client = client_for(pmo_user)
    created = client.post(PROJECTS, project_body(directorate), format="json")
    project = Project.objects.get(pk=created.data["id"])
    client.patch(detail(project), {"name": "Paperless office"}, format="json")
    transition(client, project, "start_framing", comment="Go")

    response = client_for(reader_user).get(f"{detail(project)}history/")

    assert response.status_code == 200
    data = response.json()
    assert data["project"] == project.pk
    assert [(c["source"], c["target"], c["action"]) for c in data["status_changes"]] == [
        ("", "demand", "create"),
        ("demand", "framing", "start_framing"),
    ]
    assert data["status_changes"][1]["comment"] == "Go"
    assert data["status_changes"][1]["actor"] == pmo_user.pk
    # The audit entries are paginated like other lists (count / next / previous / results).
    assert (data["count"], data["next"], data["previous"]) == (3, None, None)
    assert [entry["action"] for entry in data["results"]] == ["transition", "update", "create"]
    assert data["results"][1]["changes"]["name"] == {
        "label": "name",
        "old": "Document management",
        "new": "Paperless office",
    }


# ------------------------------------------------------------------------------------- query counts


@pytest.fixture
def add_projects(db):
    """Adds projects spread over 3 directorates, managers, objectives and tags (shared by every call)."""
    directorates = [DirectorateFactory() for _ in range(3)]
    managers = [UserFactory(role=Role.PROJECT_MANAGER) for _ in range(3)]
    objectives = [ObjectiveFactory() for _ in range(3)]
    tags = [TagFactory() for _ in range(3)]

    def add(count: int) -> None:
        for n in range(count):
            ProjectFactory(
                name=f"Project {n}",
                directorate=directorates[n % 3],
                manager=managers[n % 3],
                status=ProjectStatus.FRAMING,
                objectives=objectives[n % 3 :],
                tags=tags[: 1 + n % 2],
            )

    add.objective = objectives[-1]
    return add


@pytest.mark.parametrize("filtered", [False, True])
def test_project_list_query_count_does_not_grow(pmo_user, add_projects, filtered):
    client = client_for(pmo_user)
    params = (
        {"objective": add_projects.objective.pk, "ordering": "-priority", "q": "Project"} if filtered else {}
    )
    rows = []

    def read():
        response = client.get(PROJECTS, params)
        assert response.status_code == 200, response.data
        rows.append(len(response.data["results"]))

    assert_same_queries_at_two_sizes(read, grow=add_projects, ceiling=12)
    assert rows[-1] == 10 * rows[0] > 0


def test_token_authenticated_list_is_also_bounded(pmo_user, add_projects):
    from ppm.services import api_token_create

    _token, raw = api_token_create(user=pmo_user, name="bi")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    rows = []

    def read():
        rows.append(len(client.get(PROJECTS).data["results"]))

    assert_same_queries_at_two_sizes(read, grow=add_projects, ceiling=12)
    assert rows == [3, 3, 30, 30]  # warm-up, count, warm-up after the growth, count


def test_planned_dates_round_trip(pmo_user, project):
    response = client_for(pmo_user).patch(
        detail(project), {"planned_start": "2027-02-01", "planned_end": None}, format="json"
    )
    assert response.status_code == 200, response.data
    project.refresh_from_db()
    assert project.planned_start == datetime.date(2027, 2, 1) and project.planned_end is None
