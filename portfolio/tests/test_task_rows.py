"""The task table's rows written in Python say exactly what the row template said."""

import datetime

import pytest
from django.template import engines
from django.utils import translation

from portfolio.scheduling.models import Task
from portfolio.scheduling.task_rows import task_rows_html
from ppm.testing import same_markup

# The rows of portfolio/scheduling/partials/task_table.html before they were written in Python.
ROWS_TEMPLATE = """{% load i18n %}      {% for task in tasks %}
      <tr id="task-row-{{ task.pk }}"{% if task.is_summary %} class="task-row--summary"{% endif %}>
        <td class="nowrap">{{ task.wbs }}</td>
        <th scope="row" class="task-name" style="padding-inline-start: {{ task.indent_css }}">
          {% if task.is_summary %}<strong>{{ task.name }}</strong>{% else %}{{ task.name }}{% endif %}
          {% if task.milestone %} <span class="badge badge--accent">{% translate "milestone" %}</span>{% endif %}
          {% if task.critical and not task.is_summary %} <span class="badge badge--danger">{% translate "critical" %}</span>{% endif %}
          {% for message in task.schedule_issue_messages %}<p class="task-issue"><span aria-hidden="true">⚠</span> {{ message }}</p>{% endfor %}
        </th>
        <td class="nowrap">{{ task.start|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
        <td class="nowrap">{{ task.finish|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
        <td class="nowrap">{% blocktranslate count counter=task.duration %}{{ counter }} day{% plural %}{{ counter }} days{% endblocktranslate %}</td>
        <td class="nowrap"><progress max="100" value="{{ task.percent_complete }}" aria-hidden="true"></progress> {{ task.percent_complete }} %</td>
        <td class="nowrap">{% if task.total_float is not None %}{{ task.total_float }}{% else %}—{% endif %}</td>
        <td class="nowrap">{% if task.can_edit %}<a class="button button--small" href="{% url 'portfolio:task_row_edit' task.pk %}" hx-get="{% url 'portfolio:task_row_edit' task.pk %}" hx-target="#task-row-{{ task.pk }}" hx-swap="outerHTML">{% translate "Edit" %}<span class="visually-hidden"> {{ task.name }}</span></a>{% endif %}
          {% if project.can_edit %}<form class="task-delete" method="post" action="{% url 'portfolio:task_delete' task.pk %}" hx-post="{% url 'portfolio:task_delete' task.pk %}" hx-target="#task-table" hx-swap="outerHTML">{% csrf_token %}<input type="hidden" name="version" value="{{ task.version }}"><button type="submit" class="button button--small button--danger" data-confirm="{% blocktranslate with name=task.name %}Delete the task “{{ name }}”, its sub-tasks and their dependencies?{% endblocktranslate %}">{% translate "Delete" %}<span class="visually-hidden"> {{ task.name }}</span></button></form>{% endif %}</td>
      </tr>
      {% endfor %}"""  # noqa: E501


class _Project:
    def __init__(self, pk, can_edit):
        self.pk, self.can_edit = pk, can_edit


def _tasks():
    deadline = {
        "variant": "deadline",
        "params": {"task": "Recette <b>", "finish": "2025-03-14", "days": 3, "date": "2025-03-11"},
    }
    specs = [
        dict(
            pk=11, wbs="1", name="Phase <1> & co", is_summary=True, duration=40, total_float=0, critical=True
        ),
        dict(
            pk=12,
            wbs="1.1",
            name='Étude "préalable"',
            duration=1,
            percent_complete=100,
            total_float=-2,
            critical=True,
        ),
        dict(pk=13, wbs="1.2", name="Recette <b>", duration=5, schedule_issues=[deadline], total_float=None),
        dict(pk=14, wbs="2", name="Mise en service", milestone=True, duration=0, start=None, finish=None),
    ]
    tasks = []
    for spec in specs:
        spec.setdefault("start", datetime.date(2025, 1, 6))
        spec.setdefault("finish", datetime.date(2025, 3, 14))
        task = Task(version=3, percent_complete=spec.pop("percent_complete", 40), **spec)
        task.indent_css = f"{0.5 + task.wbs.count('.') * 1.25:.2f}em"
        task.can_edit = task.pk != 14
        tasks.append(task)
    return tasks


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("may_edit_schedule", [True, False])
def test_rows_are_those_the_template_wrote(language, may_edit_schedule):
    project = _Project(7, may_edit_schedule)
    tasks = _tasks()
    context = {"tasks": tasks, "project": project, "csrf_token": "TOKEN123"}
    with translation.override(language):
        expected = engines["django"].from_string(ROWS_TEMPLATE).render(context)
        written = task_rows_html(tasks, project=project, csrf_token="TOKEN123")
        tag = (
            engines["django"].from_string("{% load schedule %}{% task_rows tasks project %}").render(context)
        )

    assert expected.count("<tr id=") == 4
    assert same_markup(written) == same_markup(expected)
    assert same_markup(tag) == same_markup(expected)
    assert "<b>" not in written and "Phase &lt;1&gt; &amp; co" in written
    assert ("TOKEN123" in written) is may_edit_schedule
