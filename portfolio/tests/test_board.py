"""The task board and the portfolio board: card moves (order, done ⇔ 100 %, versions, rights), the move
API (ETag / If-Match), the "Move to…" form, lazy columns, and query counts equal at 3 and 30 cards."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.scheduling import board, services
from portfolio.scheduling.board_models import BoardColumnLimit
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory
from ppm.audit import audit_entries_for
from ppm.exceptions import DomainPermissionError, DomainValidationError, StaleVersionError

D = datetime.date


@pytest.fixture
def project(db, manager_user):
    return ProjectFactory(
        manager=manager_user, status="in_progress", planned_start=D(2025, 1, 6), planned_end=D(2025, 6, 30)
    )


def make_tasks(project, actor, count, **fields):
    return [
        services.task_create(actor=actor, project=project, name=f"Tâche {index}", duration=2, **fields)
        for index in range(count)
    ]


def column_names(project, status):
    return list(
        Task.objects.filter(project=project, board_status=status, is_summary=False)
        .order_by("board_position", "pk")
        .values_list("name", flat=True)
    )


def fresh(task):
    return Task.objects.get(pk=task.pk)


def test_move_places_the_card_between_its_new_neighbours(project, pmo_user):
    a, b, c = make_tasks(project, pmo_user, 3)
    board.task_move_card(actor=pmo_user, task=c, board_status="todo", before_id=a.pk)
    assert column_names(project, "todo") == ["Tâche 2", "Tâche 0", "Tâche 1"]
    board.task_move_card(actor=pmo_user, task=fresh(c), board_status="todo", after_id=a.pk)
    assert column_names(project, "todo") == ["Tâche 0", "Tâche 2", "Tâche 1"]
    board.task_move_card(actor=pmo_user, task=fresh(a), board_status="in_progress")
    assert column_names(project, "todo") == ["Tâche 2", "Tâche 1"]
    assert column_names(project, "in_progress") == ["Tâche 0"]
    board.task_move_card(actor=pmo_user, task=fresh(b), board_status="in_progress", position=0)
    assert column_names(project, "in_progress") == ["Tâche 1", "Tâche 0"]
    board.task_move_card(actor=pmo_user, task=fresh(c), board_status="in_progress", position=1)
    assert column_names(project, "in_progress") == ["Tâche 1", "Tâche 2", "Tâche 0"]


def test_many_moves_to_the_same_place_renumber_without_touching_other_versions(project, pmo_user):
    tasks = make_tasks(project, pmo_user, 4)
    versions = {task.pk: fresh(task).version for task in tasks}
    mover, first = tasks[3], tasks[0]
    for _ in range(15):  # halving the gap each time: it runs out and the column is renumbered
        board.task_move_card(actor=pmo_user, task=fresh(mover), board_status="todo", before_id=first.pk)
        board.task_move_card(actor=pmo_user, task=fresh(mover), board_status="todo", after_id=first.pk)
    assert column_names(project, "todo") == ["Tâche 0", "Tâche 3", "Tâche 1", "Tâche 2"]
    for task in tasks[:3]:
        assert fresh(task).version == versions[task.pk]


def test_done_means_complete_and_the_move_is_audited_under_the_project(project, pmo_user):
    (task,) = make_tasks(project, pmo_user, 1)
    moved = board.task_move_card(actor=pmo_user, task=task, board_status="done")
    assert (moved.board_status, moved.percent_complete) == ("done", 100)
    back = board.task_move_card(actor=pmo_user, task=fresh(task), board_status="todo")
    assert (back.board_status, back.percent_complete) == ("todo", 0)
    entry = audit_entries_for(project).first()
    assert entry.object_id == task.pk and "board_status" in entry.changes


def test_stale_move_is_refused_and_writes_nothing(project, pmo_user):
    (task,) = make_tasks(project, pmo_user, 1)
    version = fresh(task).version
    board.task_move_card(actor=pmo_user, task=task, board_status="blocked", expected_version=version)
    with pytest.raises(StaleVersionError):
        board.task_move_card(actor=pmo_user, task=task, board_status="done", expected_version=version)
    assert fresh(task).board_status == "blocked"


def test_contributors_move_only_their_own_cards_and_readers_none(
    project, pmo_user, contributor_user, reader_user
):
    mine, other = make_tasks(project, pmo_user, 2)
    services.task_update(actor=pmo_user, task=fresh(mine), data={"assignee": contributor_user})
    board.task_move_card(actor=contributor_user, task=fresh(mine), board_status="in_progress")
    assert fresh(mine).board_status == "in_progress"
    with pytest.raises(DomainPermissionError):
        board.task_move_card(actor=contributor_user, task=other, board_status="in_progress")
    with pytest.raises(DomainPermissionError):
        board.task_move_card(actor=reader_user, task=fresh(mine), board_status="todo")


def test_bad_moves_are_validation_errors(project, pmo_user):
    (task,) = make_tasks(project, pmo_user, 1)
    with pytest.raises(DomainValidationError):
        board.task_move_card(actor=pmo_user, task=task, board_status="nowhere")
    with pytest.raises(DomainValidationError):
        board.task_move_card(actor=pmo_user, task=task, board_status="todo", before_id=987654)
    phase = services.task_create(actor=pmo_user, project=project, name="Phase")
    services.task_create(actor=pmo_user, project=project, name="Child", parent=phase)
    with pytest.raises(DomainValidationError):
        board.task_move_card(actor=pmo_user, task=fresh(phase), board_status="done")


# --- pages ---------------------------------------------------------------------------------------


def _board_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context), response.content.decode()


@pytest.mark.parametrize("swimlanes", ["", "assignee", "phase"])
def test_task_board_query_count_is_the_same_at_3_and_30_cards(
    client, project, pmo_user, contributor_user, swimlanes
):
    client.force_login(pmo_user)
    phase = services.task_create(actor=pmo_user, project=project, name="Conception")
    url = reverse("portfolio:task_board", args=[project.pk]) + f"?swimlanes={swimlanes}"
    make_tasks(project, pmo_user, 3, parent=phase, assignee=contributor_user)
    small, html = _board_queries(client, url)
    assert html.count('id="card-') == 3
    make_tasks(project, pmo_user, 27, parent=phase)
    BoardColumnLimit.objects.create(project=project, board_status="todo", wip_limit=5)
    large, html = _board_queries(client, url)
    assert html.count('id="card-') == 30
    assert small == large
    assert "Over the limit of 5" in html


def test_portfolio_board_query_count_is_the_same_at_3_and_30_cards(client, pmo_user, manager_user):
    client.force_login(pmo_user)
    url = reverse("portfolio:portfolio_board")
    for index in range(3):
        ProjectFactory(code=f"P{index:02}", manager=manager_user, status="framing")
    small, html = _board_queries(client, url)
    assert html.count('id="project-card-') == 3
    for index in range(3, 30):
        ProjectFactory(code=f"P{index:02}", manager=manager_user, status=["demand", "in_progress"][index % 2])
    large, html = _board_queries(client, url)
    assert html.count('id="project-card-') == 30
    assert small == large
    filtered = client.get(url, {"q": "P01"})
    assert filtered.content.decode().count('id="project-card-') == 1


def _card_ids(html: str) -> list[str]:
    return re.findall(r'id="project-card-(\d+)"', html)


def _more_url(html: str) -> str | None:
    match = re.search(r'<li class="board__more" data-more>\s*<button[^>]*hx-get="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


def test_portfolio_board_columns_load_the_rest_lazily_with_the_same_filters(
    client, pmo_user, manager_user, monkeypatch
):
    monkeypatch.setattr(board, "PORTFOLIO_PAGE", 2)
    wanted = [
        ProjectFactory(code=f"KEEP{i}", name=f"Keep {i}", status="framing", priority=2) for i in range(5)
    ]
    ProjectFactory(code="OTHER", name="Other", status="framing", priority=1)  # filtered out by q
    client.force_login(pmo_user)
    html = client.get(reverse("portfolio:portfolio_board"), {"q": "Keep"}).content.decode()
    seen = _card_ids(html)
    assert len(seen) == 2
    assert "Load more (3 left)" in html
    url = _more_url(html)
    assert "q=Keep" in url and "status=framing" in url and "offset=2" in url
    pages = 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert len(queries) <= 6
        part = response.content.decode()
        seen += _card_ids(part)
        url = _more_url(part)
        pages += 1
    assert pages == 2
    # Every card once, in the board's order (priority, then code), none of the filtered-out project.
    assert seen == [str(project.pk) for project in sorted(wanted, key=lambda p: p.code)]
    assert "data-moves=" in part and "data-movable" in part


def test_portfolio_board_cards_refuse_an_unknown_column_or_page(client, pmo_user):
    client.force_login(pmo_user)
    url = reverse("portfolio:portfolio_board_cards")
    assert client.get(url, {"status": "nope", "offset": "0"}).status_code == 404
    assert client.get(url, {"status": "framing", "offset": "-1"}).status_code == 404
    assert client.get(url, {"status": "framing", "offset": "9" * 12}).status_code == 404
    assert client.get(url, {"status": "framing", "offset": "0"}).status_code == 200


def test_portfolio_board_lists_the_moves_each_card_allows(client, pmo_user, manager_user, reader_user):
    project = ProjectFactory(code="FRAME", manager=manager_user, status="framing")
    client.force_login(pmo_user)
    html = client.get(reverse("portfolio:portfolio_board")).content.decode()
    assert (
        'data-moves="approved:approve,on_hold:put_on_hold,not_retained:not_retain,cancelled:cancel"' in html
    )
    client.force_login(reader_user)
    html = client.get(reverse("portfolio:portfolio_board")).content.decode()
    assert f'id="project-card-{project.pk}"' in html and "data-movable" not in html


def test_a_manager_may_move_only_the_cards_of_the_projects_they_manage(client, manager_user, other_manager):
    """Whether a card is movable is worked out once per manager: cards of one column with different
    managers each get their own answer."""
    mine = [ProjectFactory(code=f"MINE{i}", manager=manager_user, status="framing") for i in range(2)]
    theirs = [ProjectFactory(code=f"THEIRS{i}", manager=other_manager, status="framing") for i in range(2)]
    nobody = ProjectFactory(code="NOBODY", manager=None, status="demand")
    client.force_login(manager_user)
    html = client.get(reverse("portfolio:portfolio_board")).content.decode()

    def card(project):
        start = html.index(f'id="project-card-{project.pk}"')
        return html[start : html.index(">", start)]

    assert all("data-movable" in card(project) for project in mine)
    assert not any("data-movable" in card(project) for project in [*theirs, nobody])


def test_cards_in_one_column_keep_the_moves_of_their_own_state(client, pmo_user, manager_user):
    """The board works the moves out once per state (status and the statuses it returns to): two
    projects on hold resume to where each came from, whatever their dates."""
    came_from_framing = ProjectFactory(
        code="HOLD1", manager=manager_user, status="on_hold", status_before_hold="framing"
    )
    came_from_work = ProjectFactory(
        code="HOLD2",
        manager=manager_user,
        status="on_hold",
        status_before_hold="in_progress",
        planned_start=datetime.date(2020, 1, 1),
        planned_end=datetime.date(2020, 6, 30),
    )
    client.force_login(pmo_user)
    html = client.get(reverse("portfolio:portfolio_board")).content.decode()
    for project, target in ((came_from_framing, "framing"), (came_from_work, "in_progress")):
        card = html[html.index(f'id="project-card-{project.pk}"') :]
        moves = card[card.index('data-moves="') + len('data-moves="') :].split('"', 1)[0]
        assert f"{target}:resume" in moves.split(","), (project.code, moves)


def test_columns_beyond_the_page_load_lazily(client, project, pmo_user, monkeypatch):
    monkeypatch.setattr(board, "BOARD_PAGE", 2)
    tasks = make_tasks(project, pmo_user, 5)
    client.force_login(pmo_user)
    html = client.get(reverse("portfolio:task_board", args=[project.pk])).content.decode()
    assert html.count('id="card-') == 2 and "Load more cards" in html
    assert 'data-column-head="todo" data-count="5"' in html  # the whole column's count, not the page's
    url = reverse("portfolio:task_board_cards", args=[project.pk])
    more = client.get(url, {"status": "todo", "after": tasks[1].pk}).content.decode()
    assert "Tâche 2" in more and "Tâche 3" in more and "Tâche 4" not in more and "Load more" in more
    last = client.get(url, {"status": "todo", "after": tasks[3].pk}).content.decode()
    assert "Tâche 4" in last and "Load more" not in last
    assert client.get(url, {"status": "nowhere"}).status_code == 404


def test_first_cards_are_the_orm_s_cards_of_each_column_cut_at_the_page(
    project, pmo_user, contributor_user, monkeypatch
):
    monkeypatch.setattr(board, "BOARD_PAGE", 2)
    tasks = make_tasks(project, pmo_user, 9, assignee=contributor_user)
    Task.objects.filter(pk__in=[task.pk for task in tasks[::3]]).update(board_status="done", milestone=True)
    Task.objects.filter(pk=tasks[1].pk).update(board_position=1, assignee=None, assignee_name="Ext")
    expected = []
    for status in ("todo", "done"):
        column = list(board._cards(project.pk).filter(board_status=status).values(*board.CARD_VALUES))
        expected += [{**card, "column_count": len(column)} for card in column[:3]]
    expected.sort(key=lambda card: (card["board_position"], card["id"]))
    assert board._first_cards(project.pk) == expected
    assert [card["column_count"] for card in expected].count(6) == 3


def test_move_to_form_works_without_javascript(client, project, pmo_user):
    (task,) = make_tasks(project, pmo_user, 1)
    client.force_login(pmo_user)
    url = reverse("portfolio:task_board_move", args=[project.pk, task.pk])
    version = fresh(task).version
    response = client.post(url, {"board_status": "blocked", "place": "top", "version": version}, follow=True)
    assert fresh(task).board_status == "blocked"
    assert "moved to “Blocked”" in response.content.decode()
    stale = client.post(url, {"board_status": "done", "place": "top", "version": version}, follow=True)
    assert "changed by someone else" in stale.content.decode()
    assert fresh(task).board_status == "blocked"
    assert client.post(url, {"board_status": "x"}, follow=True).status_code == 200
    form = client.get(url)
    assert form.status_code == 200 and 'name="board_status"' in form.content.decode()
    assert client.put(url).status_code == 405


# --- API -----------------------------------------------------------------------------------------


def test_move_api_honours_if_match_and_answers_the_new_etag(api_client, project, pmo_user, reader_user):
    first, second = make_tasks(project, pmo_user, 2)
    url = reverse("api:task-move", args=[second.pk])
    api_client.force_authenticate(pmo_user)
    etag = f'"{second.pk}-{fresh(second).version}"'
    response = api_client.post(
        url, {"board_status": "todo", "before_id": first.pk}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{second.pk}-{response.json()["version"]}"'
    assert column_names(project, "todo") == ["Tâche 1", "Tâche 0"]
    stale = api_client.post(url, {"board_status": "done"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert (
        api_client.post(url, {"board_status": "done"}, format="json", HTTP_IF_MATCH="nope").status_code == 400
    )
    assert api_client.post(url, {"board_status": "zzz"}, format="json").status_code == 400
    missing = reverse("api:task-move", args=[987654])
    assert api_client.post(missing, {"board_status": "done"}, format="json").status_code == 404
    api_client.force_authenticate(reader_user)
    assert api_client.post(url, {"board_status": "done"}, format="json").status_code == 403


def test_wip_limits_are_set_audited_and_shown(client, project, pmo_user, manager_user, contributor_user):
    make_tasks(project, pmo_user, 3)
    board.board_limits_set(actor=manager_user, project=project, limits={"todo": 2, "done": 5})
    assert dict(BoardColumnLimit.objects.values_list("board_status", "wip_limit")) == {"todo": 2, "done": 5}
    board.board_limits_set(actor=manager_user, project=project, limits={"todo": 4, "done": None})
    assert dict(BoardColumnLimit.objects.values_list("board_status", "wip_limit")) == {"todo": 4}
    actions = [entry.action for entry in audit_entries_for(project)[:4]]
    assert actions[:2] == ["delete", "update"]
    with pytest.raises(DomainPermissionError):
        board.board_limits_set(actor=contributor_user, project=project, limits={"todo": 1})
    client.force_login(pmo_user)
    url = reverse("portfolio:task_board_limits", args=[project.pk])
    response = client.post(url, {"todo": "1", "in_progress": "", "blocked": "", "done": ""}, follow=True)
    html = response.content.decode()
    assert "Column limits saved." in html and "Over the limit of 1" in html
    assert "board__head--over" in html
    bad = client.post(url, {"todo": "-3"}, follow=True)
    assert "whole number" in bad.content.decode()
    assert BoardColumnLimit.objects.get(project=project, board_status="todo").wip_limit == 1


def test_the_unassigned_lane_and_a_person_named_one_load_their_own_next_cards(
    client, project, pmo_user, monkeypatch
):
    monkeypatch.setattr(board, "BOARD_PAGE", 1)
    unassigned = make_tasks(project, pmo_user, 3)
    named = make_tasks(project, pmo_user, 3)
    for index, task in enumerate(named):
        Task.objects.filter(pk=task.pk).update(assignee_name="one", name=f"Externe {index}")
    # A person named "one" has a lane of their own, not the unassigned one ("none").
    lanes = {board._assignee_lane({"assignee_id": None, "assignee_name": name})[0] for name in ("", "one")}
    assert len(lanes) == 2 and board.NO_LANE in lanes
    client.force_login(pmo_user)
    url = reverse("portfolio:task_board_cards", args=[project.pk])
    query = {"status": "todo", "swimlanes": "assignee"}
    more = client.get(url, {**query, "after": unassigned[0].pk, "lane": board.NO_LANE}).content.decode()
    assert "Tâche 1" in more and "Externe" not in more
    (named_lane,) = lanes - {board.NO_LANE}
    more = client.get(url, {**query, "after": named[0].pk, "lane": named_lane}).content.decode()
    assert "Externe 1" in more and "Tâche" not in more
