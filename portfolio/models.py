"""Portfolio: strategic axes and objectives, projects and their lifecycle, portfolio snapshots."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portfolio import rules
from portfolio.rules import ProjectStatus
from portfolio.scheduling.board_models import BoardColumnLimit  # noqa: F401  (the task board)
from portfolio.scheduling.ical import CalendarFeedToken  # noqa: F401  (iCalendar feeds, issue #6)
from portfolio.scheduling.models import (  # noqa: F401  (the schedule's models, issue #6)
    Baseline,
    BaselineTask,
    CalendarException,
    CalendarSubdivision,
    PortfolioBaseline,
    PortfolioBaselineEntry,
    Task,
    TaskLink,
)
from ppm.lifecycle import StatusChange
from ppm.text import search_normalise
from ppm.versioning import VersionedModel

# The fields whose text the project search looks at (kept normalised in `search_text`).
SEARCH_FIELDS = ("code", "name", "description")

PLANNED_DATE_VALIDATORS = [MinValueValidator(rules.DATE_MIN), MaxValueValidator(rules.DATE_MAX)]


class StrategicAxis(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("strategic axis")
        verbose_name_plural = _("strategic axes")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Objective(models.Model):
    axis = models.ForeignKey(
        StrategicAxis, verbose_name=_("strategic axis"), on_delete=models.PROTECT, related_name="objectives"
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["axis__order", "order", "code"]
        verbose_name = _("strategic objective")
        verbose_name_plural = _("strategic objectives")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")


class Project(VersionedModel):
    code = models.CharField(
        _("code"),
        max_length=rules.CODE_MAX_LENGTH,
        unique=True,
        validators=[RegexValidator(rules.CODE_PATTERN, rules.CODE_MESSAGE)],
    )
    name = models.CharField(_("name"), max_length=rules.NAME_MAX_LENGTH)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=rules.DESCRIPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(rules.DESCRIPTION_MAX_LENGTH)],
    )
    directorate = models.ForeignKey(
        "ppm.Directorate",
        verbose_name=_("sponsoring directorate"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_projects",
    )
    planned_start = models.DateField(
        _("planned start"), null=True, blank=True, validators=PLANNED_DATE_VALIDATORS
    )
    planned_end = models.DateField(
        _("planned end"), null=True, blank=True, validators=PLANNED_DATE_VALIDATORS
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=Priority.choices,
        default=Priority.MEDIUM,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.DEMAND, db_index=True
    )
    status_before_hold = models.CharField(max_length=20, choices=ProjectStatus.choices, blank=True)
    # The last active status before closing, abandoning or not retaining: where reopening leads.
    status_before_end = models.CharField(max_length=20, choices=ProjectStatus.choices, blank=True)
    objectives = models.ManyToManyField(
        Objective, verbose_name=_("strategic objectives"), blank=True, related_name="projects"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="projects")
    # Code, name and description without accents, lowercased (ppm.text.search_normalise): the search
    # compares the normalised query with it, the same way on SQLite and PostgreSQL.
    search_text = models.TextField(blank=True, default="", editable=False)
    # The schedule (portfolio.scheduling): forecast dates and slippage written by each reschedule.
    forecast_start = models.DateField(_("forecast start"), null=True, blank=True, editable=False)
    forecast_finish = models.DateField(_("forecast finish"), null=True, blank=True, editable=False)
    # Working days from planned_end to forecast_finish (positive = late).
    slippage_days = models.IntegerField(_("slippage (working days)"), null=True, blank=True, editable=False)
    calendar_subdiv = models.CharField(
        _("public holidays"), max_length=3, blank=True, default="", choices=CalendarSubdivision.choices
    )
    schedule_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="project_end_after_start",
            )
        ]
        indexes = [
            models.Index(fields=["directorate", "status"]),
            models.Index(fields=["manager", "status"]),
            models.Index(fields=["planned_start", "planned_end"]),
            models.Index(fields=["slippage_days"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def save(self, *args, **kwargs):
        # A derived column must never drift from its sources, whoever saves (services, admin, fixtures).
        self.search_text = search_normalise(
            " ".join(str(getattr(self, name) or "") for name in SEARCH_FIELDS)
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(SEARCH_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


class ProjectStatusChange(StatusChange):
    """The lifecycle history of a project (append-only)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_changes")
    source = models.CharField(_("from"), max_length=20, choices=ProjectStatus.choices, blank=True)
    target = models.CharField(_("to"), max_length=20, choices=ProjectStatus.choices)

    class Meta(StatusChange.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.project_id}: {self.source} → {self.target}"


class PortfolioSnapshot(models.Model):
    """Counts of the portfolio taken every night by Celery beat: the dashboard's trend."""

    day = models.DateField(_("day"), unique=True)
    taken_at = models.DateTimeField(auto_now=True)
    total = models.PositiveIntegerField(default=0)
    by_status = models.JSONField(default=dict)  # {"in_progress": 30, ...}
    by_objective = models.JSONField(default=dict)  # {"OBJ1": 12, ...}

    class Meta:
        ordering = ["day"]
        verbose_name = _("portfolio snapshot")
        verbose_name_plural = _("portfolio snapshots")

    def __str__(self) -> str:
        return f"{self.day}: {self.total}"
