"""The critical-path scheduler: tasks, links, a working calendar and a project start in; dates out.

Pure: plain dataclasses in and out, no ORM; `schedule()` runs in O(tasks + links) (a topological
order by Kahn's algorithm, a forward pass, a backward pass).

Model
-----
Time is counted in working days from the project start. A task of duration D starting on working day
s occupies days s .. s+D-1; it starts at the *beginning* of day s and finishes at the *end* of day
s+D-1, which is the same working instant as the beginning of day s+D. Like MS Project, a milestone
keeps which of the two it is: a milestone that follows a task finishing on Friday is on Friday (the
end of Friday), one at the project start or after a start-to-start link is on the day it starts. An
instant is encoded as an integer T: 2k for the beginning of working day k, 2k+1 for the end of day k;
comparisons on T order the end of Friday before the beginning of Monday (as 17:00 before 08:00), and
`(T + 1) // 2` is the working-day count at T.

Links: finish-to-start (FS), start-to-start (SS), finish-to-finish (FF), start-to-finish (SF), with a
lag in working days (negative = lead). Each link requires `successor side >= predecessor side + lag`.

Automatic tasks start as early as their links, their summary tasks' incoming links, their constraint
and the project start allow (a task never starts before the project start unless it is pinned or must
start on a date). Manual tasks keep their pinned dates; a link or constraint they break is reported.

Constraints (`ConstraintType`): start/finish no earlier than (pushes the early dates), start/finish no
later than (bounds the late dates, reported when missed), must start/finish on (fixes the date). A
deadline bounds the late finish like "finish no later than" and is reported when missed. Negative
float only arises from these bounds or from a pinned task that breaks a link, and then a `Violation`
names the task.

Summary tasks (any task with children) roll up: start = earliest start of their children, finish =
latest finish, progress weighted by the children's durations, total float = the least of their
children's, critical when one of their children is. They cannot be pinned and their own duration is
ignored. Links onto a summary task are honoured when they bear on its start: an FS or SS link into a
summary task holds back every task inside it. An FF or SF link into a summary task is refused (its
finish is its children's; the scheduler cannot move it), as MS Project does. Links out of a summary
task use its rolled-up dates; in the backward pass an FS/FF link out of it bounds the finish of every
task inside it, and an SS/SF link bounds the start of the tasks that start with it. A link between a
summary task and a task inside it is refused.

Errors (`SchedulingError`, with a message naming the tasks and a stable `code`): duplicate task id,
unknown parent, a parent loop, unknown task in a link, self-link, duplicate link, link between a
summary and its own sub-task, FF/SF onto a summary, a dependency cycle (its tasks named in order),
negative duration, pinned dates on a summary, a constraint without its date.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeAlias

from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from portfolio.scheduling.calendar import WorkingCalendar

TaskId: TypeAlias = int | str

_NEVER = -(1 << 60)  # an instant before any other
_UNBOUNDED = 1 << 60  # a bound after any other


class LinkType(StrEnum):
    FINISH_TO_START = "FS"
    START_TO_START = "SS"
    FINISH_TO_FINISH = "FF"
    START_TO_FINISH = "SF"


class ConstraintType(StrEnum):
    START_NO_EARLIER_THAN = "snet"
    START_NO_LATER_THAN = "snlt"
    FINISH_NO_EARLIER_THAN = "fnet"
    FINISH_NO_LATER_THAN = "fnlt"
    MUST_START_ON = "mso"
    MUST_FINISH_ON = "mfo"


# The constraints a summary task may carry: the others would fix dates it does not own.
SUMMARY_CONSTRAINTS = frozenset({ConstraintType.START_NO_EARLIER_THAN, ConstraintType.FINISH_NO_LATER_THAN})


class ViolationKind(StrEnum):
    CONSTRAINT = "constraint"
    DEADLINE = "deadline"
    LINK = "link"


@dataclass(frozen=True, slots=True)
class Task:
    """One task as the scheduler sees it.

    `duration` is in working days; a milestone (flag set, or duration 0) has none. `manual_start`
    pins the task (manual scheduling) and `manual_finish`, when given too, sets its duration.
    `percent_complete` is 0-100.
    """

    id: TaskId
    name: str
    duration: int = 0
    milestone: bool = False
    parent_id: TaskId | None = None
    manual_start: date | None = None
    manual_finish: date | None = None
    constraint: ConstraintType | None = None
    constraint_date: date | None = None
    deadline: date | None = None
    percent_complete: float = 0.0


@dataclass(frozen=True, slots=True)
class Link:
    """A dependency: `successor` side >= `predecessor` side + `lag` working days (lead when < 0)."""

    predecessor_id: TaskId
    successor_id: TaskId
    type: LinkType = LinkType.FINISH_TO_START
    lag: int = 0


@dataclass(frozen=True, slots=True)
class ScheduledTask:
    """A task's computed schedule. Floats are in working days; free float is how far the task can
    slip without delaying any successor (nor the project finish), total float how far without
    delaying the project finish or breaking a constraint or deadline."""

    id: TaskId
    name: str
    summary: bool
    milestone: bool
    duration: int
    early_start: date
    early_finish: date
    late_start: date
    late_finish: date
    total_float: int
    free_float: int
    critical: bool
    percent_complete: float
    # A milestone placed right after a finish sits at the end of its day (draw it at the day's end);
    # one placed at a start sits at the beginning of its day. Always False for other tasks.
    end_of_day: bool = False


@dataclass(frozen=True, slots=True)
class Violation:
    """A constraint, deadline or link the schedule cannot honour, `days` working days off.

    `variant` ("constraint", "deadline", "link", "summary") and `params` (plain values: names, ISO dates,
    codes) describe it; `message` renders it in the active language (`violation_message`), so a stored
    violation (`as_data`) reads in each reader's language."""

    kind: ViolationKind
    task_id: TaskId
    task_name: str
    variant: str
    params: dict
    days: int
    other_task_id: TaskId | None = None

    @property
    def message(self) -> str:
        return violation_message(self.variant, self.params)

    def as_data(self) -> dict:
        return {
            "kind": self.kind.value,
            "variant": self.variant,
            "days": self.days,
            "other_task_id": self.other_task_id,
            "params": self.params,
        }


def violation_message(variant: str, params: Mapping[str, Any]) -> str:
    """The sentence describing a violation, in the active language."""

    def day(name: str) -> str:
        return date_format(date.fromisoformat(params[name]), "SHORT_DATE_FORMAT")

    if variant == "constraint":
        return _(
            "%(task)s misses its constraint “%(constraint)s %(date)s” by %(days)s "
            "(start %(start)s, finish %(finish)s)."
        ) % {
            "task": _quote(params["task"]),
            "constraint": constraint_label(ConstraintType(params["constraint"])),
            "date": day("date"),
            "days": _days(params["days"]),
            "start": day("start"),
            "finish": day("finish"),
        }
    if variant == "deadline":
        return _("%(task)s finishes on %(finish)s, %(days)s after its deadline %(date)s.") % {
            "task": _quote(params["task"]),
            "finish": day("finish"),
            "days": _days(params["days"]),
            "date": day("date"),
        }
    if variant == "link":
        return _("%(successor)s is fixed %(days)s too early for its %(type)s link from %(predecessor)s.") % {
            "successor": _quote(params["task"]),
            "days": _days(params["days"]),
            "type": params["type"],
            "predecessor": _quote(params["other"]),
        }
    return _("%(task)s is fixed %(days)s before the summary task %(summary)s may start.") % {
        "task": _quote(params["task"]),
        "days": _days(params["days"]),
        "summary": _quote(params["other"]),
    }


@dataclass(frozen=True, slots=True)
class Schedule:
    """The result: every task (input order), the forecast start and finish (None without tasks),
    the violations, and the critical tasks (not summaries) in order of early start."""

    tasks: dict[TaskId, ScheduledTask]
    start: date | None
    finish: date | None
    violations: tuple[Violation, ...]
    critical_path: tuple[TaskId, ...]


class SchedulingError(ValueError):
    """A schedule that cannot be computed; `message` names the tasks, `code` is stable."""

    def __init__(self, message: str, *, code: str, task_ids: Sequence[TaskId] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.task_ids = tuple(task_ids)


def _quote(name: str) -> str:
    # French quotes take narrow no-break spaces inside.
    return f"«\u202f{name}\u202f»" if (get_language() or "").startswith("fr") else f"“{name}”"


def _names(tasks: Sequence[Task], indices: Sequence[int]) -> str:
    return ", ".join(_quote(tasks[i].name) for i in indices)


# -- validation -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Graph:
    parent: list[int]
    children: list[list[int]]
    preorder: list[int]
    enter: list[int]
    leave: list[int]
    incoming: list[list[tuple[int, LinkType, int]]]
    outgoing: list[list[tuple[int, LinkType, int]]]


def _validate_tasks(tasks: Sequence[Task], position: dict[TaskId, int]) -> None:
    for task in tasks:
        if task.duration < 0:
            raise SchedulingError(
                _("The duration of %(task)s cannot be negative.") % {"task": _quote(task.name)},
                code="negative_duration",
                task_ids=[task.id],
            )
        if task.manual_finish is not None and task.manual_start is None:
            raise SchedulingError(
                _("%(task)s has a pinned finish without a pinned start.") % {"task": _quote(task.name)},
                code="manual_finish_without_start",
                task_ids=[task.id],
            )
        if task.manual_start and task.manual_finish and task.manual_finish < task.manual_start:
            raise SchedulingError(
                _("%(task)s finishes before it starts.") % {"task": _quote(task.name)},
                code="finish_before_start",
                task_ids=[task.id],
            )
        if task.constraint is not None and task.constraint_date is None:
            raise SchedulingError(
                _("The constraint of %(task)s needs a date.") % {"task": _quote(task.name)},
                code="constraint_without_date",
                task_ids=[task.id],
            )
        if not 0 <= task.percent_complete <= 100:
            raise SchedulingError(
                _("The progress of %(task)s must be between 0 and 100%%.") % {"task": _quote(task.name)},
                code="percent_complete",
                task_ids=[task.id],
            )
        if task.parent_id is not None and task.parent_id not in position:
            raise SchedulingError(
                _("The parent of %(task)s is not a task of this schedule.") % {"task": _quote(task.name)},
                code="unknown_parent",
                task_ids=[task.id],
            )


def _build_tree(tasks: Sequence[Task], position: dict[TaskId, int]) -> tuple[list[int], list[list[int]]]:
    n = len(tasks)
    parent = [-1] * n
    children: list[list[int]] = [[] for _i in range(n)]
    for i, task in enumerate(tasks):
        if task.parent_id is not None:
            p = position[task.parent_id]
            parent[i] = p
            children[p].append(i)
    return parent, children


def _euler_tour(
    tasks: Sequence[Task], parent: list[int], children: list[list[int]]
) -> tuple[list[int], list[int], list[int]]:
    n = len(tasks)
    enter = [-1] * n
    leave = [-1] * n
    preorder: list[int] = []
    clock = 0
    for root in range(n):
        if parent[root] != -1:
            continue
        stack = [(root, 0)]
        enter[root] = clock
        clock += 1
        preorder.append(root)
        while stack:
            node, k = stack[-1]
            if k < len(children[node]):
                stack[-1] = (node, k + 1)
                child = children[node][k]
                enter[child] = clock
                clock += 1
                preorder.append(child)
                stack.append((child, 0))
            else:
                stack.pop()
                leave[node] = clock
                clock += 1
    if len(preorder) < n:
        # Tasks never reached from a root hang under a loop of parents: name the loop.
        start = next(i for i in range(n) if enter[i] == -1)
        seen: dict[int, int] = {}
        node = start
        while node not in seen:
            seen[node] = len(seen)
            node = parent[node]
        loop = [i for i, _k in sorted(seen.items(), key=lambda item: item[1]) if seen[i] >= seen[node]]
        raise SchedulingError(
            _("These tasks are each other's parent: %(tasks)s.") % {"tasks": _names(tasks, loop)},
            code="parent_cycle",
            task_ids=[tasks[i].id for i in loop],
        )
    return preorder, enter, leave


def _validate_links(
    tasks: Sequence[Task],
    links: Sequence[Link],
    position: dict[TaskId, int],
    children: list[list[int]],
    enter: list[int],
    leave: list[int],
) -> tuple[list[list[tuple[int, LinkType, int]]], list[list[tuple[int, LinkType, int]]]]:
    n = len(tasks)
    incoming: list[list[tuple[int, LinkType, int]]] = [[] for _i in range(n)]
    outgoing: list[list[tuple[int, LinkType, int]]] = [[] for _i in range(n)]
    pairs: set[tuple[int, int]] = set()
    for link in links:
        a = position.get(link.predecessor_id)
        b = position.get(link.successor_id)
        if a is None or b is None:
            known = link.successor_id if a is None else link.predecessor_id
            unknown = link.predecessor_id if a is None else link.successor_id
            k = position.get(known)
            raise SchedulingError(
                _("A link from or to %(task)s names a task that is not in this schedule (%(id)s).")
                % {"task": _quote(tasks[k].name) if k is not None else "?", "id": unknown},
                code="unknown_task",
                task_ids=[known],
            )
        if a == b:
            raise SchedulingError(
                _("%(task)s cannot depend on itself.") % {"task": _quote(tasks[a].name)},
                code="self_link",
                task_ids=[tasks[a].id],
            )
        if (a, b) in pairs:
            raise SchedulingError(
                _("%(predecessor)s and %(successor)s are linked twice.")
                % {"predecessor": _quote(tasks[a].name), "successor": _quote(tasks[b].name)},
                code="duplicate_link",
                task_ids=[tasks[a].id, tasks[b].id],
            )
        pairs.add((a, b))
        if enter[a] < enter[b] < leave[a] or enter[b] < enter[a] < leave[b]:
            outer, inner = (a, b) if enter[a] < enter[b] else (b, a)
            raise SchedulingError(
                _("%(summary)s cannot be linked to %(task)s, which it contains.")
                % {"summary": _quote(tasks[outer].name), "task": _quote(tasks[inner].name)},
                code="summary_link_to_child",
                task_ids=[tasks[a].id, tasks[b].id],
            )
        link_type = LinkType(link.type)
        if children[b] and link_type in (LinkType.FINISH_TO_FINISH, LinkType.START_TO_FINISH):
            raise SchedulingError(
                _(
                    "%(predecessor)s cannot be linked %(type)s to the summary task %(summary)s: its finish "
                    "is its sub-tasks'. Link one of its sub-tasks instead."
                )
                % {
                    "predecessor": _quote(tasks[a].name),
                    "type": link_type.value,
                    "summary": _quote(tasks[b].name),
                },
                code="summary_link",
                task_ids=[tasks[a].id, tasks[b].id],
            )
        incoming[b].append((a, link_type, link.lag))
        outgoing[a].append((b, link_type, link.lag))
    return incoming, outgoing


def _topological_order(tasks: Sequence[Task], graph: _Graph) -> list[int]:
    """Nodes 0..n-1 are tasks (a summary's node is its roll-up), n+i is summary i's start gate."""
    n = len(tasks)
    children = graph.children
    successors: list[list[int]] = [[] for _i in range(2 * n)]
    indegree = [0] * (2 * n)

    def entry(i: int) -> int:
        return n + i if children[i] else i

    for i in range(n):
        if children[i]:
            for c in children[i]:
                successors[n + i].append(entry(c))
                successors[c].append(i)
                indegree[entry(c)] += 1
                indegree[i] += 1
        for b, _type, _lag in graph.outgoing[i]:
            successors[i].append(entry(b))
            indegree[entry(b)] += 1
    nodes = [v for i in range(n) for v in ((i, n + i) if children[i] else (i,))]
    queue = deque(v for v in nodes if indegree[v] == 0)
    order: list[int] = []
    while queue:
        v = queue.popleft()
        order.append(v)
        for w in successors[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                queue.append(w)
    if len(order) < len(nodes):
        raise _cycle_error(tasks, successors, indegree, nodes, n)
    return order


def _cycle_error(
    tasks: Sequence[Task], successors: list[list[int]], indegree: list[int], nodes: list[int], n: int
) -> SchedulingError:
    # Every node left has a predecessor left: walk predecessors until one repeats.
    left = {v for v in nodes if indegree[v] > 0}
    predecessor: dict[int, int] = {}
    for v in left:
        for w in successors[v]:
            if w in left:
                predecessor.setdefault(w, v)
    seen: dict[int, int] = {}
    v = next(iter(sorted(left)))
    while v not in seen:
        seen[v] = len(seen)
        v = predecessor[v]
    walk = [u for u, k in sorted(seen.items(), key=lambda item: item[1]) if k >= seen[v]]
    walk.reverse()  # walked backwards: put it in link order
    cycle: list[int] = []
    for u in walk:
        i = u - n if u >= n else u
        if not cycle or cycle[-1] != i:
            cycle.append(i)
    if len(cycle) > 1 and cycle[0] == cycle[-1]:
        cycle.pop()
    # Start the cycle at its first task in input order, for a stable message.
    first = cycle.index(min(cycle))
    cycle = cycle[first:] + cycle[:first]
    chain = " → ".join(_quote(tasks[i].name) for i in [*cycle, cycle[0]])
    return SchedulingError(
        _("These tasks depend on each other in a loop: %(chain)s.") % {"chain": chain},
        code="cycle",
        task_ids=[tasks[i].id for i in cycle],
    )


# -- scheduling -------------------------------------------------------------------------------------


def _point(instant: int) -> int:
    return (instant + 1) >> 1


def schedule(
    tasks: Sequence[Task], links: Sequence[Link], *, calendar: WorkingCalendar, project_start: date
) -> Schedule:
    """Schedule `tasks` linked by `links` from `project_start` on `calendar`.

    Guarantees: every link into an automatic task is honoured by the early dates; total float is
    >= 0 unless a `Violation` is reported; critical tasks are those with total float <= 0; the
    forecast finish is the latest early finish. Raises `SchedulingError` (see the module docstring).
    """
    n = len(tasks)
    position: dict[TaskId, int] = {}
    for i, task in enumerate(tasks):
        if task.id in position:
            raise SchedulingError(
                _("Two tasks share the id %(id)s: %(tasks)s.")
                % {"id": task.id, "tasks": _names(tasks, [position[task.id], i])},
                code="duplicate_task",
                task_ids=[task.id],
            )
        position[task.id] = i
    _validate_tasks(tasks, position)
    parent, children = _build_tree(tasks, position)
    preorder, enter, leave = _euler_tour(tasks, parent, children)
    for i in range(n):
        task = tasks[i]
        if children[i] and task.manual_start is not None:
            raise SchedulingError(
                _("The summary task %(task)s takes its dates from its sub-tasks and cannot be pinned.")
                % {"task": _quote(task.name)},
                code="summary_dates",
                task_ids=[task.id],
            )
        if children[i] and task.constraint is not None and task.constraint not in SUMMARY_CONSTRAINTS:
            raise SchedulingError(
                _(
                    "The summary task %(task)s can only have a “start no earlier than” or "
                    "“finish no later than” constraint."
                )
                % {"task": _quote(task.name)},
                code="summary_constraint",
                task_ids=[task.id],
            )
    incoming, outgoing = _validate_links(tasks, links, position, children, enter, leave)
    graph = _Graph(parent, children, preorder, enter, leave, incoming, outgoing)
    order = _topological_order(tasks, graph)
    if n == 0:
        return Schedule(tasks={}, start=None, finish=None, violations=(), critical_path=())

    # Dates to instants, relative to the project start's working day.
    origin = calendar.index(project_start)
    one_day = timedelta(days=1)

    def start_instant(day: date) -> int:
        return 2 * (calendar.index(day) - origin)

    def finish_instant(day: date) -> int:
        return 2 * (calendar.index(day + one_day) - origin) - 1

    is_summary = [bool(c) for c in children]
    milestone = [False] * n
    duration = [0] * n
    pinned = [False] * n  # manual, or fixed by a "must start/finish on"
    for i, task in enumerate(tasks):
        if is_summary[i]:
            continue
        if task.manual_start is not None and task.manual_finish is not None and not task.milestone:
            duration[i] = max(1, calendar.working_days_in(task.manual_start, task.manual_finish))
        else:
            duration[i] = 0 if task.milestone else task.duration
        milestone[i] = duration[i] == 0
        pinned[i] = task.manual_start is not None or task.constraint in (
            ConstraintType.MUST_START_ON,
            ConstraintType.MUST_FINISH_ON,
        )

    # -- forward pass: early instants ---------------------------------------------------------------
    early_start = [0] * n
    early_finish = [0] * n
    gate = [_NEVER] * n  # summary i: the earliest instant its sub-tasks may start
    for v in order:
        if v >= n:
            i = v - n
            task = tasks[i]
            g = gate[parent[i]] if parent[i] >= 0 else _NEVER
            for a, link_type, lag in incoming[i]:
                side = early_finish[a] if link_type is LinkType.FINISH_TO_START else early_start[a]
                g = max(g, side + 2 * lag)
            if task.constraint is ConstraintType.START_NO_EARLIER_THAN:
                g = max(g, start_instant(task.constraint_date))  # type: ignore[arg-type]
            gate[i] = g
            continue
        i = v
        if is_summary[i]:
            early_start[i] = min(early_start[c] for c in children[i])
            early_finish[i] = max(early_finish[c] for c in children[i])
            continue
        task = tasks[i]
        d = duration[i]
        if task.manual_start is not None:
            s = start_instant(task.manual_start)
            early_start[i] = s
            early_finish[i] = s if milestone[i] else s + 2 * d - 1
            continue
        constraint, when = task.constraint, task.constraint_date
        if constraint is ConstraintType.MUST_START_ON:
            s = start_instant(when)  # type: ignore[arg-type]
            early_start[i], early_finish[i] = s, (s if milestone[i] else s + 2 * d - 1)
            continue
        if constraint is ConstraintType.MUST_FINISH_ON:
            f = finish_instant(when)  # type: ignore[arg-type]
            if milestone[i]:
                early_start[i] = early_finish[i] = f
            else:
                early_finish[i] = f
                early_start[i] = f - 2 * d + 1
            continue
        g = gate[parent[i]] if parent[i] >= 0 else _NEVER
        if milestone[i]:
            t = max(0, g)
            for a, link_type, lag in incoming[i]:
                if link_type is LinkType.FINISH_TO_START or link_type is LinkType.FINISH_TO_FINISH:
                    t = max(t, early_finish[a] + 2 * lag)
                else:
                    t = max(t, early_start[a] + 2 * lag)
            if constraint is ConstraintType.START_NO_EARLIER_THAN:
                t = max(t, start_instant(when))  # type: ignore[arg-type]
            elif constraint is ConstraintType.FINISH_NO_EARLIER_THAN:
                t = max(t, finish_instant(when))  # type: ignore[arg-type]
            early_start[i] = early_finish[i] = t
            continue
        s = max(0, _point(g))
        for a, link_type, lag in incoming[i]:
            if link_type is LinkType.FINISH_TO_START:
                s = max(s, _point(early_finish[a]) + lag)
            elif link_type is LinkType.START_TO_START:
                s = max(s, _point(early_start[a]) + lag)
            elif link_type is LinkType.FINISH_TO_FINISH:
                s = max(s, _point(early_finish[a]) + lag - d)
            else:
                s = max(s, _point(early_start[a]) + lag - d)
        if constraint is ConstraintType.START_NO_EARLIER_THAN:
            s = max(s, _point(start_instant(when)))  # type: ignore[arg-type]
        elif constraint is ConstraintType.FINISH_NO_EARLIER_THAN:
            s = max(s, _point(finish_instant(when)) - d)  # type: ignore[arg-type]
        early_start[i] = 2 * s
        early_finish[i] = 2 * (s + d) - 1

    es = [_point(t) for t in early_start]
    ef = [_point(t) for t in early_finish]
    leaves = [i for i in range(n) if not is_summary[i]]
    project_finish = max(ef[i] for i in leaves)

    # -- backward pass: late points ------------------------------------------------------------------
    late_start = [0] * n
    late_finish = [0] * n
    finish_bound = [_UNBOUNDED] * n  # summary i: latest finish of each of its sub-tasks
    start_bound = [_UNBOUNDED] * n  # summary i: latest start of the sub-tasks that start with it
    gate_late = [_UNBOUNDED] * n  # summary i: latest start its gate allows (its sub-tasks' latest)

    def late_start_of(j: int) -> int:
        return gate_late[j] if is_summary[j] else late_start[j]

    for v in reversed(order):
        if v >= n:
            i = v - n
            gate_late[i] = min(late_start_of(c) for c in children[i])
            continue
        i = v
        task = tasks[i]
        p = parent[i]
        if is_summary[i]:
            fb = finish_bound[p] if p >= 0 else _UNBOUNDED
            sb = start_bound[p] if p >= 0 and es[i] == es[p] else _UNBOUNDED
            for j, link_type, lag in outgoing[i]:
                if link_type is LinkType.FINISH_TO_START:
                    fb = min(fb, late_start_of(j) - lag)
                elif link_type is LinkType.FINISH_TO_FINISH:
                    fb = min(fb, late_finish[j] - lag)
                elif link_type is LinkType.START_TO_START:
                    sb = min(sb, late_start_of(j) - lag)
                else:
                    sb = min(sb, late_finish[j] - lag)
            if task.deadline is not None:
                fb = min(fb, _point(finish_instant(task.deadline)))
            if task.constraint is ConstraintType.FINISH_NO_LATER_THAN:
                fb = min(fb, _point(finish_instant(task.constraint_date)))  # type: ignore[arg-type]
            finish_bound[i], start_bound[i] = fb, sb
            continue
        d = duration[i]
        lf = project_finish
        if p >= 0:
            lf = min(lf, finish_bound[p])
            if es[i] == es[p]:
                lf = min(lf, start_bound[p] + d)
        for j, link_type, lag in outgoing[i]:
            if link_type is LinkType.FINISH_TO_START:
                lf = min(lf, late_start_of(j) - lag)
            elif link_type is LinkType.START_TO_START:
                lf = min(lf, late_start_of(j) - lag + d)
            elif link_type is LinkType.FINISH_TO_FINISH:
                lf = min(lf, late_finish[j] - lag)
            else:
                lf = min(lf, late_finish[j] - lag + d)
        constraint, when = task.constraint, task.constraint_date
        if when is not None:
            if (
                constraint is ConstraintType.FINISH_NO_LATER_THAN
                or constraint is ConstraintType.MUST_FINISH_ON
            ):
                lf = min(lf, _point(finish_instant(when)))
            elif (
                constraint is ConstraintType.START_NO_LATER_THAN or constraint is ConstraintType.MUST_START_ON
            ):
                lf = min(lf, _point(start_instant(when)) + d)
        if task.deadline is not None:
            lf = min(lf, _point(finish_instant(task.deadline)))
        late_finish[i] = lf
        late_start[i] = lf - d

    total_float = [late_finish[i] - ef[i] for i in range(n)]

    # -- free float ---------------------------------------------------------------------------------
    def link_slack(a: int, b: int, link_type: LinkType, lag: int) -> int:
        if link_type is LinkType.FINISH_TO_START:
            return es[b] - ef[a] - lag
        if link_type is LinkType.START_TO_START:
            return es[b] - es[a] - lag
        if link_type is LinkType.FINISH_TO_FINISH:
            return ef[b] - ef[a] - lag
        return ef[b] - es[a] - lag

    # How far a summary's finish (start) can slip before a successor of it or of an enclosing
    # summary moves; computed top-down.
    finish_slack = [_UNBOUNDED] * n
    start_slack = [_UNBOUNDED] * n
    free_float = [0] * n
    for i in preorder:
        p = parent[i]
        fs_ = ss_ = _UNBOUNDED
        if p >= 0:
            fs_ = ef[p] - ef[i] + finish_slack[p]
            if es[i] == es[p]:
                ss_ = start_slack[p]
        ff = min(project_finish - ef[i], fs_, ss_)
        for j, link_type, lag in outgoing[i]:
            slack = link_slack(i, j, link_type, lag)
            ff = min(ff, slack)
            if link_type is LinkType.FINISH_TO_START or link_type is LinkType.FINISH_TO_FINISH:
                fs_ = min(fs_, slack)
            else:
                ss_ = min(ss_, slack)
        finish_slack[i], start_slack[i] = fs_, ss_
        # Never more than the total float (a deadline or constraint may bound both), as MS Project.
        free_float[i] = ff if is_summary[i] else min(ff, total_float[i])

    # -- summaries roll up late dates, float and progress (children before parents) ----------------
    work = [0.0] * n
    weight = [0] * n
    progress_sum = [0.0] * n
    leaf_count = [0] * n
    for i in reversed(preorder):
        if not is_summary[i]:
            work[i] = tasks[i].percent_complete * duration[i]
            weight[i] = duration[i]
            progress_sum[i] = tasks[i].percent_complete
            leaf_count[i] = 1
        else:
            kids = children[i]
            late_start[i] = min(late_start[c] for c in kids)
            late_finish[i] = max(late_finish[c] for c in kids)
            total_float[i] = min(total_float[c] for c in kids)
            # The whole summary slipping moves every task inside it: bounded by each one's free float.
            free_float[i] = min(free_float[i], total_float[i], min(free_float[c] for c in kids))
            duration[i] = ef[i] - es[i]
        p = parent[i]
        if p >= 0:
            work[p] += work[i]
            weight[p] += weight[i]
            progress_sum[p] += progress_sum[i]
            leaf_count[p] += leaf_count[i]

    # -- back to dates ------------------------------------------------------------------------------
    def to_date(instant: int) -> date:
        # 2k and 2k+1 (the beginning and the end of working day k) are both on day k.
        return calendar.date_at(origin + (instant >> 1))

    violations = _violations(
        tasks, outgoing, parent, is_summary, pinned, es, ef, gate, early_start, early_finish, calendar,
        to_date, link_slack,
    )  # fmt: skip

    result: dict[TaskId, ScheduledTask] = {}
    for i, task in enumerate(tasks):
        if is_summary[i]:
            progress = work[i] / weight[i] if weight[i] else progress_sum[i] / leaf_count[i]
            late_s = 2 * late_start[i] - (early_start[i] & 1)
            late_f = 2 * late_finish[i] - (early_finish[i] & 1)
        else:
            progress = task.percent_complete
            if milestone[i]:
                late_s = late_f = 2 * late_finish[i] - (early_finish[i] & 1)
            else:
                late_s, late_f = 2 * late_start[i], 2 * late_finish[i] - 1
        result[task.id] = ScheduledTask(
            id=task.id,
            name=task.name,
            summary=is_summary[i],
            milestone=milestone[i],
            duration=duration[i],
            early_start=to_date(early_start[i]),
            early_finish=to_date(early_finish[i]),
            late_start=to_date(late_s),
            late_finish=to_date(late_f),
            total_float=total_float[i],
            free_float=free_float[i],
            critical=total_float[i] <= 0,
            percent_complete=round(progress, 2),
            end_of_day=milestone[i] and bool(early_start[i] & 1),
        )
    critical = sorted((i for i in leaves if total_float[i] <= 0), key=lambda i: (early_start[i], i))
    return Schedule(
        tasks=result,
        start=to_date(min(early_start[i] for i in leaves)),
        finish=to_date(max(early_finish[i] for i in leaves)),
        violations=tuple(violations),
        critical_path=tuple(tasks[i].id for i in critical),
    )


_START_CONSTRAINTS = frozenset(
    {ConstraintType.START_NO_EARLIER_THAN, ConstraintType.START_NO_LATER_THAN, ConstraintType.MUST_START_ON}
)


def constraint_label(constraint: ConstraintType) -> str:
    """The constraint's name in the active language."""
    return {
        ConstraintType.START_NO_EARLIER_THAN: _("start no earlier than"),
        ConstraintType.START_NO_LATER_THAN: _("start no later than"),
        ConstraintType.FINISH_NO_EARLIER_THAN: _("finish no earlier than"),
        ConstraintType.FINISH_NO_LATER_THAN: _("finish no later than"),
        ConstraintType.MUST_START_ON: _("must start on"),
        ConstraintType.MUST_FINISH_ON: _("must finish on"),
    }[constraint]


def _days(n: int) -> str:
    return ngettext("%(days)d working day", "%(days)d working days", n) % {"days": n}


def _violations(
    tasks: Sequence[Task],
    outgoing: list[list[tuple[int, LinkType, int]]],
    parent: list[int],
    is_summary: list[bool],
    pinned: list[bool],
    es: list[int],
    ef: list[int],
    gate: list[int],
    early_start: list[int],
    early_finish: list[int],
    calendar: WorkingCalendar,
    to_date: Callable[[int], date],
    link_slack: Callable[[int, int, LinkType, int], int],
) -> list[Violation]:
    """Missed constraints and deadlines (compared as dates: a constraint or deadline on a day off
    means the next working day for a start, the previous one for a finish), and links or summary
    gates that a pinned task breaks."""
    found: list[Violation] = []
    between = calendar.working_days_between
    for i, task in enumerate(tasks):
        constraint, when = task.constraint, task.constraint_date
        if (constraint is not None and when is not None) or task.deadline is not None:
            start, finish = to_date(early_start[i]), to_date(early_finish[i])
        if constraint is not None and when is not None:
            start_day = calendar.next_working_day(when)
            finish_day = calendar.previous_working_day(when)
            missed = {
                ConstraintType.START_NO_EARLIER_THAN: start < start_day,
                ConstraintType.START_NO_LATER_THAN: start > start_day,
                ConstraintType.FINISH_NO_EARLIER_THAN: finish < finish_day,
                ConstraintType.FINISH_NO_LATER_THAN: finish > finish_day,
                ConstraintType.MUST_START_ON: start != start_day,
                ConstraintType.MUST_FINISH_ON: finish != finish_day,
            }[constraint]
            if missed:
                if constraint in _START_CONSTRAINTS:
                    days = abs(between(start_day, start))
                else:
                    days = abs(between(finish_day, finish))
                days = max(days, 1)
                found.append(
                    Violation(
                        kind=ViolationKind.CONSTRAINT,
                        task_id=task.id,
                        task_name=task.name,
                        variant="constraint",
                        params={
                            "task": task.name,
                            "constraint": constraint.value,
                            "date": when.isoformat(),
                            "days": days,
                            "start": start.isoformat(),
                            "finish": finish.isoformat(),
                        },
                        days=days,
                    )
                )
        if task.deadline is not None:
            deadline_day = calendar.previous_working_day(task.deadline)
            if finish > deadline_day:
                days = max(1, between(deadline_day, finish))
                found.append(
                    Violation(
                        kind=ViolationKind.DEADLINE,
                        task_id=task.id,
                        task_name=task.name,
                        variant="deadline",
                        params={
                            "task": task.name,
                            "finish": finish.isoformat(),
                            "days": days,
                            "date": task.deadline.isoformat(),
                        },
                        days=days,
                    )
                )
        for j, link_type, lag in outgoing[i]:
            if not pinned[j]:
                continue
            slack = link_slack(i, j, link_type, lag)
            if slack < 0:
                found.append(
                    Violation(
                        kind=ViolationKind.LINK,
                        task_id=tasks[j].id,
                        task_name=tasks[j].name,
                        variant="link",
                        params={
                            "task": tasks[j].name,
                            "days": -slack,
                            "type": link_type.value,
                            "other": task.name,
                        },
                        days=-slack,
                        other_task_id=task.id,
                    )
                )
        p = parent[i]
        if pinned[i] and not is_summary[i] and p >= 0 and es[i] < _point(gate[p]):
            # The nearest summary whose own links or constraint set the gate, for the message.
            summary = p
            while parent[summary] >= 0 and gate[parent[summary]] == gate[summary]:
                summary = parent[summary]
            days = _point(gate[p]) - es[i]
            found.append(
                Violation(
                    kind=ViolationKind.LINK,
                    task_id=task.id,
                    task_name=task.name,
                    variant="summary",
                    params={"task": task.name, "days": days, "other": tasks[summary].name},
                    days=days,
                    other_task_id=tasks[summary].id,
                )
            )
    return found


def wbs_numbers(tasks: Sequence[Task]) -> dict[TaskId, str]:
    """The WBS number of every task ("1", "1.2", "1.2.3"): siblings numbered in input order.

    Raises `SchedulingError` for an unknown parent, a parent loop or a duplicate id, like `schedule`.
    """
    position: dict[TaskId, int] = {}
    for i, task in enumerate(tasks):
        if task.id in position:
            raise SchedulingError(
                _("Two tasks share the id %(id)s: %(tasks)s.")
                % {"id": task.id, "tasks": _names(tasks, [position[task.id], i])},
                code="duplicate_task",
                task_ids=[task.id],
            )
        position[task.id] = i
    _validate_tasks(tasks, position)
    parent, children = _build_tree(tasks, position)
    preorder, _enter, _leave = _euler_tour(tasks, parent, children)
    numbers: list[str] = [""] * len(tasks)
    roots = 0
    for i in preorder:
        if parent[i] == -1:
            roots += 1
            numbers[i] = str(roots)
        for k, child in enumerate(children[i], start=1):
            numbers[child] = f"{numbers[i]}.{k}"
    return {task.id: numbers[i] for i, task in enumerate(tasks)}
