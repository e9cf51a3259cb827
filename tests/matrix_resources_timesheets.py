"""Pages and API endpoints of the resources app's timesheets part, in the permissions matrix (see
tests/matrix_resources.py for the targets and tests/matrix.py for Endpoint).

The matrix's target week is an empty draft; decisions need a submitted (or approved) week with a line,
so their `state` function first brings the target there (once: it is called before and after the
request), then reports what the decision changes."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources.models import TimeEntry, Timesheet, TimesheetLine, TimesheetStatus
from tests.matrix import Context
from tests.matrix import Endpoint as _Endpoint

WEEK = "2025-09-01"


class Endpoint(_Endpoint):
    """An anonymous visitor has no team and manages no project either (NA in the spec): "team" and
    "project" targets are not requested anonymously (tests/matrix_resources.py cannot build them)."""

    def cases(self):
        for case in super().cases():
            if not (case.values[1] == "anonymous" and self.target in ("team", "project")):
                yield case


def _week(c: Context) -> Timesheet:
    return c.target if isinstance(c.target, Timesheet) else c.target.timesheet


def _entries(c: Context) -> int:
    return TimeEntry.objects.filter(line__timesheet=_week(c)).count()


def _prepared(status: str):
    """The target week brought to `status` with one line of the matrix project (done once)."""

    def state(c: Context):
        timesheet = _week(c)
        if not timesheet.lines.exists():
            line = TimesheetLine.objects.create(
                timesheet=timesheet,
                project=c.project,
                approval="approved" if status == "approved" else "pending",
            )
            TimeEntry.objects.create(line=line, day=timesheet.week, days=Decimal("1"))
            Timesheet.objects.filter(pk=timesheet.pk).update(status=status)
        elif isinstance(c.target, TimesheetLine) and not c.extra.get("prepared"):
            # A line target: it is the line the matrix created; give it time and submit the week.
            TimeEntry.objects.get_or_create(
                line=c.target, day=timesheet.week, defaults={"days": Decimal("1")}
            )
            Timesheet.objects.filter(pk=timesheet.pk).update(status=status)
        c.extra["prepared"] = True
        timesheet.refresh_from_db()
        lines = tuple(timesheet.lines.order_by("pk").values_list("approval", flat=True))
        return (timesheet.status, lines)

    return state


def _line_state(c: Context):
    return _prepared(TimesheetStatus.SUBMITTED)(c)


def _import_upload(c: Context) -> dict:
    text = "person,date,project,days\nnobody@example.org,2025-09-01,MATRIX-1,1\n"
    return {"file": SimpleUploadedFile("time.csv", text.encode(), content_type="text/csv")}


def _jobs(c: Context) -> int:
    from ppm.models import ReportJob

    return ReportJob.objects.filter(kind="timesheet_import").count()


def _save_data(c: Context) -> dict:
    return {
        "week": WEEK,
        "version": _week(c).version,
        "rows": "1",
        "row-0-project": c.project.pk,
        f"row-0-{WEEK}": "1",
        "action": "save",
    }


PAGES = [
    Endpoint(
        "ts-week",
        "timesheet.view",
        "own",
        "get",
        lambda c: reverse("resources:timesheet_week"),
    ),
    Endpoint(
        "ts-week-save",
        "timesheet.change",
        "own",
        "post",
        lambda c: reverse("resources:timesheet_week"),
        data=_save_data,
        success=302,
        state=_entries,
    ),
    Endpoint(
        "ts-detail",
        "timesheet.view",
        "own",
        "get",
        lambda c: reverse("resources:timesheet_detail", args=[c.target.pk]),
    ),
    Endpoint(
        "ts-detail",
        "timesheet.view",
        "team",
        "get",
        lambda c: reverse("resources:timesheet_detail", args=[c.target.pk]),
    ),
    Endpoint(
        "ts-detail",
        "timesheet.view",
        "other",
        "get",
        lambda c: reverse("resources:timesheet_detail", args=[c.target.pk]),
        refused=404,
    ),
    *(
        Endpoint(
            "ts-decide",
            "timesheet.approve",
            target,
            "post",
            lambda c: reverse("resources:timesheet_decide", args=[c.target.pk]),
            data=lambda c: {"decision": "approve"},
            success=302,
            refused=refused,
            state=_prepared(TimesheetStatus.SUBMITTED),
        )
        for target, refused in (("own", 403), ("team", 403), ("other", 404))
    ),
    *(
        Endpoint(
            "ts-reopen",
            "timesheet.approve",
            target,
            "post",
            lambda c: reverse("resources:timesheet_reopen", args=[c.target.pk]),
            data=lambda c: {"reason": "Correction"},
            success=302,
            refused=refused,
            state=_prepared(TimesheetStatus.APPROVED),
        )
        for target, refused in (("team", 403), ("other", 404))
    ),
    *(
        Endpoint(
            "ts-line-decide",
            "timesheet_line.approve",
            target,
            "post",
            lambda c: reverse("resources:timesheet_line_decide", args=[c.target.pk]),
            data=lambda c: {"decision": "return", "reason": "Not this project"},
            success=302,
            refused=refused,
            state=_line_state,
        )
        for target, refused in (("own", 403), ("project", 403), ("team", 403), ("other", 404))
    ),
    Endpoint("ts-team", "timesheet.approve", "team", "get", lambda c: reverse("resources:timesheet_team")),
    Endpoint(
        "ts-import-form", "resource.change", "-", "get", lambda c: reverse("resources:timesheet_import")
    ),
    Endpoint(
        "ts-import",
        "resource.change",
        "-",
        "post",
        lambda c: reverse("resources:timesheet_import"),
        data=_import_upload,
        success=302,
        state=_jobs,
    ),
]


def _url(name: str):
    return lambda c: reverse(name, args=[c.target.pk])


def _api_rows(c: Context) -> dict:
    return {"rows": [{"project": c.project.pk, "days": {WEEK: "1"}}]}


API = (
    [
        Endpoint(
            "api-ts-put",
            "timesheet.change",
            target,
            "put",
            lambda c: reverse("api:timesheet-detail", args=[c.target.pk]),
            data=_api_rows,
            state=_entries,
        )
        for target in ("own", "team")
    ]
    + [
        Endpoint(
            "api-ts-submit",
            "timesheet.change",
            target,
            "post",
            lambda c: reverse("api:timesheet-submit", args=[c.target.pk]),
            data=lambda c: {},
            state=_prepared(TimesheetStatus.DRAFT),
        )
        for target in ("own", "team")
    ]
    + [
        Endpoint(
            f"api-ts-{verb}",
            "timesheet.approve",
            target,
            "post",
            _url(f"api:timesheet-{verb}"),
            data=lambda c: {"reason": "Not right"},
            refused=refused,
            state=_prepared(TimesheetStatus.SUBMITTED),
        )
        for verb in ("approve", "reject")
        for target, refused in (("own", 403), ("team", 403), ("other", 404))
    ]
    + [
        Endpoint(
            f"api-line-{verb}",
            "timesheet_line.approve",
            target,
            "post",
            _url(f"api:timesheet-line-{verb}"),
            data=lambda c: {"reason": "Not right"},
            refused=refused,
            state=_line_state,
        )
        for verb in ("approve", "reject")
        for target, refused in (("own", 403), ("project", 403), ("team", 403), ("other", 404))
    ]
)

# The approvals queue, the export and the API's lists read what the user may see (their own weeks and
# those they decide on): the rights of the week page.
SAME_AS: dict[str, str] = {
    "resources:timesheet_approvals": "ts-week",
    "resources:timesheet_export": "ts-week",
}
NOT_RULED: set[str] = set()
