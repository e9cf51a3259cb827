"""ppm.versioning on the project, the first versioned model: locks, stale versions, the version bump."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portfolio.models import Project
from portfolio.tests.factories import ProjectFactory
from ppm.exceptions import DomainNotFound, StaleVersionError
from ppm.versioning import VersionedModel, lock_for_update, lock_many, save_versioned

pytestmark = pytest.mark.django_db


def test_the_project_is_a_versioned_model():
    project = ProjectFactory()
    assert isinstance(project, VersionedModel)
    assert project.version == 1
    assert project.etag == f"{project.pk}-1"


def test_lock_for_update_checks_the_expected_version():
    project = ProjectFactory()
    with transaction.atomic():
        assert lock_for_update(Project, project.pk, 1).pk == project.pk
        with pytest.raises(StaleVersionError) as error:
            lock_for_update(Project, project.pk, 2)
    assert (error.value.status, error.value.code, error.value.current_version) == (412, "stale_version", 1)


def test_lock_for_update_takes_a_row_lock():
    project = ProjectFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as context:
        lock_for_update(Project, project.pk)
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in context.captured_queries[-1]["sql"]


def test_an_unknown_row_is_not_found():
    with transaction.atomic(), pytest.raises(DomainNotFound):
        lock_for_update(Project, 987654)


def test_lock_many_locks_in_pk_order():
    projects = ProjectFactory.create_batch(4)
    pks = [p.pk for p in reversed(projects)]
    with transaction.atomic(), CaptureQueriesContext(connection) as context:
        locked = lock_many(Project, pks)
    assert [p.pk for p in locked] == sorted(pks)
    assert "ORDER BY" in context.captured_queries[-1]["sql"]


def test_save_versioned_bumps_the_version_and_saves_it_with_the_fields():
    project = ProjectFactory(name="Before")
    updated_at = project.updated_at
    with transaction.atomic():
        project = lock_for_update(Project, project.pk)
        project.name = "After"
        project.description = "not saved: not in update_fields"
        save_versioned(project, update_fields=["name"])
    stored = Project.objects.get(pk=project.pk)
    assert (stored.name, stored.version) == ("After", 2)
    assert stored.description != "not saved: not in update_fields"
    assert stored.updated_at > updated_at, "auto_now fields go along"
    assert stored.search_text.startswith(stored.code.lower()) and "after" in stored.search_text


def test_a_new_object_is_saved_at_its_first_version():
    project = ProjectFactory.build(directorate=ProjectFactory().directorate, code="NEW-1")
    save_versioned(project)
    assert Project.objects.get(code="NEW-1").version == 1
