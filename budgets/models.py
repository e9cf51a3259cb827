"""Budgets and contracts: multi-year envelopes (AP/AE and CP), budget lines per project and fiscal year,
funding sources, transfers, framework agreements (accords-cadres) with lots and unit prices, orders
(bons de commande) drawn on them, and the dated execution (committed / paid) that feeds the lines.

Money: Decimal with two places (euros and cents), never float; `MONEY` field options below.
French public finance: **AP** (autorisations de programme, investment) and **AE** (autorisations
d'engagement, operating) are what may be committed over several years; **CP** (crédits de paiement) is
what may be paid in a year. An envelope holds one authority amount per section and a CP schedule by year.

Where the amounts of a line come from:
* planned (voted) per year: typed by the project office / finance (BudgetLineYear.planned);
* forecast per year: revised by the project manager with a comment (ForecastRevision keeps the history);
* committed and paid: the sum of the line's dated ExecutionEntry rows — written by orders (signed →
  committed, invoiced → paid), by the finance system's CSV import (keyed by its external reference, so
  importing the same file twice changes nothing) or entered by hand. BudgetLineYear.committed/paid are
  their per-year totals, kept in the same transaction by budgets' services.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ppm.lifecycle import StatusChange
from ppm.versioning import VersionedModel

ZERO = Decimal("0.00")
MONEY_DIGITS = 14  # up to 999,999,999,999.99 €
MAX_AMOUNT = Decimal("999999999999.99")


def money(verbose_name, **kwargs):
    """A euro amount with cents (Decimal); not negative unless `allow_negative`."""
    allow_negative = kwargs.pop("allow_negative", False)
    validators: list = [MaxValueValidator(MAX_AMOUNT)]
    if not allow_negative:
        validators.append(MinValueValidator(ZERO))
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(
        verbose_name, max_digits=MONEY_DIGITS, decimal_places=2, validators=validators, **kwargs
    )


def percent(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        **kwargs,
    )


class Section(models.TextChoices):
    INVESTMENT = "investment", _("Investment")
    OPERATING = "operating", _("Operating")


class FiscalYear(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    is_closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        ordering = ["year"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")

    def __str__(self) -> str:
        return str(self.year)


class Envelope(VersionedModel):
    """A multi-year programme, e.g. « Feuille de route numérique 2024-2027 » of 15 M€."""

    audit_fields = ("code", "name", "first_year", "last_year", "notes", "is_active")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")), name="envelope_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class EnvelopeSection(VersionedModel):
    """An envelope's authority for one section: AP (investment) or AE (operating)."""

    audit_parent = "envelope"
    audit_fields = ("section", "authority")

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="sections")
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    authority = money(_("commitment authority (AP/AE)"))

    class Meta:
        ordering = ["envelope", "section"]
        verbose_name = _("envelope section")
        verbose_name_plural = _("envelope sections")
        constraints = [
            models.UniqueConstraint(fields=["envelope", "section"], name="envelope_section_unique")
        ]

    def __str__(self) -> str:
        return f"{self.envelope.code} · {self.get_section_display()}"


class EnvelopePaymentCredit(VersionedModel):
    """The CP (payment credits) voted for one section of an envelope in one year."""

    audit_parent = "envelope_section"
    audit_fields = ("year", "amount")

    envelope_section = models.ForeignKey(
        EnvelopeSection, on_delete=models.CASCADE, related_name="payment_credits"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = money(_("payment credits (CP)"))

    class Meta:
        ordering = ["envelope_section", "year"]
        verbose_name = _("payment credits")
        verbose_name_plural = _("payment credits")
        constraints = [
            models.UniqueConstraint(fields=["envelope_section", "year"], name="envelope_cp_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.envelope_section} · CP {self.year}"


class FundingKind(models.TextChoices):
    OWN = "own", _("Own budget")
    STATE = "state", _("State grant")
    REGION = "region", _("Regional grant")
    EU = "eu", _("European Union")
    RECOVERY = "recovery", _("Recovery plan")
    OTHER = "other", pgettext_lazy("funding kind", "Other")


class FundingSource(VersionedModel):
    """Who pays: own budget, a grant, a recovery-plan envelope; with its amount, period and conditions."""

    audit_fields = ("name", "kind", "reference", "amount", "start", "end", "conditions", "justify_by")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=FundingKind.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    amount = money(_("amount"))
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    # Spending must be justified to the funder by this date (grants).
    justify_by = models.DateField(_("justify by"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self) -> str:
        return self.name


class Nature(models.TextChoices):
    STUDIES = "studies", _("Studies")
    LICENCES = "licences", _("Licences")
    SERVICES = "services", _("Services")
    HARDWARE = "hardware", _("Hardware")
    HOSTING = "hosting", _("Hosting")
    INTERNAL = "internal", _("Internal work")
    OTHER = "other", pgettext_lazy("budget nature", "Other")


class BudgetLine(VersionedModel):
    """A project's budget line: section, nature, envelope; amounts per fiscal year in BudgetLineYear."""

    audit_parent = "project"
    audit_fields = ("label", "section", "nature", "envelope", "vat_included", "external_ref", "notes")

    project = models.ForeignKey(
        "portfolio.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    label = models.CharField(_("label"), max_length=200)
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    nature = models.CharField(_("nature"), max_length=10, choices=Nature.choices)
    envelope = models.ForeignKey(
        Envelope,
        verbose_name=_("envelope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    vat_included = models.BooleanField(_("amounts include VAT"), default=True)
    # The line's reference in the finance system (imports match on it).
    external_ref = models.CharField(_("finance system reference"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["project", "section", "label", "pk"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        indexes = [models.Index(fields=["project", "section"]), models.Index(fields=["envelope", "section"])]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"], condition=~Q(external_ref=""), name="budget_line_external_ref_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.label}"


class BudgetLineYear(VersionedModel):
    """A line's amounts for one fiscal year; `committed` and `paid` total its execution entries."""

    audit_parent = "line"
    audit_fields = ("year", "planned", "forecast")

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    planned = money(_("planned (voted)"))
    committed = money(_("committed"))
    paid = money(_("paid"))
    forecast = money(_("forecast"))

    class Meta:
        ordering = ["line", "year"]
        verbose_name = _("budget line year")
        verbose_name_plural = _("budget line years")
        constraints = [models.UniqueConstraint(fields=["line", "year"], name="budget_line_year_unique")]
        indexes = [models.Index(fields=["year", "line"])]

    def __str__(self) -> str:
        return f"{self.line} · {self.year}"


class ForecastRevision(models.Model):
    """One reforecast of a line's year, with its comment (append-only history)."""

    line_year = models.ForeignKey(BudgetLineYear, on_delete=models.CASCADE, related_name="revisions")
    before = money(_("before"))
    after = money(_("after"))
    comment = models.TextField(_("comment"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["line_year", "-at", "-pk"]
        verbose_name = _("forecast revision")
        verbose_name_plural = _("forecast revisions")

    def __str__(self) -> str:
        return f"{self.line_year}: {self.before} → {self.after}"


class FundingShare(VersionedModel):
    """The share of a budget line a funding source finances (percent of the line)."""

    audit_parent = "line"
    audit_fields = ("funding", "share")

    funding = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="shares")
    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="funding_shares")
    share = percent(_("share (%)"))

    class Meta:
        ordering = ["funding", "line"]
        verbose_name = _("funding share")
        verbose_name_plural = _("funding shares")
        constraints = [models.UniqueConstraint(fields=["funding", "line"], name="funding_share_unique")]

    def __str__(self) -> str:
        return f"{self.funding} → {self.line} ({self.share} %)"


class ExecutionKind(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    PAID = "paid", _("Paid")


class ExecutionSource(models.TextChoices):
    ORDER = "order", _("Order")
    IMPORT = "import", _("Finance system import")
    MANUAL = "manual", _("Entered")


class ExecutionEntry(models.Model):
    """A dated commitment or payment on a line (negative to cancel). Imports are keyed by `external_ref`."""

    audit_parent = "line"

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="execution")
    kind = models.CharField(_("kind"), max_length=10, choices=ExecutionKind.choices)
    date = models.DateField(_("date"))
    amount = money(_("amount"), allow_negative=True)
    source = models.CharField(_("source"), max_length=10, choices=ExecutionSource.choices)
    order = models.ForeignKey(
        "budgets.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="execution"
    )
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "date", "pk"]
        verbose_name = _("execution entry")
        verbose_name_plural = _("execution entries")
        indexes = [models.Index(fields=["line", "date"]), models.Index(fields=["date", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "external_ref"],
                condition=~Q(external_ref=""),
                name="execution_external_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} · {self.get_kind_display()} {self.amount} € ({self.date})"


# ------------------------------------------------------------------------ precomputed totals


def total(verbose_name):
    """A derived sum of amounts: wider than `money` (a sum of many lines), signed, no validators."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, default=ZERO)


# The payments of each month of a BudgetTotal's year: paid_01 (January) … paid_12 (December).
PAID_MONTHS = tuple(f"paid_{month:02d}" for month in range(1, 13))


class BudgetTotal(models.Model):
    """Σ planned / forecast / committed / paid of the line years of one (project, envelope, section, year),
    with that year's payments month by month: what the portfolio-wide screens (portfolio budget and its
    API, envelopes, steering) read instead of every line year and execution entry.

    Derived data, written only by budgets.totals (`budget_totals_refresh`) in the transaction of every
    write that changes a line year, a line's envelope or section, or the execution; a row exists when its
    key has a line year (or an execution entry). Not audited, not versioned: the writes that change it
    are."""

    project = models.ForeignKey("portfolio.Project", on_delete=models.CASCADE, related_name="+")
    envelope = models.ForeignKey(Envelope, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    planned = total(_("planned (voted)"))
    forecast = total(_("forecast"))
    committed = total(_("committed"))
    paid = total(_("paid"))
    paid_01 = total(_("paid in January"))
    paid_02 = total(_("paid in February"))
    paid_03 = total(_("paid in March"))
    paid_04 = total(_("paid in April"))
    paid_05 = total(_("paid in May"))
    paid_06 = total(_("paid in June"))
    paid_07 = total(_("paid in July"))
    paid_08 = total(_("paid in August"))
    paid_09 = total(_("paid in September"))
    paid_10 = total(_("paid in October"))
    paid_11 = total(_("paid in November"))
    paid_12 = total(_("paid in December"))

    class Meta:
        ordering = ["project", "envelope", "section", "year"]
        verbose_name = _("budget total")
        verbose_name_plural = _("budget totals")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "envelope", "section", "year"],
                condition=Q(envelope__isnull=False),
                name="budget_total_one_per_key",
            ),
            models.UniqueConstraint(
                fields=["project", "section", "year"],
                condition=Q(envelope__isnull=True),
                name="budget_total_one_per_key_no_envelope",
            ),
        ]
        indexes = [models.Index(fields=["year", "project"])]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.envelope_id} · {self.section} · {self.year}"


class BudgetAllYearsTotal(models.Model):
    """Σ planned / forecast / committed / paid of the BudgetTotal rows of one (project, envelope, section),
    all years together: what the portfolio budget page and the API summary read when no year is chosen
    (2,000 rows over the benchmark's 1,000 projects instead of summing 8,000 BudgetTotal rows).

    Derived data, written only by budgets.totals with BudgetTotal (same transaction, same lock); a row
    exists when its key has a BudgetTotal row."""

    project = models.ForeignKey("portfolio.Project", on_delete=models.CASCADE, related_name="+")
    envelope = models.ForeignKey(Envelope, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    planned = total(_("planned (voted)"))
    forecast = total(_("forecast"))
    committed = total(_("committed"))
    paid = total(_("paid"))

    class Meta:
        ordering = ["project", "envelope", "section"]
        verbose_name = _("budget total, all years")
        verbose_name_plural = _("budget totals, all years")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "envelope", "section"],
                condition=Q(envelope__isnull=False),
                name="budget_all_years_total_one_per_key",
            ),
            models.UniqueConstraint(
                fields=["project", "section"],
                condition=Q(envelope__isnull=True),
                name="budget_all_years_total_one_per_key_no_envelope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.envelope_id} · {self.section}"


class FundingTotal(models.Model):
    """Σ planned / forecast / committed / paid of the line years that a funding source finances at one
    share, per (project, envelope, section, year): the funding dashboard multiplies them by the share.
    Derived data, kept with BudgetTotal by budgets.totals (funding shares change it too)."""

    funding = models.ForeignKey(FundingSource, on_delete=models.CASCADE, related_name="+")
    share = percent(_("share (%)"))
    project = models.ForeignKey("portfolio.Project", on_delete=models.CASCADE, related_name="+")
    envelope = models.ForeignKey(Envelope, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    planned = total(_("planned (voted)"))
    forecast = total(_("forecast"))
    committed = total(_("committed"))
    paid = total(_("paid"))

    class Meta:
        ordering = ["funding", "share", "project", "envelope", "section", "year"]
        verbose_name = _("funding total")
        verbose_name_plural = _("funding totals")
        constraints = [
            models.UniqueConstraint(
                fields=["funding", "share", "project", "envelope", "section", "year"],
                condition=Q(envelope__isnull=False),
                name="funding_total_one_per_key",
            ),
            models.UniqueConstraint(
                fields=["funding", "share", "project", "section", "year"],
                condition=Q(envelope__isnull=True),
                name="funding_total_one_per_key_no_envelope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funding_id} ({self.share} %) · {self.project_id} · {self.year}"


class Transfer(models.Model):
    """A recorded move of planned amounts between two line-years (who, when, why), never a silent edit.

    `override` is set when the move over-allocates an envelope and the project office accepted it."""

    source = models.ForeignKey(BudgetLineYear, on_delete=models.PROTECT, related_name="transfers_out")
    target = models.ForeignKey(BudgetLineYear, on_delete=models.PROTECT, related_name="transfers_in")
    amount = money(_("amount"))
    reason = models.TextField(_("reason"))
    override = models.BooleanField(_("envelope over-allocation accepted"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive")]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}: {self.amount} €"


class EnvelopeOverride(models.Model):
    """The project office's recorded decision to over-allocate an envelope (who, when, why, by how much)."""

    envelope_section = models.ForeignKey(EnvelopeSection, on_delete=models.PROTECT, related_name="overrides")
    excess = money(_("excess"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("envelope override")
        verbose_name_plural = _("envelope overrides")

    def __str__(self) -> str:
        return f"{self.envelope_section}: +{self.excess} €"


# ------------------------------------------------------------------------ contracts


class FrameworkAgreement(VersionedModel):
    """An accord-cadre / marché with a vendor: period and renewals, ceiling and minimum, alert thresholds."""

    audit_fields = (
        "reference",
        "title",
        "vendor",
        "start",
        "end",
        "renewals",
        "renewal_months",
        "ceiling",
        "minimum",
        "alert_thresholds",
        "expiry_alert_months",
    )

    reference = models.CharField(_("reference"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    vendor = models.ForeignKey(
        "resources.Vendor", verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="agreements"
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end (initial period)"))
    renewals = models.PositiveSmallIntegerField(_("renewals used"), default=0)
    max_renewals = models.PositiveSmallIntegerField(_("renewals allowed"), default=0)
    renewal_months = models.PositiveSmallIntegerField(_("months per renewal"), default=12)
    ceiling = money(_("ceiling (maximum)"))
    minimum = money(_("minimum"))
    # Consumption alerts, in percent of the ceiling, e.g. [80, 95].
    alert_thresholds = models.JSONField(_("alert thresholds (%)"), default=list)
    expiry_alert_months = models.PositiveSmallIntegerField(_("alert before expiry (months)"), default=6)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("framework agreement")
        verbose_name_plural = _("framework agreements")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="agreement_end_after_start"),
            models.CheckConstraint(
                condition=Q(ceiling__gte=F("minimum")), name="agreement_ceiling_over_minimum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"


class AgreementLot(models.Model):
    agreement = models.ForeignKey(FrameworkAgreement, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot"))
    title = models.CharField(_("title"), max_length=200)
    ceiling = money(_("ceiling"), null=True, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="agreement_lot_unique")]

    def __str__(self) -> str:
        return f"{self.agreement.reference} · lot {self.number} {self.title}"


class PriceKind(models.TextChoices):
    PROFILE = "profile", _("Daily rate of a profile")
    ITEM = "item", _("Catalogue item")


class AgreementPrice(models.Model):
    """A unit price of an agreement (or of one lot): a profile's daily rate or a catalogue item, valid from
    a date (price revisions add a row with a later `valid_from`)."""

    agreement = models.ForeignKey(FrameworkAgreement, on_delete=models.CASCADE, related_name="prices")
    lot = models.ForeignKey(
        AgreementLot, null=True, blank=True, on_delete=models.CASCADE, related_name="prices"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PriceKind.choices)
    code = models.CharField(_("code"), max_length=30)
    label = models.CharField(_("label"), max_length=200)
    # For daily rates: the internal role profile it corresponds to (costing the workload).
    profile = models.ForeignKey(
        "resources.Profile", null=True, blank=True, on_delete=models.PROTECT, related_name="agreement_prices"
    )
    unit = models.CharField(_("unit"), max_length=30, default="jour")
    unit_price = money(_("unit price (€ excl. VAT)"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["agreement", "code", "-valid_from"]
        verbose_name = _("unit price")
        verbose_name_plural = _("unit prices")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "lot", "code", "valid_from"], name="agreement_price_unique"
            ),
        ]
        indexes = [models.Index(fields=["agreement", "code", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.code} · {self.label}: {self.unit_price} €/{self.unit}"


class ResourceRate(models.Model):
    """An external resource's contract rate: the agreement price (profile) their days are bought at."""

    resource = models.OneToOneField(
        "resources.Resource", on_delete=models.CASCADE, related_name="agreement_rate"
    )
    price = models.ForeignKey(AgreementPrice, on_delete=models.PROTECT, related_name="resource_rates")

    class Meta:
        verbose_name = _("resource contract rate")
        verbose_name_plural = _("resource contract rates")

    def __str__(self) -> str:
        return f"{self.resource} · {self.price}"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("order status", "Draft")
    SIGNED = "signed", pgettext_lazy("order status", "Signed")
    DELIVERED = "delivered", pgettext_lazy("order status", "Delivered")
    INVOICED = "invoiced", pgettext_lazy("order status", "Invoiced")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


class Order(VersionedModel):
    """A bon de commande drawn on an agreement for a project's budget line.

    Signed → its amount is committed on the line (execution entries of source ORDER); invoiced → paid."""

    audit_parent = "project"
    audit_fields = ("number", "title", "agreement", "lot", "budget_line", "status", "amount", "invoiced")

    number = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    agreement = models.ForeignKey(
        FrameworkAgreement,
        verbose_name=_("framework agreement"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    lot = models.ForeignKey(
        AgreementLot, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    project = models.ForeignKey(
        "portfolio.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="orders"
    )
    budget_line = models.ForeignKey(
        BudgetLine, verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    ordered_on = models.DateField(_("order date"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    invoiced_on = models.DateField(_("invoiced on"), null=True, blank=True)
    amount = money(_("amount"))  # sum of the lines, kept by the services
    invoiced = money(_("invoiced"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["agreement", "status"]),
            models.Index(fields=["project", "status"]),
            # The orders list's default order (newest first): its page of 25 is read from this index
            # instead of joining and sorting every order (10 ms → 0.3 ms over 5,000 orders).
            models.Index(fields=["-ordered_on", "-number", "-id"], name="budgets_order_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    price = models.ForeignKey(AgreementPrice, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    # The price in force on the order date, copied so later revisions do not change a signed order.
    unit_price = money(_("unit price"))
    amount = money(_("amount"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.order.number} · {self.price.code} × {self.quantity}"


class OrderStatusChange(StatusChange):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    source = models.CharField(_("from"), max_length=20, choices=OrderStatus.choices, blank=True)
    target = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("order status change")
        verbose_name_plural = _("order status changes")


class ContractAlertDigest(models.Model):
    """One sending of the weekly digest of framework-agreement alerts (`period` is the week's Monday):
    the task sends at most one per period, however often beat runs it."""

    period = models.DateField(_("period"), unique=True)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    alerts = models.PositiveIntegerField(_("alerts"), default=0)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("agreement alert digest")
        verbose_name_plural = _("agreement alert digests")

    def __str__(self) -> str:
        return str(self.period)


# ---------------------------------------------------------------------------------------- costing


class CostingStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("costing snapshot", "Waiting for its first computation")
    BUILDING = "building", pgettext_lazy("costing snapshot", "Computing")
    READY = "ready", pgettext_lazy("costing snapshot", "Ready")
    FAILED = "failed", pgettext_lazy("costing snapshot", "Failed")


class CostingSnapshot(models.Model):
    """The portfolio's costing, stored (budgets.costing_snapshot computes it; the costing page reads it).

    One row per `key` (the whole portfolio: "portfolio"). Every change it depends on adds one to
    `request_seq` (and sets `requested_at`) once its transaction committed; a build records the
    `request_seq` it started from in `built_seq`: a build message that finds them equal does nothing (a
    redelivered or superseded message). `queued_at` is set while a build message waits (debounce)."""

    key = models.CharField(_("key"), max_length=60, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CostingStatus.choices, default=CostingStatus.PENDING
    )
    request_seq = models.PositiveBigIntegerField(_("changes asked for"), default=0)
    built_seq = models.PositiveBigIntegerField(_("changes built"), default=0)
    requested_at = models.DateTimeField(_("last change"), null=True, blank=True)
    queued_at = models.DateTimeField(_("build queued"), null=True, blank=True)
    started_at = models.DateTimeField(_("build started"), null=True, blank=True)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    build_ms = models.PositiveIntegerField(_("build time (ms)"), null=True, blank=True)
    projects = models.PositiveIntegerField(_("projects"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("costing snapshot")
        verbose_name_plural = _("costing snapshots")

    def __str__(self) -> str:
        return self.key


class CostingDimension(models.TextChoices):
    PROJECT = "project", _("Project")
    ENVELOPE = "envelope", _("Envelope")
    TOTAL = "total", _("Total")


class CostingRow(models.Model):
    """One row of a costing snapshot: a project (its lines' amounts and its workload cost), an envelope
    (its authority and the amounts of the lines on it; `envelope` empty: lines without one) or the total.
    Projects are grouped by objective and directorate when read (their links are read live)."""

    snapshot = models.ForeignKey(CostingSnapshot, on_delete=models.CASCADE, related_name="rows")
    dimension = models.CharField(_("dimension"), max_length=10, choices=CostingDimension.choices)
    order = models.PositiveIntegerField(default=0)
    project = models.ForeignKey(
        "portfolio.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    envelope = models.ForeignKey(Envelope, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("label"), max_length=240, blank=True)
    # Budget lines (cash), summed over their years.
    planned = money(_("planned (voted)"), allow_negative=True)
    forecast = money(_("forecast"), allow_negative=True)
    committed = money(_("committed"), allow_negative=True)
    paid = money(_("paid"), allow_negative=True)
    authority = money(_("commitment authority (AP/AE)"), null=True, blank=True, default=None)
    # Workload valued at daily rates (budgets.costing).
    planned_internal = money(_("planned internal cost"), allow_negative=True)
    planned_external = money(_("planned external cost"), allow_negative=True)
    actual_internal = money(_("actual internal cost"), allow_negative=True)
    actual_external = money(_("actual external cost"), allow_negative=True)
    planned_days = models.DecimalField(_("planned days"), max_digits=14, decimal_places=3, default=ZERO)
    actual_days = models.DecimalField(_("actual days"), max_digits=14, decimal_places=3, default=ZERO)

    class Meta:
        ordering = ["snapshot", "dimension", "order"]
        verbose_name = _("costing row")
        verbose_name_plural = _("costing rows")
        indexes = [models.Index(fields=["snapshot", "dimension", "order"])]

    def __str__(self) -> str:
        return f"{self.snapshot_id} · {self.dimension} · {self.label}"
