import datetime

import factory

from portfolio.models import Objective, Project, StrategicAxis, Tag
from portfolio.rules import ProjectStatus
from ppm.tests.factories import DirectorateFactory


class StrategicAxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicAxis

    code = factory.Sequence(lambda n: f"AX{n}")
    name = factory.Sequence(lambda n: f"Axis {n}")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    axis = factory.SubFactory(StrategicAxisFactory)
    code = factory.Sequence(lambda n: f"OBJ{n}")
    name = factory.Sequence(lambda n: f"Objective {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project in `demand` by default; pass status=... for another state (set directly)."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"PRJ-{n:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    description = "A project of the digital roadmap."
    directorate = factory.SubFactory(DirectorateFactory)
    manager = None
    planned_start = datetime.date(2025, 1, 6)
    planned_end = datetime.date(2026, 6, 30)
    status = ProjectStatus.DEMAND

    @factory.post_generation
    def objectives(self, create, extracted, **kwargs):
        if create and extracted:
            self.objectives.set(extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)
