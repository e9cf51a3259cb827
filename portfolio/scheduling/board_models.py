"""The task board's own settings: a work-in-progress limit per column of a project's board."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portfolio.scheduling.models import BoardStatus

WIP_LIMIT_MAX = 10_000


class BoardColumnLimit(models.Model):
    """At most `wip_limit` cards in the `board_status` column of the project's board (shown in the
    column's header, in red with a sentence when exceeded; never enforced: the team decides)."""

    project = models.ForeignKey(
        "portfolio.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="board_column_limits",
    )
    board_status = models.CharField(_("board status"), max_length=20, choices=BoardStatus.choices)
    wip_limit = models.PositiveIntegerField(
        _("work-in-progress limit"), validators=[MinValueValidator(1), MaxValueValidator(WIP_LIMIT_MAX)]
    )

    audit_parent = "project"

    class Meta:
        ordering = ["project", "board_status"]
        verbose_name = _("board column limit")
        verbose_name_plural = _("board column limits")
        constraints = [
            models.UniqueConstraint(fields=["project", "board_status"], name="board_column_limit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.board_status} ≤ {self.wip_limit}"
