"""Forms of the contracts pages (validation of what people type; the services decide the rest)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from budgets import money
from budgets.models import AgreementLot, BudgetLine, FrameworkAgreement, PriceKind
from ppm.exceptions import DomainValidationError
from resources.models import Profile, Vendor

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_amount(raw, *, allow_zero: bool = False) -> Decimal:
    """A positive euro amount typed by a person (budgets.money's rules), as a form's ValidationError."""
    try:
        value = money.parse_amount(raw, allow_zero=allow_zero)
    except DomainValidationError as error:
        raise ValidationError(str(error)) from None
    if value == 0 and not allow_zero:
        raise ValidationError(_("Give a positive amount."))
    return value


class AmountField(money.MoneyFormField):
    """A positive amount (zero only where allowed)."""

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        super().__init__(*args, allow_zero=allow_zero, **kwargs)


class ThresholdsField(forms.CharField):
    """ "80, 95" → [80, 95] (the service checks the range and the order)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        try:
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise ValidationError(_("Give whole percents separated by commas, e.g. 80, 95.")) from None

    def prepare_value(self, value):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else value


class AgreementForm(forms.Form):
    mark_optional = True

    reference = forms.CharField(label=_("Reference"), max_length=60)
    title = forms.CharField(label=_("Title"), max_length=200)
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.filter(is_active=True))
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End of the initial period"), widget=DATE)
    max_renewals = forms.IntegerField(label=_("Renewals allowed"), min_value=0, max_value=20, initial=0)
    renewals = forms.IntegerField(label=_("Renewals used"), min_value=0, max_value=20, initial=0)
    renewal_months = forms.IntegerField(label=_("Months per renewal"), min_value=1, max_value=120, initial=12)
    ceiling = AmountField(label=_("Ceiling (maximum, € excl. VAT)"))
    minimum = AmountField(label=_("Minimum (€ excl. VAT)"), allow_zero=True, required=False)
    alert_thresholds = ThresholdsField(
        label=_("Alert thresholds (% of the ceiling)"),
        initial="80, 95",
        required=False,
        help_text=_("Whole percents from 1 to 99, ascending, separated by commas."),
    )
    expiry_alert_months = forms.IntegerField(
        label=_("Alert before the end (months)"), min_value=0, max_value=60, initial=6
    )
    lots = forms.CharField(
        label=_("Lots"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One lot a line: number, title and optionally its ceiling, e.g. “1; Développement; 1800000”."
        ),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_minimum(self):
        return self.cleaned_data.get("minimum") or Decimal("0.00")

    def clean_lots(self):
        lots = []
        for number, line in enumerate((self.cleaned_data.get("lots") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            try:
                lot = {"number": int(parts[0]), "title": parts[1]}
                if len(parts) > 2 and parts[2]:
                    lot["ceiling"] = parse_amount(parts[2])
            except (ValueError, IndexError, ValidationError):
                raise ValidationError(
                    _("Line %(n)s: write “number; title; ceiling” (the ceiling may be left out).")
                    % {"n": number}
                ) from None
            lots.append(lot)
        return lots

    @staticmethod
    def initial_for(agreement: FrameworkAgreement) -> dict:
        lots = "\n".join(
            f"{lot.number}; {lot.title}" + (f"; {lot.ceiling}" if lot.ceiling is not None else "")
            for lot in agreement.lots.all()
        )
        return {
            **{
                name: getattr(agreement, name)
                for name in (
                    "reference",
                    "title",
                    "vendor",
                    "start",
                    "end",
                    "max_renewals",
                    "renewals",
                    "renewal_months",
                    "ceiling",
                    "minimum",
                    "alert_thresholds",
                    "expiry_alert_months",
                    "notes",
                )
            },
            "lots": lots,
        }


class PriceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PriceKind.choices)
    code = forms.SlugField(
        label=_("Code"), max_length=30, help_text=_("The same code as an existing price adds a revision.")
    )
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=AgreementLot.objects.none(), required=False)
    profile = forms.ModelChoiceField(
        label=_("Internal role profile"), queryset=Profile.objects.filter(is_active=True), required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    unit_price = AmountField(label=_("Unit price (€ excl. VAT)"))
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)

    def __init__(self, *args, agreement: FrameworkAgreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = agreement.lots.all()  # type: ignore[attr-defined]


class OrderForm(forms.Form):
    """The order's header; its lines come as repeated `line_price` / `line_quantity` fields."""

    title = forms.CharField(label=_("Title"), max_length=200)
    agreement = forms.ModelChoiceField(
        label=_("Framework agreement"), queryset=FrameworkAgreement.objects.none()
    )
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=AgreementLot.objects.none(), required=False)
    budget_line = forms.ModelChoiceField(label=_("Budget line"), queryset=BudgetLine.objects.none())
    ordered_on = forms.DateField(label=_("Order date"), widget=DATE)

    def __init__(self, *args, lines_queryset, agreements, lots, **kwargs):
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields  # ModelChoiceFields (the stubs type them as Field)
        fields["budget_line"].queryset = lines_queryset
        fields["budget_line"].label_from_instance = lambda line: f"{line.project.code} · {line.label}"
        fields["agreement"].queryset = agreements
        fields["lot"].queryset = lots


LINE_FIELD = re.compile(r"^line_(?:price|quantity)_(\d{1,3})$")


def order_lines_from(data) -> tuple[list[dict], list[str]]:
    """The lines typed in the lines editor (`line_price_<n>`, `line_quantity_<n>`; empty rows skipped)."""
    indices = sorted({int(match.group(1)) for key in data.keys() if (match := LINE_FIELD.match(key))})
    lines, errors = [], []
    for index in indices[:200]:
        price = (data.get(f"line_price_{index}") or "").strip()
        quantity = (data.get(f"line_quantity_{index}") or "").strip().replace(",", ".")
        if not price and not quantity:
            continue
        if not price.isdigit():
            errors.append(_("Line %(n)s: choose a price.") % {"n": index})
            continue
        lines.append({"price": int(price), "quantity": quantity, "index": index})
    return lines, errors


class InvoiceForm(forms.Form):
    amount = AmountField(label=_("Invoiced amount (€)"))
    on = forms.DateField(label=_("Invoice date"), widget=DATE)


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    version = forms.IntegerField(min_value=1)
    on = forms.DateField(required=False)
    amount = AmountField(required=False)
