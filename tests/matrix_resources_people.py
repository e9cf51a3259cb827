"""Pages and API endpoints of the resources app's people part, in the permissions matrix (see
tests/matrix_resources.py for the targets and tests/matrix.py for Endpoint).

Teams, vendors and role profiles are the project office's (`resource.change`); the URL functions create
the object they name on first use (after the state was read, so a create shows as a change only when the
request itself wrote something: the states below count what the request may change)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ppm.models import ReportJob
from resources.models import Absence, BackgroundLoad, Profile, Resource, Team, Vendor
from resources.tests.factories import ProfileFactory, TeamFactory, VendorFactory
from tests.matrix import Context, Endpoint, _Placeholder

OTHER_DAY = datetime.date(2025, 10, 6)


def _placeholder(c: Context) -> bool:
    return isinstance(c.target, _Placeholder)


def _resource_url(name: str):
    return lambda c: reverse(name, args=[c.target.pk])


def _person_url(name: str):
    """A URL about the absence target's person."""
    return lambda c: reverse(name, args=[1 if _placeholder(c) else c.target.resource_id])


def _absence_url(name: str):
    return lambda c: reverse(name, args=[c.target.pk])


def _resource_state(c: Context):
    return list(Resource.objects.order_by("pk").values_list("name", "version", "is_active"))


def _absence_state(c: Context):
    return list(Absence.objects.order_by("pk").values_list("pk", "start", "end", "version"))


def _background_state(c: Context):
    _a_background_load(c)  # the load a delete removes exists before the first reading
    return list(BackgroundLoad.objects.order_by("pk").values_list("pk", "share"))


def _a_background_load(c: Context) -> int:
    if _placeholder(c):
        return 1
    load = BackgroundLoad.objects.filter(resource=c.target).first()
    if load is None:
        load = BackgroundLoad.objects.create(resource=c.target, label="Run", start=OTHER_DAY, share=10)
    return load.pk


def _resource_form(c: Context, **changes) -> dict:
    target = c.target
    return {
        "name": changes.get("name", "Renamed by the matrix"),
        "kind": "person",
        "directorate": target.directorate_id,
        "team": target.team_id or "",
        "primary_profile": target.primary_profile_id,
        "profiles": [target.primary_profile_id],
        "email": "",
        "daily_cost": "400",
        "version": target.version,
        **{f"day_{n}": "1" for n in range(5)},
    }


def _new_resource(c: Context) -> dict:
    return {
        "name": "Created by the matrix",
        "kind": "generic",
        "directorate": c.world.directorates[0].pk,
        "primary_profile": ProfileFactory(code="MTX").pk,
        "daily_cost": "0",
        **{f"day_{n}": "1" for n in range(5)},
    }


def _absence_form(c: Context, prefix: str = "") -> dict:
    key = f"{prefix}-" if prefix else ""
    return {
        f"{key}kind": "training",
        f"{key}start": OTHER_DAY.isoformat(),
        f"{key}end": OTHER_DAY.isoformat(),
        f"{key}day_share": "1",
        f"{key}note": "",
        f"{key}version": getattr(c.target, "version", 1),
    }


def _import_upload(c: Context) -> dict:
    content = f"resource,first day,last day\n{c.target.resource.name},2025-11-03,2025-11-04\n".encode()
    return {"file": SimpleUploadedFile("absences.csv", content, content_type="text/csv")}


def _written(model):
    """What the matrix's writes leave (names it gives): objects created only to be named by a URL
    do not count."""
    return lambda c: sorted(
        str(o) for o in model.objects.all() if "matrix" in str(o).lower() or "renamed" in str(o).lower()
    )


def _reference(key: str, model, factory, new, edit):
    state = _written(model)

    def target(c: Context) -> int:
        if _placeholder(c):
            return 1
        existing = model.objects.order_by("pk").first()
        return (existing or factory()).pk

    return [
        Endpoint(f"{key}-list", "resource.change", "-", "get", lambda c: reverse(f"resources:{key}_list")),
        Endpoint(
            f"{key}-create-form", "resource.change", "-", "get", lambda c: reverse(f"resources:{key}_create")
        ),
        Endpoint(
            f"{key}-create",
            "resource.change",
            "-",
            "post",
            lambda c: reverse(f"resources:{key}_create"),
            data=new,
            success=302,
            state=state,
        ),
        Endpoint(
            f"{key}-edit-form",
            "resource.change",
            "any",
            "get",
            lambda c: reverse(f"resources:{key}_edit", args=[target(c)]),
        ),
        Endpoint(
            f"{key}-edit",
            "resource.change",
            "any",
            "post",
            lambda c: reverse(f"resources:{key}_edit", args=[target(c)]),
            data=edit,
            success=302,
            state=state,
        ),
    ]


def _team_target(c: Context) -> Team:
    return Team.objects.order_by("pk").first() or TeamFactory()


PAGES = [
    Endpoint("resource-list", "resource.view", "-", "get", lambda c: reverse("resources:resource_list")),
    Endpoint(
        "resource-export",
        "resource.view",
        "-",
        "get",
        lambda c: reverse("resources:resource_export", args=["csv"]),
    ),
    Endpoint("resource-detail", "resource.view", "any", "get", _resource_url("resources:resource_detail")),
    Endpoint(
        "resource-create-form", "resource.change", "-", "get", lambda c: reverse("resources:resource_create")
    ),
    Endpoint(
        "resource-create",
        "resource.change",
        "-",
        "post",
        lambda c: reverse("resources:resource_create"),
        data=_new_resource,
        success=302,
        state=_resource_state,
    ),
    Endpoint("resource-edit-form", "resource.change", "any", "get", _resource_url("resources:resource_edit")),
    Endpoint(
        "resource-edit",
        "resource.change",
        "any",
        "post",
        _resource_url("resources:resource_edit"),
        data=_resource_form,
        success=302,
        state=_resource_state,
    ),
    Endpoint(
        "resource-deactivate",
        "resource.change",
        "any",
        "post",
        _resource_url("resources:resource_set_active"),
        data=lambda c: {"active": "0", "version": c.target.version},
        success=302,
        state=_resource_state,
    ),
    Endpoint(
        "background-add",
        "resource.change",
        "any",
        "post",
        _resource_url("resources:background_load_add"),
        data=lambda c: {
            "background-label": "Support",
            "background-start": "2025-01-01",
            "background-end": "",
            "background-share": "20",
        },
        success=302,
        state=_background_state,
    ),
    Endpoint(
        "background-delete",
        "resource.change",
        "any",
        "post",
        lambda c: reverse("resources:background_load_delete", args=[_a_background_load(c)]),
        data=lambda c: {},
        success=302,
        state=_background_state,
    ),
    *(
        Endpoint(
            "absence-add",
            "absence.change",
            t,
            "post",
            _person_url("resources:absence_add"),
            data=lambda c: _absence_form(c, prefix="absence"),
            success=302,
            state=_absence_state,
        )
        for t in ("own", "other")
    ),
    *(
        # Without htmx the inline form is on the resource's page: the request is sent there.
        Endpoint(
            "absence-edit-form",
            "absence.change",
            t,
            "get",
            _absence_url("resources:absence_edit"),
            success=302,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "absence-edit",
            "absence.change",
            t,
            "post",
            _absence_url("resources:absence_edit"),
            data=lambda c: _absence_form(c, prefix=f"absence-{c.target.pk}"),
            success=302,
            state=_absence_state,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "absence-delete",
            "absence.change",
            t,
            "post",
            _absence_url("resources:absence_delete"),
            data=lambda c: {"version": c.target.version},
            success=302,
            state=_absence_state,
        )
        for t in ("own", "other")
    ),
    Endpoint(
        "absence-import-form", "resource.change", "-", "get", lambda c: reverse("resources:absence_import")
    ),
    Endpoint(
        "absence-import",
        "absence.change",
        "other",
        "post",
        lambda c: reverse("resources:absence_import"),
        data=_import_upload,
        success=302,
        state=lambda c: ReportJob.objects.count(),
        # The import page is the project office's: refused to anyone else, whatever the person.
        refused=403,
    ),
    *_reference(
        "teams",
        Team,
        TeamFactory,
        new=lambda c: {
            "code": "MTX",
            "name": "Matrix team",
            "directorate": c.world.directorates[0].pk,
            "is_active": "on",
        },
        edit=lambda c: {
            "code": _team_target(c).code,
            "name": "Renamed team",
            "directorate": _team_target(c).directorate_id,
            "is_active": "on",
        },
    ),
    *_reference(
        "vendors",
        Vendor,
        VendorFactory,
        new=lambda c: {"name": "Matrix vendor", "siret": "", "is_active": "on"},
        edit=lambda c: {"name": "Renamed vendor", "siret": "", "is_active": "on"},
    ),
    *_reference(
        "roles",
        Profile,
        ProfileFactory,
        new=lambda c: {
            "code": "MTX-NEW",
            "name": "Matrix role",
            "family": "moe",
            "order": 5,
            "is_active": "on",
        },
        edit=lambda c: {
            "code": Profile.objects.order_by("pk").first().code,
            "name": "Renamed role",
            "family": "moa",
            "order": 1,
            "is_active": "on",
        },
    ),
]


def _api_reference(path: str, key: str, model, factory, new, put):
    state = _written(model)

    def target(c: Context) -> int:
        if _placeholder(c):
            return 1
        existing = model.objects.order_by("pk").first()
        return (existing or factory()).pk

    return [
        Endpoint(f"api-{key}-list", "resource.view", "-", "get", lambda c: f"/api/v1/{path}/"),
        Endpoint(
            f"api-{key}-detail", "resource.view", "any", "get", lambda c: f"/api/v1/{path}/{target(c)}/"
        ),
        Endpoint(
            f"api-{key}-create",
            "resource.change",
            "-",
            "post",
            lambda c: f"/api/v1/{path}/",
            data=new,
            success=201,
            state=state,
        ),
        Endpoint(
            f"api-{key}-patch",
            "resource.change",
            "any",
            "patch",
            lambda c: f"/api/v1/{path}/{target(c)}/",
            data=lambda c: {"name": "matrix renamed"},
            state=state,
        ),
        Endpoint(
            f"api-{key}-put",
            "resource.change",
            "any",
            "put",
            lambda c: f"/api/v1/{path}/{target(c)}/",
            data=put,
            state=state,
        ),
    ]


def _an_absence(c: Context) -> int:
    if _placeholder(c):
        return 1
    return Absence.objects.create(resource=c.target, start=OTHER_DAY, end=OTHER_DAY).pk


def _api_absence(c: Context) -> str:
    return f"/api/v1/absences/{c.target.pk}/"


API = [
    Endpoint("api-resource-list", "resource.view", "-", "get", lambda c: "/api/v1/resources/"),
    Endpoint(
        "api-resource-detail", "resource.view", "any", "get", lambda c: f"/api/v1/resources/{c.target.pk}/"
    ),
    Endpoint(
        "api-resource-capacity",
        "resource.view",
        "any",
        "get",
        lambda c: f"/api/v1/resources/{c.target.pk}/capacity/",
    ),
    Endpoint(
        "api-resource-create",
        "resource.change",
        "-",
        "post",
        lambda c: "/api/v1/resources/",
        data=lambda c: {
            "name": "Created by the matrix",
            "kind": "generic",
            "directorate": c.world.directorates[0].pk,
            "primary_profile": ProfileFactory(code="MTX").pk,
        },
        success=201,
        state=_resource_state,
    ),
    Endpoint(
        "api-resource-patch",
        "resource.change",
        "any",
        "patch",
        lambda c: f"/api/v1/resources/{c.target.pk}/",
        data=lambda c: {"name": "Renamed by the matrix"},
        state=_resource_state,
    ),
    Endpoint(
        "api-resource-put",
        "resource.change",
        "any",
        "put",
        lambda c: f"/api/v1/resources/{c.target.pk}/",
        data=lambda c: {
            "name": "Renamed by the matrix",
            "directorate": c.target.directorate_id,
            "team": c.target.team_id,
            "primary_profile": c.target.primary_profile_id,
        },
        state=_resource_state,
    ),
    *_api_reference(
        "roles",
        "role",
        Profile,
        ProfileFactory,
        new=lambda c: {"code": "MTX-NEW", "name": "Matrix role", "family": "moe"},
        put=lambda c: {
            "code": Profile.objects.order_by("pk").first().code,
            "name": "matrix renamed",
            "family": "moa",
        },
    ),
    *_api_reference(
        "teams",
        "team",
        Team,
        TeamFactory,
        new=lambda c: {"code": "MTX", "name": "Matrix team", "directorate": c.world.directorates[0].pk},
        put=lambda c: {
            "code": _team_target(c).code,
            "name": "matrix renamed",
            "directorate": _team_target(c).directorate_id,
        },
    ),
    *_api_reference(
        "vendors",
        "vendor",
        Vendor,
        VendorFactory,
        new=lambda c: {"name": "Matrix vendor"},
        put=lambda c: {"name": "matrix renamed"},
    ),
    Endpoint("api-absence-list", "resource.view", "-", "get", lambda c: "/api/v1/absences/"),
    Endpoint(
        "api-absence-detail", "resource.view", "any", "get", lambda c: f"/api/v1/absences/{_an_absence(c)}/"
    ),
    *(
        Endpoint(
            "api-absence-create",
            "absence.change",
            t,
            "post",
            lambda c: "/api/v1/absences/",
            data=lambda c: {
                "resource": c.target.resource_id,
                "kind": "training",
                "start": OTHER_DAY.isoformat(),
                "end": OTHER_DAY.isoformat(),
            },
            success=201,
            state=_absence_state,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "api-absence-patch",
            "absence.change",
            t,
            "patch",
            _api_absence,
            data=lambda c: {"end": "2025-09-02"},
            state=_absence_state,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "api-absence-put",
            "absence.change",
            t,
            "put",
            _api_absence,
            data=lambda c: {"kind": "leave", "start": "2025-09-01", "end": "2025-09-03"},
            state=_absence_state,
        )
        for t in ("own", "other")
    ),
    *(
        Endpoint(
            "api-absence-delete",
            "absence.change",
            t,
            "delete",
            _api_absence,
            success=204,
            state=_absence_state,
        )
        for t in ("own", "other")
    ),
]
SAME_AS: dict[str, str] = {}
NOT_RULED: set[str] = set()
