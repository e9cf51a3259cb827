"""Pages of the boards (a project's task board, the portfolio board) and the card move API.

Drag and drop (static/js/board.js) posts to the API with the card's ETag; every card also has a
"Move to…" form posting to `task_board_move`, which works without JavaScript (the keyboard path).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from portfolio import selectors
from portfolio.filters import ProjectFilterSet
from portfolio.rules import PROJECT_LIFECYCLE, ProjectStatus
from portfolio.scheduling import board
from portfolio.scheduling.models import BoardStatus, Task
from portfolio.scheduling.permissions import can_update_progress
from portfolio.views import _tune_filter_form
from ppm.api.concurrency import IF_MATCH_HEADER, VersionedObjectMixin, etag_response_header
from ppm.api.schema import error_responses
from ppm.api.views import ApiViewMixin
from ppm.exceptions import DomainError, StaleVersionError
from ppm.lists import vary_on_htmx
from ppm.presentation import tone_for

PLACES = (("bottom", gettext_lazy("At the bottom")), ("top", gettext_lazy("At the top")))


class CardMoveForm(forms.Form):
    board_status = forms.ChoiceField(choices=BoardStatus.choices, label=gettext_lazy("Column"))
    place = forms.ChoiceField(choices=PLACES, label=gettext_lazy("Place"), initial="bottom")
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    swimlanes = forms.ChoiceField(choices=[(value, value) for value in board.SWIMLANES], required=False)


def _swimlanes(request) -> str:
    value = request.GET.get("swimlanes", "")
    return value if value in board.SWIMLANES else ""


def _board_url(project_pk: int, swimlanes: str) -> str:
    url = reverse("portfolio:task_board", args=[project_pk])
    return f"{url}?swimlanes={swimlanes}" if swimlanes else url


@login_required
def task_board(request, pk: int):
    project = selectors.project_get_for_user(user=request.user, pk=pk)
    swimlanes = _swimlanes(request)
    data = board.task_board(project=project, user=request.user, swimlanes=swimlanes)
    context = {
        "project": project,
        "board": data,
        "status_choices": BoardStatus.choices,
        "places": PLACES,
        "swimlane_choices": (
            ("", _("None")),
            ("assignee", _("By assignee")),
            ("phase", _("By phase")),
        ),
        "board_text": {
            "conflict": _(
                "This card was changed by someone else meanwhile: it is back in its place. "
                "Reload the page to see its current state."
            ),
            "failed": _("The card could not be moved. Reload the page and try again."),
            "moved": _("“%(card)s” moved to “%(column)s”."),
            "columns": dict(BoardStatus.choices),
            "over": _("Over the limit of %(limit)s"),
        },
    }
    return render(request, "portfolio/scheduling/board.html", context)


@login_required
def task_board_cards(request, pk: int):
    """htmx: the next cards of a column (of one lane), replacing its "Load more" button."""
    project = selectors.project_get_for_user(user=request.user, pk=pk)
    status = request.GET.get("status") or BoardStatus.TODO
    if status not in BoardStatus.values:
        raise Http404(_("Unknown column."))
    after = request.GET.get("after", "")
    swimlanes = _swimlanes(request)
    lane = request.GET.get("lane", "")[:210]
    cards, more = board.board_cards_after(
        project=project,
        user=request.user,
        board_status=status,
        after_id=int(after) if after.isdigit() and len(after) < 10 else None,
        swimlanes=swimlanes,
        lane=lane,
    )
    context = {
        "project": project,
        "cards": cards,
        "more": more,
        "status": status,
        "lane_key": lane,
        "board": {"swimlanes": swimlanes},
        "status_choices": BoardStatus.choices,
        "places": PLACES,
    }
    return vary_on_htmx(render(request, "portfolio/scheduling/board_cards.html", context))


@login_required
@require_POST
def task_board_move(request, pk: int, task_pk: int):
    """The "Move to…" form of a card (no script needed): move it, come back to the board."""
    project = selectors.project_get_for_user(user=request.user, pk=pk)
    task = Task.objects.filter(project=project, pk=task_pk).first()
    if task is None:
        raise Http404(_("No such task on this board."))
    if not can_update_progress(request.user, task):
        raise PermissionDenied(_("You may move only the cards of tasks assigned to you."))
    form = CardMoveForm(request.POST)
    swimlanes = request.POST.get("swimlanes", "")
    if not form.is_valid():
        messages.error(request, _("The move was incomplete. Reload the page and try again."))
        return redirect(_board_url(project.pk, swimlanes if swimlanes in board.SWIMLANES else ""))
    swimlanes = form.cleaned_data["swimlanes"] or ""
    try:
        task = board.task_move_card(
            actor=request.user,
            task=task,
            board_status=form.cleaned_data["board_status"],
            position=0 if form.cleaned_data["place"] == "top" else None,
            expected_version=form.cleaned_data["version"],
        )
    except StaleVersionError:
        messages.error(
            request,
            _(
                "This card was changed by someone else meanwhile. The board now shows its current "
                "state: check it, then try again."
            ),
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("“%(card)s” moved to “%(column)s”.")
            % {"card": task.name, "column": task.get_board_status_display()},
        )
    return redirect(f"{_board_url(project.pk, swimlanes)}#card-{task.pk}")


# --- Portfolio board ----------------------------------------------------------------------


@login_required
def portfolio_board(request):
    filterset = ProjectFilterSet(
        request.GET,
        queryset=selectors.project_visible_to(request.user).select_related("manager"),
        request=request,
    )
    _tune_filter_form(filterset.form)
    columns = board.portfolio_board(projects=filterset.qs, user=request.user)
    for column in columns:
        column["tone"] = tone_for(ProjectStatus, column["status"]).value
    actions = {
        transition.name: {
            "label": str(transition.label),
            "confirm": transition.confirm,
            "message": str(transition.confirm_message),
            "reason": transition.requires_comment,
        }
        for transition in PROJECT_LIFECYCLE.transitions
    }
    context = {
        "columns": columns,
        "filterset": filterset,
        "filter_form": filterset.form,
        "board_text": {
            "actions": actions,
            "statuses": {key: str(label) for key, label in PROJECT_LIFECYCLE.states},
            "illegal": _("“%(project)s” cannot go from “%(from)s” to “%(to)s”."),
            "failed": _("The status could not be changed. Reload the page and try again."),
            "moved": _("“%(project)s” is now “%(to)s”."),
            "conflict": _(
                "This project was changed by someone else meanwhile: it is back in its place. "
                "Reload the page to see its current state."
            ),
        },
    }
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == "portfolio-board":
        return vary_on_htmx(render(request, "portfolio/scheduling/board_portfolio_columns.html", context))
    return vary_on_htmx(render(request, "portfolio/scheduling/board_portfolio.html", context))


# --- API: move a card ---------------------------------------------------------------------


class CardMoveInputSerializer(serializers.Serializer):
    board_status = serializers.ChoiceField(choices=BoardStatus.choices)
    before_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Place it just before this card.",
    )
    after_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Place it just after this card.",
    )
    position = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=board.POSITION_MAX,
        help_text="0-based place in the column (none of the three: at the bottom).",
    )


class CardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ("id", "project", "board_status", "board_position", "percent_complete", "version")
        read_only_fields = fields


class TaskMoveView(VersionedObjectMixin, ApiViewMixin, GenericAPIView):
    """POST /api/v1/tasks/{id}/move/: move a task's card on its project's board."""

    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = CardMoveInputSerializer
    queryset = Task.objects.all()

    @extend_schema(
        summary=gettext_lazy("Move a card on the task board"),
        description=gettext_lazy(
            "Moves the task's card to `board_status`, before `before_id`, after `after_id` or at "
            "`position` (at the bottom when none is given). Schedule editors move every card; "
            "contributors move the cards of tasks assigned to them. Moving to done sets 100 %. "
            "Send the task's ETag in If-Match: a stale one is refused with 412."
        ),
        request=CardMoveInputSerializer,
        parameters=[IF_MATCH_HEADER, etag_response_header(200, 412)],
        responses={200: CardSerializer, **error_responses(400, 401, 403, 404, 412, 415)},
        tags=["tasks"],
    )
    def post(self, request, pk=None):
        task = self.get_object()
        expected_version = self.expected_version(request, task)
        serializer = CardMoveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        task = board.task_move_card(
            actor=request.user,
            task=task,
            board_status=data["board_status"],
            before_id=data.get("before_id"),
            after_id=data.get("after_id"),
            position=data.get("position"),
            expected_version=expected_version,
        )
        return self.versioned_response(task, CardSerializer(task).data)
