"""Factories of the resources app (factory_boy), shared by its tests."""

import datetime
from decimal import Decimal

import factory

from portfolio.tests.factories import ProjectFactory
from ppm.tests.factories import DirectorateFactory, UserFactory
from resources.models import (
    Absence,
    Allocation,
    BackgroundLoad,
    NonProjectActivity,
    Profile,
    RatioTemplate,
    RatioTemplateLine,
    Resource,
    RoleFamily,
    Team,
    Timesheet,
    TimesheetLine,
    Vendor,
)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PRF{n}")
    name = factory.Sequence(lambda n: f"Profile {n}")
    family = RoleFamily.MOE


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"TEAM{n}")
    name = factory.Sequence(lambda n: f"Team {n}")
    directorate = factory.SubFactory(DirectorateFactory)


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    """A full-time internal person of a team, MOE developer by default."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Person {n}")
    team = factory.SubFactory(TeamFactory)
    directorate = factory.LazyAttribute(lambda o: o.team.directorate if o.team else DirectorateFactory())
    primary_profile = factory.SubFactory(ProfileFactory)
    daily_cost = Decimal("450.00")

    @factory.post_generation
    def profiles(self, create, extracted, **kwargs):
        if create:
            self.profiles.set(extracted or [self.primary_profile])


class ExternalResourceFactory(ResourceFactory):
    is_external = True
    vendor = factory.SubFactory(VendorFactory)
    team = None
    directorate = factory.SubFactory(DirectorateFactory)
    daily_cost = Decimal("650.00")


class GenericResourceFactory(ResourceFactory):
    kind = "generic"
    team = None
    directorate = factory.SubFactory(DirectorateFactory)
    daily_cost = Decimal("0")


class PersonWithAccountFactory(ResourceFactory):
    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda o: o.user.get_full_name() or o.user.username)


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    resource = factory.SubFactory(ResourceFactory)
    start = datetime.date(2025, 8, 4)
    end = datetime.date(2025, 8, 8)


class BackgroundLoadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BackgroundLoad

    resource = factory.SubFactory(ResourceFactory)
    label = "Run"
    start = datetime.date(2025, 1, 1)
    share = Decimal("20")


class RatioTemplateFactory(factory.django.DjangoModelFactory):
    """MOE 1 : MOA 1 : AMOA 0.5 unless lines=[(family, ratio), …] is given."""

    class Meta:
        model = RatioTemplate
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Template {n}")

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        if not create:
            return
        for family, ratio in extracted or (("moe", "1"), ("moa", "1"), ("amoa", "0.5")):
            RatioTemplateLine.objects.create(template=self, family=family, ratio=Decimal(ratio))


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    project = factory.SubFactory(ProjectFactory)
    family = RoleFamily.MOE
    period_start = datetime.date(2025, 9, 1)
    days = Decimal("10")


class NonProjectActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NonProjectActivity
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ACT{n}")
    name = factory.Sequence(lambda n: f"Activity {n}")


class TimesheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Timesheet

    resource = factory.SubFactory(PersonWithAccountFactory)
    week = datetime.date(2025, 9, 1)


class TimesheetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimesheetLine

    timesheet = factory.SubFactory(TimesheetFactory)
    project = factory.SubFactory(ProjectFactory)
