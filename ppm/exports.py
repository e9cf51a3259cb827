"""Generic list exports: a column spec (header, accessor, formatter, width) and CSV / XLSX writers.

An app declares its columns once::

    COLUMNS = (
        Column(_("Code"), "code", width=14),
        Column(_("Directorate"), lambda p: p.directorate.name, width=30),
        Column(_("Tags"), lambda p: p.tags.all(), format=names("name")),
    )
    csv_bytes = write_csv(COLUMNS, queryset)
    xlsx_bytes = write_xlsx(COLUMNS, queryset, title=_("Projects"))

Spreadsheet formula injection: a text cell whose first character is `=`, `+`, `-`, `@`, a tab, a carriage
return or NUL could be run as a formula by Excel or LibreOffice. Such cells are written with a leading
apostrophe (`'`), so they are shown as text and never evaluated; headers too.

CSV: UTF-8 with a byte-order mark (Excel then reads accents correctly), RFC 4180 comma by default (`;` for
Excel in French regional settings: see DELIMITERS), one header row; dates as ISO 8601. XLSX: bold frozen
header row, column widths, auto-filter, real dates shown in the reader's regional short format.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.numbers import FORMAT_DATE_XLSX14
from openpyxl.utils import get_column_letter

from ppm.presentation import PRIMARY

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")
# Control characters XML 1.0 (and so XLSX) cannot hold; tab, line feed and CR are allowed.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DELIMITERS = {"comma": ",", "semicolon": ";"}


def csv_delimiter(request) -> str:
    """The separator a CSV export asks for (`?delimiter=semicolon`, what the French pages' links ask):
    a comma otherwise."""
    return DELIMITERS.get(request.GET.get("delimiter", ""), ",")


CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell value as the writers take it: text, a whole or decimal number, a date, or nothing.
Cell = str | int | Decimal | float | date | None


def neutralise(value: str) -> str:
    """Text safe to put in a spreadsheet cell: never read as a formula, no illegal characters."""
    if value.startswith(DANGEROUS_PREFIXES):
        value = "'" + value
    value = ILLEGAL_CHARACTERS.sub("", value)
    # Removing a control character may have uncovered a dangerous first character.
    if value.startswith(DANGEROUS_PREFIXES):
        value = "'" + value
    return value


def names(attribute: str) -> Callable[[Any], str]:
    """Formatter: the `attribute` of each item of a collection (a related manager too), comma-separated."""

    def _format(items: Any) -> str:
        items = items.all() if hasattr(items, "all") else items
        return ", ".join(str(getattr(item, attribute)) for item in items)

    return _format


def local_date(value: datetime | None) -> date | None:
    """Formatter: a timestamp as the local day."""
    return timezone.localtime(value).date() if value else None


@dataclass(frozen=True)
class Column:
    """One exported column. `accessor` is an attribute path ("directorate.name") or a callable of the
    row; `format` turns the accessed value into a Cell (text, number, date or None)."""

    header: str | Promise
    accessor: str | Callable[[Any], Any]
    format: Callable[[Any], Cell] | None = None
    width: int = 16

    def value(self, row: Any) -> Cell:
        if callable(self.accessor):
            value = self.accessor(row)
        else:
            value = row
            for part in self.accessor.split("."):
                value = getattr(value, part) if value is not None else None
        if self.format is not None:
            return self.format(value)
        if value is None or isinstance(value, str | int | Decimal | float | date):
            return value
        return str(value)


def rows(columns: Sequence[Column], items: Iterable[Any]) -> Iterable[list[Cell]]:
    for item in items:
        yield [column.value(item) for column in columns]


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return str(value)
    return neutralise(str(value))


def write_csv(columns: Sequence[Column], items: Iterable[Any], *, delimiter: str = ",") -> bytes:
    """The rows as CSV bytes (UTF-8 with BOM); dates as ISO 8601 (YYYY-MM-DD)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(str(column.header)) for column in columns])
    for row in rows(columns, items):
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(columns: Sequence[Column], items: Iterable[Any], *, title: str | Promise) -> bytes:
    """The rows as an XLSX workbook: bold frozen header row, column widths, real dates."""
    workbook = Workbook()
    sheet = workbook.active
    # Sheet names: at most 31 characters, none of []:*?/\ and no apostrophe at either end.
    sheet.title = re.sub(r"[\[\]:*?/\\]", "", str(title))[:31].strip("'") or "Export"
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=PRIMARY.lstrip("#").upper())
    sheet.append([neutralise(str(column.header)) for column in columns])
    for cell in sheet[1]:
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row_number, row in enumerate(rows(columns, items), start=2):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if value is None:
                continue
            if isinstance(value, date):
                cell.value = value
                # Built-in format 14: the reader's regional short date (dd/mm/yyyy in French).
                cell.number_format = FORMAT_DATE_XLSX14
            elif isinstance(value, int | Decimal | float) and not isinstance(value, bool):
                cell.value = value
            else:
                # Set as a string explicitly: openpyxl would otherwise store "=…" as a formula.
                cell.value = neutralise(str(value))
                cell.data_type = "s"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(stem: str, extension: str) -> str:
    """`<stem>-<today>.<extension>`, e.g. pilotis-projects-2025-03-01.csv."""
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"
