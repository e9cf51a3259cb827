"""Who may do what in governance: the app's rule table (ppm.permissions).

| action                  | who                                                                         |
|-------------------------|-----------------------------------------------------------------------------|
| flash_report.view       | every signed-in user but readers; readers: validated reports only           |
| flash_report.change     | a project's manager on their projects (draft, edit, submit); the project    |
|                         | office and administrators                                                   |
| flash_report.validate   | administrators and the project office (validate, return with a comment)     |
| governance.configure    | administrators and the project office (cadences, project offices,           |
|                         | committees, alert rules, report pack schedules)                             |
| steering.view           | every signed-in user but readers (steering dashboard, weather map)          |
| alert.view              | every signed-in user but readers                                            |
| alert.acknowledge       | administrators, the project office; a project's manager on its alerts      |
| pack.view               | every signed-in user but readers (report packs and their downloads)         |
| pack.request            | administrators, the project office and committee members                    |

`flash_report.*` is checked against the report (its project), `alert.acknowledge` against the alert.
The expected answers are stated in tests/test_permissions_matrix.py (tests/matrix_governance.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portfolio.permissions import MANAGERS, manages
from ppm.permissions import EDITORS, SIGNED_IN, Rule, RuleTable
from ppm.roles import Role

READERS = frozenset({Role.READER.value})
NOT_READERS = frozenset(SIGNED_IN - READERS)


def is_validated(user, report) -> bool:
    return report.status == "validated"


def manages_report_project(user, report) -> bool:
    return manages(user, report.project)


def manages_alert_project(user, alert) -> bool:
    return alert.project_id is not None and manages(user, alert.project)


RULES = RuleTable(
    "governance",
    rules=[
        Rule("flash_report.view", roles=NOT_READERS),
        Rule("flash_report.view", roles=READERS, when=is_validated),
        Rule("flash_report.change", roles=EDITORS),
        Rule("flash_report.change", roles=MANAGERS, when=manages_report_project),
        Rule("flash_report.validate", roles=EDITORS),
        Rule("governance.configure", roles=EDITORS),
        Rule("steering.view", roles=NOT_READERS),
        Rule("alert.view", roles=NOT_READERS),
        Rule("alert.acknowledge", roles=EDITORS),
        Rule("alert.acknowledge", roles=MANAGERS, when=manages_alert_project),
        Rule("pack.view", roles=NOT_READERS),
        Rule("pack.request", roles=EDITORS | {Role.COMMITTEE_MEMBER.value}),
    ],
    messages={
        "flash_report.view": _("You may not see this flash report."),
        "flash_report.change": _(
            "Only the project's manager and the project office write its flash reports."
        ),
        "flash_report.validate": _("Only the project office validates or returns flash reports."),
        "governance.configure": _("Only the project office and administrators configure governance."),
        "steering.view": _("You may not see the steering dashboard."),
        "alert.view": _("You may not see alerts."),
        "alert.acknowledge": _("Only the project office and the project's manager acknowledge this alert."),
        "pack.view": _("You may not see report packs."),
        "pack.request": _("Only the project office and committee members ask for a report pack."),
    },
)
