"""CSV and XLSX exports of the project list: the declaration of its columns (ppm.exports writes them).

The writers neutralise spreadsheet formulas (cells starting with = + - @, tab, CR or NUL): see ppm.exports.
Excel set to French regional settings expects `;` in CSV: the French interface's CSV link asks for
`delimiter=semicolon`; the XLSX export suits Excel best.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from portfolio.models import Project
from ppm import slots
from ppm.exports import Column, csv_delimiter, local_date, names, neutralise, write_csv, write_xlsx
from ppm.exports import export_filename as _export_filename

__all__ = [
    "LIST_NAME",
    "COLUMNS",
    "csv_delimiter",
    "export_filename",
    "neutralise",
    "projects_csv",
    "projects_xlsx",
]


def _manager(project: Project) -> str:
    manager = project.manager
    return (manager.get_full_name() or manager.username) if manager else ""


COLUMNS: tuple[Column, ...] = (
    Column(_("Code"), "code", width=14),
    Column(_("Name"), "name", width=40),
    Column(_("Status"), lambda p: p.get_status_display(), width=14),
    Column(_("Directorate"), "directorate.name", width=30),
    Column(_("Project manager"), _manager, width=24),
    Column(_("Planned start"), "planned_start", width=13),
    Column(_("Planned end"), "planned_end", width=13),
    Column(_("Priority"), lambda p: p.get_priority_display(), width=11),
    Column(_("Strategic objectives"), "objectives", format=names("code"), width=22),
    Column(_("Tags"), "tags", format=names("name"), width=22),
    Column(_("Description"), "description", width=60),
    Column(_("Last updated"), "updated_at", format=local_date, width=13),
)


LIST_NAME = "portfolio.projects"


def columns() -> tuple[Column, ...]:
    """The export's columns, then those other apps registered on the project list (ppm.slots)."""
    extra = tuple(
        Column(column.label, column.export, width=16)
        for column in slots.list_columns(LIST_NAME)
        if column.export is not None
    )
    return COLUMNS + extra


def export_filename(extension: str) -> str:
    return _export_filename("pilotis-projects", extension)


def projects_csv(projects: Iterable[Project], *, delimiter: str = ",") -> bytes:
    """The projects as CSV bytes (UTF-8 with BOM); dates as ISO 8601 (YYYY-MM-DD)."""
    return write_csv(columns(), projects, delimiter=delimiter)


def projects_xlsx(projects: Iterable[Project]) -> bytes:
    """The projects as an XLSX workbook: bold frozen header row, column widths, real dates."""
    return write_xlsx(columns(), projects, title=_("Projects"))
