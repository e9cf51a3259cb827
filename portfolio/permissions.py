"""Who may do what on the portfolio: the app's one table of rules, for services, pages and the API.

Every signed-in user reads the whole portfolio. The project office and administrators create and
change everything; a project manager changes the projects they manage, but only the fields of the
plan (name, description, objectives, tags): code, directorate, priority, manager and the approved
dates are the project office's. Other roles only read, even when named as a project's manager.
The expected answers of this table are stated in tests/test_permissions_matrix.py.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from ppm.permissions import EDITORS, SIGNED_IN, FieldGroup, Rule, RuleTable
from ppm.roles import Role

MANAGERS = frozenset({Role.PROJECT_MANAGER.value})


def manages(user, project) -> bool:
    """Ownership: `user` is the project's manager."""
    return project.manager_id is not None and project.manager_id == user.pk


# The fields of a project its manager changes, and those only the project office changes.
PLAN_FIELDS = ("name", "description", "objectives", "tags")
OFFICE_FIELDS = (
    "code",
    "directorate",
    "priority",
    "manager",
    "planned_start",
    "planned_end",
    "calendar_subdiv",
)

RULES = RuleTable(
    "portfolio",
    rules=[
        Rule("project.view", roles=SIGNED_IN),
        Rule("project.create", roles=EDITORS),
        Rule("project.change", roles=EDITORS),
        Rule("project.change", roles=MANAGERS, when=manages),
        Rule("project.change_office_fields", roles=EDITORS),
        Rule("project.transition", roles=EDITORS),
        Rule("project.transition", roles=MANAGERS, when=manages),
        *(Rule(f"{entity}.view", roles=SIGNED_IN) for entity in ("axis", "objective", "tag")),
        *(
            Rule(f"{entity}.{verb}", roles=EDITORS)
            for entity in ("axis", "objective", "tag")
            for verb in ("create", "change")
        ),
    ],
    messages={
        "project.view": _("You may not see this project."),
        "project.create": _("Only the project office and administrators create projects."),
        "project.change": _("Only the project office, administrators and its manager edit this project."),
        "project.change_office_fields": _(
            "Only the project office and administrators change a project's code, directorate, priority, "
            "manager, approved dates and public holidays."
        ),
        "project.transition": _("You may not change the status of this project."),
        **{
            f"{entity}.{verb}": _("Only the project office and administrators manage reference data.")
            for entity in ("axis", "objective", "tag")
            for verb in ("create", "change")
        },
    },
    field_groups=[
        FieldGroup("project.change", PLAN_FIELDS),
        FieldGroup("project.change_office_fields", OFFICE_FIELDS),
    ],
)


def editable_project_fields(user, project) -> frozenset[str]:
    """The fields of `project` that `user` may change (empty when they may not edit it at all)."""
    return RULES.fields_editable(user, project, entity="project")


def _comparable(project, name: str, value):
    """(stored, submitted) values of field `name`, in a form where equal means unchanged."""
    model_field = project._meta.get_field(name)
    if model_field.many_to_many:
        current = list(getattr(project, name).all())
        submitted = list(value or ())
        if all(isinstance(item, str) for item in submitted):  # tags arrive as names
            return {str(item).casefold() for item in current}, {item.strip().casefold() for item in submitted}
        return {item.pk for item in current}, {getattr(item, "pk", item) for item in submitted}
    if model_field.is_relation:
        return getattr(project, model_field.attname), getattr(value, "pk", value)
    stored = getattr(project, name)
    return stored, value.strip() if isinstance(value, str) and isinstance(stored, str) else value


def project_fields_refused(user, project, data: dict) -> list[str]:
    """Fields of `data` that would change `project` but that `user` may not change."""
    editable = editable_project_fields(user, project)
    refused = []
    for name in [*PLAN_FIELDS, *OFFICE_FIELDS]:
        if name in data and name not in editable:
            stored, submitted = _comparable(project, name, data[name])
            if stored != submitted:
                refused.append(name)
    return refused


def check_project_fields(user, project, data: dict) -> None:
    """PermissionDenied naming the fields of `data` that `user` may not change on `project`."""
    refused = project_fields_refused(user, project, data)
    if refused:
        labels = ", ".join(str(project._meta.get_field(name).verbose_name) for name in refused)
        raise PermissionDenied(
            _("You may not change these fields: %(fields)s. %(rule)s")
            % {"fields": labels, "rule": RULES.message("project.change_office_fields")}
        )


# Named checks kept for the code that reads better with them; each is one line of the table.


def can_create_project(user) -> bool:
    return RULES.allows(user, "project.create")


def can_edit_project(user, project) -> bool:
    return RULES.allows(user, "project.change", project)


def can_transition_project(user, project) -> bool:
    return RULES.allows(user, "project.transition", project)


def can_view_project(user, project) -> bool:
    return RULES.allows(user, "project.view", project)


def can_manage_reference_data(user) -> bool:
    """Axes, objectives, tags: the project office's and the administrators'."""
    return RULES.allows(user, "axis.change")
