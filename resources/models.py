"""Resources and capacity: people and generic resources, their roles, availability, the workload plan
(allocations, ratio templates) and timesheets.

Units: every workload figure is in **person-days** (Decimal, two places). A timesheet entry is stored in
days too; the organisation may show and type it in hours (settings.PILOTIS_TIMESHEET_UNIT,
settings.PILOTIS_HOURS_PER_DAY), converted at the edges.

Capacity is never typed in: it follows from the organisation calendar (portfolio.scheduling), each
resource's weekly pattern and active dates, absences and background load (resources.capacity).
The capacity plan is a stored snapshot built by Celery (resources.snapshot).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import overload

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ppm.lifecycle import StatusChange
from ppm.text import search_normalise
from ppm.versioning import VersionedModel

DAYS_MAX_DIGITS = 9
ZERO = Decimal("0")


class RoleFamily(models.TextChoices):
    """The three families of public-sector project work (fixed): the owner's side, the builder's side and
    the owner's assistance."""

    MOA = "moa", _("MOA (project owner)")
    MOE = "moe", _("MOE (delivery)")
    AMOA = "amoa", _("AMOA (owner's assistance)")


class Profile(models.Model):
    """A configurable role within a family: « Chef·fe de projet MOE », « Architecte », « Analyste métier »…"""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    family = models.CharField(_("family"), max_length=10, choices=RoleFamily.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["family", "order", "name"]
        verbose_name = _("role profile")
        verbose_name_plural = _("role profiles")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team within a directorate; its manager approves its members' timesheets by default."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    directorate = models.ForeignKey(
        "ppm.Directorate", verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="teams"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Vendor(models.Model):
    """A company whose consultants work on projects (framework agreements live in budgets)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return self.name


class ResourceKind(models.TextChoices):
    PERSON = "person", _("Named person")
    GENERIC = "generic", _("Generic resource")


def resource_search_text(name: str, email: str) -> str:
    return search_normalise(f"{name} {email}")


def default_week_pattern() -> list[str]:
    return ["1", "1", "1", "1", "1"]


class Resource(VersionedModel):
    """A named person (internal staff or an external consultant) or a generic resource (work not staffed).

    `week_pattern` gives, Monday to Friday, the share of each day worked ("1", "0.5", "0"): 80 % with
    Wednesdays off is ["1", "1", "0", "1", "1"]. `working_time` (percent) follows from it. A generic
    resource carries load, never capacity: it shows unstaffed demand.
    """

    audit_fields = (
        "name",
        "kind",
        "user",
        "is_external",
        "vendor",
        "directorate",
        "team",
        "manager",
        "primary_profile",
        "profiles",
        "week_pattern",
        "active_from",
        "active_until",
        "daily_cost",
        "email",
        "notes",
    )

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ResourceKind.choices, default=ResourceKind.PERSON
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resource",
    )
    is_external = models.BooleanField(_("external"), default=False)
    vendor = models.ForeignKey(
        Vendor,
        verbose_name=_("vendor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    directorate = models.ForeignKey(
        "ppm.Directorate", verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="resources"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    # Approves the person's timesheets (the team's manager when empty).
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_resources",
    )
    primary_profile = models.ForeignKey(
        Profile, verbose_name=_("main role"), on_delete=models.PROTECT, related_name="primary_resources"
    )
    profiles = models.ManyToManyField(Profile, verbose_name=_("roles"), blank=True, related_name="resources")
    week_pattern = models.JSONField(_("weekly pattern"), default=default_week_pattern)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    daily_cost = models.DecimalField(
        _("daily cost rate (€)"),
        max_digits=9,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Name and e-mail without accents, lowercased (ppm.text.search_normalise): the list's search reads it.
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [
            models.Index(fields=["directorate", "name"]),
            models.Index(fields=["team", "name"]),
            models.Index(fields=["primary_profile"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=F("active_from")),
                name="resource_active_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = resource_search_text(self.name, self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def family(self) -> str:
        return self.primary_profile.family

    @property
    def is_generic(self) -> bool:
        return self.kind == ResourceKind.GENERIC

    @property
    def working_time(self) -> Decimal:
        """Percent of a full-time week (sum of the weekly pattern / 5)."""
        total = sum((Decimal(str(value)) for value in self.week_pattern or ()), ZERO)
        return (total * 100 / 5).quantize(Decimal("1"))

    @property
    def approver(self):
        """Who approves this person's timesheets: their manager, else their team's."""
        if self.manager_id:
            return self.manager
        return self.team.manager if self.team is not None else None


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    TRAINING = "training", _("Training")
    SICK = "sick", _("Sick leave")
    OTHER = "other", pgettext_lazy("absence kind", "Other")


class Absence(VersionedModel):
    """Days a person is away (inclusive range); `day_share` below 1 for half days (0.5)."""

    audit_parent = "resource"
    audit_fields = ("kind", "start", "end", "day_share", "note")

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="absences"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AbsenceKind.choices, default=AbsenceKind.LEAVE)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    day_share = models.DecimalField(
        _("share of each day"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["resource", "start", "pk"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        indexes = [models.Index(fields=["resource", "start"]), models.Index(fields=["start", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="absence_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} · {self.get_kind_display()} ({self.start} – {self.end})"


class BackgroundLoad(VersionedModel):
    """The share of a person's time taken by non-project work (run, support…) over a period.

    Capacity for projects = gross capacity × (1 − share). `end` empty: open-ended."""

    audit_parent = "resource"
    audit_fields = ("label", "start", "end", "share")

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="background_loads"
    )
    label = models.CharField(_("activity"), max_length=100)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["resource", "start", "pk"]
        verbose_name = _("background load")
        verbose_name_plural = _("background loads")
        indexes = [models.Index(fields=["resource", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="background_load_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} · {self.label} {self.share} %"


class RatioTemplate(VersionedModel):
    """Derives a project's workload by family from one estimate: MOE 1 : MOA 1 : AMOA 0.5.

    `base_family` is the family the estimate is given in; each line's ratio is relative to it."""

    audit_fields = ("name", "base_family", "is_default", "notes")

    name = models.CharField(_("name"), max_length=200, unique=True)
    base_family = models.CharField(
        _("estimate given in"), max_length=10, choices=RoleFamily.choices, default=RoleFamily.MOE
    )
    is_default = models.BooleanField(_("default template"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ratio template")
        verbose_name_plural = _("ratio templates")

    def __str__(self) -> str:
        return self.name


class RatioTemplateLine(models.Model):
    template = models.ForeignKey(RatioTemplate, on_delete=models.CASCADE, related_name="lines")
    family = models.CharField(_("family"), max_length=10, choices=RoleFamily.choices)
    # Optional: the derived demand goes to this profile (else to the family alone).
    profile = models.ForeignKey(
        Profile, verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT
    )
    ratio = models.DecimalField(
        _("ratio"), max_digits=6, decimal_places=3, validators=[MinValueValidator(ZERO)]
    )
    # Share of this line's days done by external staff (outsourced), 0–100.
    external_share = models.DecimalField(
        _("outsourced (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["template", "family", "pk"]
        verbose_name = _("ratio template line")
        verbose_name_plural = _("ratio template lines")
        constraints = [
            models.UniqueConstraint(fields=["template", "family", "profile"], name="ratio_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_family_display()} × {self.ratio}"


class AllocationSource(models.TextChoices):
    MANUAL = "manual", _("Entered")
    TEMPLATE = "template", _("Ratio template")
    TASKS = "tasks", _("Proposed from the schedule")


class PeriodGrain(models.TextChoices):
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")


class Allocation(VersionedModel):
    """Person-days of a project over one period (a month, or a week where a manager plans by week).

    On a family (and optionally a profile) for generic demand, or on a resource (named person or generic
    resource). `period_start` is the first day of the month or the Monday of the week. The load is spread
    evenly over the period's working days when capacity is computed.

    `template_days` keeps what the ratio template derived, so that an edited figure shows its deviation;
    `is_external` is the resource's, or stated for demand not yet staffed.
    """

    audit_parent = "project"
    audit_fields = ("family", "profile", "resource", "grain", "period_start", "days", "is_external", "note")

    project = models.ForeignKey(
        "portfolio.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="allocations"
    )
    family = models.CharField(_("family"), max_length=10, choices=RoleFamily.choices)
    profile = models.ForeignKey(
        Profile,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    grain = models.CharField(
        _("period"), max_length=5, choices=PeriodGrain.choices, default=PeriodGrain.MONTH
    )
    period_start = models.DateField(_("period start"))
    days = models.DecimalField(
        _("person-days"), max_digits=DAYS_MAX_DIGITS, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    is_external = models.BooleanField(_("outsourced"), default=False)
    source = models.CharField(
        _("source"), max_length=10, choices=AllocationSource.choices, default=AllocationSource.MANUAL
    )
    template = models.ForeignKey(
        RatioTemplate, verbose_name=_("ratio template"), null=True, blank=True, on_delete=models.SET_NULL
    )
    template_days = models.DecimalField(
        _("derived person-days"), max_digits=DAYS_MAX_DIGITS, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["project", "family", "period_start", "pk"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            models.Index(fields=["project", "period_start"]),
            models.Index(fields=["resource", "period_start"]),
            models.Index(fields=["period_start", "family"]),
            # The capacity plan's freshness reads the last change from this index (capacity part).
            models.Index(fields=["updated_at"], name="resources_allocation_updated"),
        ]
        constraints = [
            # One cell per project, family, role, resource, period and side; an empty role or resource
            # counts as one value (Coalesce: SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                F("project"),
                F("family"),
                Coalesce(F("profile"), Value(0)),
                Coalesce(F("resource"), Value(0)),
                F("grain"),
                F("period_start"),
                F("is_external"),
                name="allocation_unique_cell",
            ),
            models.CheckConstraint(condition=Q(days__gte=0), name="allocation_days_not_negative"),
        ]

    def __str__(self) -> str:
        who = self.resource or self.profile or self.get_family_display()
        return f"{self.project.code} · {who} · {self.period_start:%Y-%m}"

    @property
    def deviates(self) -> bool:
        return self.template_days is not None and self.template_days != self.days


class NonProjectActivity(models.Model):
    """A timesheet row that is not a project: run, support, training, meetings…"""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("non-project activity")
        verbose_name_plural = _("non-project activities")

    def __str__(self) -> str:
        return self.name


class TimesheetStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("timesheet status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("timesheet status", "Submitted")
    APPROVED = "approved", pgettext_lazy("timesheet status", "Approved")
    REJECTED = "rejected", pgettext_lazy("timesheet status", "Returned")


class Timesheet(VersionedModel):
    """One person's week (`week` is its Monday). Draft → submitted → approved, or returned with a reason.

    Each line is approved by its approver (the person's manager for every line, a project's manager for
    that project's lines); the week is approved when every line is. An approved week is locked:
    corrections are new entries on a later correction week, audited."""

    audit_parent = "resource"
    audit_fields = ("status",)

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="timesheets"
    )
    week = models.DateField(_("week of"))
    status = models.CharField(
        _("status"), max_length=10, choices=TimesheetStatus.choices, default=TimesheetStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["resource", "-week"]
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        constraints = [models.UniqueConstraint(fields=["resource", "week"], name="timesheet_one_per_week")]
        indexes = [models.Index(fields=["week", "status"]), models.Index(fields=["status", "week"])]

    def __str__(self) -> str:
        return f"{self.resource} · {self.week:%Y-%m-%d}"


class LineApproval(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", pgettext_lazy("timesheet line", "Approved")
    REJECTED = "rejected", pgettext_lazy("timesheet line", "Returned")


class TimesheetLine(models.Model):
    """A row of a week: a project (optionally one of its tasks) or a non-project activity."""

    audit_parent = "timesheet"

    timesheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="lines")
    project = models.ForeignKey(
        "portfolio.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="timesheet_lines",
    )
    task = models.ForeignKey(
        "portfolio.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="timesheet_lines",
    )
    activity = models.ForeignKey(
        NonProjectActivity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="timesheet_lines",
    )
    order = models.PositiveSmallIntegerField(default=0)
    approval = models.CharField(
        _("approval"), max_length=10, choices=LineApproval.choices, default=LineApproval.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["timesheet", "order", "pk"]
        verbose_name = _("timesheet line")
        verbose_name_plural = _("timesheet lines")
        indexes = [models.Index(fields=["project", "approval"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(project__isnull=False) & Q(activity__isnull=True))
                | (Q(project__isnull=True) & Q(activity__isnull=False) & Q(task__isnull=True)),
                name="timesheet_line_project_xor_activity",
            ),
        ]

    def __str__(self) -> str:
        what = self.task or self.project or self.activity
        return f"{self.timesheet} · {what}"


class TimeEntry(models.Model):
    """Time spent on one day of a line, in days (half-day steps by default)."""

    line = models.ForeignKey(TimesheetLine, on_delete=models.CASCADE, related_name="entries")
    day = models.DateField(_("day"))
    days = models.DecimalField(
        _("time (days)"), max_digits=5, decimal_places=3, validators=[MinValueValidator(ZERO)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["line", "day"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            models.UniqueConstraint(fields=["line", "day"], name="time_entry_one_per_day"),
            models.CheckConstraint(
                condition=Q(days__gte=0) & Q(days__lte=1), name="time_entry_at_most_a_day"
            ),
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.line} · {self.day}: {self.days}"


class TimesheetStatusChange(StatusChange):
    timesheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="status_changes")
    source = models.CharField(_("from"), max_length=20, choices=TimesheetStatus.choices, blank=True)
    target = models.CharField(_("to"), max_length=20, choices=TimesheetStatus.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("timesheet status change")
        verbose_name_plural = _("timesheet status changes")


# --- capacity


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("capacity snapshot", "Waiting for its first build")
    BUILDING = "building", pgettext_lazy("capacity snapshot", "Building")
    READY = "ready", pgettext_lazy("capacity snapshot", "Ready")
    FAILED = "failed", pgettext_lazy("capacity snapshot", "Failed")


class CapacityDimension(models.TextChoices):
    FAMILY = "family", _("Role family")
    PROFILE = "profile", _("Role")
    TEAM = "team", _("Team")
    DIRECTORATE = "directorate", _("Directorate")
    PERSON = "person", _("Person")


class CapacitySnapshot(models.Model):
    """The capacity plan for one set of filters, stored as rows of arrays (resources.snapshot builds it).

    `key` = grain + first period + number of periods + a hash of the filters (`params`). One build at a
    time: the task takes the row (status BUILDING), computes, replaces the rows and marks it READY with
    the `source_stamp` of the data it read; a build that finds the same stamp does nothing. `queued_at` is
    set while a build message waits (debounce: a second request finds it and sends nothing)."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    params = models.JSONField(_("filters"), default=dict)
    grain = models.CharField(
        _("period"), max_length=5, choices=PeriodGrain.choices, default=PeriodGrain.MONTH
    )
    start = models.DateField(_("first period"))
    periods = models.JSONField(_("periods"), default=list)  # [[first day, last day] ISO dates, ...]
    status = models.CharField(
        _("status"), max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.PENDING
    )
    requested_at = models.DateTimeField(_("requested"), null=True, blank=True)
    queued_at = models.DateTimeField(_("build queued"), null=True, blank=True)
    started_at = models.DateTimeField(_("build started"), null=True, blank=True)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    source_stamp = models.CharField(_("source stamp"), max_length=200, blank=True)
    build_ms = models.PositiveIntegerField(_("build time (ms)"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict)  # what the page shows besides the rows
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-start", "key"]
        verbose_name = _("capacity snapshot")
        verbose_name_plural = _("capacity snapshots")

    def __str__(self) -> str:
        return self.key


ROW_FIGURES = ("capacity", "gross", "absent", "background", "load", "load_external", "load_unstaffed")


class _Figure:
    """A CapacityRow figure (its name in ROW_FIGURES): the decoded list, one value per period."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, row: None, owner=None) -> _Figure: ...
    @overload
    def __get__(self, row: CapacityRow, owner=None) -> list[float]: ...
    def __get__(self, row, owner=None):
        return self if row is None else row.figures[self.name]


class CapacityRow(models.Model):
    """One row of the plan (a family, role, team, directorate or person): an array per figure, one value
    per period, stored together as one float32 matrix (`data`, figures × periods in ROW_FIGURES order,
    zlib-compressed): no JSON to encode at build time (500 people × 156 weeks × 7 figures), decoded on
    read.
    `ratio` is load ÷ net capacity (None where there is no capacity)."""

    snapshot = models.ForeignKey(CapacitySnapshot, on_delete=models.CASCADE, related_name="rows")
    dimension = models.CharField(_("dimension"), max_length=12, choices=CapacityDimension.choices)
    dim_key = models.CharField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    order = models.PositiveIntegerField(default=0)
    data = models.BinaryField(_("figures"))

    class Meta:
        ordering = ["snapshot", "dimension", "order"]
        verbose_name = _("capacity plan row")
        verbose_name_plural = _("capacity plan rows")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "dimension", "dim_key"], name="capacity_row_unique"),
        ]
        indexes = [models.Index(fields=["snapshot", "dimension", "order"])]

    def __str__(self) -> str:
        return f"{self.snapshot_id} · {self.dimension} · {self.label}"

    @property
    def figures(self) -> dict[str, list[float]]:
        cached = self.__dict__.get("_figures")
        if cached is None:
            import zlib

            import numpy as np

            raw = zlib.decompress(bytes(self.data))
            matrix = np.frombuffer(raw, dtype=np.float32).reshape(len(ROW_FIGURES), -1)
            values = np.round(matrix.astype(np.float64), 2).tolist()
            cached = self.__dict__["_figures"] = dict(zip(ROW_FIGURES, values, strict=True))
        return cached

    # One read-only list per figure, one value per period (ROW_FIGURES).
    capacity = _Figure()
    gross = _Figure()
    absent = _Figure()
    background = _Figure()
    load = _Figure()
    load_external = _Figure()
    load_unstaffed = _Figure()

    @cached_property
    def ratio(self) -> list[float | None]:
        return [
            round(load / capacity, 3) if capacity > 0.005 else None
            for load, capacity in zip(self.load, self.capacity, strict=True)
        ]


class CapacityLoad(models.Model):
    """Drill-down: the load of one project on one resource (or unstaffed demand) per period of the
    snapshot. `values` starts at period `offset` (zeros on either side are left out)."""

    snapshot = models.ForeignKey(CapacitySnapshot, on_delete=models.CASCADE, related_name="loads")
    project = models.ForeignKey("portfolio.Project", on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    family = models.CharField(max_length=10, choices=RoleFamily.choices)
    profile_key = models.CharField(max_length=40, blank=True)
    team_key = models.CharField(max_length=40, blank=True)
    directorate_key = models.CharField(max_length=40, blank=True)
    person_key = models.CharField(max_length=40, blank=True)
    is_external = models.BooleanField(default=False)
    offset = models.PositiveIntegerField(default=0)
    values = models.JSONField(default=list)

    class Meta:
        verbose_name = _("capacity plan load")
        verbose_name_plural = _("capacity plan loads")
        indexes = [models.Index(fields=["snapshot", "team_key"]), models.Index(fields=["snapshot", "family"])]

    def __str__(self) -> str:
        return f"{self.snapshot_id} · {self.project_id} · {self.resource_id}"


class TimesheetReminder(models.Model):
    """One reminder e-mail sent (resources.timesheet_reminders): at most one per user and day, so that
    a rerun of the daily task the same day sends nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="timesheet_reminders"
    )
    day = models.DateField(_("day"))
    missing_weeks = models.JSONField(_("weeks to fill in"), default=list, blank=True)
    waiting_weeks = models.PositiveIntegerField(_("weeks waiting for approval"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "user"]
        verbose_name = _("timesheet reminder")
        verbose_name_plural = _("timesheet reminders")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="timesheet_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"
