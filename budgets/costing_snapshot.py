"""The portfolio costing, stored: a snapshot the costing page reads instead of valuing the workload live.

Live (budgets.costing.portfolio_rollup), the page valued ~120,000 (project, resource, family, month)
groups of allocations and approved time one by one in Python at every view (0.7 s at 1,000 projects).
Here Celery computes it once per batch of changes (budgets.tasks.build_costing_snapshot) into a
CostingSnapshot with one CostingRow per costed project (the amounts of its budget lines and its workload
cost, planned and actual, internal and external), per envelope (its authority and the amounts of the
lines on it) and the total; the page reads a page of them (a handful of indexed queries) and groups the
project rows by objective or directorate in SQL (those links are read live).

Values: equal to budgets.costing to the cent (tested). On PostgreSQL one SQL statement values the
workload (`workload_sql`): allocations and approved time grouped by (project, resource, family,
outsourcing, month), each group's daily rate worked out in SQL by budgets.costing.RateBook's rules and
its cost rounded to the cent half-up (PostgreSQL's ROUND on numeric), then summed per project; elsewhere
(SQLite on a laptop) budgets.costing.workload_cost does it in Python.

What asks for a rebuild (`costing_changed`: counted once the writing transaction commits, however many
writes it made; the build message is debounced, so a batch of changes builds once):
* allocations and resources (daily cost, external or generic, roles): `resources.signals.workload_changed`,
  which every resources service writing them sends (through `capacity_plan_changed()`);
* approved time: a week (Timesheet) other than a draft saved or deleted — every approval, return,
  reopening and every change of a returned week's time saves its week;
* a role's family (resources.Profile), contract rates (ResourceRate), agreement prices, budget lines,
  their years, execution entries (committed and paid) and envelope sections (authority), saved or
  deleted; a project deleted;
* beat, nightly (budgets.tasks.rebuild_costing_snapshot, 02:45), whatever changed: it bounds what
  escapes the above (a bulk edit in a shell);
* "Recompute now" on the page.

Idempotence: each counted change adds one to the snapshot's `request_seq` (under the row's lock, after the
change committed); a build takes the row (BUILDING), notes the `request_seq` it starts from, reads the
data and, once its rows are written, stores that number as `built_seq`. A message finding
`built_seq == request_seq` (redelivered, or superseded by a "Recompute now") does nothing. A change
counted after a build took the row leaves `request_seq` above what that build stores, so another build
follows (a message is queued, or the one that finds the build running sends itself again later).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.paginator import Page
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from budgets import costing
from budgets.costing import CostCell, RollupRow
from budgets.models import (
    ZERO,
    AgreementPrice,
    BudgetLine,
    BudgetLineYear,
    CostingDimension,
    CostingRow,
    CostingSnapshot,
    CostingStatus,
    EnvelopeSection,
    ExecutionEntry,
    ResourceRate,
)
from ppm import lists

logger = logging.getLogger(__name__)

KEY = "portfolio"
# A queued build whose message has not started after this long is taken as lost (sent again).
QUEUED_LOST_AFTER = timedelta(minutes=15)
# A build still BUILDING after the task's hard limit lost its worker.
BUILDING_LOST_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
# A portfolio never computed yet is valued live for the page up to this many allocations (~30 ms).
LIVE_ALLOCATIONS = 5000
PER_PAGE = 50
WORKLOAD_FIELDS = (
    "planned_internal",
    "planned_external",
    "actual_internal",
    "actual_external",
    "planned_days",
    "actual_days",
)
AMOUNT_FIELDS = costing.LINE_AMOUNTS


def debounce_seconds() -> int:
    return int(getattr(settings, "PILOTIS_COSTING_DEBOUNCE_SECONDS", 30))


# --- requesting and running builds ----------------------------------------------------------------


def _send(snapshot_id: int, countdown: int) -> None:
    from budgets.tasks import build_costing_snapshot

    try:
        build_costing_snapshot.apply_async((snapshot_id,), countdown=countdown)
    except Exception:
        # The broker is down: forget the queue mark so that the next request sends again.
        logger.exception("Could not queue the build of costing snapshot %s", snapshot_id)
        CostingSnapshot.objects.filter(pk=snapshot_id).update(queued_at=None)


def _locked_snapshot() -> CostingSnapshot:
    snapshot = CostingSnapshot.objects.select_for_update().filter(key=KEY).first()
    if snapshot is None:
        CostingSnapshot.objects.get_or_create(key=KEY)
        snapshot = CostingSnapshot.objects.select_for_update().get(key=KEY)
    return snapshot


def costing_snapshot_request(
    *, reason: str, countdown: int | None = None, changed: bool = True
) -> CostingSnapshot:
    """Count a change (`changed`: the data changed, noted in `requested_at`; else a wish to recompute)
    and queue a build unless one already waits: the message is sent after the commit, `countdown` seconds
    later — the debounce delay by default; 0 ("Recompute now", nightly) sends at once even when a
    debounced message already waits (that one then finds nothing to do). Writers call
    `costing_changed()`, which calls this once their transaction has committed."""
    countdown = debounce_seconds() if countdown is None else countdown
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        snapshot = _locked_snapshot()
        snapshot.request_seq += 1
        fields = ["request_seq"]
        if changed:
            snapshot.requested_at = now
            fields.append("requested_at")
        waiting = snapshot.queued_at is not None and snapshot.queued_at > now - QUEUED_LOST_AFTER
        if countdown == 0 or not waiting:
            snapshot.queued_at = now
            fields.append("queued_at")
            logger.info("Costing snapshot queued (%s) in %s s", reason, countdown)
            transaction.on_commit(partial(_send, snapshot.pk, countdown))
        snapshot.save(update_fields=fields)
    return snapshot


class _CountChange:
    """The on-commit callback that counts a transaction's changes once."""

    def __init__(self, reason: str):
        self.reason = reason
        self.done = False

    def __call__(self) -> None:
        if self.done:  # covered by a build in the writing transaction (costing_snapshot_compute_now)
            return
        self.done = True
        costing_snapshot_request(reason=self.reason)


def costing_changed(*, reason: str) -> None:
    """Call after a write to what the costing is computed from (the receivers below do): once the
    transaction commits, the change is counted and a build queued (debounced). Counted after the commit,
    so that a long transaction (an import) does not hold the snapshot's row and make every other writer
    wait; once per transaction, however many rows it writes."""
    pending = transaction.get_connection().run_on_commit
    if not any(
        isinstance(callback, _CountChange) and not callback.done for _ids, callback, _robust in pending
    ):
        transaction.on_commit(_CountChange(reason))


def costing_snapshot_run(*, snapshot_id: int) -> str:
    """Body of the build task: idempotent. Returns what it did: built, unchanged, busy or missing."""
    now = timezone.now()
    with transaction.atomic():
        snapshot = CostingSnapshot.objects.select_for_update().filter(pk=snapshot_id).first()
        if snapshot is None:
            return "missing"
        if (
            snapshot.status == CostingStatus.BUILDING
            and snapshot.started_at is not None
            and snapshot.started_at > now - BUILDING_LOST_AFTER
        ):
            # Another run computes from data that may predate the changes that sent this message: look
            # again after it (the queue mark stays, so requests meanwhile send nothing more).
            transaction.on_commit(partial(_send, snapshot.pk, debounce_seconds()))
            return "busy"
        snapshot.queued_at = None
        if snapshot.status == CostingStatus.READY and snapshot.built_seq == snapshot.request_seq:
            snapshot.checked_at = now
            snapshot.save(update_fields=["queued_at", "checked_at"])
            return "unchanged"
        previous_status = snapshot.status
        seq = snapshot.request_seq
        snapshot.status = CostingStatus.BUILDING
        snapshot.started_at = now
        snapshot.save(update_fields=["queued_at", "status", "started_at"])
    try:
        snapshot_build(snapshot, seq=seq)
    except Exception as error:
        # Keep the last good rows: a computed costing stays shown (with the error) rather than nothing.
        CostingSnapshot.objects.filter(pk=snapshot_id).update(
            status=CostingStatus.READY if previous_status == CostingStatus.READY else CostingStatus.FAILED,
            error=str(error)[:2000],
        )
        raise
    return "built"


def costing_snapshot_compute_now() -> str:
    """Compute the costing here, in the current transaction (the demo loader, which has no worker): the
    build sees this transaction's own writes, so their pending count is dropped — it is covered. Returns
    what costing_snapshot_run did ("unchanged" when nothing changed since the last build)."""
    pending = [
        callback
        for _ids, callback, _robust in transaction.get_connection().run_on_commit
        if isinstance(callback, _CountChange) and not callback.done
    ]
    with transaction.atomic(savepoint=False):
        snapshot = _locked_snapshot()
        if pending:
            for callback in pending:
                callback.done = True
            snapshot.request_seq += 1
            snapshot.requested_at = timezone.now()
            snapshot.save(update_fields=["request_seq", "requested_at"])
    return costing_snapshot_run(snapshot_id=snapshot.pk)


def costing_snapshot_nightly() -> int:
    """Queue a build now, whatever changed (beat, nightly). Returns the snapshot's id."""
    return costing_snapshot_request(reason="nightly", countdown=0, changed=False).pk


# --- what triggers a rebuild ----------------------------------------------------------------------


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    costing_changed(reason=kwargs.get("reason") or sender.__name__)


def _week_changed(sender, instance, **kwargs) -> None:
    """A draft week never held approved time; any other week's save may change it."""
    from resources.models import TimesheetStatus

    if instance.status != TimesheetStatus.DRAFT:
        _changed(sender, **kwargs)


def connect_receivers() -> None:
    """Listen to what the costing is computed from (BudgetsConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from portfolio.models import Project
    from resources.models import Profile, Timesheet
    from resources.signals import workload_changed

    workload_changed.connect(_changed, dispatch_uid="budgets-costing-workload")
    for model in (
        ResourceRate,
        AgreementPrice,
        BudgetLine,
        BudgetLineYear,
        ExecutionEntry,
        EnvelopeSection,
        Profile,
    ):
        label = model._meta.label
        post_save.connect(_changed, sender=model, dispatch_uid=f"budgets-costing-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"budgets-costing-delete-{label}")
    post_save.connect(_week_changed, sender=Timesheet, dispatch_uid="budgets-costing-save-week")
    post_delete.connect(_week_changed, sender=Timesheet, dispatch_uid="budgets-costing-delete-week")
    # Its rows go with it (CASCADE); the envelopes and the total follow at the next build.
    post_delete.connect(_changed, sender=Project, dispatch_uid="budgets-costing-delete-project")


# --- computing ------------------------------------------------------------------------------------

# The workload's cost per project in one statement (PostgreSQL). Its rates follow
# budgets.costing.RateBook._rate: change both together (test_costing_snapshot compares them).
_WORKLOAD_SQL = """
WITH defaults (family, rate) AS (VALUES {defaults}),
groups AS (
    SELECT a.project_id, a.resource_id, a.family, a.is_external,
           date_trunc('month', a.period_start)::date AS month, SUM(a.days) AS days, TRUE AS planned
    FROM {allocation} a
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT worked.project_id, worked.resource_id, COALESCE(profile.family, ''), FALSE,
           worked.month, worked.days, FALSE
    FROM (
        SELECT line.project_id, week.resource_id, date_trunc('month', entry.day)::date AS month,
               SUM(entry.days) AS days
        FROM {entry} entry
        JOIN {line} line ON line.id = entry.line_id
        JOIN {timesheet} week ON week.id = line.timesheet_id
        WHERE line.approval = %s AND line.project_id IS NOT NULL
        GROUP BY 1, 2, 3
    ) worked
    JOIN {resource} person ON person.id = worked.resource_id
    LEFT JOIN {profile} profile ON profile.id = person.primary_profile_id
),
months AS (
    SELECT generate_series(
        date_trunc(
            'month', LEAST((SELECT MIN(period_start) FROM {allocation}), (SELECT MIN(day) FROM {entry}))
        ),
        GREATEST((SELECT MAX(period_start) FROM {allocation}), (SELECT MAX(day) FROM {entry})),
        interval '1 month'
    )::date AS month
),
contract_rates AS (
    SELECT rate.resource_id, months.month, (
        SELECT price.unit_price FROM {price} price
        WHERE price.agreement_id = chosen.agreement_id AND price.code = chosen.code
          AND price.lot_id IS NOT DISTINCT FROM chosen.lot_id AND price.valid_from <= months.month
        ORDER BY price.valid_from DESC, price.id DESC
        LIMIT 1
    ) AS unit_price
    FROM {rate} rate
    JOIN {price} chosen ON chosen.id = rate.price_id
    CROSS JOIN months
),
valued AS (
    SELECT g.project_id, g.planned, COALESCE(r.is_external, g.is_external) AS external, g.days,
           ROUND(g.days * CASE
               WHEN r.id IS NULL THEN COALESCE(d.rate, 0)
               WHEN contract.unit_price IS NOT NULL THEN contract.unit_price
               WHEN r.daily_cost > 0 THEN r.daily_cost
               WHEN r.kind = %s THEN COALESCE(dp.rate, d.rate, 0)
               ELSE r.daily_cost
           END, 2) AS cost
    FROM groups g
    LEFT JOIN {resource} r ON r.id = g.resource_id
    LEFT JOIN {profile} rp ON rp.id = r.primary_profile_id
    LEFT JOIN defaults d ON d.family = g.family
    LEFT JOIN defaults dp ON dp.family = NULLIF(rp.family, '')
    LEFT JOIN contract_rates contract ON contract.resource_id = g.resource_id AND contract.month = g.month
)
SELECT project_id,
       COALESCE(SUM(cost) FILTER (WHERE planned AND NOT external), 0),
       COALESCE(SUM(cost) FILTER (WHERE planned AND external), 0),
       COALESCE(SUM(cost) FILTER (WHERE NOT planned AND NOT external), 0),
       COALESCE(SUM(cost) FILTER (WHERE NOT planned AND external), 0),
       COALESCE(SUM(days) FILTER (WHERE planned), 0),
       COALESCE(SUM(days) FILTER (WHERE NOT planned), 0)
FROM valued
GROUP BY project_id
"""


def workload_sql() -> tuple[str, list]:
    """The statement valuing the whole workload per project (PostgreSQL), and its parameters."""
    from resources.models import (
        Allocation,
        LineApproval,
        Profile,
        Resource,
        ResourceKind,
        TimeEntry,
        Timesheet,
        TimesheetLine,
    )

    rates = sorted(costing.default_rates().items())
    tables = {
        "allocation": Allocation,
        "entry": TimeEntry,
        "line": TimesheetLine,
        "timesheet": Timesheet,
        "resource": Resource,
        "profile": Profile,
        "price": AgreementPrice,
        "rate": ResourceRate,
    }
    # Table names from the models' metadata, quoted; every value is a parameter.
    sql = _WORKLOAD_SQL.format(
        defaults=", ".join(["(%s, %s::numeric)"] * len(rates)) if rates else "(NULL, NULL::numeric)",
        **{name: connection.ops.quote_name(model._meta.db_table) for name, model in tables.items()},
    )
    params: list[Any] = [value for family, rate in rates for value in (family, rate)]
    return sql, [*params, LineApproval.APPROVED.value, ResourceKind.GENERIC.value]


def workload_totals() -> dict[int, CostCell]:
    """The workload cost per project: costing.project_totals(costing.workload_cost()), in SQL on
    PostgreSQL (one statement, ~1,000 rows back instead of ~120,000)."""
    if connection.vendor != "postgresql":
        return costing.project_totals(costing.workload_cost())
    sql, params = workload_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {row[0]: CostCell(**dict(zip(WORKLOAD_FIELDS, row[1:], strict=True))) for row in rows}


@dataclass
class Computed:
    projects: list[CostingRow]
    envelopes: list[CostingRow]
    total: CostingRow


def _add(target: CostingRow, source: CostingRow | dict, names: tuple[str, ...]) -> None:
    for name in names:
        value = source[name] if isinstance(source, dict) else getattr(source, name)
        setattr(target, name, getattr(target, name) + (value or ZERO))


def snapshot_compute() -> Computed:
    """The rows of the costing (nothing written): what budgets.costing.portfolio_rollup gives for the
    costed projects, by project and envelope, and the total."""
    projects = list(costing.costed_projects().values_list("pk", "code", "name"))
    rows = {
        pk: CostingRow(dimension=CostingDimension.PROJECT, order=i, project_id=pk, label=f"{code} · {name}")
        for i, (pk, code, name) in enumerate(projects)
    }
    envelopes: dict[int | None, CostingRow] = {}
    for amount in costing.line_amounts():
        row = rows.get(amount["line__project_id"])
        if row is None:  # a line-year written since costed_projects() was read
            continue
        _add(row, amount, AMOUNT_FIELDS)
        envelope_id = amount["line__envelope_id"]
        if envelope_id not in envelopes:
            envelopes[envelope_id] = CostingRow(
                dimension=CostingDimension.ENVELOPE,
                envelope_id=envelope_id,
                label=costing.envelope_label(amount),
            )
        _add(envelopes[envelope_id], amount, AMOUNT_FIELDS)
    for envelope_id, authority in costing.envelope_authority(envelopes).items():
        envelopes[envelope_id].authority = authority
    for project_id, cell in workload_totals().items():
        if project_id in rows:
            for name in WORKLOAD_FIELDS:
                setattr(rows[project_id], name, getattr(cell, name))
    total = CostingRow(dimension=CostingDimension.TOTAL, label="")
    for project_row in rows.values():
        _add(total, project_row, AMOUNT_FIELDS + WORKLOAD_FIELDS)
    ordered = sorted(envelopes.values(), key=lambda row: (row.envelope_id is None, row.label))
    for i, row in enumerate(ordered):
        row.order = i
    return Computed(projects=list(rows.values()), envelopes=ordered, total=total)


def snapshot_get_or_create() -> CostingSnapshot:
    return CostingSnapshot.objects.get_or_create(key=KEY)[0]


def snapshot_build(snapshot: CostingSnapshot, *, seq: int | None = None) -> CostingSnapshot:
    """Compute the costing and replace the snapshot's rows in one transaction; READY, built from `seq`
    (the snapshot's request_seq when it started; the current one when None)."""
    began = time.perf_counter()
    if seq is None:
        seq = CostingSnapshot.objects.filter(pk=snapshot.pk).values_list("request_seq", flat=True).get()
    computed = snapshot_compute()
    with transaction.atomic():
        CostingRow.objects.filter(snapshot=snapshot).delete()
        rows = [*computed.projects, *computed.envelopes, computed.total]
        for row in rows:
            row.snapshot = snapshot
        CostingRow.objects.bulk_create(rows, batch_size=1000)
        now = timezone.now()
        fields = {
            "status": CostingStatus.READY,
            "built_seq": seq,
            "built_at": now,
            "checked_at": now,
            "error": "",
            "projects": len(computed.projects),
            "build_ms": int((time.perf_counter() - began) * 1000),
        }
        # Only these columns: requests meanwhile have moved request_seq and queued_at on.
        CostingSnapshot.objects.filter(pk=snapshot.pk).update(**fields)
        for name, value in fields.items():
            setattr(snapshot, name, value)
    return snapshot


# --- reading (the costing page) -------------------------------------------------------------------


@dataclass
class Freshness:
    """How fresh the stored costing is, for the banner of the costing page."""

    snapshot: CostingSnapshot | None

    @property
    def ready(self) -> bool:
        return self.snapshot is not None and self.snapshot.built_at is not None

    @property
    def stale(self) -> bool:
        """Changes were counted since the rows were computed."""
        return self.ready and self.snapshot.request_seq != self.snapshot.built_seq  # type: ignore[union-attr]

    @property
    def changed(self) -> bool:
        """The data changed since the rows were computed (as far as the counted changes tell)."""
        snapshot = self.snapshot
        return (
            self.stale
            and snapshot is not None
            and snapshot.requested_at is not None
            and snapshot.built_at is not None
            and snapshot.requested_at > snapshot.built_at
        )

    @property
    def building(self) -> bool:
        snapshot = self.snapshot
        if snapshot is None:
            return False
        now = timezone.now()
        return (
            snapshot.status == CostingStatus.BUILDING
            and snapshot.started_at is not None
            and snapshot.started_at > now - BUILDING_LOST_AFTER
        ) or (snapshot.queued_at is not None and snapshot.queued_at > now - QUEUED_LOST_AFTER)

    @property
    def running(self) -> bool:
        return self.building and self.snapshot.status == CostingStatus.BUILDING  # type: ignore[union-attr]

    @property
    def failed(self) -> bool:
        return self.snapshot is not None and bool(self.snapshot.error)


def costing_snapshot_get() -> CostingSnapshot | None:
    """The portfolio's costing snapshot, if anything ever asked for one (one query; nothing written)."""
    return CostingSnapshot.objects.filter(key=KEY).first()


def small_portfolio() -> bool:
    """Few enough allocations to value the workload live for a page (when nothing is stored yet)."""
    from resources.models import Allocation

    return not Allocation.objects.all()[LIVE_ALLOCATIONS : LIVE_ALLOCATIONS + 1].exists()


def _rollup_row(row: CostingRow, *, key: object, label: str) -> RollupRow:
    result = RollupRow(key=key, label=label, authority=row.authority)
    for name in AMOUNT_FIELDS:
        setattr(result, name, getattr(row, name))
    result.workload = CostCell(**{name: getattr(row, name) for name in WORKLOAD_FIELDS})
    return result


def snapshot_summary(snapshot: CostingSnapshot) -> tuple[list[RollupRow], RollupRow]:
    """The envelope rows, in order, and the total (one query)."""
    rows = (
        CostingRow.objects.filter(
            snapshot=snapshot, dimension__in=(CostingDimension.ENVELOPE, CostingDimension.TOTAL)
        )
        .select_related("envelope")
        .order_by("dimension", "order")
    )
    envelopes, total = [], RollupRow(key=None, label="")
    for row in rows:
        if row.dimension == CostingDimension.TOTAL:
            total = _rollup_row(row, key=None, label="")
        else:
            label = f"{row.envelope.code} · {row.envelope.name}" if row.envelope else row.label
            envelopes.append(_rollup_row(row, key=row.envelope_id, label=label))
    return envelopes, total


_SUMS = {name: Sum(name) for name in AMOUNT_FIELDS + WORKLOAD_FIELDS}


def _grouped(snapshot: CostingSnapshot, key: str, label_of) -> list[RollupRow]:
    rows = []
    for values in (
        CostingRow.objects.filter(snapshot=snapshot, dimension=CostingDimension.PROJECT)
        .filter(**{f"{key}__isnull": False})
        .values(key, *label_of.fields)
        .annotate(**_SUMS)
        .order_by()
    ):
        row = CostingRow(**{name: values[name] or ZERO for name in _SUMS})
        rows.append(_rollup_row(row, key=values[key], label=label_of(values)))
    return sorted(rows, key=lambda row: row.label)


class _Label:
    def __init__(self, fields: tuple[str, ...], template: str):
        self.fields, self.template = fields, template

    def __call__(self, values: dict) -> str:
        return self.template.format(*(values[name] for name in self.fields))


GROUPS = {
    "objective": (
        "project__objectives",
        _Label(("project__objectives__code", "project__objectives__name"), "{} · {}"),
    ),
    "directorate": ("project__directorate", _Label(("project__directorate__name",), "{}")),
}


def snapshot_page(snapshot: CostingSnapshot, group: str, page_number: Any) -> Page:
    """A page of rows of the costing by project (two indexed queries: count and page), or of its project
    rows summed per objective or directorate (one grouped query; a project under several objectives
    counts in each of them, as live)."""
    if group in GROUPS:
        key, label_of = GROUPS[group]
        return lists.paginate(_grouped(snapshot, key, label_of), page_number, per_page=PER_PAGE)
    rows = (
        CostingRow.objects.filter(snapshot=snapshot, dimension=CostingDimension.PROJECT)
        .select_related("project")
        .only(
            *AMOUNT_FIELDS,
            *WORKLOAD_FIELDS,
            "authority",
            "label",
            "project",
            "project__id",
            "project__code",
            "project__name",
        )
        .order_by("order")
    )
    page = lists.paginate(rows, page_number, per_page=PER_PAGE)
    page.object_list = [
        _rollup_row(row, key=row.project, label=f"{row.project.code} · {row.project.name}")
        for row in page.object_list
    ]
    return page
