"""Cross-cutting models: users, directorates, the audit log, API tokens and report jobs."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ppm.roles import Role, is_portfolio_editor


class Directorate(models.Model):
    """An organisational unit (direction) that owns or sponsors projects."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("directorate")
        verbose_name_plural = _("directorates")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READER)
    directorate = models.ForeignKey(
        Directorate,
        verbose_name=_("directorate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # The language Pilotis writes to this person in (e-mails, digests, reminders): set when they switch
    # the interface's language; empty until then (the site's language is used: ppm.mail.user_language).
    language = models.CharField(
        _("language"), max_length=10, blank=True, default="", choices=settings.LANGUAGES
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_portfolio_editor(self) -> bool:
        return is_portfolio_editor(self)


class AuditEntry(models.Model):
    """One create, update, delete or transition of business data: who, when, what changed.

    Append-only: services write entries, nothing edits or deletes them.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        TRANSITION = "transition", _("status changed")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=255)
    # The parent in whose history this entry also appears (a task's project); see ppm.audit.
    related_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    related_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # {"field": {"label": "...", "old": "...", "new": "..."}}; display values, already resolved.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            models.Index(
                fields=["related_content_type", "related_object_id", "-at"], name="ppm_audit_related_idx"
            ),
            models.Index(fields=["actor", "-at"], name="ppm_audit_actor_idx"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    @property
    def object_type(self) -> str:
        """The kind of object changed, in the reader's language ("task", "baseline"…)."""
        model = self.content_type.model_class() if self.content_type_id else None
        return str(model._meta.verbose_name) if model else ""

    @property
    def display_changes(self) -> list[dict[str, str]]:
        """Changed fields with labels and choice values in the reader's language."""
        from ppm.audit import audit_display_changes

        return audit_display_changes(self)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the clear value is shown once.

    It may expire (`expires_at`, chosen at creation); `last_used_at` is written at most once a minute.
    """

    PREFIX_LENGTH = 8
    # Lifetimes offered at creation, in days (None: the token never expires).
    LIFETIME_DAYS = (30, 90, 365)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


def report_job_token() -> str:
    """Random path segment of a job's file: its storage name cannot be guessed."""
    return secrets.token_urlsafe(24)


class ReportJob(models.Model):
    """Status row of a long job (a generated report, an export, an import): its idempotency key.

    `key` identifies the output: kind + a hash of the params (the language among them), plus the
    object and its version where there is one. Asking twice for the same key returns the same job,
    and a redelivered task finds it ready and does nothing. Files live under
    ``reports/<kind>/<token>/<name>``, reachable only through the permission-checked download view.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    LOG_MAX_LINES = 50
    ROW_ERRORS_MAX = 1000

    kind = models.CharField(max_length=50)
    key = models.CharField(max_length=255, unique=True)
    params = models.JSONField(default=dict, blank=True)
    params_hash = models.CharField(max_length=64, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    token = models.CharField(max_length=64, default=report_job_token, editable=False)
    file = models.FileField(upload_to="reports/", max_length=300, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # Stable machine code of the failure ("stalled", "timeout", "queue", "attempts", "rows", "error").
    error_code = models.CharField(max_length=30, blank=True)
    # A short, bounded log: [{"at": ISO time, "message": "..."}], newest last (LOG_MAX_LINES).
    log = models.JSONField(default=list, blank=True)
    # Imports: every bad row, [{"line": 3, "field": "code", "message": "..."}] (ROW_ERRORS_MAX).
    row_errors = models.JSONField(default=list, blank=True)
    # What a finished job produced besides a file (e.g. {"created": 12} for an import).
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The version of the object the output reflects, and the language it is written in.
    object_version = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "kind", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="reportjob_progress_lte_100")
        ]
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    def set_progress(self, percent: int, message: str = "") -> None:
        """Record how far the job got (0–100) and optionally a log line, committed at once and
        visible to the poll view even while the render's own transaction is still open."""
        from ppm.reports import report_job_set_progress

        report_job_set_progress(self, percent=percent, message=message)
