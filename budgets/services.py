"""Writes to envelopes, budget lines, forecasts, fundings, transfers and execution (the LINES part).

Conventions (as portfolio.scheduling.services)
----------------------------------------------
* Keyword-only arguments; `actor` is the acting user (None only for system code such as the demo and
  the bench, which skip the permission checks). Each service is one transaction that checks the rule
  table (budgets.permissions.RULES), locks what it changes (`lock_for_update` with `expected_version`:
  a stale write is refused with StaleVersionError, 412), validates with field errors, saves with
  `save_versioned` and records the audit entry (a line's changes appear in its project's history).
* Amounts are Decimal with two places (budgets.money.parse_amount); no float anywhere.

Rules decided here
------------------
* A line year's `forecast` starts equal to its planned amount when the year is created; afterwards only a
  reforecast (with a comment, kept in ForecastRevision) changes it — a transfer or a new voted amount
  does not move the forecast silently.
* Over-allocation of an envelope section (investment AP or operating AE): the Σ of the planned amounts of
  its lines over all years may not exceed its authority, and the Σ planned of one year may not exceed
  that year's voted CP (no CP row = nothing voted = 0). `line_year_set_planned` and `transfer_create`
  refuse an over-allocation unless `override=True` by someone with `envelope.override`, which records an
  EnvelopeOverride (the excess and the reason). The check takes the section's row lock, so two
  allocations on one section run one after the other. A change that lowers an over-allocated section's
  total is always accepted (only increases are checked).
* A line without an envelope is not limited by one.
* A transfer never takes a line year below what is already committed on it.
* Execution import (finance system CSV/XLSX): an entry is identified by (kind, entry reference). A row
  whose entry exists with the same line, date and amount is skipped; one whose date or amount changed is
  UPDATED (the finance system corrected it; audited); one that names another line is refused (entries do
  not move between lines). So importing the same file twice changes nothing.
* `line_year_totals_refresh(line_ids)` recomputes BudgetLineYear.committed/paid from the dated execution
  entries (a year with execution but no line year gets one, planned 0). THE function the contracts part
  calls after writing order execution entries, in its own transaction. It does not bump versions (derived
  totals, like the scheduler's outputs): an open reforecast form does not turn stale because an invoice
  arrived.
* The precomputed totals (BudgetTotal, FundingTotal; budgets.totals) follow every write here that changes
  a line year, a line's envelope or section, a funding share or the execution: the service locks the
  projects concerned FIRST (`budget_totals_lock`, before any line, line year or section lock) and
  recomputes their totals after its writes (`budget_totals_refresh`), in its transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from budgets.models import (
    ZERO,
    BudgetLine,
    BudgetLineYear,
    Envelope,
    EnvelopeOverride,
    EnvelopePaymentCredit,
    EnvelopeSection,
    ExecutionEntry,
    ExecutionKind,
    ExecutionSource,
    FiscalYear,
    ForecastRevision,
    FundingShare,
    FundingSource,
    Nature,
    Order,
    Section,
    Transfer,
)
from budgets.money import parse_amount
from budgets.permissions import RULES
from budgets.totals import budget_totals_lock, budget_totals_refresh
from ppm.audit import AuditRecord, audit_diff, audit_record, audit_record_bulk, audit_snapshot, audited
from ppm.bulk import bulk_update
from ppm.exceptions import DomainConflictError, DomainValidationError
from ppm.models import AuditEntry
from ppm.versioning import check_version, lock_for_update, save_versioned

HUNDRED = Decimal("100.00")
MIN_YEAR, MAX_YEAR = 2000, 2100


class OverAllocationError(DomainValidationError):
    """An envelope section would be over-allocated; `excess` says by how much."""

    code = "over_allocated"

    def __init__(self, message, *, excess: Decimal, field: str = "planned"):
        super().__init__(message, field_errors={field: [message]})
        self.excess = excess

    def as_dict(self) -> dict:
        return {**super().as_dict(), "excess": f"{self.excess}"}


def _d(value) -> Decimal:
    """An aggregated amount as an exact Decimal to the cent (SQLite's SUM comes back unquantized)."""
    return (value or ZERO).quantize(Decimal("0.01"))


def _projects_of_line_years(pks: Iterable[int]) -> list[int]:
    return list(BudgetLineYear.objects.filter(pk__in=list(pks)).values_list("line__project_id", flat=True))


def _check(actor, action: str, obj=None) -> None:
    if actor is not None:
        RULES.check(actor, action, obj)


def _refuse(field: str, message: str):
    return DomainValidationError(message, field_errors={field: [message]})


def _full_clean(instance, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True)
    except ValidationError as error:
        raise DomainValidationError(field_errors=error.message_dict) from None


# ------------------------------------------------------------------ fiscal years, envelopes


def fiscal_year_ensure(*, year: int) -> FiscalYear:
    """The fiscal year `year`, created when missing (idempotent)."""
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise _refuse(
            "year", _("Enter a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    fiscal_year, _created = FiscalYear.objects.get_or_create(year=int(year))
    return fiscal_year


@dataclass(frozen=True)
class SectionInput:
    """An envelope section as typed: its authority (AP/AE) and its CP schedule {year: amount}."""

    section: str
    authority: Decimal
    payment_credits: Mapping[int, Decimal]


def _clean_sections(
    sections: Iterable[SectionInput | Mapping[str, Any]], *, first_year: int, last_year: int
) -> list[SectionInput]:
    cleaned: list[SectionInput] = []
    seen: set[str] = set()
    for raw in sections:
        item = (
            raw
            if isinstance(raw, SectionInput)
            else SectionInput(
                section=raw["section"],
                authority=raw.get("authority", ZERO),
                payment_credits=raw.get("payment_credits", {}),
            )
        )
        if item.section not in Section.values:
            raise _refuse("sections", _("Unknown section “%(section)s”.") % {"section": item.section})
        if item.section in seen:
            raise _refuse("sections", _("Each section appears once."))
        seen.add(item.section)
        authority = parse_amount(item.authority, field="authority")
        credits: dict[int, Decimal] = {}
        for year, amount in item.payment_credits.items():
            year = int(year)
            if not first_year <= year <= last_year:
                raise _refuse(
                    "payment_credits",
                    _("CP of %(year)d: the envelope runs from %(first)d to %(last)d.")
                    % {"year": year, "first": first_year, "last": last_year},
                )
            credits[year] = parse_amount(amount, field="payment_credits")  # refuses negatives
        cleaned.append(SectionInput(item.section, authority, credits))
    return cleaned


def _check_cp_within_authority(
    actor, envelope: Envelope, sections: list[SectionInput], *, override: bool, reason: str
) -> list[tuple[str, Decimal]]:
    """Σ CP ≤ authority per section, unless overridden (envelope.override); returns the excesses."""
    excesses = []
    for item in sections:
        total = sum(item.payment_credits.values(), ZERO)
        if total > item.authority:
            excesses.append((item.section, total - item.authority))
    if excesses and not override:
        section, excess = excesses[0]
        raise OverAllocationError(
            _(
                "The CP of the %(section)s section total more than its authority (by %(excess)s €). "
                "Lower them, or override as the project office."
            )
            % {"section": Section(section).label, "excess": excess},
            excess=excess,
            field="payment_credits",
        )
    if excesses:
        _check(actor, "envelope.override", envelope)
        if not reason.strip():
            raise _refuse("reason", _("Say why the envelope may be over-allocated."))
    return excesses


def _write_sections(actor, envelope: Envelope, sections: list[SectionInput]) -> dict[str, EnvelopeSection]:
    existing = {s.section: s for s in EnvelopeSection.objects.select_for_update().filter(envelope=envelope)}
    result = {}
    for item in sections:
        section = existing.get(item.section) or EnvelopeSection(envelope=envelope, section=item.section)
        with audited(section, actor, EnvelopeSection.audit_fields) as scope:
            section.authority = item.authority
            if scope.changed():
                save_versioned(section)
        result[item.section] = section
        credits = {c.year: c for c in EnvelopePaymentCredit.objects.filter(envelope_section=section)}
        for year, amount in sorted(item.payment_credits.items()):
            credit = credits.get(year) or EnvelopePaymentCredit(envelope_section=section, year=year)
            with audited(credit, actor, EnvelopePaymentCredit.audit_fields) as scope:
                credit.amount = amount
                if scope.changed():
                    save_versioned(credit)
    return result


def _record_override(actor, section: EnvelopeSection, excess: Decimal, reason: str) -> EnvelopeOverride:
    override = EnvelopeOverride.objects.create(
        envelope_section=section, excess=excess, reason=reason, actor=actor if actor and actor.pk else None
    )
    audit_record(
        instance=section,
        action=AuditEntry.Action.UPDATE,
        actor=actor,
        changes={
            "override": {
                "label": str(_("over-allocation accepted")),
                "old": "",
                "new": f"+{excess} € — {reason}",
            }
        },
        related=section.envelope,
    )
    return override


def _clean_envelope_years(first_year, last_year) -> tuple[int, int]:
    try:
        first, last = int(first_year), int(last_year)
    except (TypeError, ValueError):
        raise _refuse("first_year", _("Enter the envelope's first and last years.")) from None
    if last < first:
        raise _refuse("last_year", _("The last year may not come before the first."))
    for year in (first, last):
        fiscal_year_ensure(year=year)
    return first, last


@transaction.atomic
def envelope_create(
    *,
    actor,
    code: str,
    name: str,
    first_year: int,
    last_year: int,
    notes: str = "",
    sections: Iterable[SectionInput | Mapping[str, Any]] = (),
    override: bool = False,
    reason: str = "",
) -> Envelope:
    """A new envelope with its sections (authority) and CP schedule (years within the envelope)."""
    _check(actor, "envelope.change")
    first, last = _clean_envelope_years(first_year, last_year)
    cleaned = _clean_sections(sections, first_year=first, last_year=last)
    envelope = Envelope(
        code=(code or "").strip(), name=(name or "").strip(), first_year=first, last_year=last, notes=notes
    )
    _full_clean(envelope)
    excesses = _check_cp_within_authority(actor, envelope, cleaned, override=override, reason=reason)
    with audited(envelope, actor, Envelope.audit_fields):
        save_versioned(envelope)
    written = _write_sections(actor, envelope, cleaned)
    for section, excess in excesses:
        _record_override(actor, written[section], excess, reason)
    return envelope


@transaction.atomic
def envelope_update(
    *,
    actor,
    envelope: Envelope,
    expected_version: int | None = None,
    data: Mapping[str, Any] | None = None,
    sections: Iterable[SectionInput | Mapping[str, Any]] | None = None,
    override: bool = False,
    reason: str = "",
) -> Envelope:
    """Change an envelope's fields and/or its sections and CP (sections not given are kept)."""
    envelope = lock_for_update(Envelope, envelope.pk)
    _check(actor, "envelope.change", envelope)
    check_version(envelope, expected_version)
    data = dict(data or {})
    first, last = _clean_envelope_years(
        data.get("first_year", envelope.first_year), data.get("last_year", envelope.last_year)
    )
    outside = (
        BudgetLineYear.objects.filter(line__envelope=envelope).exclude(year__range=(first, last)).exists()
        or EnvelopePaymentCredit.objects.filter(envelope_section__envelope=envelope)
        .exclude(year__range=(first, last))
        .exclude(amount=ZERO)
        .exists()
    )
    if outside:
        raise _refuse("first_year", _("Lines or CP of this envelope fall outside these years."))
    if sections is None:
        current = [
            SectionInput(s.section, s.authority, {c.year: c.amount for c in s.payment_credits.all()})
            for s in envelope.sections.prefetch_related("payment_credits")
        ]
        cleaned = []
    else:
        cleaned = _clean_sections(sections, first_year=first, last_year=last)
        given = {item.section for item in cleaned}
        current = cleaned + [
            SectionInput(s.section, s.authority, {c.year: c.amount for c in s.payment_credits.all()})
            for s in envelope.sections.prefetch_related("payment_credits")
            if s.section not in given
        ]
    excesses = _check_cp_within_authority(actor, envelope, current, override=override, reason=reason)
    with audited(envelope, actor, Envelope.audit_fields) as scope:
        for field in ("code", "name", "notes", "is_active"):
            if field in data:
                setattr(envelope, field, data[field].strip() if isinstance(data[field], str) else data[field])
        envelope.first_year, envelope.last_year = first, last
        _full_clean(envelope)
        if scope.changed() or cleaned:
            save_versioned(envelope)
    written = _write_sections(actor, envelope, cleaned) if cleaned else {}
    for section, excess in excesses:
        target = written.get(section) or EnvelopeSection.objects.get(envelope=envelope, section=section)
        _record_override(actor, target, excess, reason)
    return envelope


# ------------------------------------------------------------------ over-allocation


def _section_excess(section: EnvelopeSection, year: int | None) -> tuple[Decimal, str]:
    """How much the section is over-allocated (0 if not), overall or in `year`, and a message."""
    lines = BudgetLineYear.objects.filter(
        line__envelope_id=section.envelope_id, line__section=section.section
    )
    total = _d(lines.aggregate(total=Sum("planned"))["total"])
    excess = total - section.authority
    message = _(
        "This would allocate %(total)s € on the %(section)s section of “%(envelope)s”, more than its "
        "authority of %(authority)s €."
    ) % {
        "total": total,
        "section": section.get_section_display().lower(),
        "envelope": section.envelope.name,
        "authority": section.authority,
    }
    if year is not None:
        year_total = _d(lines.filter(year=year).aggregate(total=Sum("planned"))["total"])
        credit = (
            EnvelopePaymentCredit.objects.filter(envelope_section=section, year=year)
            .values_list("amount", flat=True)
            .first()
        ) or ZERO
        if year_total - credit > excess:
            excess = year_total - credit
            message = _(
                "This would plan %(total)s € in %(year)d on the %(section)s section of “%(envelope)s”, "
                "more than the %(cp)s € of CP voted that year."
            ) % {
                "total": year_total,
                "year": year,
                "section": section.get_section_display().lower(),
                "envelope": section.envelope.name,
                "cp": credit,
            }
    return max(excess, ZERO), message


def _lock_section(line: BudgetLine) -> EnvelopeSection | None:
    if line.envelope_id is None:
        return None
    section = (
        EnvelopeSection.objects.select_for_update()
        .select_related("envelope")
        .filter(envelope_id=line.envelope_id, section=line.section)
        .first()
    )
    if section is None:
        raise _refuse(
            "envelope",
            _("The envelope has no %(section)s section.") % {"section": Section(line.section).label.lower()},
        )
    return section


def _enforce_allocation(
    actor, section: EnvelopeSection | None, year: int, *, increased: bool, override: bool, reason: str
) -> EnvelopeOverride | None:
    """After the planned amounts changed (inside the transaction): refuse an over-allocation, or
    record the override."""
    if section is None or not increased:
        return None
    excess, message = _section_excess(section, year)
    if excess <= ZERO:
        return None
    if not override:
        raise OverAllocationError(message, excess=excess)
    _check(actor, "envelope.override", section.envelope)
    if not (reason or "").strip():
        raise _refuse("reason", _("Say why the envelope may be over-allocated."))
    return _record_override(actor, section, excess, reason.strip())


# ------------------------------------------------------------------ budget lines


LINE_FIELDS = ("label", "section", "nature", "envelope", "vat_included", "external_ref", "notes")


def _apply_line(line: BudgetLine, data: Mapping[str, Any]) -> None:
    for field in LINE_FIELDS:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            setattr(line, field, value)
    if line.section not in Section.values:
        raise _refuse("section", _("Choose a section."))
    if line.nature not in Nature.values:
        raise _refuse("nature", _("Choose a nature."))
    if line.envelope_id is not None:
        if not EnvelopeSection.objects.filter(envelope_id=line.envelope_id, section=line.section).exists():
            raise _refuse(
                "envelope",
                _("This envelope has no %(section)s section.")
                % {"section": Section(line.section).label.lower()},
            )
        envelope = line.envelope
        assert envelope is not None
        outside = line.pk and (
            BudgetLineYear.objects.filter(line=line)
            .exclude(year__range=(envelope.first_year, envelope.last_year))
            .exists()
        )
        if outside:
            raise _refuse("envelope", _("The line has years outside this envelope's years."))
    _full_clean(line, exclude=["project"])


@transaction.atomic
def budget_line_create(
    *,
    actor,
    project,
    data: Mapping[str, Any],
    planned: Mapping[int, Any] | None = None,
    override: bool = False,
    reason: str = "",
) -> BudgetLine:
    """A new budget line of `project` (label, section, nature, envelope, VAT flag, finance reference),
    with its planned amounts by year when given (each checked as `line_year_set_planned` does)."""
    _check(actor, "budget_line.change", project)
    budget_totals_lock([project.pk])
    line = BudgetLine(project=project, section=Section.INVESTMENT, nature=Nature.SERVICES)
    _apply_line(line, data)
    with audited(line, actor, BudgetLine.audit_fields):
        save_versioned(line)
    for year, amount in sorted((planned or {}).items()):
        line_year_set_planned(
            actor=actor, line=line, year=int(year), planned=amount, override=override, reason=reason
        )
    return line


@transaction.atomic
def budget_line_update(
    *, actor, line: BudgetLine, data: Mapping[str, Any], expected_version: int | None = None
) -> BudgetLine:
    """Change a line's fields (not its amounts: see line_year_set_planned, line_reforecast)."""
    budget_totals_lock([line.project_id])
    line = lock_for_update(BudgetLine, line.pk, queryset=BudgetLine.objects.select_related("project"))
    _check(actor, "budget_line.change", line)
    check_version(line, expected_version)
    moves = ("envelope" in data and data["envelope"] != line.envelope) or (
        "section" in data and data["section"] != line.section
    )
    with audited(line, actor, BudgetLine.audit_fields) as scope:
        _apply_line(line, data)
        if scope.changed():
            save_versioned(line)
    if moves:
        # The planned amounts now count against another envelope section: check every year.
        section = _lock_section(line)
        for year in BudgetLineYear.objects.filter(line=line).values_list("year", flat=True):
            _enforce_allocation(actor, section, year, increased=True, override=False, reason="")
        budget_totals_refresh([line.project_id])
    return line


@transaction.atomic
def budget_line_delete(*, actor, line: BudgetLine, expected_version: int | None = None) -> None:
    """Delete a line entered by mistake, with its amounts by year, forecasts and funding shares (the audit
    keeps its fields and planned amounts, under its project). Refused (409, nothing deleted) once finance
    history hangs on it: committed or paid amounts, orders drawn on it, recorded transfers — such a line
    stays, its forecast set to zero."""
    budget_totals_lock([line.project_id])
    line = lock_for_update(BudgetLine, line.pk, queryset=BudgetLine.objects.select_related("project"))
    _check(actor, "budget_line.change", line)
    check_version(line, expected_version)
    reasons = []
    if ExecutionEntry.objects.filter(line=line).exists():
        reasons.append(_("it has committed or paid amounts"))
    if Order.objects.filter(budget_line=line).exists():
        reasons.append(_("orders are drawn on it"))
    if Transfer.objects.filter(Q(source__line=line) | Q(target__line=line)).exists():
        reasons.append(_("transfers were recorded on it"))
    if reasons:
        raise DomainConflictError(
            _("The line “%(label)s” cannot be deleted: %(reasons)s. Set its forecast to zero instead.")
            % {"label": line.label, "reasons": ", ".join(reasons)},
            code="budget_line_in_use",
        )
    before = audit_snapshot(line, BudgetLine.audit_fields)
    blank = {
        name: {**value, "value": "", **({"raw": ""} if "raw" in value else {})}
        for name, value in before.items()
    }
    changes = audit_diff(before, blank)
    for year, planned in line.years.order_by("year").values_list("year", "planned"):
        label = _("Planned (voted) %(year)s") % {"year": year}
        changes[f"planned_{year}"] = {"label": label, "old": f"{planned:.2f}", "new": ""}
    audit_record(instance=line, action=AuditEntry.Action.DELETE, actor=actor, changes=changes)
    project_id = line.project_id
    line.delete()
    budget_totals_refresh([project_id])


def _check_year_in_envelope(line: BudgetLine, year: int) -> None:
    envelope = line.envelope
    if envelope is not None and not envelope.first_year <= year <= envelope.last_year:
        raise _refuse(
            "year",
            _("The envelope “%(envelope)s” runs from %(first)d to %(last)d.")
            % {"envelope": envelope.name, "first": envelope.first_year, "last": envelope.last_year},
        )


@transaction.atomic
def line_year_set_planned(
    *,
    actor,
    line: BudgetLine,
    year: int,
    planned: Any,
    expected_version: int | None = None,
    override: bool = False,
    reason: str = "",
) -> BudgetLineYear:
    """Set the voted amount of `line` for `year` (creating the year; its forecast starts equal to it).

    Refuses an envelope over-allocation unless `override` (envelope.override; recorded with `reason`)."""
    line = BudgetLine.objects.select_related("project", "envelope").get(pk=line.pk)
    _check(actor, "budget_line.change", line)
    budget_totals_lock([line.project_id])
    year = int(year)
    fiscal_year_ensure(year=year)
    _check_year_in_envelope(line, year)
    amount = parse_amount(planned, field="planned")
    section = _lock_section(line)
    line_year = BudgetLineYear.objects.select_for_update().filter(line=line, year=year).first()
    if line_year is None:
        line_year = BudgetLineYear(line=line, year=year, forecast=amount)
        before = ZERO
    else:
        check_version(line_year, expected_version)
        before = line_year.planned
    with audited(line_year, actor, BudgetLineYear.audit_fields) as scope:
        line_year.planned = amount
        if scope.changed():
            save_versioned(line_year)
    _enforce_allocation(actor, section, year, increased=amount > before, override=override, reason=reason)
    budget_totals_refresh([line.project_id])
    return line_year


@transaction.atomic
def line_reforecast(
    *, actor, line_year: BudgetLineYear, forecast: Any, comment: str, expected_version: int | None = None
) -> BudgetLineYear:
    """The project manager's (or the project office's) new forecast for a line year, with a comment.

    Kept in ForecastRevision (before, after, comment, who, when) and in the audit log."""
    budget_totals_lock(_projects_of_line_years([line_year.pk]))
    line_year = lock_for_update(
        BudgetLineYear, line_year.pk, queryset=BudgetLineYear.objects.select_related("line__project")
    )
    _check(actor, "budget_line.forecast", line_year.line)
    check_version(line_year, expected_version)
    amount = parse_amount(forecast, field="forecast")
    comment = (comment or "").strip()
    if not comment:
        raise _refuse("comment", _("Say why the forecast changes."))
    if amount == line_year.forecast:
        raise _refuse("forecast", _("The forecast is already %(amount)s €.") % {"amount": amount})
    before = line_year.forecast
    with audited(line_year, actor, BudgetLineYear.audit_fields):
        line_year.forecast = amount
        save_versioned(line_year)
    ForecastRevision.objects.create(
        line_year=line_year,
        before=before,
        after=amount,
        comment=comment,
        actor=actor if actor and actor.pk else None,
    )
    budget_totals_refresh([line_year.line.project_id])
    return line_year


# ------------------------------------------------------------------ fundings


FUNDING_FIELDS = ("name", "kind", "reference", "amount", "start", "end", "conditions", "justify_by")


def _apply_funding(funding: FundingSource, data: Mapping[str, Any]) -> None:
    for field in FUNDING_FIELDS:
        if field in data:
            value = data[field]
            if field == "amount":
                value = parse_amount(value, field="amount")
            elif isinstance(value, str):
                value = value.strip()
            setattr(funding, field, value)
    if funding.start and funding.end and funding.end < funding.start:
        raise _refuse("end", _("The end may not come before the start."))
    _full_clean(funding)


@transaction.atomic
def funding_source_create(*, actor, data: Mapping[str, Any]) -> FundingSource:
    _check(actor, "envelope.change")
    funding = FundingSource()
    _apply_funding(funding, data)
    with audited(funding, actor, FundingSource.audit_fields):
        save_versioned(funding)
    return funding


@transaction.atomic
def funding_source_update(
    *, actor, funding: FundingSource, data: Mapping[str, Any], expected_version: int | None = None
) -> FundingSource:
    funding = lock_for_update(FundingSource, funding.pk)
    _check(actor, "envelope.change", funding)
    check_version(funding, expected_version)
    with audited(funding, actor, FundingSource.audit_fields) as scope:
        _apply_funding(funding, data)
        if scope.changed():
            save_versioned(funding)
    return funding


@transaction.atomic
def funding_share_set(*, actor, line: BudgetLine, funding: FundingSource, share: Any) -> FundingShare | None:
    """The percentage of `line` that `funding` finances (0 removes the share). Σ shares of a line ≤ 100 %."""
    budget_totals_lock([line.project_id])
    line = lock_for_update(BudgetLine, line.pk, queryset=BudgetLine.objects.select_related("project"))
    _check(actor, "budget_line.change", line)
    value = parse_amount(share, field="share")
    if value > HUNDRED:
        raise _refuse("share", _("A share is at most 100 %."))
    others = _d(
        FundingShare.objects.filter(line=line).exclude(funding=funding).aggregate(total=Sum("share"))["total"]
    )
    if others + value > HUNDRED:
        raise _refuse(
            "share",
            _("The fundings of this line would cover %(total)s %%, more than 100 %%.")
            % {"total": others + value},
        )
    existing = FundingShare.objects.select_for_update().filter(line=line, funding=funding).first()
    if value == ZERO:
        if existing is not None:
            audit_record(
                instance=existing,
                action=AuditEntry.Action.DELETE,
                actor=actor,
                changes={"share": {"label": str(_("share (%)")), "old": f"{existing.share}", "new": ""}},
            )
            existing.delete()
            budget_totals_refresh([line.project_id])
        return None
    share_row = existing or FundingShare(line=line, funding=funding)
    with audited(share_row, actor, FundingShare.audit_fields) as scope:
        share_row.share = value
        if scope.changed():
            save_versioned(share_row)
    budget_totals_refresh([line.project_id])
    return share_row


# ------------------------------------------------------------------ transfers


@transaction.atomic
def transfer_create(
    *,
    actor,
    source_line_year: BudgetLineYear,
    target_line_year: BudgetLineYear,
    amount: Any,
    reason: str,
    override: bool = False,
) -> Transfer:
    """Move PLANNED amounts from one line year to another, recorded (Transfer row, audit on both lines).

    Refused when the source would go below what is committed on it, and when the target's envelope
    section would be over-allocated unless `override` (envelope.override; recorded)."""
    _check(actor, "transfer.create")
    value = parse_amount(amount, allow_zero=False, field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _("Say why the amount is transferred."))
    if source_line_year.pk == target_line_year.pk:
        raise _refuse("target", _("Choose another line year to transfer to."))
    budget_totals_lock(_projects_of_line_years([source_line_year.pk, target_line_year.pk]))
    locked = {
        row.pk: row
        for row in BudgetLineYear.objects.select_for_update(of=("self",))
        .select_related("line__project", "line__envelope")
        .filter(pk__in=[source_line_year.pk, target_line_year.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise _refuse("source", _("This line year no longer exists."))
    source, target = locked[source_line_year.pk], locked[target_line_year.pk]
    if source.planned - value < source.committed:
        raise _refuse(
            "amount",
            _(
                "“%(line)s” %(year)d would keep %(left)s € planned, less than the %(committed)s € already "
                "committed on it."
            )
            % {
                "line": source.line.label,
                "year": source.year,
                "left": source.planned - value,
                "committed": source.committed,
            },
        )
    _check_year_in_envelope(target.line, target.year)
    section = _lock_section(target.line)
    for row, delta in ((source, -value), (target, value)):
        with audited(row, actor, BudgetLineYear.audit_fields):
            row.planned += delta
            save_versioned(row)
    recorded = _enforce_allocation(
        actor, section, target.year, increased=True, override=override, reason=reason
    )
    transfer = Transfer.objects.create(
        source=source,
        target=target,
        amount=value,
        reason=reason,
        override=recorded is not None,
        actor=actor if actor and actor.pk else None,
    )
    budget_totals_refresh([source.line.project_id, target.line.project_id])
    text = _("Transfer of %(amount)s € from “%(source)s” %(sy)d to “%(target)s” %(ty)d: %(reason)s") % {
        "amount": value,
        "source": source.line.label,
        "sy": source.year,
        "target": target.line.label,
        "ty": target.year,
        "reason": reason,
    }
    audit_record_bulk(
        actor=actor,
        records=[
            AuditRecord(
                instance=row.line,
                action=AuditEntry.Action.UPDATE,
                changes={"transfer": {"label": str(_("transfer")), "old": "", "new": text}},
            )
            for row in (source, target)
        ],
    )
    return transfer


# ------------------------------------------------------------------ execution


def line_year_totals_refresh(line_ids: Iterable[int]) -> int:
    """Recompute BudgetLineYear.committed/paid of these lines from their dated ExecutionEntry rows.

    THE entry point for other writers of execution (the contracts part calls it after writing order
    entries, inside its own transaction). A year with execution but no line year gets one (planned 0).
    Derived totals: versions are not bumped. Returns the number of line years written."""
    ids = sorted(set(line_ids))
    if not ids:
        return 0
    # The projects first (budgets.totals): the sums below then see every committed entry of their lines.
    project_ids = sorted(set(BudgetLine.objects.filter(pk__in=ids).values_list("project_id", flat=True)))
    budget_totals_lock(project_ids)
    totals: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(lambda: {"committed": ZERO, "paid": ZERO})
    rows = (
        ExecutionEntry.objects.filter(line_id__in=ids)
        .annotate(year=ExtractYear("date"))
        .values("line_id", "year", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        totals[(row["line_id"], row["year"])][row["kind"]] = _d(row["total"])
    changed = []
    existing = set()
    for line_year in BudgetLineYear.objects.select_for_update().filter(line_id__in=ids):
        existing.add((line_year.line_id, line_year.year))
        figures = totals.get((line_year.line_id, line_year.year), {"committed": ZERO, "paid": ZERO})
        if line_year.committed != figures["committed"] or line_year.paid != figures["paid"]:
            line_year.committed, line_year.paid = figures["committed"], figures["paid"]
            changed.append(line_year)
    bulk_update(BudgetLineYear, changed, ["committed", "paid"])
    missing = [
        BudgetLineYear(line_id=line_id, year=year, committed=figures["committed"], paid=figures["paid"])
        for (line_id, year), figures in totals.items()
        if (line_id, year) not in existing
    ]
    for year in {row.year for row in missing}:
        fiscal_year_ensure(year=year)
    BudgetLineYear.objects.bulk_create(missing)
    budget_totals_refresh(project_ids)
    return len(changed) + len(missing)


def _clean_kind(value: Any) -> str:
    text = str(value or "").strip().casefold()
    aliases = {
        "committed": ExecutionKind.COMMITTED,
        "commitment": ExecutionKind.COMMITTED,
        "engagé": ExecutionKind.COMMITTED,
        "engage": ExecutionKind.COMMITTED,
        "engagement": ExecutionKind.COMMITTED,
        "paid": ExecutionKind.PAID,
        "payment": ExecutionKind.PAID,
        "payé": ExecutionKind.PAID,
        "paye": ExecutionKind.PAID,
        "mandaté": ExecutionKind.PAID,
        "mandate": ExecutionKind.PAID,
        "paiement": ExecutionKind.PAID,
    }
    if text not in aliases:
        raise _refuse("kind", _("The kind is “committed” or “paid”."))
    return str(aliases[text])


@transaction.atomic
def execution_entry_add(
    *,
    actor,
    line: BudgetLine,
    kind: str,
    date: date,
    amount: Any,
    label: str = "",
    external_ref: str = "",
) -> ExecutionEntry:
    """A commitment or payment entered by hand (negative to cancel); the line year's totals follow."""
    budget_totals_lock([line.project_id])
    line = lock_for_update(BudgetLine, line.pk, queryset=BudgetLine.objects.select_related("project"))
    _check(actor, "budget_line.change", line)
    entry = ExecutionEntry(
        line=line,
        kind=_clean_kind(kind),
        date=date,
        amount=parse_amount(amount, allow_negative=True, allow_zero=False, field="amount"),
        source=ExecutionSource.MANUAL,
        label=(label or "").strip(),
        external_ref=(external_ref or "").strip(),
    )
    _full_clean(entry, exclude=["order"])
    entry.save()
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
    line_year_totals_refresh([line.pk])
    return entry
