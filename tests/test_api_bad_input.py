"""Bad input to the API is a clear 4xx with a message, never a 500.

Every case sends something a careless or hostile client could send and checks the status, that the
body is JSON with a useful message, and that nothing was written.
"""

import json

import pytest
from rest_framework.test import APIClient

from portfolio.models import Project, Tag
from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm import services
from ppm.models import ApiToken

PROJECTS = "/api/v1/projects/"
HUGE = 10**30


@pytest.fixture
def client(pmo_user):
    client = APIClient()
    client.force_login(pmo_user)
    return client


@pytest.fixture
def project(directorate, manager_user):
    return ProjectFactory(
        code="ERP-2025", directorate=directorate, manager=manager_user, status=ProjectStatus.FRAMING
    )


def messages(response) -> str:
    """Every message of a JSON error body, flattened."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert body, "an error explains itself"
    return json.dumps(body, ensure_ascii=False)


def assert_refused(response, status: int, *fragments: str) -> None:
    assert response.status_code < 500
    assert response.status_code == status, (response.status_code, response.content[:300])
    text = messages(response)
    for fragment in fragments:
        assert fragment in text, text


def valid_body(owner, **changes):
    """A valid project body for directorate `owner`, with `changes` applied."""
    return {"code": "GED-2026", "name": "Document management", "directorate": owner.pk, **changes}


def assert_nothing_created() -> None:
    assert not Project.objects.filter(code__startswith="GED").exists()


# ------------------------------------------------------------------------------------------ NUL bytes


@pytest.mark.parametrize("field", ["code", "name", "description"])
def test_nul_bytes_in_project_strings(client, directorate, field):
    body = valid_body(directorate, **{field: "GED\x00-2026"})
    assert_refused(client.post(PROJECTS, body, format="json"), 400, field, "Null characters are not allowed")
    assert_nothing_created()


def test_nul_bytes_in_tags_comments_and_tokens(client, directorate, project):
    assert_refused(
        client.post(PROJECTS, valid_body(directorate, tags=["ok", "b\x00d"]), format="json"),
        400,
        "tags",
        "Null characters",
    )
    assert not Tag.objects.filter(name="ok").exists()
    assert_refused(
        client.post(
            f"{PROJECTS}{project.pk}/transition/", {"action": "approve", "comment": "\x00"}, format="json"
        ),
        400,
        "comment",
        "Null characters",
    )
    project.refresh_from_db()
    assert project.status == "framing"
    assert_refused(client.post("/api/v1/users/me/tokens/", {"name": "a\x00"}, format="json"), 400, "Null")
    assert not ApiToken.objects.exists()
    assert_refused(client.post("/api/v1/tags/", {"name": "\x00"}, format="json"), 400, "Null")


@pytest.mark.parametrize(
    "url",
    [
        f"{PROJECTS}?q=%00",
        f"{PROJECTS}?tag=%00",
        f"{PROJECTS}?code=%00&tag=a%00b",
        "/api/v1/users/?search=%00",
    ],
)
def test_nul_bytes_in_query_parameters(client, project, url):
    assert_refused(client.get(url), 400, "Null characters")


# ------------------------------------------------------------------------------------ huge integers


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", HUGE),
        ("priority", -HUGE),
        ("directorate", HUGE),
        ("manager", HUGE),
        ("objectives", [HUGE]),
        ("objectives", [-1]),
    ],
)
def test_huge_or_negative_integers_in_the_body(client, directorate, field, value):
    assert_refused(
        client.post(PROJECTS, valid_body(directorate, **{field: value}), format="json"), 400, field
    )
    assert_nothing_created()


def test_huge_integers_elsewhere(client, project):
    assert_refused(
        client.post("/api/v1/axes/", {"code": "A", "name": "A", "order": HUGE}, format="json"), 400, "order"
    )
    assert_refused(client.get(f"{PROJECTS}?page={HUGE}"), 404, "Invalid page")
    assert_refused(client.get(f"{PROJECTS}?directorate={HUGE}"), 400, "directorate")
    assert_refused(client.get(f"{PROJECTS}{HUGE}/"), 404)
    assert_refused(client.patch(f"{PROJECTS}{HUGE}/", {"name": "x"}, format="json"), 404)
    assert_refused(client.delete(f"/api/v1/users/me/tokens/{HUGE}/"), 404)
    # A number with thousands of digits is refused by the JSON parser itself.
    raw = '{"code": "GED-1", "name": "n", "directorate": 1, "priority": ' + "9" * 5000 + "}"
    assert_refused(
        client.generic("POST", PROJECTS, raw, content_type="application/json"), 400, "not valid JSON"
    )
    huge_page_size = client.get(f"{PROJECTS}?page_size={HUGE}")
    assert huge_page_size.status_code == 200, "a too large page size is capped, not refused"


# --------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize("value", ["2025-02-30", "tomorrow", "30/01/2025", "99999-01-01", 20250101, ""])
def test_bad_dates(client, directorate, value):
    response = client.post(PROJECTS, valid_body(directorate, planned_start=value), format="json")
    assert_refused(response, 400, "planned_start")
    assert_nothing_created()


@pytest.mark.parametrize("method", ["post", "patch"])
def test_end_before_start(client, directorate, project, method):
    dates = {"planned_start": "2026-06-01", "planned_end": "2026-05-31"}
    if method == "post":
        response = client.post(PROJECTS, valid_body(directorate, **dates), format="json")
    else:
        response = client.patch(f"{PROJECTS}{project.pk}/", {"planned_end": "2020-01-01"}, format="json")
    assert_refused(response, 400, "planned_end", "must not be before the planned start")
    assert_nothing_created()
    project.refresh_from_db()
    assert project.planned_end.year == 2026


# ---------------------------------------------------------------------------------------- unknown ids


def test_unknown_ids(client, directorate, make_user):
    assert_refused(
        client.post(PROJECTS, {**valid_body(directorate), "directorate": 987654}, format="json"),
        400,
        "directorate",
        "does not exist",
    )
    objective = ObjectiveFactory()
    assert_refused(
        client.post(PROJECTS, valid_body(directorate, objectives=[objective.pk, 987654]), format="json"),
        400,
        "objectives",
        "Unknown objective ids: 987654",
    )
    gone = make_user(is_active=False)
    assert_refused(
        client.post(PROJECTS, valid_body(directorate, manager=gone.pk), format="json"), 400, "manager"
    )
    assert_refused(
        client.post("/api/v1/objectives/", {"axis": 987654, "code": "O", "name": "O"}, format="json"),
        400,
        "axis",
    )
    assert_refused(client.get(f"{PROJECTS}987654/history/"), 404)
    assert_nothing_created()


# --------------------------------------------------------------------------------- wrong JSON types


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([{"code": "GED-2026"}], "Expected a dictionary, but got list"),
        ("GED-2026", "Expected a dictionary, but got str"),
        (None, "No data provided"),
        ({"priority": "high"}, "priority"),
        ({"directorate": "abc"}, "directorate"),
        ({"directorate": True}, "directorate"),
        ({"directorate": {"id": 1}}, "directorate"),
        ({"directorate": 1.5}, "directorate"),
        ({"objectives": "1,2"}, "objectives"),
        ({"objectives": [True]}, "objectives"),
        ({"tags": "a,b"}, "tags"),
        ({"tags": [{"name": "a"}]}, "tags"),
        ({"name": {"fr": "x"}}, "name"),
        ({"name": ["x"]}, "name"),
        ({"planned_start": ["2025-01-01"]}, "planned_start"),
    ],
)
def test_wrong_json_types(client, directorate, body, fragment):
    if isinstance(body, dict):
        body = valid_body(directorate, **body)
    response = client.generic("POST", PROJECTS, json.dumps(body), content_type="application/json")
    assert_refused(response, 400, fragment)
    assert_nothing_created()


def test_wrong_types_in_the_transition_body(client, project):
    url = f"{PROJECTS}{project.pk}/transition/"
    assert_refused(client.post(url, {"action": 5}, format="json"), 400, "action")
    assert_refused(client.post(url, {"action": ["approve"]}, format="json"), 400, "action")
    assert_refused(client.post(url, {}, format="json"), 400, "action", "required")
    assert_refused(client.post(url, ["approve"], format="json"), 400, "Expected a dictionary")
    project.refresh_from_db()
    assert project.status == "framing"


# ---------------------------------------------------------------------------------- malformed bodies


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"code": "GED-2026",}',
        b"\xff\xfe{}",  # not UTF-8
        b'{"priority": NaN}',
        b'{"priority": Infinity}',
        b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser should follow
    ],
)
def test_non_json_body_with_a_json_content_type(client, raw):
    response = client.generic("POST", PROJECTS, raw, content_type="application/json")
    assert_refused(response, 400, "not valid JSON")
    assert_nothing_created()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_wrong_content_type_is_415(client, directorate, content_type):
    response = client.generic("POST", PROJECTS, "code=GED-2026&name=x", content_type=content_type)
    assert_refused(response, 415, "Unsupported media type")
    assert_nothing_created()


def test_oversized_body_is_413(client, directorate, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(valid_body(directorate, description="x" * 20_000))
    response = client.generic("POST", PROJECTS, body, content_type="application/json")
    assert_refused(response, 413, "larger than 10000 bytes")
    assert_nothing_created()


# -------------------------------------------------------------------------------------- lifecycle


def test_unknown_lifecycle_action(client, project):
    response = client.post(f"{PROJECTS}{project.pk}/transition/", {"action": "teleport"}, format="json")
    assert_refused(response, 400, "action", "teleport")
    project.refresh_from_db()
    assert (project.status, project.version) == ("framing", 1)


# ------------------------------------------------------------------------- query parameters of lists


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("directorate=abc", 400, "directorate"),
        ("directorate=-1", 400, "directorate"),
        ("manager=abc", 400, "manager"),
        ("objective=1.5", 400, "objective"),
        ("ordering=nonsense", 400, "ordering"),
        ("ordering=-password", 400, "ordering"),
        ("status=bogus", 400, "status"),
        ("status=framing&status=bogus", 400, "status"),
        ("priority=99", 400, "priority"),
        ("priority=abc", 400, "priority"),
        ("page=abc", 404, "Invalid page"),
        ("page=0", 404, "Invalid page"),
        ("page=-1", 404, "Invalid page"),
    ],
)
def test_bad_list_parameters(client, project, query, status, fragment):
    assert_refused(client.get(f"{PROJECTS}?{query}"), status, fragment)


@pytest.mark.parametrize(
    "query", ["page_size=-1", "page_size=0", "page_size=abc", "unknown=1", "q=" + "word " * 500]
)
def test_harmless_list_parameters_are_ignored(client, project, query):
    response = client.get(f"{PROJECTS}?{query}")
    assert response.status_code == 200
    assert response.json()["count"] >= 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/users/?role=emperor",
        "/api/v1/users/?directorate=abc",
        "/api/v1/objectives/?axis=abc",
    ],
)
def test_bad_parameters_of_other_lists(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert messages(response)


@pytest.mark.parametrize("url", ["/api/v1/tags/?ordering=password", "/api/v1/directorates/?is_active=maybe"])
def test_meaningless_parameters_of_other_lists_are_ignored(client, url):
    assert client.get(url).status_code == 200


# ------------------------------------------------------------------------------------------ headers


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("Token ", "No credentials provided"),
        ("Token a b", "should not contain spaces"),
        ("Token \u00e9t\u00e9", "invalid characters"),
        ("Token " + "x" * 10_000, "Invalid token"),
    ],
)
def test_malformed_authorization_header_is_401(db, header, fragment):
    response = APIClient().get("/api/v1/users/me/", HTTP_AUTHORIZATION=header)
    assert_refused(response, 401, fragment)


@pytest.mark.parametrize("value", ['"\x01"', "W/", '"a"b', "x" * 5000, ",", '"a", *'])
def test_malformed_if_match_is_400(client, project, value):
    response = client.patch(f"{PROJECTS}{project.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH=value)
    assert_refused(response, 400, "If-Match header is malformed")
    project.refresh_from_db()
    assert project.version == 1


# ------------------------------------------------------------------- found by the schema fuzzing
# tests/test_api_fuzz.py found these; each test fails without its fix.


@pytest.mark.parametrize(
    "url",
    [
        f"{PROJECTS}0.5/",  # the router's id pattern stops at a dot
        f"{PROJECTS}s.dRJ6c/history/",
        "/api/v1/axes/-3.75e-176/",
        "/api/v1/tags/a%2Fb/",  # an encoded slash is a slash by the time URLs are resolved
        "/api/v1/no-such-endpoint/",
    ],
)
def test_urls_naming_nothing_are_a_json_404(client, url):
    """They reached no API view and got the HTML error page, not the documented JSON error."""
    assert_refused(client.get(url), 404, "Not found")


def test_writes_to_urls_naming_nothing_are_a_json_404_not_a_csrf_page(db, pmo_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(pmo_user)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{PROJECTS}0.5/transition/", {"action": "start"}, format="json")
        assert_refused(response, 404, "Not found")
    token, raw = services.api_token_create(user=pmo_user, name="fuzz")
    response = APIClient().delete("/api/v1/users/me/tokens/1.5/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert_refused(response, 404, "Not found")
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_url_without_its_final_slash_is_still_redirected(client, project):
    response = client.get(f"{PROJECTS}{project.pk}")
    assert response.status_code == 301
    assert response["Location"] == f"{PROJECTS}{project.pk}/"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/objectives/", "/api/v1/axes/", "/api/v1/tags/", "/api/v1/directorates/", "/api/v1/users/"],
)
def test_nul_in_search_is_a_400_object_naming_the_parameter(client, url):
    """DRF's search filter answered a bare JSON list, `["Null characters are not allowed."]`."""
    response = client.get(url, {"search": "ab\x00c"})
    assert_refused(response, 400, "Null characters are not allowed")
    assert response.json() == {"search": ["Null characters are not allowed."]}


def test_nul_in_other_list_parameters_is_a_clear_400(client, project):
    assert_refused(client.get(PROJECTS, {"tag": "a\x00b"}), 400, "tag")
    assert_refused(client.get(PROJECTS, {"ordering": "code\x00"}), 400, "ordering")
    assert_refused(client.get(PROJECTS, {"q": "ERP\x00"}), 400, "q", "Null characters")


def test_every_refusal_an_operation_can_answer_is_documented():
    """Lists answer 400 (a bad filter) and 404 (no such page), reads 404, writes 413 and 415: the schema
    said only 200 for the reference-data reads, so clients generated from it did not expect them."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    missing = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            documented = {int(code) for code in operation["responses"]}
            parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
            expected = {401}
            if "page" in parameters:
                expected |= {400, 404}
            if "{id}" in path:
                expected.add(404)
            if method in ("post", "put", "patch"):
                expected |= {400, 413, 415}
            if not expected <= documented:
                missing.append(f"{method.upper()} {path}: {sorted(expected - documented)}")
    assert not missing, missing


def test_a_bare_list_of_validation_messages_becomes_an_object():
    """The safety net under the search fix: any 400 body is an object, as the schema documents."""
    from rest_framework.exceptions import ValidationError

    from ppm.api.exceptions import exception_handler

    response = exception_handler(ValidationError(["Null characters are not allowed."]), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Null characters are not allowed."]}
    response = exception_handler(ValidationError({"search": ["Bad."]}), {})
    assert response.data == {"search": ["Bad."]}
