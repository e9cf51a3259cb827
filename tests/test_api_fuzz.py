"""The OpenAPI schema, fuzzed with schemathesis: no 5xx and no answer that the schema does not describe.

Schemathesis loads /api/schema/ from the Django WSGI application in-process (no server; the requests
run against the test database) and generates, for every operation of the schema, requests with valid
and invalid parameters, headers and bodies (its examples, coverage and fuzzing phases, positive and
negative modes). Each response is checked for:

* `not_a_server_error`: never a 5xx;
* `response_schema_conformance`: the body matches the schema documented for its status code;
* `status_code_conformance`: the status code is documented for the operation;
* `content_type_conformance`: the Content-Type is the documented one (JSON, even for 404s);
* `response_headers_conformance`: documented response headers (ETag, Location) have the documented form.

Left out: `negative_data_rejection` and `positive_data_acceptance`. They expect the API to refuse any
value outside the JSON schema and to accept any value inside it, which DRF does not promise: it coerces
`0` to the string `"0"` and to `false`, and ignores `page_size=null`; and a request valid by the schema
is rightly refused when it names an id that does not exist (400) or carries a stale If-Match (412).
The stateful phase is not run: drf-spectacular declares no OpenAPI links.

`test_api_fuzz` sends every request as a project-office user (who may call every operation) with an
API token. `DELETE /users/me/tokens/{id}/` may revoke that very token: it is then issued again before
the next request (`TokenCredentials`), so the operation is fuzzed like the others, nothing is excluded.
`test_api_fuzz_without_credentials` lets schemathesis make up the Authorization header (or leave it
out): nothing may be answered with data.

Bounded and deterministic: a fixed seed, derandomized Hypothesis, 40 examples per operation in the
fuzzing phase. For a deeper run: PILOTIS_FUZZ_EXAMPLES=500 PILOTIS_FUZZ_SEED=7 pytest tests/test_api_fuzz.py
"""

import copy
import datetime
import itertools
import os
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from budgets.tests import contracts_fuzz
from portfolio.scheduling.baselines import baseline_take, portfolio_baseline_take
from portfolio.tests.factories import TagFactory
from ppm import services
from ppm.models import ApiToken
from ppm.roles import Role
from ppm.testing import module_data
from resources.tests import fuzz_people as people_fuzz
from tests.helpers import build_world

pytestmark = pytest.mark.fuzz

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]

CONFIG_VALUES = {
    "seed": int(os.environ.get("PILOTIS_FUZZ_SEED", "20250601")),
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    "generation": {
        "max-examples": int(os.environ.get("PILOTIS_FUZZ_EXAMPLES", "40")),
        "deterministic": True,
        "database": "none",
    },
}
CONFIG = schemathesis.Config.from_dict(CONFIG_VALUES)

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

# Without credentials every request stops at the door, whatever its parameters and body: the coverage
# phase's hundreds of boundary values per operation would test the same refusal again (half the fuzzing
# time); the examples and a few made-up Authorization headers (fuzzing phase) remain.
DOOR_CONFIG = schemathesis.Config.from_dict({**CONFIG_VALUES, "phases": {"coverage": {"enabled": False}}})
door_schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=DOOR_CONFIG)


def both_schemas(hook):
    """A hook of both schemas: requests without credentials name existing objects too."""
    schema.hook(hook)
    door_schema.hook(hook)
    return hook


# Ids of the objects made by `fuzz_world`, by collection (`projects`, `axes`, `tokens`, ...). In the
# fuzzing phase, the hooks below replace one in two positive ids of the path, and three in four of
# the query and the body, by one of them: requests name existing objects often enough not to be only
# ever refused (on PostgreSQL ids are never small: its sequences are not rolled back with the tests).
KNOWN_IDS: dict[str, list[int]] = {}
# Fields and query parameters that name another object, and the collection it is taken from.
REFERENCES = {
    "project": "projects",
    "directorate": "directorates",
    "parent": "directorates",
    "axis": "axes",
    "manager": "users",
    "objective": "objectives",
    "objectives": "objectives",
    "predecessor": "tasks",
    "successor": "tasks",
    "assignee": "users",
    "template": "ratio-templates",
    **people_fuzz.REFERENCES,
    "source": "budget-line-years",
    "target": "budget-line-years",
    "envelope": "envelopes",
    **contracts_fuzz.REFERENCES,
}


def _known(collection: str, value, *, every: int):
    """`value`, or when it is a positive integer not divisible by `every`, one of the known ids of
    `collection` (so `every=2` maps one id in two, `every=4` three in four)."""
    ids = KNOWN_IDS.get(collection)
    if ids and isinstance(value, int) and not isinstance(value, bool) and value > 0 and value % every:
        return ids[value % len(ids)]
    return value


def _with_known_references(values):
    if not isinstance(values, dict):
        return values
    values = dict(values)
    for name, collection in REFERENCES.items():
        value = values.get(name)
        if isinstance(value, list):
            values[name] = [_known(collection, item, every=4) for item in value]
        elif name in values:
            values[name] = _known(collection, value, every=4)
    return values


@both_schemas
def map_path_parameters(context, path_parameters):
    if isinstance(path_parameters, dict) and "id" in path_parameters:
        collection = _collection(context.operation.path)
        path_parameters = {**path_parameters, "id": _known(collection, path_parameters["id"], every=2)}
    return path_parameters


@both_schemas
def map_query(context, query):
    return _with_known_references(query)


def _iso_date(value):
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _decimal_within(value, low: int, high: int, places: int):
    """`value` as the decimal string a field with these bounds and decimal places accepts, or None."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if not number.is_finite() or not low <= number <= high:
        return None
    return str(number.quantize(Decimal(1).scaleb(-places)))


def _plausible(body):
    """Half of the bodies get their cross-field rules made to hold (a period that ends after it starts,
    within the years a plan may use; a minimum under its ceiling; ascending thresholds), so that the
    fuzzing reaches past them; the other half keep whatever was generated, refusals included.

    Which half a body falls in is decided by `map_body` on the body as generated, before known ids are
    put in: the ids the database hands out depend on what ran before, the generated body does not."""
    body = dict(body)
    start, end = _iso_date(body.get("start")), _iso_date(body.get("end"))
    if start and end:
        # (29 February exists in neither year: the 28th stands in for it)
        start = start.replace(year=2025, day=min(start.day, 28) if start.month == 2 else start.day)
        end = end.replace(year=2026, day=min(end.day, 28) if end.month == 2 else end.day)
        body["start"], body["end"] = start.isoformat(), end.isoformat()
    for lower, upper in (("minimum", "ceiling"),):
        try:
            low, high = Decimal(str(body[lower])), Decimal(str(body[upper]))
        except (KeyError, ArithmeticError, ValueError):
            continue
        if low.is_finite() and high.is_finite() and low > high:
            body[lower], body[upper] = body[upper], body[lower]
    if isinstance(body.get("renewals"), int) and isinstance(body.get("max_renewals"), int):
        body["max_renewals"] = max(body["renewals"], body["max_renewals"])
    body.pop("lots", None)  # lot numbers and ceilings of their own: fuzzed in the other half
    if "lot" in body and "agreement" in body:
        body["lot"] = None  # an order on the agreement as a whole (the fuzz agreement has no lots)
    for name, collection in (
        ("vendor", "vendors"),
        ("agreement", "agreements"),
        ("budget_line", "budget-lines"),
    ):
        if name in body and KNOWN_IDS.get(collection):
            body[name] = KNOWN_IDS[collection][0]
    try:
        if "ceiling" in body and Decimal(str(body["ceiling"])) <= 0:
            body["ceiling"] = "1000.00"
    except ArithmeticError:
        pass
    lines = body.get("lines")
    if (
        isinstance(lines, list)
        and lines
        and all(isinstance(line, dict) and "ratio" in line for line in lines)
    ):
        # A ratio template: one line of a known family, no role (a role must belong to the family),
        # a ratio and an external share within their bounds.
        line = {**lines[0], "family": "moe", "profile": None}
        line["ratio"] = _decimal_within(line["ratio"], 0, 999, 3) or "1.000"
        share = _decimal_within(line.get("external_share"), 0, 100, 2)
        if share is None:
            line.pop("external_share", None)
        else:
            line["external_share"] = share
        body["lines"] = [line]
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            body["name"] = "Fuzz template"
    elif isinstance(lines, list):
        body.pop("lines")  # order lines (prices, quantities): fuzzed in the other half
    ordered_on = _iso_date(body.get("ordered_on"))
    if ordered_on:
        day = min(ordered_on.day, 28) if ordered_on.month == 2 else ordered_on.day
        body["ordered_on"] = ordered_on.replace(year=2025, day=day).isoformat()
    thresholds = body.get("alert_thresholds")
    if isinstance(thresholds, list) and all(type(t) is int for t in thresholds):
        body["alert_thresholds"] = sorted(set(thresholds))
    return body


@both_schemas
def map_body(context, body):
    plausible = isinstance(body, dict) and len(repr(body)) % 2 == 0
    body = _with_known_references(body)
    return _plausible(body) if plausible else body


def _collection(path: str) -> str:
    """/api/v1/projects/{id}/transition/ → projects; /api/v1/users/me/tokens/{id}/ → tokens."""
    parts = [part for part in path.split("/") if part and not part.startswith("{")]
    rest = parts[parts.index("v1") + 1 :]
    return "tokens" if rest[:3] == ["users", "me", "tokens"] else rest[0]


class TokenCredentials:
    """An API token of the fuzzing user, issued again when a fuzzed DELETE has revoked it."""

    def __init__(self, user):
        self.user = user
        self.issue()

    def issue(self) -> None:
        token, self.raw = services.api_token_create(user=self.user, name="schemathesis")
        self.token_id = token.pk

    def headers(self) -> dict[str, str]:
        if not ApiToken.objects.filter(pk=self.token_id).exists():
            self.issue()
        return {"Authorization": f"Token {self.raw}"}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    """Hundreds of requests a minute from one user or address: the throttle is not under test here
    (ppm/tests/test_api_defaults.py tests it)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }


@pytest.fixture
def _keep_test_connection():
    """The requests go through Django's real WSGI handler, whose request signals close the database
    connection, and with it the test transaction; Django's test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _build_fuzz_world() -> tuple:
    """A small portfolio (users of every role, directorates, an axis, objectives, tags, four projects in
    different statuses, a schedule, baselines, timesheets, budgets, contracts, flash reports) and spare
    API tokens of the project-office user; returns that user and the ids made, by collection."""
    world = build_world()
    tags = [TagFactory(name=name) for name in ("cloud", "rgpd", "mutualisation")]
    for project, tag in zip(world.projects, itertools.cycle(tags), strict=False):
        project.tags.add(tag)
    pmo = world.user(Role.PROJECT_OFFICE.value)
    spare_tokens = [services.api_token_create(user=pmo, name=f"spare {n}")[0] for n in range(2)]
    schedule = fuzz_schedule(world.projects[0], pmo)
    project_baselines = [
        baseline_take(actor=pmo, project=world.projects[0], name=f"Baseline {n}") for n in range(4)
    ]
    portfolio_baselines = [portfolio_baseline_take(actor=pmo, name=f"COPIL {n}") for n in range(4)]
    timesheets = fuzz_timesheets(world, pmo)
    from budgets.tests.lines_fuzz import fuzz_budgets

    budgets = fuzz_budgets(project=world.projects[0], actor=pmo)
    from budgets.models import BudgetLine

    budgets.update(
        contracts_fuzz.fuzz_contracts(actor=pmo, line=BudgetLine.objects.get(pk=budgets["budget-lines"][0]))
    )
    flash = fuzz_flash_reports(world.projects[0])
    ids = {
        "projects": [project.pk for project in world.projects],
        "directorates": [directorate.pk for directorate in world.directorates],
        "objectives": [objective.pk for objective in world.objectives],
        "axes": [world.objectives[0].axis_id],
        "tags": [tag.pk for tag in tags],
        "tokens": [token.pk for token in spare_tokens],
        "users": [user.pk for user in world.users.values()],
        **schedule,
        "baselines": [baseline.pk for baseline in project_baselines],
        "portfolio-baselines": [baseline.pk for baseline in portfolio_baselines],
        **fuzz_workload(world.projects[0]),
        **timesheets,
        **people_fuzz.fuzz_people(world),
        **budgets,
        **flash,
    }
    return pmo, ids


# Written once per module and xdist worker (about 1 s): each fuzzed operation runs in its own savepoint,
# so what one operation's requests create, change or delete is gone before the next.
shared_fuzz_world = module_data(_build_fuzz_world)


@pytest.fixture
def fuzz_world(shared_fuzz_world, db, _keep_test_connection):
    """The fuzzing user (project office) of the module's portfolio; KNOWN_IDS holds its objects."""
    pmo, ids = shared_fuzz_world
    KNOWN_IDS.clear()
    KNOWN_IDS.update(ids)
    yield copy.deepcopy(pmo)
    KNOWN_IDS.clear()


def fuzz_workload(project) -> dict[str, list[int]]:
    """A few allocations of the project's workload plan, and the ratio templates (reference data)."""
    from resources.models import Allocation, RatioTemplate

    allocations = [
        Allocation.objects.create(
            project=project, family=family, period_start=datetime.date(2025, 9, 1), days=5
        )
        for family in ("moe", "moa", "amoa")
    ]
    return {
        "allocations": [allocation.pk for allocation in allocations],
        "ratio-templates": list(RatioTemplate.objects.values_list("pk", flat=True)),
    }


def fuzz_timesheets(world, actor) -> dict[str, list[int]]:
    """The project office user's own draft week (theirs to fill) and a submitted week of someone they
    manage (theirs to approve or return, line by line)."""
    from decimal import Decimal

    from resources.models import TimeEntry, Timesheet, TimesheetLine
    from resources.tests.factories import ResourceFactory

    week = datetime.date(2025, 9, 1)
    own = Timesheet.objects.create(resource=ResourceFactory(user=actor), week=week)
    managed = Timesheet.objects.create(
        resource=ResourceFactory(user=world.user(Role.CONTRIBUTOR.value), manager=actor),
        week=week,
        status="submitted",
    )
    lines = [
        TimesheetLine.objects.create(timesheet=managed, project=project) for project in world.projects[:2]
    ]
    for line in lines:
        TimeEntry.objects.create(line=line, day=week, days=Decimal("0.5"))
    # Ids are picked by value modulo the list length: the own week twice, so that odd values reach both.
    return {"timesheets": [own.pk, managed.pk, own.pk], "timesheet-lines": [line.pk for line in lines]}


def fuzz_flash_reports(project) -> dict[str, list[int]]:
    """Reporting periods and flash reports (drafts and validated ones) of a project (governance, #9)."""
    import datetime

    from governance import periods
    from governance.models import Cadence, FlashReport

    months = [periods.period_get(Cadence.MONTHLY, datetime.date(2025, month, 1)) for month in (3, 4, 5, 6)]
    reports = [
        FlashReport.objects.create(project=project, period=period, status=status, weather="sunny")
        for period, status in zip(months, ("validated", "validated", "draft", "draft"), strict=True)
    ]
    return {"reporting-periods": [p.pk for p in months], "flash-reports": [r.pk for r in reports]}


def fuzz_schedule(project, actor) -> dict[str, list[int]]:
    """A small schedule (a phase, two tasks, a milestone, links) and calendar exceptions to fuzz."""
    import datetime

    from portfolio.scheduling import services as schedule_services

    tasks = schedule_services.schedule_replace(
        project=project,
        actor=actor,
        tasks=[
            {"key": 1, "name": "Cadrage"},
            {"key": 2, "parent": 1, "name": "Ateliers", "duration": 5},
            {"key": 3, "parent": 1, "name": "Note de cadrage", "duration": 3},
            {"key": 4, "name": "COPIL de lancement", "milestone": True},
        ],
        links=[{"predecessor": 2, "successor": 3}, {"predecessor": 1, "successor": 4}],
    )
    closures = [
        schedule_services.calendar_exception_create(
            actor=actor, name="Pont", start=datetime.date(2025, 5, 2), end=datetime.date(2025, 5, 2)
        ),
        schedule_services.calendar_exception_create(
            actor=actor,
            project=project,
            name="Fermeture",
            start=datetime.date(2025, 8, 4),
            end=datetime.date(2025, 8, 15),
        ),
    ]
    return {
        "tasks": [task.pk for task in tasks.values()],
        "links": list(project.task_links.values_list("pk", flat=True)),
        "calendar-exceptions": [closure.pk for closure in closures],
    }


@pytest.fixture
def credentials(fuzz_world):
    return TokenCredentials(fuzz_world)


@pytest.fixture
def statuses(request):
    """Status codes answered to one operation over all its examples (the fixture spans them all).

    Afterwards, checks that the fuzzing went past the refusals at the door: some request succeeded,
    or, on one object, found it (refused only later: invalid body, malformed or stale If-Match,
    lifecycle). Otherwise the fuzzing has degenerated into testing 404s only.
    """
    answered: list[int] = []
    yield answered
    label = request.node.operation_label
    went_through = {*range(200, 300), 304}
    if "{id}" in label:
        went_through |= {400, 409, 412}
    assert went_through & set(answered), (
        f"{label}: {len(answered)} requests, none went through ({sorted(set(answered))}): the fuzzing only "
        "exercised refusals. Check fuzz_world and the KNOWN_IDS hooks."
    )


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_fuzz(case, credentials, statuses):
    response = case.call_and_validate(headers=credentials.headers(), checks=CHECKS)
    statuses.append(response.status_code)


@door_schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_fuzz_without_credentials(case, fuzz_world):
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code >= 400, (
        f"{case.operation.label} answered {response.status_code} without a token"
    )
