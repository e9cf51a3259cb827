"""Factories of the budgets app (factory_boy), shared by its tests."""

import datetime
from decimal import Decimal

import factory

from budgets.models import (
    AgreementLot,
    AgreementPrice,
    BudgetLine,
    BudgetLineYear,
    Envelope,
    EnvelopePaymentCredit,
    EnvelopeSection,
    FrameworkAgreement,
    FundingSource,
    Nature,
    Order,
    Section,
)
from budgets.totals import budget_totals_refresh
from portfolio.tests.factories import ProjectFactory
from resources.tests.factories import VendorFactory


class EnvelopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Envelope

    code = factory.Sequence(lambda n: f"ENV{n}")
    name = factory.Sequence(lambda n: f"Envelope {n}")
    first_year = 2024
    last_year = 2027


class EnvelopeSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnvelopeSection

    envelope = factory.SubFactory(EnvelopeFactory)
    section = Section.INVESTMENT
    authority = Decimal("1000000.00")


class EnvelopePaymentCreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnvelopePaymentCredit

    envelope_section = factory.SubFactory(EnvelopeSectionFactory)
    year = 2025
    amount = Decimal("250000.00")


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource

    name = factory.Sequence(lambda n: f"Funding {n}")
    kind = "state"
    amount = Decimal("500000.00")


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    project = factory.SubFactory(ProjectFactory)
    label = factory.Sequence(lambda n: f"Line {n}")
    section = Section.INVESTMENT
    nature = Nature.SERVICES
    envelope = factory.SubFactory(EnvelopeFactory)


class BudgetLineYearFactory(factory.django.DjangoModelFactory):
    """A line year written directly (not through the services): its project's precomputed totals are
    refreshed as a service would (budgets.totals)."""

    class Meta:
        model = BudgetLineYear

    line = factory.SubFactory(BudgetLineFactory)
    year = 2025
    planned = Decimal("100000.00")
    forecast = Decimal("100000.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        line_year = super()._create(model_class, *args, **kwargs)
        budget_totals_refresh([line_year.line.project_id])
        return line_year


class FrameworkAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkAgreement

    reference = factory.Sequence(lambda n: f"AC-2024-{n:03d}")
    title = factory.Sequence(lambda n: f"Agreement {n}")
    vendor = factory.SubFactory(VendorFactory)
    start = datetime.date(2024, 1, 1)
    end = datetime.date(2027, 12, 31)
    ceiling = Decimal("2000000.00")
    minimum = Decimal("100000.00")
    alert_thresholds = [80, 95]


class AgreementLotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementLot

    agreement = factory.SubFactory(FrameworkAgreementFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lot {n}")


class AgreementPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementPrice

    agreement = factory.SubFactory(FrameworkAgreementFactory)
    kind = "profile"
    code = factory.Sequence(lambda n: f"P{n}")
    label = "Développeur·se"
    unit_price = Decimal("650.00")
    valid_from = datetime.date(2024, 1, 1)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"BC-2025-{n:04d}")
    title = factory.Sequence(lambda n: f"Order {n}")
    agreement = factory.SubFactory(FrameworkAgreementFactory)
    budget_line = factory.SubFactory(BudgetLineFactory)
    project = factory.LazyAttribute(lambda o: o.budget_line.project)
