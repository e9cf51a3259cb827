"""The budgets app's part of the permissions matrix (tests/test_permissions_matrix.py).

Targets: "-" = no object; "any" = an envelope / agreement / line with no ownership; "own" = a line or a
draft order of a project the acting user manages; "own-signed" = a signed order of such a project;
"other" = another manager's project. Pages and API endpoints of the app's parts live in
tests/matrix_budgets_<part>.py (PAGES, API, SAME_AS, NOT_RULED).
"""

from budgets.models import OrderStatus
from budgets.tests.factories import BudgetLineFactory, OrderFactory
from tests import matrix_budgets_contracts, matrix_budgets_lines
from tests.matrix import NA, N, Y

PARTS = (matrix_budgets_lines, matrix_budgets_contracts)

# fmt: off
SPEC = [
    # action                 target        adm pmo fin com mgr ctb rdr anon
    ("budget.view",          "-",          Y,  Y,  Y,  Y,  Y,  Y,  N,  N),
    ("envelope.change",      "any",        Y,  Y,  Y,  N,  N,  N,  N,  N),
    ("envelope.override",    "any",        Y,  Y,  N,  N,  N,  N,  N,  N),
    ("budget_line.change",   "other",      Y,  Y,  Y,  N,  N,  N,  N,  N),
    ("budget_line.forecast", "own",        Y,  Y,  Y,  N,  Y,  N,  N,  NA),
    ("budget_line.forecast", "other",      Y,  Y,  Y,  N,  N,  N,  N,  N),
    ("transfer.create",      "-",          Y,  Y,  Y,  N,  N,  N,  N,  N),
    ("agreement.change",     "any",        Y,  Y,  Y,  N,  N,  N,  N,  N),
    ("order.change",         "own",        Y,  Y,  Y,  N,  Y,  N,  N,  NA),
    ("order.change",         "own-signed", Y,  Y,  Y,  N,  N,  N,  N,  NA),
    ("order.change",         "other",      Y,  Y,  Y,  N,  N,  N,  N,  N),
    ("order.transition",     "own",        Y,  Y,  Y,  N,  N,  N,  N,  NA),
    ("order.transition",     "other",      Y,  Y,  Y,  N,  N,  N,  N,  N),
    ("costing.rebuild",      "-",          Y,  Y,  Y,  Y,  Y,  Y,  N,  N),
]
# fmt: on

ENTITIES = frozenset({"budget", "envelope", "budget_line", "transfer", "agreement", "order", "costing"})
MANAGED_PROJECT_TARGETS = frozenset({("budget_line", "own"), ("order", "own"), ("order", "own-signed")})


def target_object(world, user, target: str, entity: str, project):
    if target == "-" or entity in ("budget", "transfer"):
        return None
    if entity == "budget_line":
        return BudgetLineFactory(project=project)
    if entity == "order":
        line = BudgetLineFactory(project=project)
        status = OrderStatus.SIGNED if target == "own-signed" else OrderStatus.DRAFT
        return OrderFactory(budget_line=line, project=project, status=status)
    if entity == "envelope":
        from budgets.tests.factories import EnvelopeFactory

        return EnvelopeFactory()
    if entity == "agreement":
        from budgets.tests.factories import FrameworkAgreementFactory

        return FrameworkAgreementFactory()
    raise KeyError(entity)


PAGES = [endpoint for part in PARTS for endpoint in part.PAGES]
API = [endpoint for part in PARTS for endpoint in part.API]
SAME_AS = {name: same for part in PARTS for name, same in getattr(part, "SAME_AS", {}).items()}
NOT_RULED = {name for part in PARTS for name in getattr(part, "NOT_RULED", set())}
