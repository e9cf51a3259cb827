"""Pages and API endpoints of the resources app's workload part, in the permissions matrix (see
tests/matrix_resources.py for the targets and tests/matrix.py for Endpoint).

Target "own" of an allocation: the project the acting user manages; "other": another manager's project.
Ratio templates are reference data: resource.view / resource.change, no object ("-").
"""

import datetime
from decimal import Decimal

from django.urls import reverse

from portfolio.scheduling.models import Task
from resources.models import Allocation, Profile, RatioTemplate
from resources.tests.factories import PersonWithAccountFactory, ResourceFactory
from tests.matrix import Endpoint, _Placeholder

MARCH = datetime.date(2025, 3, 1)
OWNED = ("own", "other")


def _page(name):
    return lambda c: reverse(f"resources:{name}", args=[c.project.pk])


def _count(c):
    return Allocation.objects.filter(project=c.project).count()


def _plan(c):
    return tuple(
        Allocation.objects.filter(project=c.project).order_by("pk").values_list("pk", "days", "version")
    )


def _named(c):
    return Allocation.objects.filter(project=c.project, resource__isnull=False).count()


def _an_allocation(c):
    if isinstance(c.project, _Placeholder):  # resolving the URL only
        return c.project
    allocation = Allocation.objects.filter(project=c.project).order_by("pk").first()
    if allocation is None:
        allocation = Allocation.objects.create(
            project=c.project, family="moe", period_start=MARCH, days=Decimal(5)
        )
    return allocation


def _allocation_plan(c):
    _an_allocation(c)  # the object the request is about exists before the state is read
    return _plan(c)


def _default_template():
    return RatioTemplate.objects.filter(is_default=True).order_by("pk").first()


def _template_pk(c) -> int:
    """The reference data's default template (1 when the URL is only resolved)."""
    if isinstance(c.project, _Placeholder):
        return 1
    return _default_template().pk


def _cell(c):
    return {"family": "moe", "period_start": "2025-03-01", "days": "2", "version": 0, "grain": "month"}


def _apply(c):
    return {
        "template": _default_template().pk,
        "estimate_days": "30",
        "start_month": "2025-03",
        "end_month": "2025-05",
        "spread": "even",
    }


def _staff(c):
    Allocation.objects.get_or_create(
        project=c.project,
        family="moe",
        period_start=MARCH,
        resource=None,
        profile=None,
        is_external=False,
        defaults={"days": Decimal(10)},
    )
    person = ResourceFactory(primary_profile=Profile.objects.get(code="MOE-DEV"))
    return {
        "family": "moe",
        "resource": person.pk,
        "start_month": "2025-03",
        "end_month": "2025-03",
        "days": "4",
    }


def _reconcile(c):
    person = PersonWithAccountFactory(primary_profile=Profile.objects.get(code="MOE-DEV"))
    Task.objects.create(
        project=c.project,
        name="Matrix task",
        assignee=person.user,
        estimate_days=Decimal(5),
        start=datetime.date(2025, 3, 3),
        finish=datetime.date(2025, 3, 7),
        duration=5,
    )
    return {"all": "1"}


def _template_state(c):
    return tuple(RatioTemplate.objects.order_by("pk").values_list("pk", "name", "version"))


def _template_form(c):
    return {"name": "Matrix template", "base_family": "moe", "ratio_moe": "1", "ratio_moa": "2"}


def _template_edit_form(c):
    template = _default_template()
    return {"version": template.version, "name": "Matrix renamed", "base_family": "moe", "ratio_moe": "1"}


PAGES = [
    Endpoint("workload-tab", "allocation.view", "other", "get", _page("project_workload")),
    Endpoint("workload-proposal", "allocation.view", "other", "get", _page("workload_proposal")),
    Endpoint("workload-export", "allocation.view", "other", "get", _page("workload_export")),
    *(
        Endpoint(
            "workload-cell",
            "allocation.change",
            t,
            "post",
            _page("workload_cell"),
            data=_cell,
            success=302,
            state=_count,
        )
        for t in OWNED
    ),
    *(
        Endpoint(
            "workload-apply-template",
            "allocation.change",
            t,
            "post",
            _page("workload_apply_template"),
            data=_apply,
            success=302,
            state=_count,
        )
        for t in OWNED
    ),
    *(
        Endpoint(
            "workload-staff",
            "allocation.change",
            t,
            "post",
            _page("workload_staff"),
            data=_staff,
            success=302,
            state=_named,
        )
        for t in OWNED
    ),
    *(
        Endpoint(
            "workload-reconcile",
            "allocation.change",
            t,
            "post",
            _page("workload_reconcile"),
            data=_reconcile,
            success=302,
            state=_count,
        )
        for t in OWNED
    ),
    Endpoint(
        "ratio-templates", "resource.view", "-", "get", lambda c: reverse("resources:ratio_template_list")
    ),
    Endpoint(
        "ratio-template-create-form",
        "resource.change",
        "-",
        "get",
        lambda c: reverse("resources:ratio_template_create"),
    ),
    Endpoint(
        "ratio-template-create",
        "resource.change",
        "-",
        "post",
        lambda c: reverse("resources:ratio_template_create"),
        data=_template_form,
        success=302,
        state=_template_state,
    ),
    Endpoint(
        "ratio-template-edit-form",
        "resource.change",
        "-",
        "get",
        lambda c: reverse("resources:ratio_template_edit", args=[_template_pk(c)]),
    ),
    Endpoint(
        "ratio-template-edit",
        "resource.change",
        "-",
        "post",
        lambda c: reverse("resources:ratio_template_edit", args=[_template_pk(c)]),
        data=_template_edit_form,
        success=302,
        state=_template_state,
    ),
]


def _api_plan(c):
    return f"/api/v1/projects/{c.project.pk}/allocations/"


def _api_allocation(c):
    return f"/api/v1/allocations/{_an_allocation(c).pk}/"


def _api_template(c):
    return f"/api/v1/ratio-templates/{_template_pk(c)}/"


API = [
    Endpoint("api-workload-plan", "allocation.view", "other", "get", _api_plan),
    Endpoint("api-allocation", "allocation.view", "other", "get", _api_allocation),
    *(
        Endpoint(
            "api-workload-plan-put",
            "allocation.change",
            t,
            "put",
            _api_plan,
            data=lambda c: {"rows": [{"family": "moa", "period_start": "2025-04-01", "days": "3"}]},
            state=_plan,
        )
        for t in OWNED
    ),
    *(
        Endpoint(
            "api-workload-apply-template",
            "allocation.change",
            t,
            "post",
            lambda c: f"/api/v1/projects/{c.project.pk}/allocations/apply-template/",
            data=lambda c: {
                "template": _default_template().pk,
                "estimate_days": "20",
                "start_month": "2025-03-01",
                "end_month": "2025-04-01",
            },
            state=_plan,
        )
        for t in OWNED
    ),
    *(
        Endpoint(
            "api-allocation-patch",
            "allocation.change",
            t,
            "patch",
            _api_allocation,
            data=lambda c: {"days": "7.5"},
            state=_allocation_plan,
        )
        for t in OWNED
    ),
    *(
        Endpoint(
            "api-allocation-delete",
            "allocation.change",
            t,
            "delete",
            _api_allocation,
            success=204,
            state=_allocation_plan,
        )
        for t in OWNED
    ),
    Endpoint("api-ratio-templates", "resource.view", "-", "get", lambda c: "/api/v1/ratio-templates/"),
    Endpoint("api-ratio-template", "resource.view", "-", "get", _api_template),
    Endpoint(
        "api-ratio-template-create",
        "resource.change",
        "-",
        "post",
        lambda c: "/api/v1/ratio-templates/",
        data=lambda c: {"name": "Matrix", "lines": [{"family": "moe", "ratio": "1"}]},
        success=201,
        state=_template_state,
    ),
    Endpoint(
        "api-ratio-template-patch",
        "resource.change",
        "-",
        "patch",
        _api_template,
        data=lambda c: {"name": "Matrix renamed"},
        state=_template_state,
    ),
    Endpoint(
        "api-ratio-template-put",
        "resource.change",
        "-",
        "put",
        _api_template,
        data=lambda c: {"name": "Matrix put", "lines": [{"family": "moe", "ratio": "1"}]},
        state=_template_state,
    ),
    Endpoint(
        "api-ratio-template-delete",
        "resource.change",
        "-",
        "delete",
        _api_template,
        success=204,
        state=_template_state,
    ),
]
SAME_AS: dict[str, str] = {}
NOT_RULED: set[str] = set()
