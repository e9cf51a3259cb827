"""ppm.bulk.bulk_update: the same rows as Django's bulk_update, in one statement per batch, whatever the
field types (text with quotes, JSON, nullable dates and times, booleans, a column of NULLs only).
ppm.bulk.insert_rows: plain rows stored as given (COPY on PostgreSQL), text that COPY would read as
escapes included."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ppm.bulk import bulk_update, insert_rows
from ppm.models import AuditEntry, Directorate, ReportJob

pytestmark = pytest.mark.django_db

FIELDS = ["status", "progress", "error", "result", "log", "started_at", "finished_at", "object_id"]


def jobs(count: int) -> list[ReportJob]:
    return [ReportJob.objects.create(kind="test", key=f"job-{n}") for n in range(count)]


def values(job: ReportJob) -> tuple:
    return tuple(getattr(job, name) for name in FIELDS)


def test_writes_every_type_as_save_would():
    first, second, third = jobs(3)
    started = timezone.now().replace(microsecond=0)
    first.status, first.progress, first.error = "ready", 100, 'It\'s 100 % done; "quoted" — été'
    first.result = {"rows": [1, 2, {"nested": None}], "ok": True}
    first.log, first.started_at, first.finished_at = ["a", "b"], started, started + datetime.timedelta(1)
    first.object_id = 2**62
    second.status, second.progress, second.result, second.log = "failed", 0, {}, []
    second.started_at = started
    # third keeps its defaults: finished_at and object_id stay NULL in every row of their columns.

    updated = bulk_update(ReportJob, [first, second, third], FIELDS)

    assert updated == 3
    for job in (first, second, third):
        stored = ReportJob.objects.get(pk=job.pk)
        assert values(stored) == values(job)
    untouched = ReportJob.objects.get(pk=first.pk)
    assert untouched.key == "job-0" and untouched.kind == "test"


def test_one_statement_per_batch_and_other_rows_untouched():
    rows = jobs(7)
    bystander = rows.pop()
    for index, job in enumerate(rows):
        job.progress = index * 10
        job.error = f"error {index}"

    with CaptureQueriesContext(connection) as queries:
        updated = bulk_update(ReportJob, rows, ["progress", "error"], batch_size=4)

    assert updated == 6
    assert len(queries.captured_queries) == 2
    assert dict(ReportJob.objects.exclude(pk=bystander.pk).values_list("pk", "progress")) == {
        job.pk: job.progress for job in rows
    }
    bystander.refresh_from_db()
    assert (bystander.progress, bystander.error) == (0, "")


def test_booleans_foreign_keys_and_nothing_to_do():
    parent = Directorate.objects.create(code="P", name="Parent")
    children = [Directorate.objects.create(code=f"C{n}", name=f"Child {n}") for n in range(2)]
    children[0].parent, children[0].is_active = parent, False
    children[1].name = "Renamed"

    assert bulk_update(Directorate, children, ["parent", "is_active", "name"]) == 2
    assert bulk_update(Directorate, [], ["name"]) == 0

    assert list(
        Directorate.objects.filter(code__startswith="C")
        .order_by("code")
        .values_list("parent_id", "is_active", "name")
    ) == [(parent.pk, False, "Child 0"), (None, True, "Renamed")]


def test_refuses_the_primary_key_and_unsaved_objects():
    with pytest.raises(ValueError, match="primary-key"):
        bulk_update(Directorate, [Directorate(pk=1)], ["id"])
    with pytest.raises(ValueError, match="primary key"):
        bulk_update(Directorate, [Directorate(code="X", name="X")], ["name"])


def test_insert_rows_stores_values_as_given():
    parent = Directorate.objects.create(code="P", name="Parent")
    names = [
        "Tab\there, new\nline, return\r, back\\slash, \\N, \\x00",
        'It\'s "quoted" — été, 100 %',
        "",
    ]
    insert_rows(
        Directorate,
        ("code", "name", "parent_id", "is_active"),
        [("A", names[0], parent.pk, False), ("B", names[1], None, True), ("C", names[2], parent.pk, True)],
    )
    insert_rows(Directorate, ("code", "name", "parent_id", "is_active"), [])

    assert list(
        Directorate.objects.exclude(pk=parent.pk)
        .order_by("code")
        .values_list("name", "parent_id", "is_active")
    ) == [(names[0], parent.pk, False), (names[1], None, True), (names[2], parent.pk, True)]


def test_insert_rows_json_given_as_text():
    from django.contrib.contenttypes.models import ContentType

    changes = {"name": ["Old\tname", "New \\ name"], "n": [1, 2.5], "none": None}
    insert_rows(
        AuditEntry,
        ("content_type_id", "object_id", "object_repr", "action", "at", "changes"),
        [
            (
                ContentType.objects.get_for_model(Directorate).pk,
                7,
                "Directorate 7",
                "update",
                timezone.now(),
                json.dumps(changes),
            )
        ],
    )
    assert AuditEntry.objects.get(object_id=7).changes == changes
