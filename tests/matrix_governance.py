"""The governance app's part of the permissions matrix (tests/test_permissions_matrix.py).

Targets: "-" = no object; "own" = a report / alert of a project the acting user manages (a draft report);
"own-validated" = a validated report of such a project; "other" = another manager's project (draft
report); "other-validated" = its validated report. Pages and API endpoints of the app's parts live in
tests/matrix_governance_<part>.py (PAGES, API, SAME_AS, NOT_RULED).
"""

from governance.models import Alert, FlashReportStatus
from governance.tests.factories import AlertRuleFactory, FlashReportFactory
from tests import matrix_governance_flash, matrix_governance_steering
from tests.matrix import NA, N, Y

PARTS = (matrix_governance_flash, matrix_governance_steering)

# fmt: off
SPEC = [
    # action                  target            adm pmo fin com mgr ctb rdr anon
    ("flash_report.view",     "other",          Y,  Y,  Y,  Y,  Y,  Y,  N,  N),
    ("flash_report.view",     "other-validated", Y, Y,  Y,  Y,  Y,  Y,  Y,  N),
    ("flash_report.change",   "own",            Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("flash_report.change",   "other",          Y,  Y,  N,  N,  N,  N,  N,  N),
    ("flash_report.validate", "own",            Y,  Y,  N,  N,  N,  N,  N,  NA),
    ("flash_report.validate", "other",          Y,  Y,  N,  N,  N,  N,  N,  N),
    ("governance.configure",  "-",              Y,  Y,  N,  N,  N,  N,  N,  N),
    ("steering.view",         "-",              Y,  Y,  Y,  Y,  Y,  Y,  N,  N),
    ("alert.view",            "-",              Y,  Y,  Y,  Y,  Y,  Y,  N,  N),
    ("alert.acknowledge",     "own",            Y,  Y,  N,  N,  Y,  N,  N,  NA),
    ("alert.acknowledge",     "other",          Y,  Y,  N,  N,  N,  N,  N,  N),
    ("pack.view",             "-",              Y,  Y,  Y,  Y,  Y,  Y,  N,  N),
    ("pack.request",          "-",              Y,  Y,  N,  Y,  N,  N,  N,  N),
]
# fmt: on

ENTITIES = frozenset({"flash_report", "governance", "steering", "alert", "pack"})
MANAGED_PROJECT_TARGETS = frozenset(
    {("flash_report", "own"), ("flash_report", "own-validated"), ("alert", "own")}
)


def target_object(world, user, target: str, entity: str, project):
    if target == "-" or entity in ("governance", "steering", "pack"):
        return None
    if entity == "flash_report":
        status = FlashReportStatus.VALIDATED if target.endswith("validated") else FlashReportStatus.DRAFT
        return FlashReportFactory(project=project, status=status)
    if entity == "alert":
        return Alert.objects.create(
            rule=AlertRuleFactory(), cause_key=f"matrix:{project.pk}", project=project, message="Matrix alert"
        )
    raise KeyError(entity)


PAGES = [endpoint for part in PARTS for endpoint in part.PAGES]
API = [endpoint for part in PARTS for endpoint in part.API]
SAME_AS = {name: same for part in PARTS for name, same in getattr(part, "SAME_AS", {}).items()}
NOT_RULED = {name for part in PARTS for name in getattr(part, "NOT_RULED", set())}
