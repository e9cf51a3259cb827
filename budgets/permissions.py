"""Who may do what on budgets and contracts: the app's rule table (ppm.permissions).

| action                 | who                                                                          |
|------------------------|------------------------------------------------------------------------------|
| budget.view            | every signed-in user but readers (envelopes, lines, fundings, agreements,   |
|                        | orders, consumption, the budget pages and reports)                           |
| envelope.change        | administrators, the project office and finance (envelopes, sections, CP,     |
|                        | fiscal years, funding sources)                                               |
| envelope.override      | administrators and the project office (over-allocate an envelope, recorded)  |
| budget_line.change     | administrators, the project office and finance (lines, voted amounts,        |
|                        | funding shares, execution entries and imports)                               |
| budget_line.forecast   | the above, and a project's manager on their projects' lines (reforecast)     |
| transfer.create        | administrators, the project office and finance                               |
| agreement.change       | administrators, the project office and finance (agreements, lots, prices)    |
| order.change           | the above; a project's manager on their projects' DRAFT orders               |
| order.transition       | administrators, the project office and finance (sign, deliver, invoice,      |
|                        | cancel)                                                                      |
| costing.rebuild        | whoever sees budgets (recompute the stored costing of the portfolio now)     |

`budget_line.forecast` is checked against the line's project, `order.change` against the order.
The expected answers are stated in tests/test_permissions_matrix.py (tests/matrix_budgets.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portfolio.permissions import MANAGERS, manages
from ppm.permissions import EDITORS, SIGNED_IN, Rule, RuleTable
from ppm.roles import Role

FINANCE = frozenset({Role.FINANCE.value})
BUDGET_EDITORS = EDITORS | FINANCE
BUDGET_READERS = frozenset(SIGNED_IN - {Role.READER.value})


def manages_project_of(user, obj) -> bool:
    """`obj` is a project, or has one (a budget line, an order): `user` manages it."""
    project = getattr(obj, "project", obj)
    return project is not None and manages(user, project)


def manages_draft_order(user, order) -> bool:
    return order.status == "draft" and manages(user, order.project)


RULES = RuleTable(
    "budgets",
    rules=[
        Rule("budget.view", roles=BUDGET_READERS),
        Rule("envelope.change", roles=BUDGET_EDITORS),
        Rule("envelope.override", roles=EDITORS),
        Rule("budget_line.change", roles=BUDGET_EDITORS),
        Rule("budget_line.forecast", roles=BUDGET_EDITORS),
        Rule("budget_line.forecast", roles=MANAGERS, when=manages_project_of),
        Rule("transfer.create", roles=BUDGET_EDITORS),
        Rule("agreement.change", roles=BUDGET_EDITORS),
        Rule("order.change", roles=BUDGET_EDITORS),
        Rule("order.change", roles=MANAGERS, when=manages_draft_order),
        Rule("order.transition", roles=BUDGET_EDITORS),
        Rule("costing.rebuild", roles=BUDGET_READERS),
    ],
    messages={
        "budget.view": _("You may not see budgets."),
        "envelope.change": _("Only the project office, finance and administrators manage envelopes."),
        "envelope.override": _("Only the project office may over-allocate an envelope."),
        "budget_line.change": _("Only the project office, finance and administrators edit budget lines."),
        "budget_line.forecast": _(
            "Only the project office, finance and the project's manager reforecast a line."
        ),
        "transfer.create": _("Only the project office, finance and administrators transfer amounts."),
        "agreement.change": _(
            "Only the project office, finance and administrators manage framework agreements."
        ),
        "order.change": _(
            "Only the project office, finance and the project's manager (drafts) edit an order."
        ),
        "order.transition": _(
            "Only the project office, finance and administrators sign, deliver or invoice orders."
        ),
        "costing.rebuild": _("You may not recompute the costing."),
    },
)
