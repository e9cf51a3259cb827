"""Who may do what on the portfolio: one place for pages and API alike."""

from ppm.roles import Role, is_portfolio_editor


def can_create_project(user) -> bool:
    return is_portfolio_editor(user)


def can_edit_project(user, project) -> bool:
    """The project office and administrators edit every project; a project manager edits the
    projects they manage. Other roles only read, even if named as a project's manager."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_portfolio_editor(user):
        return True
    return (
        user.role == Role.PROJECT_MANAGER and project.manager_id is not None and project.manager_id == user.pk
    )


def can_transition_project(user, project) -> bool:
    return can_edit_project(user, project)


def can_view_project(user, project) -> bool:
    # Every signed-in user reads the whole portfolio.
    return bool(user and user.is_authenticated and user.is_active)


def can_manage_reference_data(user) -> bool:
    """Axes, objectives, tags: the project office's and the administrators'."""
    return is_portfolio_editor(user)
