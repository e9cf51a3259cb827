"""The task board's lists written in Python (board_views.board_lists_html, card_list_html) say, byte for
byte, what the templates they replace said: the lists of the columns or of the swimlanes' cells, each
with its cards and its "Load more" button."""

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from portfolio.scheduling import board, board_views, services
from portfolio.scheduling.models import Task
from portfolio.tests.factories import ProjectFactory

# portfolio/scheduling/board_cards.html before it was written in Python.
CARDS_TEMPLATE = """{% comment %}The cards of one list (a column, or a lane's cell), built by board_views.task_cards_html
(200 cards in about a millisecond), then the button loading the next ones.{% endcomment %}{{ cards_html }}{% if more and cards %}
<li class="board__more" data-more>{% with last=cards|last %}
  <button type="button" class="button button--small" hx-get="{{ cards_url }}?status={{ status }}&amp;after={{ last.id }}&amp;swimlanes={{ board.swimlanes }}&amp;lane={{ lane_key|urlencode }}" hx-target="closest li" hx-swap="outerHTML">{{ text.load_more }}</button>{% endwith %}
</li>{% endif %}
"""  # noqa: E501

# The lists of portfolio/scheduling/board.html before they were written in Python.
LISTS_TEMPLATE = """  {% if board.lanes is None %}
  <div class="board__columns">
    {% for column in board.columns %}
    <section class="board__column" aria-labelledby="column-{{ column.status }}">
      <ul class="board__cards" data-status="{{ column.status }}" data-lane="" aria-labelledby="column-{{ column.status }}">
        {% include cards_template with cards=column.cards cards_html=column.html more=column.more status=column.status lane_key="" %}
      </ul>
    </section>
    {% endfor %}
  </div>
  {% else %}
  {% for lane in board.lanes %}
  <section class="board__lane" aria-labelledby="lane-{{ forloop.counter }}">
    <h2 class="board__lane-title" id="lane-{{ forloop.counter }}">{{ lane.label }}</h2>
    <div class="board__columns">
      {% for cell in lane.cells %}
      <div class="board__column">
        <h3 class="visually-hidden" id="lane-{{ forloop.parentloop.counter }}-{{ cell.status }}">{{ lane.label }} · {{ cell.label }}</h3>
        <ul class="board__cards" data-status="{{ cell.status }}" data-lane="{{ lane.key }}" aria-labelledby="lane-{{ forloop.parentloop.counter }}-{{ cell.status }}">
          {% include cards_template with cards=cell.cards cards_html=cell.html more=cell.more status=cell.status lane_key=lane.key %}
        </ul>
      </div>
      {% endfor %}
    </div>
  </section>
  {% endfor %}
  {% endif %}
"""  # noqa: E501


def _template(text):
    return engines["django"].from_string(text)


@pytest.fixture
def busy_board(db, pmo_user, contributor_user, monkeypatch):
    """A board with two cards a page: full columns, cards by a user, by a name with quotes and markup, by
    nobody, in two phases and outside them."""
    monkeypatch.setattr(board, "BOARD_PAGE", 2)
    project = ProjectFactory(manager=pmo_user, status="in_progress")
    phases = [
        services.task_create(actor=pmo_user, project=project, name=f"Phase <{n}> & “co”") for n in (1, 2)
    ]
    for index in range(9):
        task = services.task_create(
            actor=pmo_user,
            project=project,
            name=f"Tâche <b>{index}</b> d'O'Brien",
            duration=2,
            parent=phases[index % 2] if index < 7 else None,
            assignee=contributor_user if index % 3 == 0 else None,
        )
        if index % 3 == 1:
            Task.objects.filter(pk=task.pk).update(assignee_name='O\'Brien & <Fils> "SA"')
        if index in (4, 5, 6):
            Task.objects.filter(pk=task.pk).update(board_status="done")
    return project


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("swimlanes", ["", "assignee", "phase"])
def test_the_board_lists_are_those_the_templates_wrote(busy_board, pmo_user, swimlanes, language):
    request = RequestFactory().get("/")
    request.user = pmo_user
    with translation.override(language):
        data = board.task_board(project=busy_board, user=pmo_user, swimlanes=swimlanes)
        cards_url, text = board_views._cards_url(busy_board), board_views._card_text()
        written = board_views.board_lists_html(data, cards_url=cards_url, text=text)
        for group in [data["columns"], *(lane["cells"] for lane in data["lanes"] or [])]:
            for cell in group:
                cell["html"] = board_views.task_cards_html(
                    cell["cards"], text=text, move_url=cards_url, swimlanes=swimlanes
                )
        context = {
            "board": data,
            "cards_url": cards_url,
            "text": text,
            "cards_template": _template(CARDS_TEMPLATE).template,
        }
        expected = _template(LISTS_TEMPLATE + "{{ written }}").render({**context, "written": ""}, request)
    assert "board__more" in written and written.count('id="card-') == 4
    assert "&lt;b&gt;" in written and "<b>" not in written
    assert f"  {written}" + "\n" == expected


@pytest.mark.parametrize("lane", ["", 'nO\'Brien & <Fils> "SA"'])
def test_the_next_cards_are_those_the_template_wrote(busy_board, pmo_user, lane):
    cards, more = board.board_cards_after(
        project=busy_board, user=pmo_user, board_status="todo", after_id=None, swimlanes="assignee", lane=lane
    )
    cards_url, text = board_views._cards_url(busy_board), board_views._card_text()
    written = board_views.card_list_html(
        cards, more=True, status="todo", lane_key=lane, swimlanes="assignee", cards_url=cards_url, text=text
    )
    context = {
        "cards_html": board_views.task_cards_html(cards, text=text, move_url=cards_url, swimlanes="assignee"),
        "cards": cards,
        "more": True,
        "status": "todo",
        "lane_key": lane,
        "board": {"swimlanes": "assignee"},
        "cards_url": cards_url,
        "text": text,
    }
    assert cards and "board__more" in written
    assert written == _template(CARDS_TEMPLATE).render(context)
