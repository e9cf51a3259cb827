"""Forms of the budget pages (LINES part): they validate the shape of what was typed; the services
(budgets.services) decide the rest and their DomainValidationError lands on the form's fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from budgets.models import (
    BudgetLine,
    BudgetLineYear,
    Envelope,
    FundingKind,
    FundingSource,
    Nature,
    Section,
)
from budgets.money import MoneyFormField
from portfolio.models import Objective
from portfolio.rules import ProjectStatus
from ppm.models import Directorate


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ReforecastForm(VersionedForm):
    forecast = MoneyFormField(label=_("New forecast (€)"))
    comment = forms.CharField(
        label=_("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )


class LineForm(VersionedForm):
    label = forms.CharField(label=_("Label"), max_length=200)
    section = forms.ChoiceField(label=_("Section"), choices=Section.choices)
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices)
    envelope = forms.ModelChoiceField(
        label=_("Envelope"), queryset=Envelope.objects.filter(is_active=True), required=False
    )
    vat_included = forms.BooleanField(label=_("Amounts include VAT"), required=False, initial=True)
    external_ref = forms.CharField(label=_("Finance system reference"), max_length=60, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_of(cls, line: BudgetLine) -> dict:
        return {
            "label": line.label,
            "section": line.section,
            "nature": line.nature,
            "envelope": line.envelope_id,
            "vat_included": line.vat_included,
            "external_ref": line.external_ref,
            "notes": line.notes,
            "version": line.version,
        }


class PlannedForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    planned = MoneyFormField(label=_("Planned (voted, €)"))
    override = forms.BooleanField(label=_("Accept an envelope over-allocation (recorded)"), required=False)
    reason = forms.CharField(label=_("Reason of the over-allocation"), required=False, max_length=1000)


class FundingShareForm(forms.Form):
    funding = forms.ModelChoiceField(label=_("Funding source"), queryset=FundingSource.objects.all())
    share = MoneyFormField(label=_("Share of the line (%)"), help_text=_("0 removes the funding."))


class TransferForm(forms.Form):
    source = forms.ModelChoiceField(label=_("From"), queryset=BudgetLineYear.objects.none())
    target = forms.ModelChoiceField(label=_("To"), queryset=BudgetLineYear.objects.none())
    amount = MoneyFormField(label=_("Amount (€)"), allow_zero=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    override = forms.BooleanField(label=_("Accept an envelope over-allocation (recorded)"), required=False)

    def __init__(self, *args, line_years=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = line_years if line_years is not None else BudgetLineYear.objects.none()
        for name in ("source", "target"):
            field = cast(forms.ModelChoiceField, self.fields[name])
            field.queryset = queryset
            field.label_from_instance = lambda ly: f"{ly.line.label} · {ly.year}"  # type: ignore[method-assign,assignment]


class EnvelopeForm(VersionedForm):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=200)
    first_year = forms.IntegerField(label=_("First year"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("Last year"), min_value=2000, max_value=2100)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override = forms.BooleanField(label=_("Accept CP above the authority (recorded)"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)

    def __init__(self, *args, years: range | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = list(years or [])
        self.section_fields: list[dict] = []
        for section, label in Section.choices:
            authority = MoneyFormField(
                label=_("%(section)s: authority (AP/AE, €)") % {"section": label}, required=False
            )
            self.fields[f"authority_{section}"] = authority
            credits = []
            for year in self.years:
                name = f"cp_{section}_{year}"
                self.fields[name] = MoneyFormField(
                    label=_("%(section)s: CP %(year)d (€)") % {"section": label, "year": year}, required=False
                )
                credits.append(self[name])
            self.section_fields.append(
                {
                    "code": section,
                    "label": label,
                    "authority": self[f"authority_{section}"],
                    "credits": credits,
                }
            )

    def sections(self) -> list[dict]:
        data = self.cleaned_data
        result = []
        for section, _label in Section.choices:
            authority = data.get(f"authority_{section}")
            credits = {
                year: data[f"cp_{section}_{year}"]
                for year in self.years
                if data.get(f"cp_{section}_{year}") is not None
            }
            if authority is not None or credits:
                result.append({"section": section, "authority": authority or 0, "payment_credits": credits})
        return result


class FundingForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=FundingKind.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    amount = MoneyFormField(label=_("Amount (€)"))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    justify_by = forms.DateField(
        label=_("Justify by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    conditions = forms.CharField(
        label=_("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class BudgetFilterForm(forms.Form):
    """The portfolio budget page's filters (GET)."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    envelope = forms.ModelChoiceField(
        label=_("Envelope"), queryset=Envelope.objects.all(), required=False, empty_label=_("Any")
    )
    objective = forms.ModelChoiceField(
        label=_("Objective"), queryset=Objective.objects.all(), required=False, empty_label=_("Any")
    )
    directorate = forms.ModelChoiceField(
        label=_("Directorate"), queryset=Directorate.objects.all(), required=False, empty_label=_("Any")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(ProjectStatus.choices)
    )

    def __init__(self, *args, years: Sequence[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["year"]).choices = [("", _("All years"))] + [
            (str(y), str(y)) for y in years
        ]


class ReportForm(forms.Form):
    as_of = forms.DateField(
        label=_("Execution up to"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
