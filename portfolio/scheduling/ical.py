"""iCalendar feeds of the schedule at private, revocable URLs.

* A **project feed**: the project's milestones and task deadlines, as all-day events.
* A **user feed**: the tasks assigned to the user (all-day events from start to finish) and the milestones
  of the projects they manage.

The URL carries a random token; only its SHA-256 digest is stored (`CalendarFeedToken`), so a database
leak gives no working URL. The clear token is shown once, when it is created. A revoked or unknown token,
or one whose user was deactivated, is a 404 (nothing tells a guesser that a token once existed).
A feed shows only what its user may see now (`can_view_project` is checked at each read).

UIDs are stable (`task-<id>@<host>`, `deadline-<id>@<host>`) so a calendar client updates an event
instead of duplicating it; DTSTAMP is the task's last change.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.permissions import can_view_project
from portfolio.scheduling.models import Task
from ppm.audit import audit_record
from ppm.exceptions import DomainNotFound, DomainPermissionError, DomainValidationError
from ppm.models import AuditEntry

UID_DOMAIN = "pilotis"
PRODID = "-//Pilotis//Schedule feed//FR"
# A feed is capped: a calendar client does not need 50,000 events and a runaway query must stay cheap.
MAX_EVENTS = 5000
# `last_used_at` is written at most this often (a client polls every few minutes).
LAST_USED_RESOLUTION = timedelta(minutes=10)
MAX_TOKENS_PER_USER = 50


class FeedScope(models.TextChoices):
    PROJECT = "project", gettext_lazy("Project milestones and deadlines")
    USER = "user", gettext_lazy("My tasks and my projects' milestones")


class CalendarFeedToken(models.Model):
    """A private calendar URL. Only the digest of the token is stored."""

    PREFIX_LENGTH = 6

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    scope = models.CharField(gettext_lazy("feed"), max_length=10, choices=FeedScope.choices)
    project = models.ForeignKey(
        "portfolio.Project",
        verbose_name=gettext_lazy("project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed_tokens",
    )
    created_at = models.DateTimeField(gettext_lazy("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(gettext_lazy("last used"), null=True, blank=True)
    revoked = models.BooleanField(gettext_lazy("revoked"), default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_parent = "project"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = gettext_lazy("calendar feed")
        verbose_name_plural = gettext_lazy("calendar feeds")
        indexes = [models.Index(fields=["user", "revoked"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="user", project__isnull=True) | Q(scope="project", project__isnull=False),
                name="calendar_feed_token_scope_project",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


# ------------------------------------------------------------------------------------------ services


@transaction.atomic
def feed_token_create(*, actor, scope: str, project=None) -> tuple[CalendarFeedToken, str]:
    """A new token for `actor` (a project feed needs a project `actor` may see). Returns the token and
    its clear value, which is never stored."""
    if not (actor and actor.is_authenticated and actor.is_active):
        raise DomainPermissionError()
    if scope not in FeedScope.values:
        raise DomainValidationError(field_errors={"scope": [_("Choose a project feed or your own feed.")]})
    if scope == FeedScope.PROJECT:
        if project is None:
            raise DomainValidationError(field_errors={"project": [_("A project feed needs a project.")]})
        if not can_view_project(actor, project):
            raise DomainPermissionError()
    else:
        project = None
    if CalendarFeedToken.objects.filter(user=actor, revoked=False).count() >= MAX_TOKENS_PER_USER:
        raise DomainValidationError(
            _("You have %(n)d calendar feeds: revoke one you no longer use first.")
            % {"n": MAX_TOKENS_PER_USER}
        )
    raw = secrets.token_urlsafe(32)
    token = CalendarFeedToken.objects.create(
        user=actor, digest=CalendarFeedToken.hash(raw), prefix=raw[: CalendarFeedToken.PREFIX_LENGTH],
        scope=scope, project=project,
    )  # fmt: skip
    audit_record(
        instance=token,
        action=AuditEntry.Action.CREATE,
        actor=actor,
        changes={"scope": {"label": str(_("feed")), "old": "", "new": str(token.get_scope_display())}},
    )
    return token, raw


@transaction.atomic
def feed_token_revoke(*, actor, token_id) -> CalendarFeedToken:
    """Revoke one of `actor`'s tokens (another user's token is a 404: its existence is not disclosed)."""
    try:
        token = CalendarFeedToken.objects.select_for_update().get(pk=int(token_id), user=actor)
    except (CalendarFeedToken.DoesNotExist, ValueError, TypeError, OverflowError):
        raise DomainNotFound() from None
    if not token.revoked:
        token.revoked, token.revoked_at = True, timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
        audit_record(
            instance=token,
            action=AuditEntry.Action.UPDATE,
            actor=actor,
            changes={"revoked": {"label": str(_("revoked")), "old": str(_("No")), "new": str(_("Yes"))}},
        )
    return token


def feed_tokens_for(user, *, project=None):
    """The user's active tokens (of one project's feed when `project` is given)."""
    tokens = CalendarFeedToken.objects.filter(user=user, revoked=False).select_related("project")
    if project is not None:
        tokens = tokens.filter(scope=FeedScope.PROJECT, project=project)
    return tokens.order_by("-created_at", "-pk")


def feed_token_resolve(raw: str) -> CalendarFeedToken:
    """The active token behind `raw`, else DomainNotFound (unknown, revoked, inactive user)."""
    if not raw or len(raw) > 200:
        raise DomainNotFound()
    try:
        token = CalendarFeedToken.objects.select_related("user", "project").get(
            digest=CalendarFeedToken.hash(raw), revoked=False, user__is_active=True
        )
    except CalendarFeedToken.DoesNotExist:
        raise DomainNotFound() from None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --------------------------------------------------------------------------------------------- feeds

TASK_FIELDS = ("id", "name", "start", "finish", "milestone", "deadline", "updated_at", "percent_complete")


def _calendar(name: str):
    import icalendar  # imported here: only the feed needs it

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _event(uid: str, summary: str, first_day, last_day, stamp, description: str = "", url: str = ""):
    import icalendar

    event = icalendar.Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", first_day)
    # All-day events: DTEND is exclusive (the day after the last one).
    event.add("dtend", last_day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    return event


def _add_task_events(cal, task: Task, *, code: str, whole_task: bool, url: str) -> None:
    stamp = task.updated_at or timezone.now()
    if task.milestone and task.finish:
        cal.add_component(
            _event(f"task-{task.pk}", f"◆ {code} · {task.name}", task.finish, task.finish, stamp, url=url)
        )
    elif whole_task and task.start and task.finish:
        description = _("%(percent)d %% complete") % {"percent": task.percent_complete}
        cal.add_component(
            _event(
                f"task-{task.pk}", f"{code} · {task.name}", task.start, task.finish, stamp, description, url
            )
        )
    if task.deadline:
        summary = _("Deadline: %(name)s") % {"name": f"{code} · {task.name}"}
        cal.add_component(
            _event(f"deadline-{task.pk}", summary, task.deadline, task.deadline, stamp, url=url)
        )


def project_feed(project, *, base_url: str = "") -> bytes:
    """The project's milestones and deadlines (one query)."""
    cal = _calendar(f"{project.code} · {project.name}")
    url = f"{base_url}/projects/{project.pk}/" if base_url else ""
    tasks = (
        Task.objects.filter(project=project)
        .filter(Q(milestone=True) | Q(deadline__isnull=False))
        .only(*TASK_FIELDS)
        .order_by("pk")[:MAX_EVENTS]
    )
    for task in tasks:
        _add_task_events(cal, task, code=project.code, whole_task=False, url=url)
    return cal.to_ical()


def user_feed(user, *, base_url: str = "") -> bytes:
    """The user's tasks and the milestones of the projects they manage, in the projects they may see
    (one query)."""
    cal = _calendar(_("Pilotis · %(name)s") % {"name": user.get_full_name() or user.get_username()})
    tasks = (
        Task.objects.filter(Q(assignee=user) | Q(project__manager=user, milestone=True))
        .select_related("project")
        .only(*TASK_FIELDS, "assignee_id", "project__code", "project__id", "project__manager_id")
        .order_by("pk")[:MAX_EVENTS]
    )
    for task in tasks:
        if not can_view_project(user, task.project):
            continue
        url = f"{base_url}/projects/{task.project_id}/" if base_url else ""
        _add_task_events(cal, task, code=task.project.code, whole_task=task.assignee_id == user.pk, url=url)
    return cal.to_ical()


def feed_for_token(token: CalendarFeedToken, *, base_url: str = "") -> bytes:
    if token.scope == FeedScope.PROJECT:
        if token.project is None or not can_view_project(token.user, token.project):
            raise DomainNotFound()
        return project_feed(token.project, base_url=base_url)
    return user_feed(token.user, base_url=base_url)
