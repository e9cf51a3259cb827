"""Import the finance system's execution (commitments and payments) from a CSV or XLSX table.

One row per execution entry; headers in English or French, in any order:

==============  =================================================  ==========================================
column          accepted headers                                   value
==============  =================================================  ==========================================
line            line, line reference, ligne, référence ligne        the budget line's finance reference
kind            kind, type, nature                                 committed / paid (engagé / mandaté, payé)
date            date                                               2025-03-01, or 01/03/2025
amount          amount, montant                                    1234.50 or 1 234,50 (negative = cancel)
reference       reference, entry reference, référence, n° pièce    the entry's reference in the finance system
==============  =================================================  ==========================================

All or nothing (ppm.imports): every bad row is reported with its line and reason and nothing is written.
Idempotent: an entry is identified by (kind, reference). A row whose entry exists unchanged is skipped;
one whose date or amount changed updates the entry (audited); one naming another line is refused. Every
project of the file is locked first, in one order (two imports wait for each other, never deadlock); the
line years' committed/paid totals are recomputed once, in the same transaction
(budgets.services.line_year_totals_refresh).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from budgets.models import BudgetLine, ExecutionEntry, ExecutionSource
from budgets.money import parse_amount
from budgets.permissions import RULES
from budgets.services import _clean_kind, line_year_totals_refresh
from budgets.totals import budget_totals_lock_lines
from ppm.audit import audit_record
from ppm.exceptions import DomainValidationError
from ppm.imports import Importer
from ppm.models import AuditEntry, ReportJob

IMPORT_KIND = "budget_execution_import"

COLUMNS: dict[str, tuple[str, ...]] = {
    "line": (
        "line",
        "line reference",
        "line_ref",
        "budget line",
        "ligne",
        "référence ligne",
        "ligne budgétaire",
    ),
    "kind": ("kind", "type", "nature"),
    "date": ("date", "date de pièce", "entry date"),
    "amount": ("amount", "montant"),
    "reference": ("reference", "entry reference", "référence", "référence pièce", "n° pièce", "piece"),
}


@dataclass(frozen=True)
class Row:
    line_id: int
    kind: str
    date: datetime.date
    amount: Decimal
    reference: str


def _parse_date(text: str) -> datetime.date:
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise ValidationError({"date": [_("Enter a date such as 2025-03-01 or 01/03/2025.")]})


class ExecutionImporter(Importer):
    """Rows → ExecutionEntry rows keyed by (kind, reference); one instance per run."""

    def __init__(self) -> None:
        self.lines: dict[str, int] | None = None
        self.seen: set[tuple[str, str]] = set()
        self.touched: set[int] = set()
        self.allowed: bool | None = None

    def _value(self, row: dict[str, str], column: str) -> str:
        for header in COLUMNS[column]:
            if header in row:
                return row[header].strip()
        return ""

    def validate_row(self, job: ReportJob, line: int, row: dict[str, str]) -> Row:
        if self.allowed is None:
            self.allowed = job.requested_by is not None and RULES.allows(
                job.requested_by, "budget_line.change"
            )
        if not self.allowed:
            raise PermissionDenied(RULES.message("budget_line.change"))
        if self.lines is None:
            self.lines = dict(BudgetLine.objects.exclude(external_ref="").values_list("external_ref", "pk"))
        errors: dict[str, list[str]] = {}
        reference = self._value(row, "line")
        line_id = self.lines.get(reference)
        if not reference:
            errors["line"] = [_("Give the budget line's finance reference.")]
        elif line_id is None:
            errors["line"] = [_("No budget line has the reference “%(ref)s”.") % {"ref": reference}]
        kind = ""
        try:
            kind = _clean_kind(self._value(row, "kind"))
        except DomainValidationError as error:
            errors["kind"] = [str(error)]
        try:
            when = _parse_date(self._value(row, "date"))
        except ValidationError as error:
            errors.update(error.message_dict)
        try:
            amount = parse_amount(self._value(row, "amount"), allow_negative=True, allow_zero=False)
        except DomainValidationError as error:
            errors["amount"] = [str(error)]
        entry_ref = self._value(row, "reference")[:100]
        if not entry_ref:
            errors["reference"] = [_("Give the entry's reference in the finance system.")]
        elif kind and (kind, entry_ref) in self.seen:
            errors["reference"] = [_("This entry appears twice in the file.")]
        if errors:
            raise ValidationError(errors)
        self.seen.add((kind, entry_ref))
        return Row(line_id=line_id or 0, kind=kind, date=when, amount=amount, reference=entry_ref)

    def write_row(self, job: ReportJob, cleaned: Row) -> None:
        existing = ExecutionEntry.objects.filter(kind=cleaned.kind, external_ref=cleaned.reference).first()
        actor = job.requested_by
        if existing is None:
            entry = ExecutionEntry.objects.create(
                line_id=cleaned.line_id,
                kind=cleaned.kind,
                date=cleaned.date,
                amount=cleaned.amount,
                source=ExecutionSource.IMPORT,
                external_ref=cleaned.reference,
            )
            audit_record(
                instance=entry,
                action=AuditEntry.Action.CREATE,
                actor=actor,
                changes={
                    "amount": {
                        "label": entry.get_kind_display(),
                        "old": "",
                        "new": f"{entry.amount} € ({entry.date})",
                    }
                },
            )
        elif existing.line_id != cleaned.line_id:
            raise ValidationError(
                {"reference": [_("This entry is already recorded on another budget line.")]}
            )
        elif existing.amount != cleaned.amount or existing.date != cleaned.date:
            before = f"{existing.amount} € ({existing.date})"
            existing.amount, existing.date = cleaned.amount, cleaned.date
            existing.save(update_fields=["amount", "date"])
            audit_record(
                instance=existing,
                action=AuditEntry.Action.UPDATE,
                actor=actor,
                changes={
                    "amount": {
                        "label": existing.get_kind_display(),
                        "old": before,
                        "new": f"{existing.amount} € ({existing.date})",
                    }
                },
            )
        else:
            return  # already imported, unchanged
        self.touched.add(cleaned.line_id)

    def before_writes(self, job: ReportJob, rows: list[Row]) -> None:
        # Every project of the file locked first, in id order (budgets.totals): two imports naming the
        # same projects in another order wait for each other instead of deadlocking.
        budget_totals_lock_lines(row.line_id for row in rows)

    def after_writes(self, job: ReportJob) -> None:
        # The touched lines' years and the stored totals, once for the whole file.
        line_year_totals_refresh(self.touched)
