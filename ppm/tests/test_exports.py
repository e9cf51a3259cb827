"""The generic export column spec and its CSV / XLSX writers (formula neutralisation kept)."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ppm.exports import Column, names, neutralise, write_csv, write_xlsx


@dataclass
class Owner:
    name: str


@dataclass
class Row:
    code: str
    owner: Owner | None
    amount: Decimal
    due: datetime.date | None
    labels: list


COLUMNS = (
    Column("Code", "code"),
    Column("Owner", "owner.name"),
    Column("Amount", "amount"),
    Column("Due", "due"),
    Column("Labels", "labels", format=names("name")),
    Column("Shout", lambda row: row.code.upper(), width=8),
)
ROWS = [
    Row("=1+1", Owner("@SUM(A1)"), Decimal("12.50"), datetime.date(2025, 3, 1), [Owner("-a"), Owner("b")]),
    Row("\tx", None, Decimal("0"), None, []),
]


@pytest.mark.parametrize(
    "raw",
    ['=HYPERLINK("http://x")', "+1", "-1", "@cmd", "\tx", "\rx", "\x00=1", "\x01=1"],
)
def test_neutralise_never_leaves_a_formula(raw):
    assert not neutralise(raw).startswith(("=", "+", "-", "@", "\t", "\r", "\x00"))


def test_csv_writes_the_columns_and_neutralises_text():
    data = write_csv(COLUMNS, ROWS, delimiter=";")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Code", "Owner", "Amount", "Due", "Labels", "Shout"]
    assert rows[1] == ["'=1+1", "'@SUM(A1)", "12.50", "2025-03-01", "'-a, b", "'=1+1"]
    assert rows[2] == ["'\tx", "", "0", "", "", "'\tX"]


def test_xlsx_keeps_numbers_and_dates_and_stores_formulas_as_text():
    sheet = load_workbook(io.BytesIO(write_xlsx(COLUMNS, ROWS, title="'Sheet: 1/2'"))).active
    assert sheet.title == "Sheet 12"
    assert [cell.value for cell in sheet[1]] == ["Code", "Owner", "Amount", "Due", "Labels", "Shout"]
    code, owner, amount, due, labels, _shout = sheet[2]
    assert code.value == "'=1+1" and code.data_type == "s"
    assert owner.value == "'@SUM(A1)"
    assert amount.value == Decimal("12.50") or amount.value == 12.5
    assert due.value.date() == datetime.date(2025, 3, 1)
    assert labels.value == "'-a, b"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["F"].width == 8
