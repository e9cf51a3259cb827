"""Pages and API endpoints of the governance app's flash part, in the permissions matrix (see
tests/matrix_governance.py for the targets and tests/matrix.py for Endpoint).

Lists readers may open (they see validated reports only) use the "other-validated" target so that the
expected answer is computed on a report they may see. Workflow moves need a report in the right state:
their `data` prepares it (after the state was read, before the request) — submit fills the overall weather,
validate and return mark the report submitted — and their `state` counts the status changes recorded.
"""

from django.urls import reverse

from governance.models import FlashReport, FlashReportStatus
from tests.matrix import Endpoint


def _report_url(name):
    return lambda c: reverse(name, args=[c.target.pk])


def _api_report_url(name):
    return lambda c: reverse(name, kwargs={"pk": c.target.pk})


def _report_state(c):
    c.target.refresh_from_db()
    return (c.target.version, c.target.weather, c.target.highlights)


def _report_count(c):
    return FlashReport.objects.filter(project=c.project).count()


def _moves(c):
    return c.target.status_changes.count()


def _ready(c):
    FlashReport.objects.filter(pk=c.target.pk).update(weather="sunny")
    return {}


def _submitted(comment=""):
    def prepare(c):
        FlashReport.objects.filter(pk=c.target.pk).update(status=FlashReportStatus.SUBMITTED)
        return {"comment": comment} if comment else {}

    return prepare


PAGES: list = [
    Endpoint(
        "flash-history",
        "flash_report.view",
        "other-validated",
        "get",
        lambda c: reverse("governance:project_reports", args=[c.project.pk]),
    ),
    *(
        Endpoint(
            "flash-draft",
            "flash_report.change",
            target,
            "post",
            lambda c: reverse("governance:report_draft", args=[c.project.pk]),
            data=lambda c: {},
            success=302,
            state=_report_count,
        )
        for target in ("own", "other")
    ),
    *(
        Endpoint("flash-report", "flash_report.view", target, "get", _report_url("governance:report_detail"))
        for target in ("other", "other-validated")
    ),
    *(
        Endpoint(
            "flash-edit-form", "flash_report.change", target, "get", _report_url("governance:report_edit")
        )
        for target in ("own", "other")
    ),
    Endpoint(
        "flash-edit",
        "flash_report.change",
        "own",
        "post",
        _report_url("governance:report_edit"),
        data=lambda c: {"version": c.target.version, "weather": "cloudy", "highlights": "Matrix"},
        success=302,
        state=_report_state,
    ),
    Endpoint(
        "flash-item-row",
        "flash_report.change",
        "own",
        "get",
        lambda c: reverse("governance:report_item_row", args=[c.target.pk]),
    ),
    Endpoint(
        "flash-revise",
        "flash_report.change",
        "own-validated",
        "post",
        _report_url("governance:report_transition"),
        data=lambda c: {"action": "revise", "version": c.target.version},
        success=302,
        state=_report_count,
    ),
    Endpoint(
        "flash-queue", "flash_report.validate", "-", "get", lambda c: reverse("governance:report_queue")
    ),
]

API: list = [
    Endpoint(
        "api-reporting-periods",
        "flash_report.view",
        "other-validated",
        "get",
        lambda c: reverse("api:reporting-period-list"),
    ),
    Endpoint(
        "api-flash-reports",
        "flash_report.view",
        "other-validated",
        "get",
        lambda c: reverse("api:flash-report-list"),
    ),
    *(
        Endpoint(
            "api-flash-report", "flash_report.view", target, "get", _api_report_url("api:flash-report-detail")
        )
        for target in ("other", "other-validated")
    ),
    Endpoint(
        "api-flash-report-patch",
        "flash_report.change",
        "own",
        "patch",
        _api_report_url("api:flash-report-detail"),
        data=lambda c: {"highlights": "Matrix"},
        state=_report_state,
    ),
    Endpoint(
        "api-flash-report-submit",
        "flash_report.change",
        "own",
        "post",
        _api_report_url("api:flash-report-submit"),
        data=_ready,
        state=_moves,
    ),
    Endpoint(
        "api-flash-report-validate",
        "flash_report.validate",
        "own",
        "post",
        _api_report_url("api:flash-report-validate"),
        data=_submitted(),
        state=_moves,
    ),
    Endpoint(
        "api-flash-report-return",
        "flash_report.validate",
        "own",
        "post",
        _api_report_url("api:flash-report-return"),
        data=_submitted("Figures missing"),
        state=_moves,
    ),
    Endpoint(
        "api-flash-report-revise",
        "flash_report.change",
        "own-validated",
        "post",
        _api_report_url("api:flash-report-revise"),
        success=201,
        state=_report_count,
    ),
    *(
        Endpoint(
            "api-flash-draft",
            "flash_report.change",
            target,
            "post",
            lambda c: reverse("api:project-flash-report-draft", kwargs={"pk": c.project.pk}),
            success=201,
            state=_report_count,
        )
        for target in ("own", "other")
    ),
]
SAME_AS: dict[str, str] = {}
NOT_RULED: set[str] = set()
