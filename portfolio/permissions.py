"""Who may do what on the portfolio: one place for pages and API alike."""

from ppm.roles import is_portfolio_editor


def can_create_project(user) -> bool:
    return is_portfolio_editor(user)


def can_edit_project(user, project) -> bool:
    """The project office and administrators edit every project; a manager edits their own."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return is_portfolio_editor(user) or (project.manager_id is not None and project.manager_id == user.pk)


def can_transition_project(user, project) -> bool:
    return can_edit_project(user, project)


def can_view_project(user, project) -> bool:
    # Every signed-in user reads the whole portfolio.
    return bool(user and user.is_authenticated and user.is_active)


def can_manage_reference_data(user) -> bool:
    """Axes, objectives, tags: the project office's and the administrators'."""
    return is_portfolio_editor(user)
