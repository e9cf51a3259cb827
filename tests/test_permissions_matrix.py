"""Permissions matrix: the single source of truth for role × action × ownership, pages and API.

Two parts:

1. ``SPEC`` states, for every action of every app's rule table (portfolio.permissions.RULES,
   ppm.permissions.RULES), what each role may do, per kind of target object.
   ``test_rule_tables_match_the_spec`` checks the declared tables give exactly these answers, and
   that no table declares an action the spec forgets. ``FIELD_SPEC`` does the same for the fields
   of a project each role may change.
2. ``PAGES`` and ``API`` list every endpoint with the rule action it needs. Each endpoint is requested
   as every role; the expected status comes from the same tables (success when allowed, 403 — or 404
   for what the user cannot see — when refused, the login page or 401 when anonymous). For every write
   the test also checks the change happened when allowed and that nothing changed when refused.
   ``test_every_endpoint_is_in_the_matrix`` walks the URL configuration and the API router: a new page
   or a new state-changing API action must join the matrix.

Columns: adm = administrator, pmo = project office, fin = finance, com = committee member, mgr = project
manager, ctb = contributor, rdr = reader, anon = anonymous visitor (tests.matrix.ROLES).

Targets: "-" = no object (a list, a creation); "own" = the acting user's (the project they manage,
their API token); "other" = another project manager's project / another user's token; "any" = a
reference object (no ownership); "account" / "admin-account" = a plain user account / an
administrator's account. The role decides, not the assignment alone: a committee member, contributor
or reader named as a project's manager still only reads it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.test import APIClient

import portfolio.permissions  # noqa: F401 - declares the portfolio's table
import portfolio.scheduling.baselines  # noqa: F401 - declares the baselines' table
import portfolio.scheduling.permissions  # noqa: F401 - declares the schedule's table
from portfolio.api import views as portfolio_api
from portfolio.models import (
    Baseline,
    CalendarFeedToken,
    Objective,
    PortfolioBaseline,
    Project,
    ProjectStatusChange,
    StrategicAxis,
    Tag,
)
from portfolio.permissions import OFFICE_FIELDS, PLAN_FIELDS, editable_project_fields
from portfolio.scheduling.baselines import baseline_take, portfolio_baseline_take
from portfolio.scheduling.board_models import BoardColumnLimit
from portfolio.scheduling.ical import feed_token_create
from portfolio.sheet import SHEET_KIND
from portfolio.tests.factories import ProjectFactory, TagFactory
from ppm.api import urls as api_urls
from ppm.models import ApiToken, Directorate, ReportJob, User
from ppm.permissions import TABLES, table_for
from ppm.roles import Role
from ppm.services import api_token_create
from ppm.tests.factories import UserFactory
from tests import matrix_budgets, matrix_governance, matrix_resources
from tests.helpers import OTHER_MANAGER
from tests.matrix import NA, ROLES, Context, Endpoint, N, Y, _Placeholder


# One portfolio for the module's thousands of tests (tests/conftest.py), each in its own savepoint.
@pytest.fixture
def world(shared_world_copy):
    return shared_world_copy


# The apps' parts of the matrix: SPEC rows, target objects, pages and API endpoints (tests/matrix_<app>.py).
APP_PARTS = (matrix_resources, matrix_budgets, matrix_governance)

# fmt: off
SPEC = [
    # action                         target           adm pmo fin com mgr ctb rdr anon
    ("project.view",                 "other",         Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("project.create",               "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("project.change",               "own",           Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("project.change",               "other",         Y,  Y,  N,  N,  N,  N,  N,  N),
    ("project.change_office_fields", "own",           Y,  Y,  N,  N,  N,  N,  N,  NA),
    ("project.change_office_fields", "other",         Y,  Y,  N,  N,  N,  N,  N,  N),
    ("project.transition",           "own",           Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("project.transition",           "other",         Y,  Y,  N,  N,  N,  N,  N,  N),
    ("axis.view",                    "any",           Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("axis.create",                  "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("axis.change",                  "any",           Y,  Y,  N,  N,  N,  N,  N,  N),
    ("objective.view",               "any",           Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("objective.create",             "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("objective.change",             "any",           Y,  Y,  N,  N,  N,  N,  N,  N),
    ("tag.view",                     "any",           Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("tag.create",                   "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("tag.change",                   "any",           Y,  Y,  N,  N,  N,  N,  N,  N),
    ("directorate.view",             "any",           Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("directorate.create",           "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("directorate.change",           "any",           Y,  Y,  N,  N,  N,  N,  N,  N),
    ("user.view",                    "-",             Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("user.manage",                  "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("user.create",                  "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("user.change",                  "account",       Y,  Y,  N,  N,  N,  N,  N,  N),
    ("user.change",                  "admin-account", Y,  N,  N,  N,  N,  N,  N,  N),
    ("user.grant_admin",             "-",             Y,  N,  N,  N,  N,  N,  N,  N),
    ("apitoken.view",                "-",             Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("apitoken.create",              "-",             Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("apitoken.delete",              "own",           Y,  Y,  Y,  Y,  Y,  Y,  Y,  NA),
    ("apitoken.delete",              "other",         N,  N,  N,  N,  N,  N,  N,  N),
    ("auditentry.view",              "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("manage.view",                  "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("baseline.view",                "-",             Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("baseline.create",              "own",           Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("baseline.create",              "other",         Y,  Y,  N,  N,  N,  N,  N,  N),
    ("baseline.change",              "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("portfoliobaseline.view",       "-",             Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("portfoliobaseline.create",     "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("portfoliobaseline.change",     "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    ("calendarfeed.create",          "-",             Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("calendarfeed.delete",          "own",           Y,  Y,  Y,  Y,  Y,  Y,  Y,  NA),
    ("calendarfeed.delete",          "other",         N,  N,  N,  N,  N,  N,  N,  N),
    ("schedule.view",                "other",         Y,  Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("schedule.change",              "own",           Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("schedule.change",              "other",         Y,  Y,  N,  N,  N,  N,  N,  N),
    ("task.progress",                "own",           Y,  Y,  Y,  Y,  Y,  Y,  N,  NA),
    ("task.progress",                "other",         Y,  Y,  N,  N,  N,  N,  N,  N),
    ("calendar.manage",              "-",             Y,  Y,  N,  N,  N,  N,  N,  N),
    *matrix_resources.SPEC,
    *matrix_budgets.SPEC,
    *matrix_governance.SPEC,
]

# The fields of a project each role may change, by ownership ("-": none).
PLAN, ALL = set(PLAN_FIELDS), set(PLAN_FIELDS) | set(OFFICE_FIELDS)
FIELD_SPEC = [
    # target  adm  pmo  fin    com    mgr    ctb    rdr    anon
    ("own",   ALL, ALL, set(), set(), PLAN,  set(), set(), NA),
    ("other", ALL, ALL, set(), set(), set(), set(), set(), set()),
]
# fmt: on

NEW_NAME = "Renamed by the matrix"


def _target_object(world, user, target: str, entity: str, project: Project):
    for part in APP_PARTS:
        if entity in part.ENTITIES:
            return part.target_object(world, user, target, entity, project)
    if target == "-":
        return None
    if entity in ("project", "schedule", "baseline"):  # a project baseline is taken on its project
        return project
    if entity == "calendarfeed":
        owner = user if target == "own" else world.user(OTHER_MANAGER)
        return feed_token_create(actor=owner, scope="user")[0]
    if entity == "task":
        from portfolio.scheduling.models import Task

        return Task.objects.create(
            project=project, name="Matrix task", assignee=user if target == "own" else None
        )
    if entity == "apitoken":
        owner = user if target == "own" else world.user(OTHER_MANAGER)
        token, _raw = api_token_create(user=owner, name=f"matrix-{target}")
        return token
    if entity == "user":
        if target == "admin-account":
            return UserFactory(username="admin-2", role=Role.ADMINISTRATOR)
        return UserFactory(username="target-account", role=Role.READER, first_name="Target")
    return {
        "axis": lambda: world.objectives[0].axis,
        "objective": lambda: world.objectives[0],
        "tag": lambda: TagFactory(name="matrix-tag"),
        "directorate": lambda: world.directorates[0],
    }[entity]()


def _context(world, role: str, target: str, entity: str) -> Context:
    user = None if role == "anonymous" else world.user(role)
    project = ProjectFactory(
        code="MATRIX-1",
        name="Matrix project",
        directorate=world.directorates[0],
        manager=user
        if (target == "own" and entity in ("project", "schedule", "task", "baseline"))
        or any((entity, target) in part.MANAGED_PROJECT_TARGETS for part in APP_PARTS)
        else world.user(OTHER_MANAGER),
        planned_start=datetime.date(2025, 3, 3),
        planned_end=datetime.date(2025, 12, 19),
        objectives=[world.objectives[0]],
    )
    return Context(world, role, user, project, _target_object(world, user, target, entity, project))


def _cases(rows):
    for row in rows:
        action, target, *answers = row
        for role, answer in zip(ROLES, answers, strict=True):
            if answer is not NA:
                yield pytest.param(action, target, role, answer, id=f"{role}-{action}-{target}")


# ------------------------------------------------------------------------------ 1. the tables


def test_every_declared_action_is_specified():
    declared = {(table.name, action) for table in TABLES.values() for action in table.actions()}
    specified = {(table_for(action).name, action) for action, *_rest in SPEC}
    assert declared == specified, (
        f"actions without spec: {declared - specified}; unknown: {specified - declared}"
    )


@pytest.mark.parametrize(("action", "target", "role", "answer"), list(_cases(SPEC)))
def test_rule_tables_match_the_spec(world, action, target, role, answer):
    context = _context(world, role, target, action.split(".", 1)[0])
    allowed = table_for(action).allows(context.user, action, context.target)
    assert allowed is answer, f"{role} {action} ({target}): the table says {allowed}, the spec {answer}"


@pytest.mark.parametrize(
    ("target", "role", "fields"),
    [
        pytest.param(target, role, fields, id=f"{role}-{target}")
        for target, *per_role in FIELD_SPEC
        for role, fields in zip(ROLES, per_role, strict=True)
        if fields is not NA
    ],
)
def test_editable_project_fields_match_the_spec(world, target, role, fields):
    context = _context(world, role, target, "project")
    assert editable_project_fields(context.user, context.project) == fields


# --------------------------------------------------------------------------- 2. the endpoints


def _project_state(c: Context):
    c.project.refresh_from_db()
    return (
        Project.objects.count(),
        c.project.name,
        c.project.version,
        c.project.status,
        ProjectStatusChange.objects.filter(project=c.project).count(),
    )


def _project_form(c: Context) -> dict:
    p = c.project
    return {
        "code": p.code,
        "name": NEW_NAME,
        "description": p.description,
        "directorate": p.directorate_id,
        "manager": p.manager_id or "",
        "planned_start": p.planned_start.isoformat(),
        "planned_end": p.planned_end.isoformat(),
        "priority": p.priority,
        "objectives": [o.pk for o in p.objectives.all()],
        "tags": "",
        "version": p.version,
    }


def _new_project(c: Context) -> dict:
    return {
        "code": "NEW-2030",
        "name": "Created by the matrix",
        "directorate": c.world.directorates[0].pk,
        "manager": c.world.user("manager").pk,
        "planned_start": "2030-01-07",
        "planned_end": "2030-12-20",
        "priority": 3,
        "objectives": [c.world.objectives[0].pk],
        "tags": "",
    }


def _sheet_job_url(c: Context) -> str:
    if isinstance(c.project, _Placeholder):  # resolving the URL only (test_every_page_is_in_the_matrix)
        return reverse("report_job_status", args=[c.project.pk])
    job = ReportJob.objects.create(
        kind=SHEET_KIND,
        key=f"matrix:{c.project.pk}:{ReportJob.objects.count()}",
        content_type=ContentType.objects.get_for_model(Project),
        object_id=c.project.pk,
        object_version=c.project.version,
    )
    return reverse("report_job_status", args=[job.pk])


# A one-task MS Project file for the schedule import rows (portfolio/scheduling/mspdi.py).
MSPDI_FILE = (
    b'<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task><UID>1</UID><Name>Matrix task</Name>'
    b"<OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration></Task></Tasks></Project>"
)


def _mspdi_upload(c: Context) -> dict:
    return {"file": SimpleUploadedFile("plan.xml", MSPDI_FILE, content_type="application/xml")}


def _task_count(c: Context) -> int:
    return c.project.tasks.count()


def _project_url(name: str) -> Callable[[Context], str]:
    return lambda c: reverse(name, args=[c.project.pk])


def _target_url(name: str) -> Callable[[Context], str]:
    return lambda c: reverse(name, args=[c.target.pk])


def _reference_state(model):
    return lambda c: (model.objects.count(), [str(o) for o in model.objects.order_by("pk")])


def _section(namespace, key, entity, model, new, edit, list_action=None, edit_target="any"):
    """The four pages of a managed section (ppm.manage_views)."""
    state = _reference_state(model)
    return [
        Endpoint(
            f"{key}-list",
            list_action or f"{entity}.change",
            "-",
            "get",
            lambda c: reverse(f"{namespace}:{key}_list"),
        ),
        Endpoint(
            f"{key}-create-form",
            f"{entity}.create",
            "-",
            "get",
            lambda c: reverse(f"{namespace}:{key}_create"),
        ),
        Endpoint(
            f"{key}-create",
            f"{entity}.create",
            "-",
            "post",
            lambda c: reverse(f"{namespace}:{key}_create"),
            data=new,
            success=302,
            state=state,
        ),
        Endpoint(
            f"{key}-edit-form", f"{entity}.change", edit_target, "get", _target_url(f"{namespace}:{key}_edit")
        ),
        Endpoint(
            f"{key}-edit",
            f"{entity}.change",
            edit_target,
            "post",
            _target_url(f"{namespace}:{key}_edit"),
            data=edit,
            success=302,
            state=state,
        ),
    ]


def _user_form(c: Context, **changes) -> dict:
    return {
        "first_name": "Renamed",
        "last_name": "Target",
        "email": "",
        "role": c.target.role,
        "is_active": "on",
    }


def _card_move_url(c: Context) -> str:
    project_id = getattr(c.target, "project_id", c.target.pk)  # a placeholder has no project
    return reverse("portfolio:task_board_move", args=[project_id, c.target.pk])


def _a_baseline(c: Context) -> int:
    """The project's baseline "COPIL 1" (taken on first use: before the state is read)."""
    if isinstance(c.project, _Placeholder):  # resolving the URL only
        return 1
    existing = Baseline.objects.filter(project=c.project, name="COPIL 1").first()
    return (existing or baseline_take(actor=c.world.user("pmo"), project=c.project, name="COPIL 1")).pk


def _a_portfolio_baseline(c: Context) -> int:
    if isinstance(c.project, _Placeholder):
        return 1
    existing = PortfolioBaseline.objects.filter(name="COPIL T1").first()
    return (existing or portfolio_baseline_take(actor=c.world.user("pmo"), name="COPIL T1")).pk


def _baseline_state(c: Context):
    if not c.extra.get("baselines"):  # the first reading, before the request
        c.extra["baselines"] = (_a_baseline(c), _a_portfolio_baseline(c))
    return (
        list(Baseline.objects.values_list("name", flat=True).order_by("pk")),
        PortfolioBaseline.objects.count(),
        CalendarFeedToken.objects.filter(revoked=False).count(),
    )


BASELINE_PAGES = [
    Endpoint("baselines", "baseline.view", "-", "get", _project_url("portfolio:project_baselines")),
    *(
        Endpoint(
            "baseline-take",
            "baseline.create",
            t,
            "post",
            _project_url("portfolio:baseline_take"),
            data=lambda c: {"name": "New"},
            success=302,
            state=_baseline_state,
        )
        for t in ("own", "other")
    ),
    Endpoint(
        "baseline-rename",
        "baseline.change",
        "-",
        "post",
        lambda c: reverse("portfolio:baseline_rename", args=[_a_baseline(c)]),
        data=lambda c: {"name": "Renamed"},
        success=302,
        state=_baseline_state,
    ),
    Endpoint(
        "baseline-delete",
        "baseline.change",
        "-",
        "post",
        lambda c: reverse("portfolio:baseline_delete", args=[_a_baseline(c)]),
        data=lambda c: {},
        success=302,
        state=_baseline_state,
    ),
    Endpoint(
        "portfolio-baselines",
        "portfoliobaseline.view",
        "-",
        "get",
        lambda c: reverse("portfolio:portfolio_baselines"),
    ),
    Endpoint(
        "portfolio-baseline-take",
        "portfoliobaseline.create",
        "-",
        "post",
        lambda c: reverse("portfolio:portfolio_baseline_take"),
        data=lambda c: {"name": "New"},
        success=302,
        state=_baseline_state,
    ),
    Endpoint(
        "portfolio-baseline-delete",
        "portfoliobaseline.change",
        "-",
        "post",
        lambda c: reverse("portfolio:portfolio_baseline_delete", args=[_a_portfolio_baseline(c)]),
        data=lambda c: {},
        success=302,
        state=_baseline_state,
    ),
    Endpoint(
        "feed-create",
        "calendarfeed.create",
        "-",
        "post",
        lambda c: reverse("portfolio:feed_token_create"),
        data=lambda c: {"scope": "project", "project": c.project.pk},
        success=302,
        state=_baseline_state,
    ),
    *(
        Endpoint(
            "feed-revoke",
            "calendarfeed.delete",
            t,
            "post",
            _target_url("portfolio:feed_token_revoke"),
            data=lambda c: {},
            success=302,
            refused=404,
            state=_baseline_state,
        )
        for t in ("own", "other")
    ),
    *matrix_resources.PAGES,
    *matrix_budgets.PAGES,
    *matrix_governance.PAGES,
]


def _doomed_task(c: Context):
    """A task to delete, created once per test before its state is first read (the write must find it)."""
    from portfolio.scheduling.models import Task

    if "doomed" not in c.extra:
        c.extra["doomed"] = Task.objects.create(project=c.project, name="Doomed by the matrix")
    return c.extra["doomed"]


def _doomed_state(c: Context) -> bool:
    from portfolio.scheduling.models import Task

    return Task.objects.filter(pk=_doomed_task(c).pk).exists()


PAGES = [
    Endpoint("dashboard", "project.view", "-", "get", lambda c: reverse("portfolio:dashboard")),
    Endpoint("portfolio-board", "project.view", "-", "get", lambda c: reverse("portfolio:portfolio_board")),
    Endpoint(
        "portfolio-board-cards",
        "project.view",
        "-",
        "get",
        lambda c: reverse("portfolio:portfolio_board_cards") + "?status=framing&offset=0",
    ),
    *(
        Endpoint("task-board", "project.view", t, "get", _project_url("portfolio:task_board"))
        for t in ("own", "other")
    ),
    *(
        Endpoint("task-board-cards", "project.view", t, "get", _project_url("portfolio:task_board_cards"))
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "task-board-limits",
            "schedule.change",
            t,
            "post",
            _project_url("portfolio:task_board_limits"),
            data=lambda c: {"todo": "3"},
            success=302,
            state=lambda c: list(BoardColumnLimit.objects.values_list("board_status", "wip_limit")),
        )
        for t in ("own", "other")
    ),
    Endpoint("list", "project.view", "-", "get", lambda c: reverse("portfolio:project_list")),
    Endpoint(
        "export", "project.view", "-", "get", lambda c: reverse("portfolio:project_export", args=["csv"])
    ),
    *(
        Endpoint("detail", "project.view", t, "get", _project_url("portfolio:project_detail"))
        for t in ("own", "other")
    ),
    Endpoint("create-form", "project.create", "-", "get", lambda c: reverse("portfolio:project_create")),
    Endpoint(
        "create",
        "project.create",
        "-",
        "post",
        lambda c: reverse("portfolio:project_create"),
        data=_new_project,
        success=302,
        state=_project_state,
    ),
    *(
        Endpoint("edit-form", "project.change", t, "get", _project_url("portfolio:project_edit"))
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "edit",
            "project.change",
            t,
            "post",
            _project_url("portfolio:project_edit"),
            data=_project_form,
            success=302,
            state=_project_state,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "transition",
            "project.transition",
            t,
            "post",
            _project_url("portfolio:project_transition"),
            data=lambda c: {"action": "start_framing", "version": c.project.version, "comment": "matrix"},
            success=302,
            state=_project_state,
        )
        for t in ("own", "other")
    ),
    Endpoint(
        "sheet-request",
        "project.view",
        "other",
        "post",
        _project_url("portfolio:project_sheet_request"),
        data=lambda c: {},
        success=302,
        state=lambda c: ReportJob.objects.count(),
    ),
    Endpoint("sheet-status", "project.view", "other", "get", _project_url("portfolio:project_sheet_status")),
    *(
        Endpoint(
            "schedule-import-form", "project.change", t, "get", _project_url("portfolio:schedule_import")
        )
        for t in ("own", "other")
    ),
    *(  # the page answers 200 with its report once imported
        Endpoint(
            "schedule-import",
            "project.change",
            t,
            "post",
            _project_url("portfolio:schedule_import"),
            data=_mspdi_upload,
            state=_task_count,
        )
        for t in ("own", "other")
    ),
    Endpoint("audit-log", "auditentry.view", "-", "get", lambda c: reverse("audit_log")),
    Endpoint("import-form", "project.create", "-", "get", lambda c: reverse("portfolio:project_import")),
    # The generic job views: a project sheet job follows its project's visibility (404 when refused).
    Endpoint(
        "job-request",
        "project.view",
        "other",
        "post",
        lambda c: reverse("report_job_request", args=[SHEET_KIND]),
        data=lambda c: {"object": c.project.pk},
        success=302,
        state=lambda c: ReportJob.objects.count(),
    ),
    Endpoint("job-status", "project.view", "other", "get", _sheet_job_url, refused=404),
    Endpoint("manage", "manage.view", "-", "get", lambda c: reverse("manage:index")),
    *_section(
        "manage",
        "directorates",
        "directorate",
        Directorate,
        new=lambda c: {"code": "MTX", "name": "Matrix unit", "is_active": "on"},
        edit=lambda c: {"code": c.target.code, "name": NEW_NAME, "is_active": "on"},
    ),
    *_section(
        "manage",
        "users",
        "user",
        User,
        list_action="user.manage",
        edit_target="account",
        new=lambda c: {"username": "matrix-new", "role": Role.READER, "is_active": "on"},
        edit=_user_form,
    ),
    *_section(
        "manage",
        "users",
        "user",
        User,
        edit_target="admin-account",
        new=None,
        edit=_user_form,
    )[3:],
    *_section(
        "portfolio:reference",
        "axes",
        "axis",
        StrategicAxis,
        new=lambda c: {"code": "AXM", "name": "Matrix axis", "order": 9},
        edit=lambda c: {"code": c.target.code, "name": NEW_NAME, "order": c.target.order},
    ),
    *_section(
        "portfolio:reference",
        "objectives",
        "objective",
        Objective,
        new=lambda c: {
            "axis": c.world.objectives[0].axis_id,
            "code": "OBJM",
            "name": "Matrix objective",
            "order": 9,
        },
        edit=lambda c: {"axis": c.target.axis_id, "code": c.target.code, "name": NEW_NAME, "order": 0},
    ),
    *_section(
        "portfolio:reference",
        "tags",
        "tag",
        Tag,
        new=lambda c: {"name": "matrix-new-tag"},
        edit=lambda c: {"name": "matrix renamed"},
    ),
    Endpoint("profile", "apitoken.view", "-", "get", lambda c: reverse("profile")),
    Endpoint(
        "token-create",
        "apitoken.create",
        "-",
        "post",
        lambda c: reverse("api_token_create"),
        data=lambda c: {"name": "matrix page token"},
        success=200,
        state=lambda c: ApiToken.objects.count(),
    ),
    *(
        Endpoint(
            "token-revoke",
            "apitoken.delete",
            t,
            "post",
            _target_url("api_token_revoke"),
            data=lambda c: {},
            success=302,
            refused=404,
            state=lambda c: ApiToken.objects.count(),
        )
        for t in ("own", "other")
    ),
    *BASELINE_PAGES,
    *(
        Endpoint("tasks", "schedule.view", t, "get", _project_url("portfolio:project_tasks"))
        for t in ("own", "other")
    ),
    *(
        Endpoint("gantt", "schedule.view", t, "get", _project_url("portfolio:project_gantt"))
        for t in ("own", "other")
    ),
    Endpoint("roadmap", "project.view", "-", "get", lambda c: reverse("portfolio:roadmap")),
    *(
        Endpoint("task-edit-form", "task.progress", t, "get", _target_url("portfolio:task_row_edit"))
        for t in ("own", "other")
    ),
    *(Endpoint("card-move-form", "task.progress", t, "get", _card_move_url) for t in ("own", "other")),
    *(
        Endpoint(
            "card-move",
            "task.progress",
            t,
            "post",
            _card_move_url,
            data=lambda c: {"board_status": "blocked", "place": "top", "version": c.target.version},
            success=302,
            state=lambda c: tuple(
                c.target.__class__.objects.filter(pk=c.target.pk).values_list("version", "board_status")
            ),
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "task-edit",
            "task.progress",
            t,
            "post",
            _target_url("portfolio:task_row_edit"),
            data=lambda c: {
                "version": c.target.version,
                "name": c.target.name,
                "duration": c.target.duration,
                "percent_complete": 60,
            },
            success=302,
            state=lambda c: tuple(
                c.target.__class__.objects.filter(pk=c.target.pk).values_list("version", "percent_complete")
            ),
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "task-add",
            "schedule.change",
            t,
            "post",
            _project_url("portfolio:task_add"),
            data=lambda c: {"name": "Added by the matrix", "duration": 3},
            success=302,
            state=_task_count,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "task-delete",
            "schedule.change",
            t,
            "post",
            lambda c: reverse(
                "portfolio:task_delete",
                args=[_doomed_task(c).pk if isinstance(c.project, Project) else c.project.pk],
            ),
            data=lambda c: {"version": _doomed_task(c).version},
            success=302,
            state=_doomed_state,
        )
        for t in ("own", "other")
    ),
]


def _api_reference(path, entity, model, new, put):
    state = _reference_state(model)
    return [
        Endpoint(f"api-{entity}-list", f"{entity}.view", "-", "get", lambda c: f"/api/v1/{path}/"),
        Endpoint(
            f"api-{entity}-detail", f"{entity}.view", "any", "get", lambda c: f"/api/v1/{path}/{c.target.pk}/"
        ),
        Endpoint(
            f"api-{entity}-create",
            f"{entity}.create",
            "-",
            "post",
            lambda c: f"/api/v1/{path}/",
            data=new,
            success=201,
            state=state,
        ),
        Endpoint(
            f"api-{entity}-patch",
            f"{entity}.change",
            "any",
            "patch",
            lambda c: f"/api/v1/{path}/{c.target.pk}/",
            data=lambda c: {"name": "matrix renamed"},
            state=state,
        ),
        Endpoint(
            f"api-{entity}-put",
            f"{entity}.change",
            "any",
            "put",
            lambda c: f"/api/v1/{path}/{c.target.pk}/",
            data=put,
            state=state,
        ),
    ]


def _project_api(suffix=""):
    return lambda c: f"/api/v1/projects/{c.project.pk}/{suffix}"


API = [
    Endpoint("api-list", "project.view", "-", "get", lambda c: "/api/v1/projects/"),
    *(Endpoint("api-detail", "project.view", t, "get", _project_api()) for t in ("own", "other")),
    Endpoint("api-history", "project.view", "other", "get", _project_api("history/")),
    Endpoint("api-schedule-export", "project.view", "other", "get", _project_api("schedule/export/")),
    *(
        Endpoint(
            "api-schedule-import",
            "project.change",
            t,
            "post",
            _project_api("schedule/import/"),
            data=_mspdi_upload,
            success=201,
            state=_task_count,
            format="multipart",
        )
        for t in ("own", "other")
    ),
    Endpoint(
        "api-create",
        "project.create",
        "-",
        "post",
        lambda c: "/api/v1/projects/",
        data=lambda c: {**_new_project(c), "tags": []},
        success=201,
        state=_project_state,
    ),
    *(
        Endpoint(
            "api-patch",
            "project.change",
            t,
            "patch",
            _project_api(),
            data=lambda c: {"name": NEW_NAME},
            state=_project_state,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "api-put",
            "project.change",
            t,
            "put",
            _project_api(),
            data=lambda c: {
                "code": c.project.code,
                "name": NEW_NAME,
                "directorate": c.project.directorate_id,
            },
            state=_project_state,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "api-transition",
            "project.transition",
            t,
            "post",
            _project_api("transition/"),
            data=lambda c: {"action": "start_framing"},
            state=_project_state,
        )
        for t in ("own", "other")
    ),
    *_api_reference(
        "axes",
        "axis",
        StrategicAxis,
        new=lambda c: {"code": "AXM", "name": "Matrix axis"},
        put=lambda c: {"code": c.target.code, "name": "matrix renamed"},
    ),
    *_api_reference(
        "objectives",
        "objective",
        Objective,
        new=lambda c: {"axis": c.world.objectives[0].axis_id, "code": "OBJM", "name": "Matrix objective"},
        put=lambda c: {"axis": c.target.axis_id, "code": c.target.code, "name": "matrix renamed"},
    ),
    *_api_reference(
        "tags",
        "tag",
        Tag,
        new=lambda c: {"name": "matrix-new-tag"},
        put=lambda c: {"name": "matrix renamed"},
    ),
    *_api_reference(
        "directorates",
        "directorate",
        Directorate,
        new=lambda c: {"code": "MTX", "name": "Matrix unit"},
        put=lambda c: {"code": c.target.code, "name": "matrix renamed"},
    ),
    Endpoint("api-users", "user.view", "-", "get", lambda c: "/api/v1/users/"),
    Endpoint("api-me", "user.view", "-", "get", lambda c: "/api/v1/users/me/"),
    Endpoint("api-tokens", "apitoken.view", "-", "get", lambda c: "/api/v1/users/me/tokens/"),
    Endpoint(
        "api-token-create",
        "apitoken.create",
        "-",
        "post",
        lambda c: "/api/v1/users/me/tokens/",
        data=lambda c: {"name": "matrix api token"},
        success=201,
        state=lambda c: ApiToken.objects.count(),
    ),
    *(
        Endpoint(
            "api-token-delete",
            "apitoken.delete",
            t,
            "delete",
            lambda c: f"/api/v1/users/me/tokens/{c.target.pk}/",
            success=204,
            refused=404,
            state=lambda c: ApiToken.objects.count(),
        )
        for t in ("own", "other")
    ),
    Endpoint("api-baselines", "baseline.view", "-", "get", _project_api("baselines/")),
    *(
        Endpoint(
            "api-baseline-take",
            "baseline.create",
            t,
            "post",
            _project_api("baselines/"),
            data=lambda c: {"name": "New"},
            success=201,
            state=_baseline_state,
        )
        for t in ("own", "other")
    ),
    Endpoint(
        "api-baseline-compare",
        "baseline.view",
        "-",
        "get",
        lambda c: f"/api/v1/baselines/{_a_baseline(c)}/compare/",
    ),
    Endpoint(
        "api-baseline-delete",
        "baseline.change",
        "-",
        "delete",
        lambda c: f"/api/v1/baselines/{_a_baseline(c)}/",
        success=204,
        state=_baseline_state,
    ),
    Endpoint(
        "api-portfolio-baselines",
        "portfoliobaseline.view",
        "-",
        "get",
        lambda c: "/api/v1/portfolio-baselines/",
    ),
    Endpoint(
        "api-portfolio-baseline-take",
        "portfoliobaseline.create",
        "-",
        "post",
        lambda c: "/api/v1/portfolio-baselines/",
        data=lambda c: {"name": "New"},
        success=201,
        state=_baseline_state,
    ),
    Endpoint(
        "api-portfolio-baseline-compare",
        "portfoliobaseline.view",
        "-",
        "get",
        lambda c: f"/api/v1/portfolio-baselines/{_a_portfolio_baseline(c)}/compare/",
    ),
    Endpoint(
        "api-portfolio-baseline-delete",
        "portfoliobaseline.change",
        "-",
        "delete",
        lambda c: f"/api/v1/portfolio-baselines/{_a_portfolio_baseline(c)}/",
        success=204,
        state=_baseline_state,
    ),
    *matrix_resources.API,
    *matrix_budgets.API,
    *matrix_governance.API,
]


def _expected(endpoint: Endpoint, context: Context, *, api: bool) -> int:
    if context.user is None:
        return 401 if api else 302
    allowed = table_for(endpoint.action).allows(context.user, endpoint.action, context.target)
    return endpoint.success if allowed else endpoint.refused


def _check_effect(endpoint, before, after, allowed):
    if endpoint.state is None:
        return
    if allowed:
        assert after != before, f"an allowed {endpoint.name} changed nothing: {before}"
    else:
        assert after == before, f"a refused {endpoint.name} changed something: {before} → {after}"


@pytest.mark.parametrize(("endpoint", "role"), [case for endpoint in PAGES for case in endpoint.cases()])
def test_page_permissions(client, world, endpoint, role):
    context = _context(world, role, endpoint.target, endpoint.entity)
    if context.user is not None:
        client.force_login(context.user)
    expected = _expected(endpoint, context, api=False)
    before = endpoint.state(context) if endpoint.state else None
    url = endpoint.url(context)

    if endpoint.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, endpoint.data(context) if endpoint.data else {})

    assert response.status_code == expected, (
        f"{role} {endpoint.name} ({endpoint.target}): expected {expected}, got {response.status_code}"
    )
    if context.user is None:
        assert response["Location"].startswith(reverse("login")), response["Location"]
    if endpoint.name == "export" and expected == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"MATRIX-1" in body
    allowed = context.user is not None and expected == endpoint.success
    if endpoint.name in ("edit", "create") and allowed:
        target = Project.objects.get(code="NEW-2030") if endpoint.name == "create" else context.project
        assert response["Location"] == reverse("portfolio:project_detail", args=[target.pk])
        if endpoint.name == "edit":
            target.refresh_from_db()
            assert target.name == NEW_NAME
    if endpoint.name == "transition" and allowed:
        context.project.refresh_from_db()
        assert context.project.status == "framing"
    if endpoint.state is not None:
        _check_effect(endpoint, before, endpoint.state(context), allowed)


@pytest.mark.parametrize(("endpoint", "role"), [case for endpoint in API for case in endpoint.cases()])
def test_api_permissions(world, endpoint, role):
    context = _context(world, role, endpoint.target, endpoint.entity)
    client = APIClient()
    if context.user is not None:
        _token, raw = api_token_create(user=context.user, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    expected = _expected(endpoint, context, api=True)
    before = endpoint.state(context) if endpoint.state else None

    data = endpoint.data(context) if endpoint.data else None
    response = getattr(client, endpoint.method)(endpoint.url(context), data, format=endpoint.format)

    assert response.status_code == expected, (
        f"{role} {endpoint.name} ({endpoint.target}): expected {expected}, got {response.status_code}: "
        f"{getattr(response, 'data', response.content)!r}"
    )
    if expected in (401, 403):
        assert "detail" in response.json(), "a refusal explains itself"
    if endpoint.name == "api-me" and expected == 200:
        assert response.json()["username"] == context.user.username
    if endpoint.name == "api-list" and expected == 200:
        assert "MATRIX-1" in [row["code"] for row in response.json()["results"]]
    if endpoint.name in ("api-patch", "api-put") and expected == 200:
        assert response.json()["name"] == NEW_NAME
    if endpoint.name == "api-transition" and expected == 200:
        assert response.json()["status"] == "framing"
    _check_effect(
        endpoint, before, endpoint.state(context) if endpoint.state else None, expected == endpoint.success
    )


# -------------------------------------------------------------------------------- 3. coverage

# URL names that are not application endpoints of a rule table (sign-in and password flows, health
# checks, language switch, API schema and docs, Django's admin which has its own permissions).
NOT_RULED = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "readyz",
    "set_language",
    "api-schema",
    "api-docs",
    # Read by a calendar client with no session: the private token in the URL is the credential
    # (portfolio/tests/test_scheduling_ical.py: unknown, revoked or deactivated → 404).
    "portfolio:calendar_feed",
}
# Reads whose rights are those of an endpoint in the matrix (same view, same rule).
SAME_AS = {
    "portfolio:project_sheet_download": "sheet-status",
    "report_job_download": "job-status",
    **matrix_resources.SAME_AS,
    **matrix_budgets.SAME_AS,
    **matrix_governance.SAME_AS,
}
NOT_RULED |= matrix_resources.NOT_RULED | matrix_budgets.NOT_RULED | matrix_governance.NOT_RULED


def _url_names(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern, prefix + (f"{pattern.namespace}:" if pattern.namespace else ""))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


def _resolved(endpoint: Endpoint):
    """What an endpoint's URL resolves to (built with placeholder objects: only ids are needed)."""
    url = endpoint.url(Context(None, "reader", None, _Placeholder(), _Placeholder()))
    return resolve(url.split("?", 1)[0])


def test_every_page_is_in_the_matrix():
    names = {
        name for name in _url_names() if not name.startswith(("admin:", "api:")) and name not in NOT_RULED
    }
    in_matrix = {_resolved(endpoint).view_name for endpoint in PAGES}
    missing = names - in_matrix - {name for name, same in SAME_AS.items() if same in {e.name for e in PAGES}}
    assert not missing, f"pages missing from the permissions matrix: {sorted(missing)}"


WRITE_ACTIONS = ("create", "update", "partial_update", "destroy")


def test_every_state_changing_api_action_is_in_the_matrix():
    """Each viewset's write actions (and extra actions accepting writes) are requested by the matrix."""
    in_matrix = set()
    for endpoint in API:
        match = _resolved(endpoint)
        if hasattr(match.func, "actions"):  # a viewset (plain API views are not in the router)
            in_matrix.add((match.func.cls, match.func.actions[endpoint.method]))
    missing = []
    for prefix, viewset, _basename in api_urls.router.registry:
        writes = [action for action in WRITE_ACTIONS if hasattr(viewset, action)]
        writes += [
            extra.__name__
            for extra in viewset.get_extra_actions()
            if set(extra.mapping) - {"get", "head", "options"}
        ]
        missing += [f"{prefix}: {action}" for action in writes if (viewset, action) not in in_matrix]
    assert not missing, f"API writes missing from the permissions matrix: {missing}"


def test_the_api_reads_the_same_tables():
    assert portfolio_api.ProjectViewSet.rules is table_for("project.view")
    assert portfolio_api.TagViewSet.rules is table_for("tag.change")


# ------------------------------------------------------------------------------------- schedule API
# Ownership for the schedule: "own" = the acting user manages the project (when a project manager) and
# the task is assigned to them (any role); "other" = another project manager manages it and the task is
# assigned to nobody. Contributors (and any role but reader) update the progress of their own tasks.

# fmt: off
SCHEDULE_API_EXPECTED = [
    # action            owner    adm  pmo  fin  com  mgr  ctb  rdr  anon
    ("task_list",       "other", 200, 200, 200, 200, 200, 200, 200, 401),
    ("task_detail",     "other", 200, 200, 200, 200, 200, 200, 200, 401),
    ("gantt",           "other", 200, 200, 200, 200, 200, 200, 200, 401),
    ("link_list",       "other", 200, 200, 200, 200, 200, 200, 200, 401),
    ("task_create",     "own",   201, 201, 403, 403, 201, 403, 403, NA),
    ("task_create",     "other", 201, 201, 403, 403, 403, 403, 403, 401),
    ("task_patch",      "own",   200, 200, 403, 403, 200, 403, 403, NA),
    ("task_patch",      "other", 200, 200, 403, 403, 403, 403, 403, 401),
    ("task_progress",   "own",   200, 200, 200, 200, 200, 200, 403, NA),
    ("task_progress",   "other", 200, 200, 403, 403, 403, 403, 403, 401),
    ("task_move",       "own",   200, 200, 200, 200, 200, 200, 403, NA),
    ("task_move",       "other", 200, 200, 403, 403, 403, 403, 403, 401),
    ("task_delete",     "own",   204, 204, 403, 403, 204, 403, 403, NA),
    ("task_delete",     "other", 204, 204, 403, 403, 403, 403, 403, 401),
    ("task_reorder",    "own",   200, 200, 403, 403, 200, 403, 403, NA),
    ("task_reorder",    "other", 200, 200, 403, 403, 403, 403, 403, 401),
    ("link_create",     "own",   201, 201, 403, 403, 201, 403, 403, NA),
    ("link_create",     "other", 201, 201, 403, 403, 403, 403, 403, 401),
    ("link_patch",      "other", 200, 200, 403, 403, 403, 403, 403, 401),
    ("link_delete",     "own",   204, 204, 403, 403, 204, 403, 403, NA),
    ("link_delete",     "other", 204, 204, 403, 403, 403, 403, 403, 401),
    ("closure_org",     "-",     201, 201, 403, 403, 403, 403, 403, 401),
    ("closure_project", "own",   201, 201, 403, 403, 201, 403, 403, NA),
    ("closure_project", "other", 201, 201, 403, 403, 403, 403, 403, 401),
]
# fmt: on


@dataclass
class ScheduleSnapshot:
    tasks: int
    links: int
    closures: int
    name: str
    version: int
    percent: int
    positions: tuple
    lag: int

    @classmethod
    def take(cls, project):
        from portfolio.scheduling.models import CalendarException, Task, TaskLink

        first = Task.objects.filter(project=project).order_by("pk").first()
        link = TaskLink.objects.filter(project=project).order_by("pk").first()
        return cls(
            tasks=Task.objects.filter(project=project).count(),
            links=TaskLink.objects.filter(project=project).count(),
            closures=CalendarException.objects.count(),
            name=first.name if first else "",
            version=first.version if first else 0,
            percent=first.percent_complete if first else 0,
            positions=tuple(
                Task.objects.filter(project=project).order_by("pk").values_list("position", flat=True)
            ),
            lag=link.lag if link else 0,
        )


def _schedule_request(client, action, project, tasks):
    first, second, third = tasks
    link = project.task_links.order_by("pk").first()
    if action == "task_list":
        return client.get(f"/api/v1/projects/{project.pk}/tasks/")
    if action == "task_detail":
        return client.get(f"/api/v1/tasks/{first.pk}/")
    if action == "gantt":
        return client.get(f"/api/v1/projects/{project.pk}/gantt/")
    if action == "link_list":
        return client.get(f"/api/v1/projects/{project.pk}/links/")
    if action == "task_create":
        return client.post(f"/api/v1/projects/{project.pk}/tasks/", {"name": "Recette"}, format="json")
    if action == "task_patch":
        return client.patch(f"/api/v1/tasks/{first.pk}/", {"name": NEW_NAME}, format="json")
    if action == "task_progress":
        return client.patch(f"/api/v1/tasks/{first.pk}/", {"percent_complete": 40}, format="json")
    if action == "task_move":
        return client.post(f"/api/v1/tasks/{first.pk}/move/", {"board_status": "blocked"}, format="json")
    if action == "task_delete":
        return client.delete(f"/api/v1/tasks/{third.pk}/")
    if action == "task_reorder":
        return client.post(
            f"/api/v1/projects/{project.pk}/tasks/reorder/",
            {"moves": [{"id": third.pk, "parent_id": None, "position": 0}]},
            format="json",
        )
    if action == "link_create":
        return client.post(
            f"/api/v1/projects/{project.pk}/links/",
            {"predecessor": second.pk, "successor": third.pk, "type": "SS"},
            format="json",
        )
    if action == "link_patch":
        return client.patch(f"/api/v1/links/{link.pk}/", {"lag": 2}, format="json")
    if action == "link_delete":
        return client.delete(f"/api/v1/links/{link.pk}/")
    if action == "closure_org":
        return client.post(
            "/api/v1/calendar-exceptions/",
            {"name": "Pont", "start": "2025-05-02", "end": "2025-05-02"},
            format="json",
        )
    if action == "closure_project":
        return client.post(
            "/api/v1/calendar-exceptions/",
            {"project": project.pk, "name": "Fermeture", "start": "2025-08-04", "end": "2025-08-08"},
            format="json",
        )
    raise AssertionError(action)


def _schedule_effect(action, before, after, allowed):
    if not allowed or action in {"task_list", "task_detail", "gantt", "link_list"}:
        assert after == before, f"{action} changed something: {before} → {after}"
        return
    expected = {
        "task_create": lambda: after.tasks == before.tasks + 1,
        "task_patch": lambda: after.name == NEW_NAME and after.version == before.version + 1,
        "task_progress": lambda: after.percent == 40 and after.version == before.version + 1,
        "task_move": lambda: after.version == before.version + 1,
        "task_delete": lambda: after.tasks == before.tasks - 1,
        "task_reorder": lambda: after.positions != before.positions,
        "link_create": lambda: after.links == before.links + 1,
        "link_patch": lambda: after.lag == 2,
        "link_delete": lambda: after.links == before.links - 1,
        "closure_org": lambda: after.closures == before.closures + 1,
        "closure_project": lambda: after.closures == before.closures + 1,
    }[action]
    assert expected(), f"{action} did not apply: {before} → {after}"


def _schedule_cases(table):
    for action, owner, *statuses in table:
        for role, expected in zip(ROLES, statuses, strict=True):
            if expected is not NA:
                yield pytest.param(role, action, owner, expected, id=f"{role}-{action}-{owner}")


@pytest.fixture
def setup(world):
    """(role, owner) → (acting user or None, a project managed by them when "own")."""

    def _setup(role, owner):
        user = None if role == "anonymous" else world.user(role)
        project = ProjectFactory(
            code="MATRIX-1",
            name="Matrix project",
            directorate=world.directorates[0],
            manager=user if owner == "own" else world.user(OTHER_MANAGER),
            planned_start=datetime.date(2025, 3, 3),
            planned_end=datetime.date(2025, 12, 19),
        )
        return user, project

    return _setup


@pytest.mark.parametrize(
    ("role", "action", "owner", "expected"), list(_schedule_cases(SCHEDULE_API_EXPECTED))
)
def test_schedule_api_permissions(world, setup, role, action, owner, expected):
    from portfolio.scheduling import services as schedule_services

    user, project = setup(role, owner)
    created = schedule_services.schedule_replace(
        project=project,
        actor=None,
        tasks=[
            {"key": 1, "name": "Cadrage", "duration": 5, "assignee": user if owner == "own" else None},
            {"key": 2, "name": "Conception", "duration": 10},
            {"key": 3, "name": "Mise en production", "milestone": True},
        ],
        links=[{"predecessor": 1, "successor": 2}],
    )
    tasks = [created[1], created[2], created[3]]
    client = APIClient()
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    before = ScheduleSnapshot.take(project)

    response = _schedule_request(client, action, project, tasks)

    assert response.status_code == expected, (
        f"{role} {action} ({owner}): expected {expected}, got {response.status_code}: "
        f"{getattr(response, 'data', response.content)!r}"
    )
    if expected in (401, 403):
        assert "detail" in response.json(), "a refusal explains itself"
    _schedule_effect(action, before, ScheduleSnapshot.take(project), expected in (200, 201, 204))
