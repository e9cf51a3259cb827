"""iCalendar feeds: valid iCalendar read back with `icalendar`, stable UIDs, private revocable tokens."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from portfolio.models import CalendarFeedToken, Task
from portfolio.scheduling import ical
from portfolio.tests.factories import ProjectFactory
from ppm.audit import audit_entries_for
from ppm.exceptions import DomainNotFound, DomainValidationError

D = datetime.date


@pytest.fixture
def project(manager_user):
    project = ProjectFactory(manager=manager_user, code="ERP-2026", status="in_progress")
    Task.objects.create(project=project, wbs="1", name="Cadrage", start=D(2026, 3, 2), finish=D(2026, 3, 13))
    Task.objects.create(
        project=project, wbs="2", name="COPIL de lancement", start=D(2026, 3, 16), finish=D(2026, 3, 16),
        duration=0, milestone=True,
    )  # fmt: skip
    Task.objects.create(
        project=project, wbs="3", name="Marché <b>", start=D(2026, 3, 17), finish=D(2026, 4, 30),
        deadline=D(2026, 5, 15),
    )  # fmt: skip
    return project


def _feed(client, raw):
    return client.get(reverse("portfolio:calendar_feed", kwargs={"token": raw}))


def _events(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_project_feed_has_milestones_and_deadlines_as_all_day_events(client, project, make_user):
    reader = make_user("reader")
    token, raw = ical.feed_token_create(actor=reader, scope="project", project=project)
    response = _feed(client, raw)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = _events(response)
    milestone = Task.objects.get(milestone=True)
    deadline = Task.objects.get(deadline__isnull=False)
    assert set(events) == {f"task-{milestone.pk}@pilotis", f"deadline-{deadline.pk}@pilotis"}
    event = events[f"task-{milestone.pk}@pilotis"]
    assert event.decoded("dtstart") == D(2026, 3, 16)  # a DATE, not a DATE-TIME: all-day
    assert event.decoded("dtend") == D(2026, 3, 17)
    assert "COPIL de lancement" in str(event["summary"])
    assert "dtstamp" in event
    assert "Marché <b>" in str(events[f"deadline-{deadline.pk}@pilotis"]["summary"])
    # The UID is stable from one read to the next.
    assert set(_events(_feed(client, raw))) == set(events)
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Only the digest is stored.
    assert raw not in (token.digest, token.prefix) and token.digest == CalendarFeedToken.hash(raw)


def test_user_feed_has_own_tasks_and_managed_milestones(client, project, manager_user, make_user):
    contributor = make_user("contributor")
    Task.objects.filter(name="Cadrage").update(assignee=contributor)
    ProjectFactory()  # someone else's project: nothing of it
    _t, raw = ical.feed_token_create(actor=contributor, scope="user")
    events = _events(_feed(client, raw))
    assert len(events) == 1
    (event,) = events.values()
    assert event.decoded("dtstart") == D(2026, 3, 2) and event.decoded("dtend") == D(2026, 3, 14)

    _t, raw = ical.feed_token_create(actor=manager_user, scope="user")
    names = sorted(str(e["summary"]) for e in _events(_feed(client, raw)).values())
    assert names == ["◆ ERP-2026 · COPIL de lancement"]


def test_revoked_unknown_or_deactivated_is_404(client, project, make_user):
    user = make_user("reader")
    token, raw = ical.feed_token_create(actor=user, scope="project", project=project)
    assert _feed(client, "not-a-token").status_code == 404
    ical.feed_token_revoke(actor=user, token_id=token.pk)
    assert _feed(client, raw).status_code == 404
    _t, raw2 = ical.feed_token_create(actor=user, scope="user")
    user.is_active = False
    user.save()
    assert _feed(client, raw2).status_code == 404
    actions = [e.action for e in audit_entries_for(project)]
    assert actions[:2] == ["update", "create"]  # revoked, created: in the project's history


def test_only_the_owner_revokes(project, make_user):
    owner, other = make_user("reader"), make_user("reader")
    token, _raw = ical.feed_token_create(actor=owner, scope="user")
    with pytest.raises(DomainNotFound):
        ical.feed_token_revoke(actor=other, token_id=token.pk)
    with pytest.raises(DomainNotFound):
        ical.feed_token_revoke(actor=owner, token_id="abc")
    with pytest.raises(DomainValidationError):
        ical.feed_token_create(actor=owner, scope="nonsense")
    with pytest.raises(DomainValidationError):
        ical.feed_token_create(actor=owner, scope="project", project=None)


def test_pages_create_and_revoke(client, project, make_user):
    user = make_user("reader")
    client.force_login(user)
    response = client.post(
        reverse("portfolio:feed_token_create"),
        {"scope": "project", "project": project.pk, "next": f"/projects/{project.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "/calendar/" in page and ".ics" in page  # the address, shown once
    token = CalendarFeedToken.objects.get()
    assert "/calendar/" not in client.get(f"/projects/{project.pk}/").content.decode()
    # An outside `next` is ignored.
    response = client.post(
        reverse("portfolio:feed_token_revoke", kwargs={"token_pk": token.pk}),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("profile")
    token.refresh_from_db()
    assert token.revoked
    assert client.get(reverse("profile")).status_code == 200
    for bad in ({"scope": "project", "project": "x"}, {"scope": "project", "project": "99999999"}):
        assert client.post(reverse("portfolio:feed_token_create"), bad).status_code == 404
    assert client.post(reverse("portfolio:feed_token_create"), {"scope": "zz"}).status_code == 302
    assert client.get(reverse("portfolio:feed_token_create")).status_code == 405
