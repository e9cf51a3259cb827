"""Factories of the governance app (factory_boy), shared by its tests."""

import datetime

import factory

from governance.models import AlertRule, Cadence, FlashReport, ReportingPeriod
from portfolio.tests.factories import ProjectFactory


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod
        django_get_or_create = ("cadence", "start")

    cadence = Cadence.MONTHLY
    start = datetime.date(2025, 9, 1)
    end = datetime.date(2025, 9, 30)
    deadline = datetime.date(2025, 10, 5)


class FlashReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlashReport

    project = factory.SubFactory(ProjectFactory)
    period = factory.SubFactory(ReportingPeriodFactory)


class AlertRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRule
        django_get_or_create = ("code",)

    code = "milestone_late"
