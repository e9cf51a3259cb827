"""The schedule of a project: tasks (a WBS tree), links, calendar exceptions, baselines.

The data contract of issue #6 (see the task list): every name here is used by the Gantt, the board,
the baselines and the MS Project import/export. Dates of automatic tasks and the scheduler outputs
(late dates, floats, critical flag) are written by `services.project_reschedule` only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portfolio.scheduling.engine import ConstraintType, LinkType
from ppm.versioning import VersionedModel

NAME_MAX_LENGTH = 255
NOTES_MAX_LENGTH = 20_000
DURATION_MAX = 10_000  # working days (about 40 years)
LAG_MAX = 10_000


class CalendarSubdivision(models.TextChoices):
    METROPOLITAN = "", _("Metropolitan France")
    MOSELLE = "57", _("Alsace-Moselle (Moselle)")
    ALSACE = "6AE", _("Alsace-Moselle (Alsace)")
    BAS_RHIN = "67", _("Alsace-Moselle (Bas-Rhin)")
    HAUT_RHIN = "68", _("Alsace-Moselle (Haut-Rhin)")


class TaskMode(models.TextChoices):
    AUTO = "auto", _("Automatic")
    MANUAL = "manual", _("Manual")


class BoardStatus(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")


class TaskConstraint(models.TextChoices):
    NONE = "", _("As soon as possible")
    START_NO_EARLIER_THAN = ConstraintType.START_NO_EARLIER_THAN.value, _("Start no earlier than")
    START_NO_LATER_THAN = ConstraintType.START_NO_LATER_THAN.value, _("Start no later than")
    FINISH_NO_EARLIER_THAN = ConstraintType.FINISH_NO_EARLIER_THAN.value, _("Finish no earlier than")
    FINISH_NO_LATER_THAN = ConstraintType.FINISH_NO_LATER_THAN.value, _("Finish no later than")
    MUST_START_ON = ConstraintType.MUST_START_ON.value, _("Must start on")
    MUST_FINISH_ON = ConstraintType.MUST_FINISH_ON.value, _("Must finish on")


class LinkTypeChoice(models.TextChoices):
    FINISH_TO_START = LinkType.FINISH_TO_START.value, _("Finish to start")
    START_TO_START = LinkType.START_TO_START.value, _("Start to start")
    FINISH_TO_FINISH = LinkType.FINISH_TO_FINISH.value, _("Finish to finish")
    START_TO_FINISH = LinkType.START_TO_FINISH.value, _("Start to finish")


class CalendarException(VersionedModel):
    """Closed days (inclusive range): for one project, or for the whole organisation (project null)."""

    project = models.ForeignKey(
        "portfolio.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_exceptions",
    )
    name = models.CharField(_("name"), max_length=200)
    start = models.DateField(_("first closed day"))
    end = models.DateField(_("last closed day"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    audit_parent = "project"

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="calendar_exception_end_after_start"
            )
        ]
        indexes = [models.Index(fields=["project", "start"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.start} – {self.end})"


class Task(VersionedModel):
    project = models.ForeignKey(
        "portfolio.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent task"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    wbs = models.CharField(_("WBS"), max_length=100, blank=True, default="", editable=False)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    notes = models.TextField(_("notes"), blank=True, default="", max_length=NOTES_MAX_LENGTH)
    mode = models.CharField(
        _("scheduling mode"), max_length=10, choices=TaskMode.choices, default=TaskMode.AUTO
    )
    duration = models.PositiveIntegerField(
        _("duration (working days)"), default=1, validators=[MaxValueValidator(DURATION_MAX)]
    )
    start = models.DateField(_("start"), null=True, blank=True)
    finish = models.DateField(_("finish"), null=True, blank=True)
    percent_complete = models.PositiveSmallIntegerField(
        _("% complete"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    milestone = models.BooleanField(_("milestone"), default=False)
    is_summary = models.BooleanField(_("summary task"), default=False, editable=False)
    constraint_type = models.CharField(
        _("constraint"), max_length=10, choices=TaskConstraint.choices, blank=True, default=""
    )
    constraint_date = models.DateField(_("constraint date"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
    )
    assignee_name = models.CharField(_("assignee name"), max_length=200, blank=True, default="")
    estimate_days = models.DecimalField(
        _("estimate (person-days)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    board_status = models.CharField(
        _("board status"), max_length=20, choices=BoardStatus.choices, default=BoardStatus.TODO
    )
    board_position = models.PositiveIntegerField(_("board position"), default=0)
    # Scheduler outputs (services.project_reschedule).
    late_start = models.DateField(_("late start"), null=True, blank=True, editable=False)
    late_finish = models.DateField(_("late finish"), null=True, blank=True, editable=False)
    total_float = models.IntegerField(_("total float"), null=True, blank=True, editable=False)
    free_float = models.IntegerField(_("free float"), null=True, blank=True, editable=False)
    critical = models.BooleanField(_("critical"), default=False, editable=False)
    # What the scheduler could not honour on this task (engine.Violation.as_data() of each): a missed
    # constraint or deadline, a pinned task breaking a link. Rendered in the reader's language.
    schedule_issues = models.JSONField(_("schedule problems"), default=list, blank=True, editable=False)
    external_uid = models.CharField(_("external UID"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    audit_parent = "project"

    class Meta:
        ordering = ["project", "wbs", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["project", "parent", "position"]),
            models.Index(fields=["project", "board_status", "board_position"]),
            models.Index(fields=["assignee", "board_status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0) & Q(percent_complete__lte=100),
                name="task_percent_complete_range",
            ),
            models.CheckConstraint(
                condition=Q(finish__isnull=True) | Q(start__isnull=True) | Q(finish__gte=F("start")),
                name="task_finish_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wbs} {self.name}".strip()

    @property
    def schedule_issue_messages(self) -> list[str]:
        return schedule_issue_messages(self.schedule_issues)


def schedule_issue_messages(issues) -> list[str]:
    """The sentences of stored schedule problems (Task.schedule_issues), in the active language."""
    from portfolio.scheduling.engine import violation_message

    return [violation_message(issue["variant"], issue["params"]) for issue in issues or ()]


class TaskLink(VersionedModel):
    project = models.ForeignKey(
        "portfolio.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="task_links"
    )
    predecessor = models.ForeignKey(
        Task, verbose_name=_("predecessor"), on_delete=models.CASCADE, related_name="successor_links"
    )
    successor = models.ForeignKey(
        Task, verbose_name=_("successor"), on_delete=models.CASCADE, related_name="predecessor_links"
    )
    type = models.CharField(
        _("type"), max_length=2, choices=LinkTypeChoice.choices, default=LinkTypeChoice.FINISH_TO_START
    )
    lag = models.IntegerField(
        _("lag (working days)"),
        default=0,
        validators=[MinValueValidator(-LAG_MAX), MaxValueValidator(LAG_MAX)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    audit_parent = "project"

    class Meta:
        ordering = ["pk"]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="task_link_unique_pair"),
            models.CheckConstraint(condition=~Q(predecessor=F("successor")), name="task_link_not_self"),
        ]
        indexes = [models.Index(fields=["project"])]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id} ({self.type}{self.lag:+d})"


class Baseline(models.Model):
    """A saved copy of a project's schedule (the committee takes one at each session)."""

    project = models.ForeignKey(
        "portfolio.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="baselines"
    )
    name = models.CharField(_("name"), max_length=200)
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, default="")

    audit_parent = "project"

    class Meta:
        ordering = ["project", "-taken_at", "-pk"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        indexes = [models.Index(fields=["project", "taken_at"])]

    def __str__(self) -> str:
        return self.name


class BaselineTask(models.Model):
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="tasks")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    wbs = models.CharField(_("WBS"), max_length=100, blank=True, default="")
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    start = models.DateField(_("start"), null=True, blank=True)
    finish = models.DateField(_("finish"), null=True, blank=True)
    duration = models.IntegerField(_("duration (working days)"), default=0)
    estimate_days = models.DecimalField(
        _("estimate (person-days)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    milestone = models.BooleanField(_("milestone"), default=False)

    class Meta:
        ordering = ["baseline", "pk"]
        verbose_name = _("baseline task")
        verbose_name_plural = _("baseline tasks")
        indexes = [models.Index(fields=["baseline", "task"])]

    def __str__(self) -> str:
        return f"{self.wbs} {self.name}".strip()


class PortfolioBaseline(models.Model):
    """Every project's planned and forecast dates and milestones, saved at a committee session."""

    name = models.CharField(_("name"), max_length=200)
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("portfolio baseline")
        verbose_name_plural = _("portfolio baselines")

    def __str__(self) -> str:
        return self.name


class PortfolioBaselineEntry(models.Model):
    baseline = models.ForeignKey(PortfolioBaseline, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey(
        "portfolio.Project", on_delete=models.CASCADE, related_name="portfolio_baseline_entries"
    )
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    forecast_start = models.DateField(null=True, blank=True)
    forecast_finish = models.DateField(null=True, blank=True)
    # [[task_id, name, iso date], ...]
    milestones = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["baseline", "project"]
        verbose_name = _("portfolio baseline entry")
        verbose_name_plural = _("portfolio baseline entries")
        constraints = [
            models.UniqueConstraint(fields=["baseline", "project"], name="portfolio_baseline_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.baseline_id}: {self.project_id}"
