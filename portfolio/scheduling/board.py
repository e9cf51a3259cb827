"""The task board of a project (Kanban) and the portfolio board: the card move service and the reads.

Cards are a project's leaf tasks (summary tasks roll up their children and are not cards), in columns by
`board_status`, ordered by `board_position` then id. Positions are spaced by CARD_STEP so that a move
usually writes one row (the moved card takes a position between its new neighbours); when two
neighbours leave no room, the column is renumbered in one UPDATE. Only the moved card's version changes:
its neighbours' order is not an edit of their content, so their owners' next edits are not refused.

Reads return plain data in a fixed number of queries, whatever the number of cards (tested at 3 and 30):
at most BOARD_PAGE cards per column (per swimlane), the rest is loaded on demand (`board_cards_after`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import formats
from django.utils.translation import gettext as _

from portfolio.models import Project
from portfolio.rules import ProjectFacts, ProjectStatus, available_transitions
from portfolio.scheduling.board_models import BoardColumnLimit
from portfolio.scheduling.models import BoardStatus, Task
from portfolio.scheduling.permissions import can_edit_schedule, can_update_progress
from ppm.audit import audit_record, audited
from ppm.bulk import bulk_update
from ppm.exceptions import DomainPermissionError, DomainValidationError
from ppm.models import AuditEntry, User
from ppm.slots import payload_extensions
from ppm.versioning import check_version, lock_for_update

BOARD_PAGE = 200
# The portfolio board shows this many projects per status; "Load more" brings the next ones.
PORTFOLIO_PAGE = 50
CARD_STEP = 1024
POSITION_MAX = 2_000_000_000  # below PositiveIntegerField's 2**31 - 1 on every database
SWIMLANES = ("", "assignee", "phase")
NO_LANE = "none"


# ----------------------------------------------------------------------------------------- writes


def _column(task: Task, board_status: str) -> QuerySet[Task]:
    return (
        Task.objects.filter(project_id=task.project_id, board_status=board_status, is_summary=False)
        .exclude(pk=task.pk)
        .order_by("board_position", "pk")
    )


def _anchor(column: QuerySet[Task], pk: int | None, field: str) -> tuple[int, int]:
    row = column.filter(pk=pk).values_list("board_position", "pk").first() if pk else None
    if row is None:
        raise DomainValidationError(
            field_errors={field: [_("This card is not in the target column of this project's board.")]}
        )
    return row


def _neighbours(
    column: QuerySet[Task], *, before_id: int | None, after_id: int | None, position: int | None
) -> tuple[int | None, int | None, int]:
    """(position of the card above, position of the card below, index of the new place or -1)."""
    if before_id is not None:
        below, pk = _anchor(column, before_id, "before_id")
        above = (
            column.filter(Q(board_position__lt=below) | Q(board_position=below, pk__lt=pk))
            .order_by("-board_position", "-pk")
            .values_list("board_position", flat=True)
            .first()
        )
        return above, below, -1
    if after_id is not None:
        above_position, pk = _anchor(column, after_id, "after_id")
        next_position = (
            column.filter(Q(board_position__gt=above_position) | Q(board_position=above_position, pk__gt=pk))
            .values_list("board_position", flat=True)
            .first()
        )
        return above_position, next_position, -1
    positions = column.values_list("board_position", flat=True)
    if position is None:  # the bottom of the column
        return positions.order_by("-board_position", "-pk").first(), None, -1
    pair = list(positions[max(position - 1, 0) : position + 1])
    if position == 0:
        return None, (pair[0] if pair else None), 0
    lower = pair[0] if pair else positions.order_by("-board_position", "-pk").first()
    return lower, (pair[1] if len(pair) > 1 else None), position


def _renumber(task: Task, column: QuerySet[Task], lower: int | None, upper: int | None) -> int:
    """Space the column's cards CARD_STEP apart, leaving room for `task` between `lower` and `upper`;
    returns the task's new position (one SELECT, one UPDATE)."""
    cards = list(column.only("pk", "board_position"))
    if upper is None:
        index = len(cards)
    else:
        index = next(i for i, card in enumerate(cards) if card.board_position >= upper)
        if lower is not None and upper == lower:  # equal positions: place after those equal to lower
            index = next((i for i, card in enumerate(cards) if card.board_position > lower), len(cards))
    for offset, card in enumerate(cards):
        card.board_position = (offset + (offset >= index) + 1) * CARD_STEP
    bulk_update(Task, cards, ["board_position"], batch_size=1000)
    return (index + 1) * CARD_STEP


@transaction.atomic
def task_move_card(
    *,
    actor,
    task: Task,
    board_status: str,
    before_id: int | None = None,
    after_id: int | None = None,
    position: int | None = None,
    expected_version: int | None = None,
) -> Task:
    """Move a card to `board_status`, just before the card `before_id`, just after `after_id`, at the
    0-based `position`, or (none given) at the bottom of the column.

    Schedule editors move every card; a contributor moves the cards assigned to them
    (DomainPermissionError otherwise). StaleVersionError when `expected_version` is not the stored one.
    The write is the schedule's `task_set_progress` (same transaction): "done" ⇔ 100 %, audited with
    the project as parent, progress rolled up by the re-schedule. Only the moved card's version is
    bumped; neighbours renumbered to make room keep theirs.
    """
    from portfolio.scheduling.services import task_set_progress

    # The project's lock first, then the task's: the order every schedule service takes.
    lock_for_update(Project, task.project_id)
    task = lock_for_update(Task, task.pk, queryset=Task.objects.select_related("project"))
    if not can_update_progress(actor, task):
        raise DomainPermissionError(_("You may move only the cards of tasks assigned to you."))
    check_version(task, expected_version)
    if board_status not in BoardStatus.values:
        raise DomainValidationError(field_errors={"board_status": [_("Choose a column of the board.")]})
    if task.is_summary:
        raise DomainValidationError(_("A summary task is not a card: move its tasks instead."))
    if position is not None and not 0 <= position <= POSITION_MAX:
        raise DomainValidationError(field_errors={"position": [_("Give a position of 0 or more.")]})
    column = _column(task, board_status)
    lower, upper, _index = _neighbours(column, before_id=before_id, after_id=after_id, position=position)
    low = -1 if lower is None else lower
    high = low + 2 * CARD_STEP if upper is None else upper
    if high - low >= 2 and high <= POSITION_MAX:
        new_position = (low + high) // 2 if upper is not None else low + CARD_STEP
    else:
        new_position = _renumber(task, column, lower, upper)
    if new_position == task.board_position and board_status == task.board_status:
        return task
    return task_set_progress(
        actor=actor,
        task=task,
        board_status=board_status if board_status != task.board_status else None,
        board_position=new_position,
        expected_version=task.version,
    )


@transaction.atomic
def board_limits_set(*, actor, project, limits: dict[str, int | None]) -> list[BoardColumnLimit]:
    """Set the work-in-progress limits of a project's board columns (None or 0: no limit).

    Whoever edits the project's schedule (DomainPermissionError otherwise); every created, changed or
    removed limit is audited with the project as parent. Returns the limits now set."""
    project = lock_for_update(Project, project.pk)
    if not can_edit_schedule(actor, project):
        raise DomainPermissionError(_("Only whoever edits this project's schedule sets its board's limits."))
    unknown = set(limits) - set(BoardStatus.values)
    if unknown:
        raise DomainValidationError(
            _("Unknown columns: %(columns)s") % {"columns": ", ".join(sorted(unknown))}
        )
    existing = {limit.board_status: limit for limit in BoardColumnLimit.objects.filter(project=project)}
    for status, value in limits.items():
        current = existing.get(status)
        if not value:
            if current is not None:
                audit_record(
                    instance=current,
                    action=AuditEntry.Action.DELETE,
                    actor=actor,
                    changes={
                        "wip_limit": {
                            "label": str(_("work-in-progress limit")),
                            "old": str(current.wip_limit),
                            "new": "",
                        }
                    },
                )
                current.delete()
            continue
        limit = current or BoardColumnLimit(project=project, board_status=status)
        with audited(limit, actor, ("board_status", "wip_limit")) as audit:
            limit.wip_limit = value
            try:
                limit.full_clean()
            except ValidationError as error:
                raise DomainValidationError(
                    field_errors={status: [m for messages in error.message_dict.values() for m in messages]}
                ) from error
            if audit.changed():
                limit.save()
    return list(BoardColumnLimit.objects.filter(project=project))


# ------------------------------------------------------------------------------------------ reads

CARD_VALUES = (
    "id",
    "wbs",
    "name",
    "finish",
    "deadline",
    "percent_complete",
    "milestone",
    "critical",
    "version",
    "board_status",
    "board_position",
    "assignee_id",
    "assignee_name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


def _cards(project_id: int) -> QuerySet[Task]:
    return Task.objects.filter(project_id=project_id, is_summary=False).order_by("board_position", "pk")


# The first cards of every column of a project's board, each with the number of cards of its column
# (a window count over the whole column, taken before the page is cut: no separate GROUP BY). Written
# in SQL: the ORM's filter on a window function (its QUALIFY emulation, two nested selects) costs more
# Python to compile than the rest of the board's reads together (~2 ms for a 0.5 ms statement); the
# same statement, with the same columns as `_cards(...).values(*CARD_VALUES)`, in the same order.
_FIRST_CARDS_SQL = """
SELECT {columns}, "column_count" FROM (
    SELECT {task_columns}, "person"."first_name" AS "assignee__first_name",
        "person"."last_name" AS "assignee__last_name", "person"."username" AS "assignee__username",
        ROW_NUMBER() OVER (PARTITION BY "task"."board_status" ORDER BY "task"."board_position", "task"."id")
            AS "card_rank",
        COUNT(*) OVER (PARTITION BY "task"."board_status") AS "column_count"
    FROM {task_table} "task" LEFT OUTER JOIN {user_table} "person" ON "person"."id" = "task"."assignee_id"
    WHERE "task"."project_id" = %s AND NOT "task"."is_summary"
) "cards"
WHERE "card_rank" <= %s
ORDER BY "board_position", "id"
"""


def _first_cards(project_id: int) -> list[dict]:
    """The first BOARD_PAGE + 1 cards of each column (by position), as `CARD_VALUES` dicts with their
    column's `column_count`. One query."""
    quote = connection.ops.quote_name
    own = [name for name in CARD_VALUES if "__" not in name]
    sql = _FIRST_CARDS_SQL.format(
        columns=", ".join(quote(name) for name in CARD_VALUES),
        task_columns=", ".join(f'"task".{quote(name)}' for name in own),
        task_table=quote(Task._meta.db_table),
        user_table=quote(User._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [project_id, BOARD_PAGE + 1])
        names = [*CARD_VALUES, "column_count"]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _assignee_lane(card: dict) -> tuple[str, str]:
    if card["assignee_id"]:
        full = f"{card['assignee__first_name']} {card['assignee__last_name']}".strip()
        return f"u{card['assignee_id']}", full or card["assignee__username"]
    if card["assignee_name"]:
        # "n:" so that no name makes the key of the unassigned lane ("none" from a person named "one").
        return f"n:{card['assignee_name']}", card["assignee_name"]
    return NO_LANE, _("Unassigned")


def _phase_key(card: dict) -> str:
    root, dot, _rest = (card["wbs"] or "").partition(".")
    return root if dot and root else NO_LANE


def lane_filter(swimlanes: str, key: str) -> Q:
    """The cards of one swimlane (for loading more of a column)."""
    if swimlanes == "assignee":
        if key.startswith("u") and key[1:].isdigit():
            return Q(assignee_id=int(key[1:]))
        if key.startswith("n:") and len(key) > 2:
            return Q(assignee__isnull=True, assignee_name=key[2:])
        return Q(assignee__isnull=True, assignee_name="")
    if swimlanes == "phase":
        if key.isdigit():
            return Q(wbs__startswith=f"{key}.")
        return Q(parent__isnull=True)
    return Q()


@dataclass
class BoardViewer:
    """What the reader may do on one project's board (pure rules, decided once per page)."""

    user: Any
    project: Any
    editor: bool

    def can_move(self, card: dict) -> bool:
        if self.editor:
            return True
        probe = SimpleNamespace(project=self.project, assignee_id=card["assignee_id"])
        return can_update_progress(self.user, probe)


def board_viewer(*, user, project) -> BoardViewer:
    return BoardViewer(user=user, project=project, editor=can_edit_schedule(user, project))


_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y"}


def short_date_formatter():
    """A function formatting a date like the active language's SHORT_DATE_FORMAT: strftime when the
    format has only day, month and year numbers (en, fr), Django's formatter otherwise."""
    pattern = formats.get_format("SHORT_DATE_FORMAT")
    if all(char in _STRFTIME or not char.isalpha() for char in pattern):
        strftime = "".join(_STRFTIME.get(char, char.replace("%", "%%")) for char in pattern)
        return lambda value: value.strftime(strftime)
    return lambda value: formats.date_format(value, "SHORT_DATE_FORMAT")


def _decorate(cards: list[dict], viewer: BoardViewer) -> list[dict]:
    """Each card's due date text, lane key and assignee's name, and whether the viewer may move it: the
    last two worked out once per assignee (a card's move right depends on its assignee only)."""
    short_date = short_date_formatter()
    lanes: dict[tuple, tuple[str, str]] = {}
    movable: dict[Any, bool] = {}
    for card in cards:
        card["due"] = short_date(card["finish"]) if card["finish"] else ""
        person = (card["assignee_id"], card["assignee_name"])
        lane = lanes.get(person)
        if lane is None:
            lane = lanes[person] = _assignee_lane(card)
        card["assignee_key"] = lane[0]
        card["assignee_label"] = "" if lane[0] == NO_LANE else lane[1]
        assignee_id = card["assignee_id"]
        if assignee_id not in movable:
            movable[assignee_id] = viewer.can_move(card)
        card["movable"] = movable[assignee_id]
    return cards


def task_board(*, project, user, swimlanes: str = "") -> dict:
    """Columns (label, card count, WIP limit, first BOARD_PAGE cards) and, with `swimlanes` "assignee"
    or "phase", the same cards grouped in lanes. Two queries of its own (three with phases) and those of
    the project's payload extensions, whatever the number of cards."""
    swimlanes = swimlanes if swimlanes in SWIMLANES else ""
    viewer = board_viewer(user=user, project=project)
    limits = dict(
        BoardColumnLimit.objects.filter(project=project)
        .order_by()  # not the model's ordering, which joins the project to sort by its code
        .values_list("board_status", "wip_limit")
    )
    # The first BOARD_PAGE cards of every column, in one query (lanes group these; each lane loads
    # the rest of its cells on demand), each with the number of cards of its column.
    all_cards = _decorate(_first_cards(project.pk), viewer)
    counts = {card["board_status"]: card["column_count"] for card in all_cards}
    columns = []
    for status, label in BoardStatus.choices:
        count = counts.get(status, 0)
        limit = limits.get(status)
        column_cards = [card for card in all_cards if card["board_status"] == status]
        columns.append(
            {
                "status": status,
                "label": label,
                "count": count,
                "limit": limit,
                "over": limit is not None and count > limit,
                "cards": column_cards[:BOARD_PAGE],
                "more": len(column_cards) > BOARD_PAGE,
            }
        )
    lanes = _lanes(project, swimlanes, columns) if swimlanes else None
    return {
        "columns": columns,
        "lanes": lanes,
        "swimlanes": swimlanes,
        "editor": viewer.editor,
        "total": sum(counts.values()),
        # What other apps add about the project (ppm.slots.payload_extensions: the latest weather…).
        "project_extensions": payload_extensions([project.pk]).get(project.pk, {}),
    }


def _lanes(project, swimlanes: str, columns: list[dict]) -> list[dict]:
    labels: dict[str, str] = {}
    if swimlanes == "phase":
        for wbs, name in Task.objects.filter(
            project=project, parent__isnull=True, is_summary=True
        ).values_list("wbs", "name"):
            labels[wbs] = f"{wbs} {name}"
    grouped: dict[str, dict[str, list[dict]]] = {}
    for column in columns:
        for card in column["cards"]:
            if swimlanes == "assignee":
                key, label = card["assignee_key"], _assignee_lane(card)[1]
            else:
                key = _phase_key(card)
                label = labels.get(key, key) if key != NO_LANE else _("Outside any phase")
            labels.setdefault(key, label)
            grouped.setdefault(key, {}).setdefault(column["status"], []).append(card)

    def order(key: str):
        if key == NO_LANE:
            return (1, 0, "")
        if swimlanes == "phase":
            return (0, int(key) if key.isdigit() else 0, key)
        return (0, 0, labels[key].casefold())

    lanes = []
    for key in sorted(grouped, key=order):
        cells = []
        for column in columns:
            cell_cards = grouped[key].get(column["status"], [])
            cells.append(
                {
                    "status": column["status"],
                    "label": column["label"],
                    "cards": cell_cards,
                    "more": column["more"],
                }
            )
        lanes.append({"key": key, "label": labels[key], "cells": cells})
    return lanes


def board_cards_after(
    *, project, user, board_status: str, after_id: int | None, swimlanes: str = "", lane: str = ""
) -> tuple[list[dict], bool]:
    """The next BOARD_PAGE cards of a column (of one lane), after the card `after_id`; and whether
    more follow. Two queries."""
    viewer = board_viewer(user=user, project=project)
    cards = _cards(project.pk).filter(board_status=board_status)
    if swimlanes in ("assignee", "phase"):
        cards = cards.filter(lane_filter(swimlanes, lane))
    if after_id is not None:
        anchor = cards.filter(pk=after_id).values_list("board_position", "pk").first()
        if anchor is not None:
            cards = cards.filter(
                Q(board_position__gt=anchor[0]) | Q(board_position=anchor[0], pk__gt=anchor[1])
            )
    rows = _decorate(list(cards.values(*CARD_VALUES)[: BOARD_PAGE + 1]), viewer)
    return rows[:BOARD_PAGE], len(rows) > BOARD_PAGE


# ------------------------------------------------------------------------------- portfolio board

PORTFOLIO_CARD_VALUES = (
    "id",
    "code",
    "name",
    "status",
    "priority",
    "slippage_days",
    "version",
    "manager_id",
    "manager__first_name",
    "manager__last_name",
    "manager__username",
    "planned_start",
    "planned_end",
    "status_before_hold",
    "status_before_end",
)


def _project_cards(rows: list[dict], user) -> list[dict]:
    """Decorate card rows: what other apps add (ppm.slots.payload_extensions: the latest weather…, one
    query), whether the user may move the card, the moves (target:action) it allows, the manager's name."""
    from portfolio.permissions import can_transition_project

    extensions = payload_extensions([row["id"] for row in rows])
    # A card's moves depend on its status and the statuses it would return to, never on its dates
    # (those only make a guard refuse a move, and the board shows the refusal when the move is tried):
    # worked out once per such state, not once per card.
    moves_by_state: dict[tuple, str] = {}
    # Whether the user may move a card depends on their role and on who manages the project (the
    # rule's ownership test reads `manager_id` only): asked once per manager, not once per card.
    movable_by_manager: dict[int | None, bool] = {}
    for row in rows:
        row["extensions"] = extensions.get(row["id"], {})
        manager_id = row["manager_id"]
        if manager_id not in movable_by_manager:
            project = SimpleNamespace(pk=row["id"], manager_id=manager_id)
            movable_by_manager[manager_id] = can_transition_project(user, project)
        row["movable"] = movable_by_manager[manager_id]
        row["moves"] = ""
        if row["movable"]:
            state = (row["status"], row["status_before_hold"] or None, row["status_before_end"] or None)
            if state not in moves_by_state:
                facts = ProjectFacts(
                    status=row["status"],
                    has_manager=manager_id is not None,
                    planned_start=row["planned_start"],
                    planned_end=row["planned_end"],
                    status_before_hold=state[1],
                    status_before_end=state[2],
                )
                moves = available_transitions(facts, actor=user)
                moves_by_state[state] = ",".join(f"{move.target}:{move.name}" for move in moves)
            row["moves"] = moves_by_state[state]
        row["manager_label"] = (
            f"{row['manager__first_name']} {row['manager__last_name']}".strip() or row["manager__username"]
            if manager_id
            else ""
        )
    return rows


def portfolio_board(*, projects: QuerySet, user) -> list[dict]:
    """Lifecycle columns of the (filtered) projects: the first PORTFOLIO_PAGE cards of each (by
    priority, then code), with the moves the user may make from each card's status (target status →
    action), and how many cards remain (`portfolio_cards_after` loads them). Three queries."""
    counts = dict(projects.order_by().values_list("status").annotate(n=Count("id", distinct=True)))
    rows = list(
        projects.order_by()
        .annotate(rank=Window(RowNumber(), partition_by=[F("status")], order_by=[F("priority"), F("code")]))
        .filter(rank__lte=PORTFOLIO_PAGE)
        .values(*PORTFOLIO_CARD_VALUES)
        .order_by("priority", "code")
    )
    columns: dict[str, list[dict]] = {status: [] for status in ProjectStatus.values}
    for row in _project_cards(rows, user):
        columns[row["status"]].append(row)
    return [
        {
            "status": status,
            "label": label,
            "count": counts.get(status, 0),
            "cards": columns[status],
            "more": counts.get(status, 0) > len(columns[status]),
            "next": len(columns[status]),
            "left": max(counts.get(status, 0) - len(columns[status]), 0),
        }
        for status, label in ProjectStatus.choices
    ]


def portfolio_cards_after(*, projects: QuerySet, user, status: str, offset: int) -> tuple[list[dict], bool]:
    """The next PORTFOLIO_PAGE cards of one column after its first `offset` (same order as the board),
    and whether more follow. Two queries."""
    rows = list(
        projects.filter(status=status)
        .order_by("priority", "code", "pk")
        .values(*PORTFOLIO_CARD_VALUES)[offset : offset + PORTFOLIO_PAGE + 1]
    )
    more = len(rows) > PORTFOLIO_PAGE
    return _project_cards(rows[:PORTFOLIO_PAGE], user), more
