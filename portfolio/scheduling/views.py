"""The task table page: the accessible alternative to the Gantt (WBS table, sortable, rows edited in place).

`/projects/<pk>/tasks/` lists the WBS with indentation, dates, duration, progress and the critical flag;
`/tasks/<pk>/edit/` edits a row (an htmx form carrying the version; without JavaScript a plain page). A
stale edit (someone changed the task since) is refused and the current values are shown with the
conflict; a saved edit re-renders the whole table, the project having been re-scheduled.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.forms.models import ModelChoiceIterator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from portfolio import selectors as portfolio_selectors
from portfolio.rules import DATE_MAX, DATE_MIN
from portfolio.scheduling import permissions as perms
from portfolio.scheduling import selectors, services
from portfolio.scheduling.filters import TaskFilterSet
from portfolio.scheduling.models import DURATION_MAX, NAME_MAX_LENGTH, Task
from ppm import lists
from ppm.exceptions import DomainError, StaleVersionError
from ppm.forms import plain_select
from ppm.permissions import requires

SORTABLE_COLUMNS = (
    lists.SortColumn("wbs", gettext_lazy("WBS")),
    lists.SortColumn("name", gettext_lazy("Name")),
    lists.SortColumn("start", pgettext_lazy("task date", "Start")),
    lists.SortColumn("finish", pgettext_lazy("task date", "Finish")),
    lists.SortColumn("duration", gettext_lazy("Duration")),
    lists.SortColumn("percent_complete", gettext_lazy("Progress")),
    lists.SortColumn("total_float", gettext_lazy("Total float")),
)
PROGRESS_ONLY = ("percent_complete",)
TASKS_PER_PAGE = 200


class TaskRowForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH)
    start = forms.DateField(
        label=pgettext_lazy("task date", "Start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    finish = forms.DateField(
        label=pgettext_lazy("task date", "Finish"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    duration = forms.IntegerField(
        label=gettext_lazy("Duration (working days)"), min_value=0, max_value=DURATION_MAX
    )
    percent_complete = forms.IntegerField(label=gettext_lazy("% complete"), min_value=0, max_value=100)

    def __init__(self, *args, task: Task, progress_only: bool, **kwargs):
        initial = {
            "version": task.version,
            "name": task.name,
            "start": task.start,
            "finish": task.finish,
            "duration": task.duration,
            "percent_complete": task.percent_complete,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.task = task
        locked = set(self.fields) - {"version", *PROGRESS_ONLY} if progress_only else set()
        if task.is_summary:
            locked |= {"start", "finish", "duration", "percent_complete"}
        for name in locked:
            self.fields[name].disabled = True
            self.fields[name].required = False
        for name in ("start", "finish"):
            self.fields[name].widget.attrs.update(min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())

    def clean(self):
        cleaned = super().clean()
        for name in ("start", "finish"):
            value = cleaned.get(name)
            if value is not None and not DATE_MIN <= value <= DATE_MAX:
                self.add_error(
                    name, _("Enter a date between %(min)s and %(max)s.") % {"min": 1900, "max": 2200}
                )
        return cleaned

    def changes(self) -> dict:
        """Only what the user changed (giving an automatic task its own start would pin it)."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name != "version" and not self.fields[name].disabled
        }


class _TaskRows(ModelChoiceIterator):
    """The choices of a task select from (id, WBS, name) rows: a 2,500-task plan does not build 2,500
    tasks to list them (the chosen one is still checked against the queryset on submit)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = getattr(self.field, "rows", None)  # already read by the page (the task table's own list)
        for pk, wbs, name in self.queryset.values_list("pk", "wbs", "name") if rows is None else rows:
            yield (pk, f"{wbs} {name}")


class TaskAddForm(forms.Form):
    """A new task: its name, where it goes in the WBS, its duration (0 or milestone: a milestone)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH)
    parent = forms.ModelChoiceField(
        label=gettext_lazy("Under"),
        queryset=Task.objects.none(),
        required=False,
        empty_label=gettext_lazy("— Top level —"),
    )
    duration = forms.IntegerField(
        label=gettext_lazy("Duration (working days)"), min_value=0, max_value=DURATION_MAX, initial=5
    )
    milestone = forms.BooleanField(label=gettext_lazy("Milestone"), required=False)

    def __init__(self, *args, project, rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        parent.rows = rows  # (id, WBS, name) of every task of the project, when known
        # A select of every task, written from those plain rows (no dict per option); the iterator and
        # the widget before the queryset, which hands the widget its (lazy) choices.
        plain_select(parent)
        parent.iterator = _TaskRows
        parent.queryset = Task.objects.filter(project_id=project.pk).order_by("wbs", "pk")


def _load_project(request, pk):
    return portfolio_selectors.project_get_for_user(user=request.user, pk=pk)


def _load_task(request, pk):
    return selectors.task_get_for_user(user=request.user, pk=pk)


def _table_context(request, project):
    filterset = TaskFilterSet(request.GET or None, queryset=selectors.task_list(project=project))
    queryset = filterset.qs if filterset.is_valid() else selectors.task_list(project=project)
    ordering = request.GET.get("ordering", "wbs") if filterset.is_valid() else "wbs"
    everything = None  # (id, WBS, name) of every task, in WBS order, when the list is not filtered
    if ordering.lstrip("-") == "wbs":
        # WBS order is numeric ("1.10" after "1.9"): sorted here on (id, WBS, name) rows only, then the
        # page's tasks loaded whole (a 2,500-task plan does not build 2,500 tasks to show 100). Unfiltered,
        # the same rows list the add form's possible parents (no second read).
        keyed = sorted(
            queryset.values_list("pk", "wbs", "name"),
            key=lambda item: tuple(int(part) for part in item[1].split(".") if part.isdigit()),
        )
        if not lists.is_filtered(request.GET):
            everything = keyed
        ids = [pk for pk, _wbs, _name in keyed]
        if ordering.startswith("-"):
            ids.reverse()
        page = lists.paginate(ids, request.GET.get("page"), per_page=TASKS_PER_PAGE)
        by_pk = queryset.in_bulk(list(page.object_list))
        rows = [by_pk[pk] for pk in page.object_list if pk in by_pk]
        page.object_list = rows
    else:
        page = lists.paginate(queryset, request.GET.get("page"), per_page=TASKS_PER_PAGE)
        rows = list(page.object_list)
    for task in rows:
        task.depth = task.wbs.count(".")
        task.indent_css = f"{0.5 + task.depth * 1.25:.2f}em"  # a string: never localised (1,75em)
        task.can_edit = perms.can_update_progress(request.user, task) if not project.can_edit else True
    return {
        "project": project,
        "tasks": rows,
        "add_form": (
            TaskAddForm(project=project, rows=everything) if getattr(project, "can_edit", False) else None
        ),
        "page_obj": page,
        "columns": lists.sort_columns(SORTABLE_COLUMNS, ordering, default="wbs"),
        "filterset": filterset,
    }


@requires(perms.RULES, "schedule.view", loader=_load_project)
def project_tasks(request, pk: int, obj=None):
    project = obj
    project.can_edit = perms.can_edit_schedule(request.user, project)
    context = _table_context(request, project)
    template = (
        "portfolio/scheduling/partials/task_table.html"
        if getattr(request, "htmx", False) and not request.htmx.boosted
        else "portfolio/scheduling/task_table_page.html"
    )
    return render(request, template, context)


def _table_response(request, project, *, status: int = 200):
    project.can_edit = perms.can_edit_schedule(request.user, project)
    if getattr(request, "htmx", False):
        return render(
            request,
            "portfolio/scheduling/partials/task_table.html",
            _table_context(request, project),
            status=status,
        )
    return redirect("portfolio:project_tasks", pk=project.pk)


@require_http_methods(["POST"])
@requires(perms.RULES, "schedule.change", loader=_load_project)
def task_add(request, pk: int, obj=None):
    """Add a task at the end of its parent's children (the table's "Add a task" form)."""
    project = obj
    form = TaskAddForm(request.POST, project=project)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.task_create(
                actor=request.user,
                project=project,
                name=data["name"],
                parent=data["parent"],
                duration=0 if data["milestone"] else data["duration"],
                milestone=data["milestone"] or data["duration"] == 0,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return _table_response(request, project)
    project.can_edit = True
    context = {**_table_context(request, project), "add_form": form}
    if getattr(request, "htmx", False):
        return render(request, "portfolio/scheduling/partials/task_table.html", context)
    return render(request, "portfolio/scheduling/task_table_page.html", context, status=400)


@require_http_methods(["POST"])
@requires(perms.RULES, "schedule.change", loader=lambda request, pk: _load_task(request, pk).project)
def task_delete_view(request, pk: int, obj=None):
    """Delete a task with its sub-tasks and links (confirmed in the browser); the version guards it."""
    task = selectors.task_get_for_user(user=request.user, pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.task_delete(actor=request.user, task=task, expected_version=version)
    except StaleVersionError:
        messages.error(request, _("Someone else changed this task in the meantime: it was not deleted."))
    return _table_response(request, obj)


@require_http_methods(["GET", "POST"])
@requires(perms.RULES, "task.progress", loader=_load_task)
def task_row_edit(request, pk: int, obj=None):
    task = obj
    project = task.project
    progress_only = not perms.can_edit_schedule(request.user, project)
    htmx = bool(getattr(request, "htmx", False))
    conflict = ""
    if request.method == "POST":
        form = TaskRowForm(request.POST, task=task, progress_only=progress_only)
        if form.is_valid():
            try:
                services.task_update(
                    actor=request.user,
                    task=task,
                    data=form.changes(),
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersionError:
                task = selectors.task_get_for_user(user=request.user, pk=task.pk)
                conflict = _(
                    "Someone else changed this task in the meantime: here are its current values. "
                    "Your changes were not saved; enter them again if they still apply."
                )
                form = TaskRowForm(task=task, progress_only=progress_only)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                if htmx:
                    project.can_edit = not progress_only
                    return render(
                        request,
                        "portfolio/scheduling/partials/task_table.html",
                        _table_context(request, project),
                    )
                return redirect("portfolio:project_tasks", pk=project.pk)
    else:
        form = TaskRowForm(task=task, progress_only=progress_only)
    context = {"task": task, "project": project, "form": form, "conflict": conflict, "colspan": 8}
    if htmx:
        response = render(request, "portfolio/scheduling/partials/task_row_form.html", context)
        if request.method == "POST":
            response["HX-Retarget"] = f"#task-row-{task.pk}"
            response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "portfolio/scheduling/task_edit_page.html", context)
