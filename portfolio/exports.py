"""CSV and XLSX exports of the project list.

Spreadsheet formula injection: a text cell whose first character is `=`, `+`, `-`, `@`, a tab,
a carriage return or NUL could be run as a formula by Excel or LibreOffice. Such cells are
written with a leading apostrophe (`'`), so they are shown as text and never evaluated.

CSV format: UTF-8 with a byte-order mark (Excel then reads accents correctly) and a comma
delimiter (RFC 4180), one header row. Excel set to French regional settings expects `;`: the
French interface's CSV link asks for `delimiter=semicolon`; the XLSX export suits Excel best.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.numbers import FORMAT_DATE_XLSX14
from openpyxl.utils import get_column_letter

from portfolio.models import Project

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")
# Control characters XML 1.0 (and so XLSX) cannot hold; tab, line feed and CR are allowed.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DELIMITERS = {"comma": ",", "semicolon": ";"}


def neutralise(value: str) -> str:
    """Text safe to put in a spreadsheet cell: never read as a formula, no illegal characters."""
    if value.startswith(DANGEROUS_PREFIXES):
        value = "'" + value
    value = ILLEGAL_CHARACTERS.sub("", value)
    # Removing a control character may have uncovered a dangerous first character.
    if value.startswith(DANGEROUS_PREFIXES):
        value = "'" + value
    return value


def _names(items: Iterable[Any], attribute: str) -> str:
    return ", ".join(getattr(item, attribute) for item in items)


# (header, value getter, width in characters for XLSX). Values are str, int, date or None.
COLUMNS: list[tuple[Any, Callable[[Project], Any], int]] = [
    (_("Code"), lambda p: p.code, 14),
    (_("Name"), lambda p: p.name, 40),
    (_("Status"), lambda p: p.get_status_display(), 14),
    (_("Directorate"), lambda p: p.directorate.name, 30),
    (
        _("Project manager"),
        lambda p: (p.manager.get_full_name() or p.manager.username) if p.manager else "",
        24,
    ),
    (_("Planned start"), lambda p: p.planned_start, 13),
    (_("Planned end"), lambda p: p.planned_end, 13),
    (_("Priority"), lambda p: p.get_priority_display(), 11),
    (_("Strategic objectives"), lambda p: _names(p.objectives.all(), "code"), 22),
    (_("Tags"), lambda p: _names(p.tags.all(), "name"), 22),
    (_("Description"), lambda p: p.description, 60),
    (_("Last updated"), lambda p: timezone.localtime(p.updated_at).date() if p.updated_at else None, 13),
]


def export_filename(extension: str) -> str:
    return f"pilotis-projects-{timezone.localdate().isoformat()}.{extension}"


def _rows(projects: Iterable[Project]) -> Iterable[list[Any]]:
    for project in projects:
        yield [getter(project) for _header, getter, _width in COLUMNS]


def projects_csv(projects: Iterable[Project], *, delimiter: str = ",") -> bytes:
    """The projects as CSV bytes (UTF-8 with BOM); dates as ISO 8601 (YYYY-MM-DD)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(str(header)) for header, _getter, _width in COLUMNS])
    for row in _rows(projects):
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def projects_xlsx(projects: Iterable[Project]) -> bytes:
    """The projects as an XLSX workbook: bold frozen header row, column widths, real dates."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Projects"))[:31]
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F3B63")
    sheet.append([neutralise(str(header)) for header, _getter, _width in COLUMNS])
    for cell in sheet[1]:
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row_number, row in enumerate(_rows(projects), start=2):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, date):
                cell.value = value
                # Built-in format 14: the reader's regional short date (dd/mm/yyyy in French).
                cell.number_format = FORMAT_DATE_XLSX14
            elif value is None:
                continue
            elif isinstance(value, int):
                cell.value = value
            else:
                # Set as a string explicitly: openpyxl would otherwise store "=…" as a formula.
                cell.value = neutralise(str(value))
                cell.data_type = "s"
    for index, (_header, _getter, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
