"""Timesheet pages, API, reminders, import/export and the actuals selector."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portfolio.tests.factories import ProjectFactory
from ppm.imports import import_job_request
from ppm.models import ReportJob
from ppm.roles import Role
from ppm.testing import assert_same_queries_at_two_sizes, page_with_lazy_panels, same_markup
from ppm.tests.factories import DEFAULT_PASSWORD, UserFactory
from resources import timesheet_selectors as selectors
from resources import timesheets as services
from resources.models import (
    LineApproval,
    TimeEntry,
    Timesheet,
    TimesheetLine,
    TimesheetReminder,
    TimesheetStatus,
)
from resources.tests.factories import (
    AbsenceFactory,
    AllocationFactory,
    NonProjectActivityFactory,
    PersonWithAccountFactory,
    ProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
WEEK = datetime.date(2025, 9, 1)
D = [WEEK + datetime.timedelta(days=i) for i in range(7)]


@pytest.fixture
def people():
    manager = UserFactory(username="boss", role=Role.PROJECT_MANAGER)
    team = TeamFactory(manager=manager)
    person = PersonWithAccountFactory(user=UserFactory(username="alice", role=Role.CONTRIBUTOR), team=team)
    project = ProjectFactory(status="in_progress", code="ALPHA")
    return {"manager": manager, "team": team, "person": person, "user": person.user, "project": project}


def _login(client, user):
    client.force_login(user)
    return client


def _filled(person, project, week=WEEK, *, submit=False, value="1"):
    ts = services.timesheet_get_or_create(actor=person.user, resource=person, week=week)
    ts = services.timesheet_save(
        actor=person.user,
        timesheet=ts,
        expected_version=None,
        rows=[{"project": project.pk, "days": {week.isoformat(): value}}],
    ).timesheet
    if submit:
        ts = services.timesheet_submit(actor=person.user, timesheet=ts, expected_version=None)
    return ts


# ------------------------------------------------------------------------------------------ pages


def test_week_page_fills_adds_and_submits(client, people):
    _login(client, people["user"])
    url = reverse("resources:timesheet_week") + f"?week={D[2].isoformat()}"
    page = client.get(url)
    assert page.status_code == 200 and "Week of" in page.content.decode()
    assert not Timesheet.objects.exists()  # no write on GET
    response = client.post(
        url,
        {
            "week": WEEK.isoformat(),
            "version": "0",
            "rows": "0",
            "action": "add",
            "add": f"p:{people['project'].pk}",
        },
    )
    assert response.status_code == 302
    ts = Timesheet.objects.get()
    assert ts.lines.get().project == people["project"]
    response = client.post(
        url,
        {
            "week": WEEK.isoformat(),
            "version": ts.version,
            "rows": "1",
            "row-0-project": people["project"].pk,
            f"row-0-{D[0].isoformat()}": "1",
            f"row-0-{D[1].isoformat()}": "0,5",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.SUBMITTED
    assert sorted(TimeEntry.objects.values_list("days", flat=True)) == [Decimal("0.5"), Decimal("1")]
    page = client.get(url).content.decode()
    assert "Submitted: waiting for approval" in page and 'class="ts-input"' not in page


def test_week_page_shows_errors_keeps_typing_and_conflicts(client, people):
    _login(client, people["user"])
    ts = _filled(people["person"], people["project"])
    url = reverse("resources:timesheet_week") + f"?week={WEEK.isoformat()}"
    response = client.post(
        url,
        {
            "version": ts.version,
            "rows": "1",
            "row-0-project": people["project"].pk,
            f"row-0-{D[0].isoformat()}": "0.3",
            "action": "save",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "steps of 0.5" in body and 'value="0.3"' in body
    response = client.post(
        url, {"version": ts.version - 1, "rows": "0", "action": "save"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409 and "changed this week meanwhile" in response.content.decode()


def test_week_page_without_resource(client):
    _login(client, UserFactory(role=Role.CONTRIBUTOR))
    assert "no resource record" in client.get(reverse("resources:timesheet_week")).content.decode()


def test_approvals_page_approve_week_then_person_sees_it_locked(client, people):
    ts = _filled(people["person"], people["project"], submit=True)
    _login(client, people["manager"])
    page = client.get(reverse("resources:timesheet_approvals")).content.decode()
    assert people["person"].name in page and "ALPHA" in page
    response = client.post(
        reverse("resources:timesheet_decide", args=[ts.pk]),
        {"decision": "approve", "version": ts.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Nothing waits for your approval" in response.content.decode()
    _login(client, people["user"])
    page = client.get(reverse("resources:timesheet_week") + f"?week={WEEK.isoformat()}").content.decode()
    assert "Approved and locked" in page


# One week's rows of the approvals queue before they were written in Python ({% approval_lines %}); the
# days since then without trailing zeros ("0.5", not "0.500", which reads as five hundred): days_text.
APPROVAL_LINES_TEMPLATE = """{% load i18n %}{% for line in item.lines %}
      <tr>
        <th scope="row">{{ line.label }}{% if line.sublabel %} <span class="muted">· {{ line.sublabel }}</span>{% endif %}</th>
        <td class="ts-num">{{ line.days_text }}</td>
        <td><span class="badge badge--{% if line.approval == 'approved' %}success{% elif line.approval == 'rejected' %}danger{% else %}neutral{% endif %}">{{ line.get_approval_display }}</span></td>
        <td>
          {% if line.approval == "pending" %}
          <form method="post" action="{% url 'resources:timesheet_line_decide' line.pk %}" class="inline-form ts-decide"
                hx-post="{% url 'resources:timesheet_line_decide' line.pk %}" hx-target="#approvals" hx-swap="innerHTML">
            {% csrf_token %}
            <input type="hidden" name="version" value="{{ item.timesheet.version }}">
            <button type="submit" name="decision" value="approve" class="button button--small button--primary">{% translate "Approve" %}</button>
            <label class="visually-hidden" for="reason-line-{{ line.pk }}">{% translate "Reason for returning" %}</label>
            <input type="text" id="reason-line-{{ line.pk }}" name="reason" maxlength="500" placeholder="{% translate 'Reason (to return)' %}">
            <button type="submit" name="decision" value="return" class="button button--small button--danger">{% translate "Return" %}</button>
          </form>
          {% endif %}
        </td>
      </tr>
    {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_approval_lines_are_those_the_template_wrote(people, language):

    from django.template import engines
    from django.utils import translation

    people["project"].name = "Démat <b>&</b> co"
    people["project"].save()
    _filled(people["person"], people["project"], submit=True, value="0.5")
    [item] = selectors.approvals_queue(people["manager"])
    item["lines"][0].sublabel = "Recette <i>"
    second = item["lines"][0].__class__.objects.get(pk=item["lines"][0].pk)
    second.label, second.sublabel, second.approval, second.line_total = "Support", "", "approved", None
    item["lines"].append(second)
    item["lines"][0].days_text, second.days_text = ("0,5" if language == "fr" else "0.5"), "0"
    context = {"item": item, "csrf_token": "TOKEN123"}
    with translation.override(language):
        expected = engines["django"].from_string(APPROVAL_LINES_TEMPLATE).render(context)
        written = (
            engines["django"]
            .from_string("{% load timesheet_approvals %}{% approval_lines item %}")
            .render(context)
        )

    assert same_markup(written) == same_markup(expected)
    assert "Démat &lt;b&gt;&amp;&lt;/b&gt; co" in written and 'value="TOKEN123"' in written


def test_line_return_by_project_manager_needs_a_reason(client, people):
    pm = UserFactory(role=Role.PROJECT_MANAGER)
    people["project"].manager = pm
    people["project"].save()
    ts = _filled(people["person"], people["project"], submit=True)
    line = ts.lines.get()
    _login(client, pm)
    url = reverse("resources:timesheet_line_decide", args=[line.pk])
    response = client.post(url, {"decision": "return", "reason": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "Say why" in response.content.decode()
    client.post(url, {"decision": "return", "reason": "Not on this project"})
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.REJECTED
    _login(client, people["user"])
    page = client.get(reverse("resources:timesheet_week") + f"?week={WEEK.isoformat()}").content.decode()
    assert "Not on this project" in page


def test_detail_reopen_and_visibility(client, people):
    ts = _filled(people["person"], people["project"], submit=True)
    ts = services.timesheet_decide_all(actor=people["manager"], timesheet=ts, approve=True)
    _login(client, UserFactory(role=Role.CONTRIBUTOR))
    assert client.get(reverse("resources:timesheet_detail", args=[ts.pk])).status_code == 404
    _login(client, people["manager"])
    assert (
        "Reopen for correction"
        in client.get(reverse("resources:timesheet_detail", args=[ts.pk])).content.decode()
    )
    client.post(
        reverse("resources:timesheet_reopen", args=[ts.pk]),
        {"reason": "Wrong day", "version": ts.version - 1},
    )
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.APPROVED  # stale version refused
    client.post(
        reverse("resources:timesheet_reopen", args=[ts.pk]), {"reason": "Wrong day", "version": ts.version}
    )
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.REJECTED


# The team view's row before it was written in Python (resources.timesheet_views.team_rows_html).
TEAM_ROW_TEMPLATE = """{% load i18n %}{% for row in rows %}
    <tr><th scope="row">{{ row.resource.name }}{% if row.resource.team %}<br><span class="muted">{{ row.resource.team.name }}</span>{% endif %}</th>
    {% for cell in row.cells %}
      <td class="ts-team__cell">{% if cell.pk %}<a href="{% url 'resources:timesheet_detail' cell.pk %}" class="badge badge--{% if cell.status == 'approved' %}success{% elif cell.status == 'submitted' %}info{% elif cell.status == 'rejected' %}danger{% else %}neutral{% endif %}">{{ cell.label }}</a><br><span class="muted">{{ cell.total }}</span>{% elif cell.past %}<span class="badge badge--warning">{% translate "Missing" %}</span>{% else %}<span class="muted">—</span>{% endif %}</td>
    {% endfor %}
    <td class="ts-num">{{ row.missing }}</td></tr>
  {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_team_rows_are_those_the_template_wrote(client, people, language):

    from django.template import engines
    from django.utils import translation

    from resources.timesheet_views import team_rows_html

    people["person"].name = "Alice <b>&</b> Co"
    people["person"].save()
    other = PersonWithAccountFactory(user=UserFactory(role=Role.CONTRIBUTOR), team=people["team"])
    _filled(people["person"], people["project"], week=datetime.date(2025, 9, 22), submit=True)
    _filled(other, people["project"], week=datetime.date(2025, 9, 15))
    with translation.override(language):
        view = selectors.team_view(people["manager"], today=datetime.date(2025, 9, 24), weeks=8)
        expected = engines["django"].from_string(TEAM_ROW_TEMPLATE).render({"rows": view["rows"]})
        written = team_rows_html(view["rows"])
    statuses = {cell["status"] for row in view["rows"] for cell in row["cells"]}
    assert {"missing", "submitted", "draft"} <= statuses
    assert len(view["rows"]) == 2

    assert same_markup(written) == same_markup(expected)
    assert "Alice &lt;b&gt;&amp;&lt;/b&gt; Co" in written


def test_team_view_shows_missing_weeks(client, people):
    _filled(people["person"], people["project"], week=datetime.date(2025, 9, 22), submit=True)
    _login(client, people["manager"])
    response = client.get(reverse("resources:timesheet_team"))
    assert response.status_code == 200
    body = response.content.decode()
    assert people["person"].name in body and "Missing" in body
    _login(client, UserFactory(role=Role.CONTRIBUTOR))
    assert "You approve nobody" in client.get(reverse("resources:timesheet_team")).content.decode()
    _login(client, UserFactory(role=Role.READER))
    assert client.get(reverse("resources:timesheet_team")).status_code == 403


def test_nav_entry_for_people_and_approvers_only(client, people):
    # (user, sees "My timesheet", sees the approvals)
    for user, own, approvals in (
        (people["user"], True, False),
        (people["manager"], False, True),
        (UserFactory(role=Role.READER), False, False),
    ):
        _login(client, user)
        body = client.get(reverse("portfolio:dashboard")).content.decode()
        assert (reverse("resources:timesheet_week") in body) is own
        assert (reverse("resources:timesheet_approvals") in body) is approvals


# ------------------------------------------------------------------------------------------ export / import


def test_export_csv_and_xlsx_are_scoped(client, people):
    _filled(people["person"], people["project"])
    stranger = PersonWithAccountFactory()
    _filled(stranger, people["project"], value="0.5")
    _login(client, people["user"])
    response = client.get(reverse("resources:timesheet_export"), {"start": "2025-08-01", "end": "2025-09-30"})
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200 and "ALPHA" in body and people["person"].name in body
    assert stranger.name not in body
    response = client.get(
        reverse("resources:timesheet_export"), {"start": "2025-08-01", "end": "2025-09-30", "format": "xlsx"}
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 2 and sheet.cell(row=2, column=5).value == "ALPHA"


def _import(user, text):
    upload = SimpleUploadedFile("time.csv", text.encode(), content_type="text/csv")
    job = import_job_request(kind="timesheet_import", upload=upload, requested_by=user)
    from ppm.imports import import_job_run
    from resources.timesheet_imports import TimeImporter

    import_job_run(job_id=job.pk, importer=TimeImporter())
    return ReportJob.objects.get(pk=job.pk)


def test_import_all_or_nothing_with_row_errors(people):
    pmo = UserFactory(role=Role.PROJECT_OFFICE)
    activity = NonProjectActivityFactory(code="RUN")
    email = people["user"].email
    bad = (
        "person,date,project,activity,days,hours,note\n"
        f"{email},2025-09-01,ALPHA,,1,,ok\n"
        f"nobody@example.org,2025-09-02,ALPHA,,1,,\n"
        f"{email},2025-13-01,NOPE,,0.3,,\n"
    )
    job = _import(pmo, bad)
    assert job.status == ReportJob.Status.FAILED
    assert {(e["line"], e["field"]) for e in job.row_errors} == {
        (3, "person"),
        (4, "date"),
        (4, "project"),
        (4, "days"),
    }
    assert not TimeEntry.objects.exists()
    good = (
        "personne,jour,projet,activité,jours,heures,commentaire\n"
        f"{email},01/09/2025,ALPHA,,1,,\n"
        f"{people['person'].name},2025-09-02,,RUN,,3.5,support\n"
    )
    job = _import(pmo, good)
    assert job.status == ReportJob.Status.READY, job.row_errors
    assert sorted(TimeEntry.objects.values_list("days", flat=True)) == [Decimal("0.5"), Decimal("1")]
    assert TimesheetLine.objects.filter(activity=activity).exists()


# ------------------------------------------------------------------------------------------ reminders


def test_reminders_recipients_idempotent_and_skip_absent_weeks(people, settings):
    from resources.timesheet_reminders import reminders_send

    settings.PILOTIS_TIMESHEET_REMINDER_WEEKS = 4
    today = datetime.date(2025, 9, 29)  # weeks of 1, 8, 15 and 22 September
    person = people["person"]
    _filled(person, people["project"], week=datetime.date(2025, 9, 1), submit=True)
    AbsenceFactory(resource=person, start=datetime.date(2025, 9, 8), end=datetime.date(2025, 9, 12))
    _filled(person, people["project"], week=datetime.date(2025, 9, 15))  # draft: reminded
    absent = PersonWithAccountFactory(team=people["team"])
    for monday in (1, 8, 15, 22):
        AbsenceFactory(
            resource=absent,
            start=datetime.date(2025, 9, monday),
            end=datetime.date(2025, 9, monday) + datetime.timedelta(days=4),
        )
    PersonWithAccountFactory(user=UserFactory(email=""))  # no e-mail: never reminded
    settings.PILOTIS_SITE_URL = "https://pilotis.example.org"
    people["manager"].language = "fr"  # each is written to in their language
    people["manager"].save()
    result = reminders_send(today=today)
    recipients = {message.to[0]: message.body for message in mail.outbox}
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {
        person.user.email: "Pilotis: your timesheets",
        people["manager"].email: "Pilotis : vos feuilles de temps",
    }
    assert "https://pilotis.example.org/" in recipients[person.user.email]
    assert set(recipients) == {person.user.email, people["manager"].email}
    assert (
        "15/09/2025" in recipients[person.user.email]
        or "Sept. 15" in recipients[person.user.email]
        or "2025-09-15" in recipients[person.user.email]
    )
    assert "2025-09-08" not in recipients[person.user.email]
    assert "1 semaine attend votre validation" in recipients[people["manager"].email]
    assert result == {"sent": 2, "skipped": 0}
    assert reminders_send(today=today) == {"sent": 0, "skipped": 2}
    assert len(mail.outbox) == 2
    assert TimesheetReminder.objects.count() == 2


def test_reminder_skips_a_holiday_only_week(people):
    from resources.timesheet_reminders import missing_weeks

    person = people["person"]
    person.week_pattern = ["0", "1", "1", "1", "1"]  # works Tuesday to Friday
    person.save()
    # 2025-12-22: holidays on Thursday 25; absent the other days of that week but Thursday
    AbsenceFactory(resource=person, start=datetime.date(2025, 12, 23), end=datetime.date(2025, 12, 24))
    AbsenceFactory(resource=person, start=datetime.date(2025, 12, 26), end=datetime.date(2025, 12, 26))
    weeks = missing_weeks(today=datetime.date(2025, 12, 29)).get(person.user_id, [])
    assert datetime.date(2025, 12, 22) not in weeks
    assert datetime.date(2025, 12, 15) in weeks


# ------------------------------------------------------------------------------------------ actuals


def test_approved_time_and_planned_vs_actual(people):
    person = people["person"]
    person.primary_profile = ProfileFactory(code="MOA1", family="moa")
    person.save()
    project = people["project"]
    ts = _filled(person, project, submit=True)
    other = _filled(person, project, week=datetime.date(2025, 10, 6), submit=True, value="0.5")
    services.timesheet_decide_all(actor=people["manager"], timesheet=ts, approve=True)
    rows = selectors.approved_time(
        project_ids=[project.pk], start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31)
    )
    assert rows == [
        {
            "project_id": project.pk,
            "resource_id": person.pk,
            "family": "moa",
            "period_start": datetime.date(2025, 9, 1),
            "days": Decimal("1"),
        }
    ]
    services.timesheet_decide_all(actor=people["manager"], timesheet=other, approve=True)
    weekly = selectors.approved_time(
        resource_ids=[person.pk],
        start=datetime.date(2025, 9, 1),
        end=datetime.date(2025, 10, 31),
        grain="week",
    )
    assert [(r["period_start"], r["days"]) for r in weekly] == [
        (datetime.date(2025, 9, 1), Decimal("1")),
        (datetime.date(2025, 10, 6), Decimal("0.5")),
    ]
    AllocationFactory(
        project=project, family="moa", period_start=datetime.date(2025, 9, 1), days=Decimal("4")
    )
    AllocationFactory(
        project=project, family="moe", period_start=datetime.date(2025, 10, 1), days=Decimal("2")
    )
    table = selectors.planned_vs_actual(project, today=datetime.date(2025, 10, 15))
    moa = next(r for r in table["rows"] if r["family"] == "moa")
    september = next(c for c in moa["cells"] if c["month"] == datetime.date(2025, 9, 1))
    assert (september["planned"], september["actual"]) == (Decimal("4"), Decimal("1"))
    assert (moa["planned_total"], moa["actual_total"]) == (Decimal("4"), Decimal("1.5"))
    moe = next(r for r in table["rows"] if r["family"] == "moe")
    assert moe["actual_total"] == 0


def test_project_page_shows_planned_vs_actual(client, people):
    AllocationFactory(
        project=people["project"], family="moe", period_start=timezone.localdate().replace(day=1)
    )
    _login(client, people["user"])
    body = page_with_lazy_panels(client, reverse("portfolio:project_detail", args=[people["project"].pk]))
    assert "Planned vs actual" in body


# ------------------------------------------------------------------------------------------ API


def _api(client, user):
    client.force_login(user)
    return client


def test_api_put_submit_approve_with_etags(client, people):
    ts = services.timesheet_get_or_create(actor=people["user"], resource=people["person"], week=WEEK)
    _api(client, people["user"])
    url = reverse("api:timesheet-detail", args=[ts.pk])
    response = client.get(url)
    etag = response["ETag"]
    body = {"rows": [{"project": people["project"].pk, "days": {D[0].isoformat(): "1"}}]}
    response = client.put(url, body, content_type="application/json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["lines"][0]["days"] == {D[0].isoformat(): "1.000"}
    stale = client.put(url, body, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    response = client.post(url + "submit/", HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert client.post(url + "approve/").status_code == 403  # not one's own
    _api(client, people["manager"])
    assert client.post(url + "reject/", {}, content_type="application/json").status_code == 400
    response = client.post(url + "approve/", HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 200 and response.json()["status"] == "approved"
    entries = client.get(reverse("api:time-entry-list"), {"person": people["person"].pk}).json()
    assert entries["count"] == 1 and entries["results"][0]["approval"] == "approved"


def test_api_line_reject(client, people):
    ts = _filled(people["person"], people["project"], submit=True)
    line = ts.lines.get()
    _api(client, people["manager"])
    response = client.post(
        reverse("api:timesheet-line-reject", args=[line.pk]),
        {"reason": "No"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["approval"] == LineApproval.REJECTED
    ts.refresh_from_db()
    assert ts.status == TimesheetStatus.REJECTED


def test_api_list_is_scoped(client, people):
    _filled(people["person"], people["project"])
    _filled(PersonWithAccountFactory(), people["project"])
    _api(client, people["manager"])
    assert client.get(reverse("api:timesheet-list")).json()["count"] == 1
    _api(client, UserFactory(role=Role.PROJECT_OFFICE))
    assert client.get(reverse("api:timesheet-list")).json()["count"] == 2


# ------------------------------------------------------------------------------------------ query counts


def _grow_week(person, manager_team):
    def grow(n):
        for _ in range(n):
            project = ProjectFactory(status="in_progress")
            ts = Timesheet.objects.get_or_create(resource=person, week=WEEK)[0]
            line = TimesheetLine.objects.create(timesheet=ts, project=project)
            TimeEntry.objects.create(line=line, day=WEEK, days=Decimal("0"))

    return grow


def test_week_page_queries_do_not_grow(client, people):
    _login(client, people["user"])
    url = reverse("resources:timesheet_week") + f"?week={WEEK.isoformat()}"
    count = assert_same_queries_at_two_sizes(
        lambda: client.get(url), grow=_grow_week(people["person"], people["team"]), ceiling=30
    )
    assert count


def test_approvals_queue_and_api_list_queries_do_not_grow(client, people):
    def grow(n):
        for _ in range(n):
            person = PersonWithAccountFactory(team=people["team"])
            _filled(person, ProjectFactory(status="in_progress"), submit=True)

    _login(client, people["manager"])
    assert_same_queries_at_two_sizes(
        lambda: client.get(reverse("resources:timesheet_approvals")), grow=grow, ceiling=20
    )
    assert_same_queries_at_two_sizes(lambda: client.get(reverse("api:timesheet-list")), grow=grow, ceiling=12)
    assert_same_queries_at_two_sizes(
        lambda: client.get(reverse("api:time-entry-list")), grow=grow, ceiling=12
    )
    assert_same_queries_at_two_sizes(
        lambda: client.get(reverse("resources:timesheet_team")), grow=grow, ceiling=20
    )


def test_approvals_queue_and_team_view_paginate(client, people):
    from resources.timesheet_selectors import QUEUE_PAGE

    for _ in range(QUEUE_PAGE + 2):
        _filled(PersonWithAccountFactory(team=people["team"]), people["project"], submit=True)
    _login(client, people["manager"])
    first = client.get(reverse("resources:timesheet_approvals")).content.decode()
    assert first.count('class="panel ts-approval"') == QUEUE_PAGE and "?page=2" in first
    second = client.get(reverse("resources:timesheet_approvals"), {"page": 2}).content.decode()
    assert second.count('class="panel ts-approval"') == 2


def test_two_saves_with_the_same_version_one_conflicts(people):
    ts = _filled(people["person"], people["project"])
    version = ts.version
    rows = [{"project": people["project"].pk, "days": {D[1].isoformat(): "0.5"}}]
    services.timesheet_save(actor=people["user"], timesheet=ts, expected_version=version, rows=rows)
    from ppm.exceptions import StaleVersionError

    with pytest.raises(StaleVersionError):
        services.timesheet_save(actor=people["user"], timesheet=ts, expected_version=version, rows=rows)


_ = DEFAULT_PASSWORD


def test_the_menu_offers_my_timesheet_once_the_person_has_a_resource(client, settings):
    """The menu's timesheet entries are cached per person (ppm.usercache) and recomputed when people
    change: a user given a resource finds "My timesheet" at their next page."""
    settings.PILOTIS_USER_CACHE = True
    user = UserFactory(role=Role.CONTRIBUTOR)
    client.force_login(user)
    url = reverse("portfolio:project_list")
    assert "My timesheet" not in client.get(url).content.decode()
    assert "My timesheet" not in client.get(url).content.decode()  # from the cache
    PersonWithAccountFactory(user=user)
    assert "My timesheet" in client.get(url).content.decode()


# ------------------------------------------------------------------------------------ figures shown


@pytest.mark.parametrize(
    ("language", "unit", "expected"),
    [
        ("en", "days", {"days": "2.5", "time": "2.5", "zero": "0", "whole": "2"}),
        ("fr", "days", {"days": "2,5", "time": "2,5", "zero": "0", "whole": "2"}),
        # 2.5 days of 7 hours are 17.5 hours; format_days stays in days whatever the unit.
        ("fr", "hours", {"days": "2,5", "time": "17,5", "zero": "0", "whole": "14"}),
    ],
)
def test_days_and_time_are_written_without_trailing_zeros_in_the_language(settings, language, unit, expected):
    from django.utils import translation

    settings.PILOTIS_TIMESHEET_UNIT = unit
    settings.PILOTIS_HOURS_PER_DAY = "7"
    with translation.override(language):
        assert services.format_days(Decimal("2.500")) == expected["days"]
        assert services.format_time(Decimal("2.500")) == expected["time"]
        assert services.format_days(Decimal("0.000")) == services.format_time(0) == expected["zero"]
        assert services.format_time(Decimal("2.000")) == expected["whole"]
    assert services.display_time(Decimal("2.500")) == expected["time"].replace(",", ".")  # machine value


def test_week_in_hours_shows_every_figure_in_hours_and_compares_in_hours(client, people, settings):
    """In hours mode, row and week totals and the working time the live totals compare with are hours
    like the cells (they were days: 7.5 hours typed showed a row total of 1.071, and every day looked
    over the working time in the browser)."""
    settings.PILOTIS_TIMESHEET_UNIT = "hours"
    settings.PILOTIS_HOURS_PER_DAY = "7"
    _filled(people["person"], people["project"], value="3.5")
    _login(client, people["user"])
    html = client.get(
        reverse("resources:timesheet_week") + f"?week={WEEK.isoformat()}", headers={"Accept-Language": "fr"}
    ).content.decode()

    assert 'value="3,5"' in html  # the cell, in the language's decimal mark
    assert f'data-total-for="{WEEK.isoformat()}">3,5</td>' in html  # the day's total
    assert '<td class="ts-num">3,5</td>' in html  # the row's total and the week's, in hours
    assert "0.500" not in html and "0,500" not in html
    assert f'data-working-for="{WEEK.isoformat()}" data-working="7">7</td>' in html  # hours, not 1 day
    assert 'data-decimal-separator=","' in html
