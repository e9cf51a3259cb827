"""Pages of the boards (a project's task board, the portfolio board) and the card move API.

Drag and drop (static/js/board.js) posts to the API with the card's ETag; every card also has a
"Move to…" form posting to `task_board_move`, which works without JavaScript (the keyboard path).
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from portfolio import selectors
from portfolio.filters import ProjectFilterSet
from portfolio.models import Priority
from portfolio.rules import PROJECT_LIFECYCLE, ProjectStatus
from portfolio.scheduling import board, board_models
from portfolio.scheduling.models import BoardStatus, Task
from portfolio.scheduling.permissions import can_edit_schedule, can_update_progress
from portfolio.views import _tune_filter_form
from ppm.api.concurrency import IF_MATCH_HEADER, VersionedObjectMixin, etag_response_header
from ppm.api.schema import error_responses
from ppm.api.views import ApiViewMixin
from ppm.exceptions import DomainError, StaleVersionError
from ppm.lists import url_pattern, vary_on_htmx
from ppm.presentation import tone_for
from ppm.slots import extension_badges

PLACES = (("bottom", gettext_lazy("At the bottom")), ("top", gettext_lazy("At the top")))


class CardMoveForm(forms.Form):
    board_status = forms.ChoiceField(choices=BoardStatus.choices, label=gettext_lazy("Column"))
    place = forms.ChoiceField(choices=PLACES, label=gettext_lazy("Place"), initial="bottom")
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    swimlanes = forms.ChoiceField(choices=[(value, value) for value in board.SWIMLANES], required=False)


def _project(request, pk: int):
    """The project of a board page (its own row: the board shows none of its objectives or tags)."""
    return selectors.project_get_for_user(user=request.user, pk=pk)


def _swimlanes(request) -> str:
    value = request.GET.get("swimlanes", "")
    return value if value in board.SWIMLANES else ""


def _card_text() -> dict:
    """The words of the cards and of the lists' "Load more" buttons: once per page, not once per card."""
    return {
        "milestone": _("Milestone"),
        "critical": _("Critical"),
        "assignee": _("Assignee:"),
        "due": _("Due"),
        "progress": _("Progress"),
        "move": _("Move to…"),
        "load_more": _("Load more cards"),
    }


def _cards_url(project) -> str:
    """The URL of the board's next cards; each card's "Move to…" page is under it."""
    return reverse("portfolio:task_board_cards", args=[project.pk])


def _board_url(project_pk: int, swimlanes: str) -> str:
    url = reverse("portfolio:task_board", args=[project_pk])
    return f"{url}?swimlanes={swimlanes}" if swimlanes else url


@login_required
def task_board(request, pk: int):
    project = _project(request, pk)
    swimlanes = _swimlanes(request)
    data = board.task_board(project=project, user=request.user, swimlanes=swimlanes)
    context = {
        "project": project,
        "board": data,
        "lists_html": board_lists_html(data, cards_url=_cards_url(project), text=_card_text()),
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
    project = _project(request, pk)
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
    html = card_list_html(
        cards,
        more=more,
        status=status,
        lane_key=lane,
        swimlanes=swimlanes,
        cards_url=_cards_url(project),
        text=_card_text(),
    )
    return vary_on_htmx(HttpResponse(html))


@login_required
@require_http_methods(["GET", "POST"])
def task_board_move(request, pk: int, task_pk: int):
    """The "Move to…" page of a card (no script needed): its form, then the move and back to the board."""
    project = _project(request, pk)
    task = Task.objects.filter(project=project, pk=task_pk).first()
    if task is None:
        raise Http404(_("No such task on this board."))
    if not can_update_progress(request.user, task):
        raise PermissionDenied(_("You may move only the cards of tasks assigned to you."))
    if request.method == "GET":
        swimlanes = _swimlanes(request)
        return render(
            request,
            "portfolio/scheduling/board_move.html",
            {
                "project": project,
                "task": task,
                "swimlanes": swimlanes,
                "back_url": f"{_board_url(project.pk, swimlanes)}#card-{task.pk}",
                "status_choices": BoardStatus.choices,
                "places": PLACES,
            },
        )
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


class BoardLimitsForm(forms.Form):
    """One optional number per column (empty or 0: no limit)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for status, label in BoardStatus.choices:
            self.fields[status] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=board_models.WIP_LIMIT_MAX
            )


@login_required
@require_POST
def task_board_limits(request, pk: int):
    """The work-in-progress limits form of the board (schedule editors), then back to the board."""
    project = _project(request, pk)
    if not can_edit_schedule(request.user, project):
        raise PermissionDenied(_("Only whoever edits this project's schedule sets its board's limits."))
    form = BoardLimitsForm(request.POST)
    swimlanes = request.POST.get("swimlanes", "")
    if form.is_valid():
        try:
            board.board_limits_set(actor=request.user, project=project, limits=form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Column limits saved."))
    else:
        messages.error(request, _("Give each limit as a whole number of cards, or leave it empty."))
    return redirect(_board_url(project.pk, swimlanes if swimlanes in board.SWIMLANES else ""))


# --- Portfolio board ----------------------------------------------------------------------


def _project_card_text() -> tuple[str, dict]:
    """The project detail URL pattern and the words of a project card (once per page, not per card)."""
    detail_url = url_pattern("portfolio:project_detail")
    return detail_url, {
        "manager": _("Manager"),
        "priority": _("Priority"),
        "slippage": _("Slippage"),
        "change": _("Change the status…"),
        "priorities": dict(Priority.choices),
        "days": lambda n: ngettext("%(days)s working day", "%(days)s working days", n),
    }


def _portfolio_filterset(request) -> ProjectFilterSet:
    return ProjectFilterSet(
        request.GET,
        queryset=selectors.project_visible_to(request.user).select_related("manager"),
        request=request,
    )


@login_required
def portfolio_board_cards(request):
    """htmx: the next cards of one column of the portfolio board (same filters), replacing its
    "Load more" button, followed by a new one while more remain."""
    status = request.GET.get("status", "")
    if status not in ProjectStatus.values:
        raise Http404(_("Unknown column."))
    offset = request.GET.get("offset", "")
    if not offset.isdigit() or len(offset) > 9:
        raise Http404(_("Unknown page."))
    projects = _portfolio_filterset(request).qs
    cards, more = board.portfolio_cards_after(
        projects=projects, user=request.user, status=status, offset=int(offset)
    )
    detail_url, card_text = _project_card_text()
    left = projects.filter(status=status).count() - int(offset) - len(cards) if more else 0
    context = {
        "cards_html": project_cards_html(cards, detail_url=detail_url, text=card_text),
        "column": {"status": status, "more": more, "next": int(offset) + len(cards), "left": left},
    }
    return render(request, "portfolio/scheduling/board_portfolio_cards.html", context)


@login_required
def portfolio_board(request):
    filterset = _portfolio_filterset(request)
    _tune_filter_form(filterset.form)
    columns = board.portfolio_board(projects=filterset.qs, user=request.user)
    detail_url, card_text = _project_card_text()
    for column in columns:
        column["tone"] = tone_for(ProjectStatus, column["status"]).value
        column["html"] = project_cards_html(column["cards"], detail_url=detail_url, text=card_text)
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


class TaskMoveView(VersionedObjectMixin, ApiViewMixin, GenericAPIView):  # type: ignore[misc]
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
        responses={200: CardSerializer, **error_responses(400, 401, 403, 404, 412, 413, 415)},
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


# --- Card markup ----------------------------------------------------------------------------
# Built here rather than in a template loop: a board of 200 cards in Django's template engine costs
# ~30 ms of rendering (every variable resolved, localised and escaped one by one); these few lines of
# string building with `escape` cost ~1 ms and produce the same markup (QUALITY: a 200-card board in
# ≤ 10 ms server). Every text that comes from the user goes through `escape`.
# The lists that hold the cards (a column, or a lane's cell: 4 of them, or 4 a lane with swimlanes)
# are written here too, with their "Load more" button: through the template engine, an `include` and
# a dozen variables each cost more than the cards they hold (~50 lists on a board by assignee).


def task_cards_html(cards: list[dict], *, text: dict, move_url: str, swimlanes: str) -> SafeString:
    """The <li> of every card, escaped (see above): one f-string a card (str.format parsing a template
    for each of 200 cards cost twice as much), the assignee's part once per person."""
    milestone = f'<span class="card__tag card__tag--milestone">{escape(text["milestone"])}</span>'
    critical = f'<span class="card__tag card__tag--critical">{escape(text["critical"])}</span>'
    assignee, due_label = escape(text["assignee"]), escape(text["due"])
    progress, move_label = escape(text["progress"]), escape(text["move"])
    query = f"?swimlanes={swimlanes}" if swimlanes in board.SWIMLANES and swimlanes else ""
    whos: dict[str, str] = {"": ""}
    parts = []
    for card in cards:
        name = escape(card["name"])
        badges = ""
        if card["milestone"] or card["critical"]:
            badges = (
                '\n<p class="card__badges">'
                + (milestone if card["milestone"] else "")
                + (critical if card["critical"] else "")
                + "</p>"
            )
        label = card["assignee_label"]
        who = whos.get(label)
        if who is None:
            who = whos[label] = (
                f'<span class="card__who"><span class="visually-hidden">{assignee} </span>'
                f"{escape(label)}</span>"
            )
        finish = card["finish"]
        due = (
            f' <span class="card__due">{due_label} <time datetime="{finish.isoformat()}">'
            f"{escape(card['due'])}</time></span>"
            if finish
            else ""
        )
        card_id, movable, percent = int(card["id"]), card["movable"], int(card["percent_complete"])
        move = (
            f'\n<a class="card__move" href="{move_url}{card_id}/move/{query}">{move_label}'
            f'<span class="visually-hidden"> {name}</span></a>'
            if movable
            else ""
        )
        parts.append(
            f'<li class="card{" card--critical" if card["critical"] else ""}" id="card-{card_id}" '
            f'data-id="{card_id}" data-version="{int(card["version"])}" data-name="{name}"'
            f'{" data-movable" if movable else ""}>\n<p class="card__title"><span class="card__wbs">'
            f'{escape(card["wbs"])}</span> {name}</p>{badges}\n<p class="card__meta">{who}{due}</p>\n'
            f'<p class="card__progress"><progress max="100" value="{percent}" aria-label="{progress}">'
            f"</progress> <span data-percent>{percent}&nbsp;%</span></p>{move}\n</li>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every user text above is escaped


def card_list_html(
    cards: list[dict], *, more: bool, status: str, lane_key: str, swimlanes: str, cards_url: str, text: dict
) -> SafeString:
    """The cards of one list (a column, or a lane's cell), then, when more follow, the button loading
    the next ones (the answer of `task_board_cards`, and each list of the board's page)."""
    html = task_cards_html(cards, text=text, move_url=cards_url, swimlanes=swimlanes)
    if not (more and cards):
        return mark_safe(f"{html}\n")  # noqa: S308 - see task_cards_html
    url = (
        f"{escape(cards_url)}?status={escape(status)}&amp;after={int(cards[-1]['id'])}"
        f"&amp;swimlanes={escape(swimlanes)}&amp;lane={escape(quote(lane_key))}"
    )
    return mark_safe(  # noqa: S308 - every user text is escaped
        f'{html}\n<li class="board__more" data-more>\n  <button type="button" class="button button--small" '
        f'hx-get="{url}" hx-target="closest li" hx-swap="outerHTML">{escape(text["load_more"])}</button>\n'
        "</li>\n"
    )


def board_lists_html(data: dict, *, cards_url: str, text: dict) -> SafeString:
    """The lists of a board (`board.task_board`'s data): a list per column, or, with swimlanes, a
    section per lane with a list per column."""
    swimlanes = data["swimlanes"]

    def cards_list(cell: dict, lane_key: str) -> str:
        return card_list_html(
            cell["cards"],
            more=cell["more"],
            status=cell["status"],
            lane_key=lane_key,
            swimlanes=swimlanes,
            cards_url=cards_url,
            text=text,
        )

    if data["lanes"] is None:
        parts = ['\n  <div class="board__columns">\n    ']
        for column in data["columns"]:
            status = escape(column["status"])
            parts.append(
                f'\n    <section class="board__column" aria-labelledby="column-{status}">\n'
                f'      <ul class="board__cards" data-status="{status}" data-lane="" '
                f'aria-labelledby="column-{status}">\n        {cards_list(column, "")}\n      </ul>\n'
                "    </section>\n    "
            )
        parts.append("\n  </div>\n  ")
        return mark_safe("".join(parts))  # noqa: S308 - every user text is escaped
    parts = ["\n  "]
    for number, lane in enumerate(data["lanes"], start=1):
        label, key = escape(str(lane["label"])), escape(lane["key"])
        parts.append(
            f'\n  <section class="board__lane" aria-labelledby="lane-{number}">\n'
            f'    <h2 class="board__lane-title" id="lane-{number}">{label}</h2>\n'
            '    <div class="board__columns">\n      '
        )
        for cell in lane["cells"]:
            status = escape(cell["status"])
            parts.append(
                '\n      <div class="board__column">\n'
                f'        <h3 class="visually-hidden" id="lane-{number}-{status}">{label} · '
                f"{escape(str(cell['label']))}</h3>\n"
                f'        <ul class="board__cards" data-status="{status}" data-lane="{key}" '
                f'aria-labelledby="lane-{number}-{status}">\n          {cards_list(cell, lane["key"])}\n'
                "        </ul>\n      </div>\n      "
            )
        parts.append("\n    </div>\n  </section>\n  ")
    parts.append("\n  ")
    return mark_safe("".join(parts))  # noqa: S308 - every user text is escaped


_PROJECT_CARD = (
    '<li class="card" id="project-card-{id}" data-id="{id}" data-version="{version}" data-name="{code}" '
    'data-moves="{moves}"{movable}>\n<p class="card__title"><a href="{url}"><span class="card__wbs">{code}'
    '</span> {name}</a></p>\n<dl class="card__meta"><div><dt>{manager_label}</dt><dd>{manager}</dd></div>'
    '<div><dt>{priority_label}</dt><dd><span class="priority priority--{priority}">{priority_text}</span>'
    "</dd></div>{slippage}</dl>{change}\n</li>\n"
)


def project_cards_html(cards: list[dict], *, detail_url: str, text: dict) -> SafeString:
    """The <li> of every project card, escaped (built like task_cards_html, for the same reason)."""
    manager_label, priority_label = escape(text["manager"]), escape(text["priority"])
    slippage_label, change_label = escape(text["slippage"]), escape(text["change"])
    priorities = {value: escape(str(label)) for value, label in text["priorities"].items()}
    parts = []
    for card in cards:
        url = detail_url.format(int(card["id"]))
        code = escape(card["code"])
        days = card["slippage_days"]
        slippage = ""
        if days is not None:
            late = ' class="card__late"' if days > 0 else ""
            words = escape(text["days"](days) % {"days": days})
            slippage = f"<div><dt>{slippage_label}</dt><dd{late}>{words}</dd></div>"
        # What other apps add (ppm.slots.payload_extensions) and give a `badge` for: the weather…
        for badge in extension_badges(card.get("extensions")):
            icon = (
                f'<img src="{escape(badge["icon"])}" alt="" width="16" height="16"> '
                if badge.get("icon")
                else ""
            )
            slippage += f"<div><dt>{escape(badge['label'])}</dt><dd>{icon}{escape(badge['text'])}</dd></div>"
        change = (
            f'\n<p class="card__link"><a href="{url}#lifecycle-title">{change_label}'
            f'<span class="visually-hidden"> {code}</span></a></p>'
            if card["movable"]
            else ""
        )
        parts.append(
            _PROJECT_CARD.format(
                id=int(card["id"]),
                version=int(card["version"]),
                code=code,
                name=escape(card["name"]),
                moves=escape(card["moves"]),
                movable=" data-movable" if card["movable"] else "",
                url=url,
                manager_label=manager_label,
                manager=escape(card["manager_label"] or "—"),
                priority_label=priority_label,
                priority=int(card["priority"]),
                priority_text=priorities.get(card["priority"], ""),
                slippage=slippage,
                change=change,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every user text above is escaped
