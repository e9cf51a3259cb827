"""Governance: how projects are steered. Project offices and committees, reporting periods, flash reports
(« météo projet ») with their workflow, alerts and their rules.

* Each project has (lazily) a ProjectGovernance row: its project office (theme), its committee and its
  reporting cadence (monthly by default, fortnightly for some). Periods are generated per cadence, never
  typed (governance.periods).
* A FlashReport is one project's report for one period. Corrections after validation are a new
  *revision* of the same (project, period): the previous one is kept, `is_current` moves to the new one.
* Alerts are raised by rules evaluated by Celery; one open alert per cause (`cause_key`), never twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ppm.lifecycle import StatusChange
from ppm.versioning import VersionedModel


class ProjectOffice(models.Model):
    """A project office (bureau de projets), usually by theme: « Numérique éducatif », « Solidarités »…"""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("project office")
        verbose_name_plural = _("project offices")

    def __str__(self) -> str:
        return self.name


class Committee(models.Model):
    """A steering committee (COPIL, comité de programme…) that reviews a set of projects."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self) -> str:
        return self.name


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")


class ProjectGovernance(VersionedModel):
    """How one project is steered: its project office, committee and reporting cadence."""

    audit_parent = "project"
    audit_fields = ("project_office", "committee", "cadence", "reporting")

    project = models.OneToOneField("portfolio.Project", on_delete=models.CASCADE, related_name="governance")
    project_office = models.ForeignKey(
        ProjectOffice, verbose_name=_("project office"), null=True, blank=True, on_delete=models.SET_NULL
    )
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), null=True, blank=True, on_delete=models.SET_NULL
    )
    cadence = models.CharField(
        _("reporting cadence"), max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    # False for projects that file no flash report (demands, closed projects are skipped anyway).
    reporting = models.BooleanField(_("files flash reports"), default=True)

    class Meta:
        verbose_name = _("project governance")
        verbose_name_plural = _("project governance")
        indexes = [models.Index(fields=["project_office"]), models.Index(fields=["committee"])]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_cadence_display()}"


class ReportingPeriod(models.Model):
    """A reporting period of a cadence: [start, end], reports due by `deadline`."""

    cadence = models.CharField(_("cadence"), max_length=12, choices=Cadence.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    deadline = models.DateField(_("deadline"))

    class Meta:
        ordering = ["cadence", "-start"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [models.UniqueConstraint(fields=["cadence", "start"], name="reporting_period_unique")]
        indexes = [models.Index(fields=["start", "end"])]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


class Weather(models.TextChoices):
    """Ordered from best to worst (the trend compares their rank)."""

    SUNNY = "sunny", _("Sunny")
    CLOUDY = "cloudy", _("Cloudy")
    RAINY = "rainy", _("Rainy")
    STORMY = "stormy", _("Stormy")


WEATHER_RANK = {value: rank for rank, value in enumerate(Weather.values)}


class Trend(models.TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("Same")
    WORSE = "worse", _("Worse")
    NEW = "new", _("First report")


class Dimension(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    BUDGET = "budget", pgettext_lazy("flash report dimension", "Budget")
    SCOPE = "scope", _("Scope")
    RESOURCES = "resources", pgettext_lazy("flash report dimension", "Resources")
    RISKS = "risks", _("Risks")


class FlashReportStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("flash report status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("flash report status", "Submitted")
    VALIDATED = "validated", pgettext_lazy("flash report status", "Validated")
    RETURNED = "returned", pgettext_lazy("flash report status", "Returned")


class FlashReport(VersionedModel):
    """A project's flash report for one period (one revision of it; see the module docstring)."""

    audit_parent = "project"
    audit_fields = (
        "status",
        "weather",
        "percent_complete",
        "highlights",
        "achievements",
        "next_steps",
        "figures",
    )

    project = models.ForeignKey("portfolio.Project", on_delete=models.CASCADE, related_name="flash_reports")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reports")
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    is_current = models.BooleanField(default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FlashReportStatus.choices, default=FlashReportStatus.DRAFT
    )
    weather = models.CharField(_("overall weather"), max_length=10, choices=Weather.choices, blank=True)
    trend = models.CharField(_("trend"), max_length=10, choices=Trend.choices, default=Trend.NEW)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    highlights = models.TextField(_("highlights of the period"), blank=True)
    achievements = models.TextField(_("achievements"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    # Prefilled figures, confirmed or corrected by the author:
    # {"<key>": {"label": "...", "value": ..., "prefilled": ..., "source": "schedule|budget|workload|alerts",
    #            "corrected": bool}}
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_comment = models.TextField(_("return comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["project", "-period__start", "-revision"]
        verbose_name = _("flash report")
        verbose_name_plural = _("flash reports")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period", "revision"], name="flash_report_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "period"], condition=Q(is_current=True), name="flash_report_one_current"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"]),
            models.Index(fields=["project", "status", "-validated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.period}"


class FlashReportDimension(models.Model):
    report = models.ForeignKey(FlashReport, on_delete=models.CASCADE, related_name="dimensions")
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    weather = models.CharField(_("weather"), max_length=10, choices=Weather.choices, blank=True)
    trend = models.CharField(_("trend"), max_length=10, choices=Trend.choices, default=Trend.NEW)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["report", "dimension"]
        verbose_name = _("flash report dimension")
        verbose_name_plural = _("flash report dimensions")
        constraints = [models.UniqueConstraint(fields=["report", "dimension"], name="flash_dimension_unique")]

    def __str__(self) -> str:
        return f"{self.report} · {self.get_dimension_display()}"


class ItemKind(models.TextChoices):
    RISK = "risk", _("Alert or risk")
    DECISION = "decision", _("Decision requested")


class ItemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("flash report item", "Open")
    CLOSED = "closed", pgettext_lazy("flash report item", "Closed")


class FlashReportItem(models.Model):
    """An alert/risk or a decision requested from the committee; open items carry over to the next report."""

    report = models.ForeignKey(FlashReport, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    text = models.TextField(_("description"))
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    # The item of the previous report this one carries over (None for a new item).
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["report_id", "kind", "order", "pk"]
        verbose_name = _("flash report item")
        verbose_name_plural = _("flash report items")
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return self.text[:80]


class LatestReport(models.Model):
    """Each project's latest validated flash report (the latest period's, its latest validated revision),
    stored: the steering dashboard and its API read these rows instead of finding it again for every
    project. governance.latest_reports keeps them equal to the live reports (see there)."""

    project = models.OneToOneField(
        "portfolio.Project",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="latest_validated_report",
    )
    report = models.OneToOneField(FlashReport, on_delete=models.CASCADE, related_name="latest_of")
    weather = models.CharField(_("overall weather"), max_length=10, choices=Weather.choices, blank=True)

    class Meta:
        verbose_name = _("latest validated flash report")
        verbose_name_plural = _("latest validated flash reports")

    def __str__(self) -> str:
        return f"{self.project_id} → {self.report_id}"


class FlashReportStatusChange(StatusChange):
    report = models.ForeignKey(FlashReport, on_delete=models.CASCADE, related_name="status_changes")
    source = models.CharField(_("from"), max_length=20, choices=FlashReportStatus.choices, blank=True)
    target = models.CharField(_("to"), max_length=20, choices=FlashReportStatus.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("flash report status change")
        verbose_name_plural = _("flash report status changes")


# ------------------------------------------------------------------------------ alerts


class AlertRule(VersionedModel):
    """A rule the project office configures: enabled, thresholds (`params`), severity."""

    audit_fields = ("enabled", "params", "severity")

    code = models.CharField(_("rule"), max_length=40, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    # e.g. {"days": 10} for "forecast finish beyond the approved end by more than N days".
    params = models.JSONField(_("thresholds"), default=dict, blank=True)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=[("info", _("Information")), ("warning", _("Warning")), ("critical", _("Critical"))],
        default="warning",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.code


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
    CLOSED = "closed", pgettext_lazy("alert status", "Closed")


class Alert(models.Model):
    """One raised alert. `cause_key` names its cause (rule + object + what): while an alert for a cause is
    not closed, the rule never raises another one for it."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    cause_key = models.CharField(max_length=200)
    project = models.ForeignKey(
        "portfolio.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    severity = models.CharField(_("severity"), max_length=10, default="warning")
    # Message code and parameters, rendered in the reader's language (governance.alerts).
    message = models.CharField(_("message"), max_length=300)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=13, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["cause_key"], condition=~Q(status="closed"), name="alert_one_open_per_cause"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-raised_at"]),
            models.Index(fields=["project", "status"]),
            # The list's default order (every status): its first page without sorting the whole table.
            models.Index(fields=["-raised_at", "-id"], name="governance_alert_raised"),
        ]

    def __str__(self) -> str:
        return self.message


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    NEVER = "never", _("Never")


class AlertSubscription(models.Model):
    """A user's e-mail digest preference (default: daily for the project office, weekly for others)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscription"
    )
    frequency = models.CharField(_("digest"), max_length=10, choices=DigestFrequency.choices)
    # The language the digest is written in (the user's language when they last saved the preference).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_frequency_display()}"
