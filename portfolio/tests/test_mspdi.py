"""MS Project (MSPDI) import and export: the pure reader and writer, the all-or-nothing import
service, the API and the page."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from defusedxml import ElementTree
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from portfolio.scheduling.calendar import french_calendar
from portfolio.scheduling.models import CalendarException, Task, TaskLink
from portfolio.scheduling.mspdi import MAX_BYTES, NAMESPACE, MspdiError, parse_mspdi, write_mspdi
from portfolio.scheduling.mspdi_import import schedule_export, schedule_import
from portfolio.tests.factories import ProjectFactory
from ppm.exceptions import DomainPermissionError, DomainValidationError
from ppm.models import AuditEntry

# shared/ sits beside the project's checkout (CI lays a copy there too); PILOTIS_MSPDI_SAMPLES overrides.
DATA = Path(
    os.environ.get("PILOTIS_MSPDI_SAMPLES")
    or Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "mspdi"
)
if not DATA.is_dir() and os.environ.get("PILOTIS_REQUIRE_JAVA", "").lower() in {"1", "true", "yes", "on"}:
    raise RuntimeError(f"PILOTIS_REQUIRE_JAVA is set but the MSPDI sample files are not at {DATA}")
# (file, tasks without the project summary task and blank rows, links) from the data set's README.
EXPECTED = {
    "assignment-assignments-project2002-mspdi.xml": (3, 0),
    "calendar-recurring-exceptions-project2016-mspdi.xml": (0, 0),
    "mspdiassignmentcustom.xml": (1, 0),
    "mspdiassignmentfields.xml": (1, 0),
    "mspdicostratetable.xml": (0, 0),
    "mspdisplittask.xml": (2, 0),
    "mspditimephased.xml": (40, 0),
    "mspextattr.xml": (1, 0),
    "resource-type-project2010-mspdi.xml": (0, 0),
    "sample1.xml": (22, 6),
    "task-durations-project2013-mspdi.xml": (110, 0),
    "task-links-project2019-mspdi.xml": (16, 8),
}
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"the MSPDI sample files are not at {DATA}")


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def tiny(tasks: str, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><Project xmlns="{NAMESPACE}"><Name>T</Name>'
        "<StartDate>2026-01-05T08:00:00</StartDate>"
        f"<MinutesPerDay>480</MinutesPerDay>{extra}<Tasks>"
        "<Task><UID>0</UID><ID>0</ID><Name>T</Name><OutlineLevel>0</OutlineLevel></Task>"
        f"{tasks}</Tasks></Project>"
    ).encode()


def task(uid: int, name: str, level: int = 1, duration: str = "PT16H0M0S", more: str = "") -> str:
    return (
        f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{name}</Name><OutlineLevel>{level}</OutlineLevel>"
        f"<Start>2026-01-05T08:00:00</Start><Finish>2026-01-06T17:00:00</Finish><Duration>{duration}</Duration>"
        f"{more}</Task>"
    )


# -- the pure reader ------------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_file_parses_with_the_expected_counts(name):
    parsed = parse_mspdi(sample(name))
    assert (len(parsed.tasks), len(parsed.links)) == EXPECTED[name]


@needs_data
def test_sample1_outline_links_lags_and_milestone():
    parsed = parse_mspdi(sample("sample1.xml"))
    by_uid = {t.uid: t for t in parsed.tasks}
    assert [t.wbs for t in parsed.tasks[:3]] == ["1", "1.1", "1.2"]
    assert by_uid[2].parent_uid == 1 and by_uid[1].summary and not by_uid[2].summary
    assert by_uid[3].milestone and by_uid[3].duration == 0
    assert by_uid[2].duration == 100  # PT800H0M0S at 480 minutes a day
    assert by_uid[3].deadline == datetime.date(2003, 3, 18)
    types = {(link.predecessor_uid, link.successor_uid): (link.type, link.lag) for link in parsed.links}
    assert types == {
        (9, 10): ("FS", 0),
        (11, 12): ("FS", 1),
        (13, 14): ("FS", -1),
        (15, 16): ("SS", 0),
        (17, 18): ("FF", 0),
        (20, 21): ("SF", 0),
    }
    assert by_uid[2].assignee_names == ["First Resource", "Second Resource"]
    assert by_uid[1].notes == "Test Task Notes"


@needs_data
def test_lags_in_weeks_and_manual_tasks():
    parsed = parse_mspdi(sample("task-links-project2019-mspdi.xml"))
    assert all(t.manual for t in parsed.tasks)
    assert sorted({link.type for link in parsed.links}) == ["FF", "FS", "SF", "SS"]
    assert 5 in {link.lag for link in parsed.links}  # 1 week (LagFormat 9) = 5 working days


@needs_data
def test_recurring_calendar_exceptions_come_from_the_expanded_list():
    parsed = parse_mspdi(sample("calendar-recurring-exceptions-project2016-mspdi.xml"))
    codes = {item.code for item in parsed.report}
    assert "calendar_recurring_expanded" in codes and "calendar_working_exception" in codes
    assert parsed.closures[0].start == datetime.date(2000, 1, 1) and parsed.closures[0].name == "Daily 1"
    assert len(parsed.closures) > 100


@needs_data
def test_report_lists_split_tasks_custom_fields_and_rounded_durations():
    assert "split_tasks" in {i.code for i in parse_mspdi(sample("mspdisplittask.xml")).report}
    assert "custom_fields" in {i.code for i in parse_mspdi(sample("mspextattr.xml")).report}
    assert "durations_rounded" in {i.code for i in parse_mspdi(sample("mspdiassignmentfields.xml")).report}


@needs_data
def test_a_utf16_file_reads_like_its_utf8_original():
    text = sample("sample1.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parsed = parse_mspdi(text.encode("utf-16"))
    assert (len(parsed.tasks), len(parsed.links)) == (22, 6)


def test_null_tasks_are_skipped_and_counted():
    parsed = parse_mspdi(
        tiny(task(1, "A") + "<Task><UID>2</UID><ID>2</ID><IsNull>1</IsNull></Task>" + task(3, "B"))
    )
    assert [t.name for t in parsed.tasks] == ["A", "B"] and parsed.null_tasks == 1


def test_elapsed_durations_percentage_lags_and_alap_are_reported():
    data = tiny(
        task(1, "A", duration="PT48H0M0S", more="<DurationFormat>8</DurationFormat>")
        + task(
            2,
            "B",
            more="<ConstraintType>1</ConstraintType><PredecessorLink><PredecessorUID>1</PredecessorUID>"
            "<Type>1</Type><LinkLag>500</LinkLag><LagFormat>19</LagFormat></PredecessorLink>",
        )
    )
    parsed = parse_mspdi(data)
    codes = {item.code for item in parsed.report}
    assert {"elapsed_durations", "percent_lags", "constraint_alap"} <= codes
    assert parsed.tasks[0].duration == 2  # 5-6 January 2026, two working days


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "empty"),
        (b"<Project xmlns='http://schemas.microsoft.com/project'><Tasks>", "line 1"),
        (b"<html><body>hello</body></html>", "not an MS Project XML file"),
        (tiny(task(1, "A", level=2)), "skips a level"),
        (tiny(task(1, "A", duration="three days")), "not a duration"),
        (tiny(task(1, "A", more="<Deadline>soon</Deadline>")), "not a date"),
    ],
)
def test_malformed_files_are_refused_with_the_reason(data, fragment):
    with pytest.raises(MspdiError) as caught:
        parse_mspdi(data)
    assert fragment in caught.value.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol3;</Name></Project>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&xxe;</Name></Project>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_xml_bombs_and_external_entities_are_refused(data):
    with pytest.raises(MspdiError, match="DTD"):
        parse_mspdi(data)


def test_oversized_files_are_refused():
    with pytest.raises(MspdiError, match="too large"):
        parse_mspdi(b" " * (MAX_BYTES + 1))


# -- the pure writer ----------------------------------------------------------------------------------


def test_writer_emits_outline_links_in_tenths_of_minutes_and_holidays():
    class T:
        def __init__(self, id, parent_id, name, start, finish, duration, milestone=False):
            self.id, self.parent_id, self.name = id, parent_id, name
            self.start, self.finish, self.duration, self.milestone = start, finish, duration, milestone
            self.percent_complete = 0

    class L:
        predecessor_id, successor_id, type, lag = 2, 3, "SS", 2

    class P:
        name = "Déploiement <ENT>"

    d = datetime.date
    tasks = [
        T(1, None, "Phase", d(2026, 5, 4), d(2026, 5, 12), 0),
        T(2, 1, "Conception", d(2026, 5, 4), d(2026, 5, 6), 3),
        T(3, 1, "COPIL", d(2026, 5, 12), d(2026, 5, 12), 0, milestone=True),
    ]
    xml = write_mspdi(P(), tasks, [L()], french_calendar())
    root = ElementTree.fromstring(xml)
    ns = {"p": NAMESPACE}
    rows = root.findall("p:Tasks/p:Task", ns)
    assert [r.findtext("p:OutlineNumber", namespaces=ns) for r in rows] == ["0", "1", "1.1", "1.2"]
    assert rows[2].findtext("p:Duration", namespaces=ns) == "PT24H0M0S"
    link = rows[3].find("p:PredecessorLink", ns)
    assert (
        link.findtext("p:Type", namespaces=ns) == "3" and link.findtext("p:LinkLag", namespaces=ns) == "9600"
    )
    assert link.findtext("p:LagFormat", namespaces=ns) == "7"
    names = [e.findtext("p:Name", namespaces=ns) for e in root.iterfind(".//p:Exception", ns)]
    assert "Fête du Travail" in names
    assert root.findtext("p:Name", namespaces=ns) == "Déploiement <ENT>"


# -- the import service ---------------------------------------------------------------------------------


@pytest.fixture
def project(db, manager_user):
    return ProjectFactory(
        manager=manager_user, planned_start=datetime.date(2003, 1, 6), planned_end=datetime.date(2003, 3, 1)
    )


@needs_data
def test_import_writes_the_schedule_audits_it_and_reschedules(project, manager_user):
    report = schedule_import(project=project, data=sample("sample1.xml"), replace=False, actor=manager_user)
    assert (report.tasks, report.links, report.milestones) == (22, 6, 1)
    tasks = {t.external_uid: t for t in Task.objects.filter(project=project)}
    assert tasks["2"].parent_id == tasks["1"].pk and tasks["1"].is_summary and tasks["2"].wbs == "1.1"
    assert all(t.start and t.finish for t in tasks.values())
    link = TaskLink.objects.get(predecessor=tasks["13"])
    assert (link.type, link.lag) == ("FS", -1)
    project.refresh_from_db()
    assert project.forecast_finish is not None and project.slippage_days is not None
    assert AuditEntry.objects.filter(related_object_id=project.pk, action="create").count() == 22 + 6


@needs_data
def test_import_refuses_an_existing_schedule_unless_replace(project, manager_user):
    schedule_import(project=project, data=sample("sample1.xml"), replace=False, actor=manager_user)
    with pytest.raises(DomainValidationError, match="already has a schedule"):
        schedule_import(
            project=project,
            data=sample("task-links-project2019-mspdi.xml"),
            replace=False,
            actor=manager_user,
        )
    report = schedule_import(
        project=project, data=sample("task-links-project2019-mspdi.xml"), replace=True, actor=manager_user
    )
    assert report.replaced_tasks == 22 and Task.objects.filter(project=project).count() == 16


def test_a_malformed_file_writes_nothing(project, manager_user):
    CalendarException.objects.create(
        project=project, name="Pont", start=datetime.date(2026, 5, 15), end=datetime.date(2026, 5, 15)
    )
    bad = tiny(task(1, "A") + task(2, "B", level=3))
    with pytest.raises(DomainValidationError, match="skips a level"):
        schedule_import(project=project, data=bad, replace=True, actor=manager_user)
    assert not Task.objects.filter(project=project).exists()
    assert CalendarException.objects.filter(project=project).count() == 1
    assert not AuditEntry.objects.filter(related_object_id=project.pk).exists()


def test_a_cycle_in_the_file_writes_nothing_and_names_the_tasks(project, manager_user):
    link = "<PredecessorLink><PredecessorUID>{}</PredecessorUID><Type>1</Type></PredecessorLink>"
    data = tiny(task(1, "Alpha", more=link.format(2)) + task(2, "Beta", more=link.format(1)))
    with pytest.raises(DomainValidationError, match="Alpha"):
        schedule_import(project=project, data=data, replace=False, actor=manager_user)
    assert not Task.objects.filter(project=project).exists()


def test_only_schedule_editors_import(project, reader_user):
    with pytest.raises(DomainPermissionError):
        schedule_import(project=project, data=tiny(task(1, "A")), replace=False, actor=reader_user)


def test_assignee_names_match_one_user(project, manager_user, make_user):
    make_user(username="jdupont", first_name="Jeanne", last_name="Dupont")
    resources = (
        "<Resources><Resource><UID>1</UID><Name>Jeanne Dupont</Name></Resource>"
        "<Resource><UID>2</UID><Name>Prestataire</Name></Resource></Resources>"
    )
    assignments = (
        "<Assignments><Assignment><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID></Assignment>"
        "<Assignment><TaskUID>2</TaskUID><ResourceUID>2</ResourceUID></Assignment></Assignments>"
    )
    data = tiny(task(1, "A") + task(2, "B")).replace(
        b"</Project>", (resources + assignments).encode() + b"</Project>"
    )
    report = schedule_import(project=project, data=data, replace=False, actor=manager_user)
    a, b = Task.objects.filter(project=project).order_by("wbs")
    assert a.assignee.username == "jdupont" and a.assignee_name == ""
    assert b.assignee is None and b.assignee_name == "Prestataire" and report.assignees_matched == 1


@needs_data
def test_export_reimports_to_the_same_schedule(project, manager_user, db):
    schedule_import(project=project, data=sample("sample1.xml"), replace=False, actor=manager_user)
    exported = schedule_export(project=project)
    again = parse_mspdi(exported)
    original = list(Task.objects.filter(project=project).order_by("wbs"))
    key = lambda t: [int(p) for p in t.wbs.split(".")]  # noqa: E731
    original.sort(key=key)
    assert [(t.wbs, t.name, t.duration, t.milestone) for t in again.tasks] == [
        (t.wbs, t.name, t.duration, t.milestone) for t in original
    ]
    assert [(t.start, t.finish) for t in again.tasks] == [(t.start, t.finish) for t in original]
    assert sorted((link.type, link.lag) for link in again.links) == sorted(
        TaskLink.objects.filter(project=project).values_list("type", "lag")
    )


# -- API and page ---------------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def import_url(project, replace=False) -> str:
    return f"/api/v1/projects/{project.pk}/schedule/import/" + ("?replace=true" if replace else "")


@needs_data
def test_api_import_returns_the_report_and_export_is_an_attachment(project, manager_user):
    client = client_for(manager_user)
    upload = SimpleUploadedFile("plan.xml", sample("sample1.xml"), content_type="application/xml")
    response = client.post(import_url(project), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["tasks"] == 22 and response.json()["links"] == 6
    upload = SimpleUploadedFile("plan.xml", sample("sample1.xml"), content_type="application/xml")
    assert client.post(import_url(project), {"file": upload}, format="multipart").status_code == 400
    upload = SimpleUploadedFile("plan.xml", sample("sample1.xml"), content_type="application/xml")
    assert (
        client.post(import_url(project, replace=True), {"file": upload}, format="multipart").status_code
        == 201
    )
    export = client.get(f"/api/v1/projects/{project.pk}/schedule/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/xml")
    assert export["Content-Disposition"].startswith("attachment;")
    assert len(parse_mspdi(export.content).tasks) == 22


def test_api_refuses_bad_input_with_4xx(project, manager_user, reader_user):
    client = client_for(manager_user)
    bomb = SimpleUploadedFile("bomb.xml", BILLION_LAUGHS, content_type="application/xml")
    response = client.post(import_url(project), {"file": bomb}, format="multipart")
    assert response.status_code == 400 and "DTD" in str(response.json())
    text = SimpleUploadedFile("plan.xml", b"name,start\nA,2026-01-01\n", content_type="text/csv")
    assert client.post(import_url(project), {"file": text}, format="multipart").status_code == 400
    assert client.post(import_url(project), {}, format="multipart").status_code == 400
    assert client.post(import_url(project), {"file": "x"}, format="json").status_code == 415
    big = SimpleUploadedFile("big.xml", b"<" + b" " * MAX_BYTES, content_type="application/xml")
    assert client.post(import_url(project), {"file": big}, format="multipart").status_code == 413
    ok = SimpleUploadedFile("plan.xml", tiny(task(1, "A")), content_type="application/xml")
    assert (
        client_for(reader_user).post(import_url(project), {"file": ok}, format="multipart").status_code == 403
    )
    assert APIClient().post(import_url(project), {"file": ok}, format="multipart").status_code in {401, 403}
    assert (
        client.post("/api/v1/projects/999999/schedule/import/", {"file": ok}, format="multipart").status_code
        == 404
    )
    assert not Task.objects.filter(project=project).exists()


@needs_data
def test_import_page_shows_the_report(client, project, manager_user, reader_user):
    url = reverse("portfolio:schedule_import", args=[project.pk])
    client.force_login(reader_user)
    assert client.get(url).status_code == 403
    client.force_login(manager_user)
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile(
        "plan.xml", sample("task-links-project2019-mspdi.xml"), content_type="text/xml"
    )
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert b"Import report" in response.content and Task.objects.filter(project=project).count() == 16
    upload = SimpleUploadedFile("plan.xml", BILLION_LAUGHS, content_type="text/xml")
    response = client.post(url, {"file": upload, "replace": "on"})
    assert response.status_code == 400 and b"DTD" in response.content
    assert Task.objects.filter(project=project).count() == 16


def _chain(count: int) -> bytes:
    link = "<PredecessorLink><PredecessorUID>{}</PredecessorUID><Type>1</Type></PredecessorLink>"
    return tiny(
        "".join(task(i, f"T{i}", more=link.format(i - 1) if i > 1 else "") for i in range(1, count + 1))
    )


def test_export_issues_the_same_queries_for_3_and_30_tasks(db, manager_user):
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    counts = []
    for size in (3, 30):
        project = ProjectFactory(manager=manager_user)
        schedule_import(project=project, data=_chain(size), replace=False, actor=manager_user)
        client = client_for(manager_user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/projects/{project.pk}/schedule/export/")
        assert response.status_code == 200 and len(parse_mspdi(response.content).links) == size - 1
        counts.append(len(queries))
    assert counts[0] == counts[1]
