"""The project list's rows written in Python say exactly what the row template said."""

import datetime

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from portfolio.list_rows import project_rows_html
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory
from ppm import slots
from ppm.testing import same_markup

# The row of portfolio/partials/project_table.html before it was written in Python.
ROW_TEMPLATE = """{% load i18n presentation schedule slots %}{% for project in object_list %}
      <tr>
        <td><a href="{% url 'portfolio:project_detail' project.pk %}">{{ project.code }}</a></td>
        <td>{{ project.name }}</td>
        <td>{% badge project "status" %}</td>
        {% for extra in extra_columns %}{% if not extra.sort_field %}<td>{% list_cell extra project %}</td>{% endif %}{% endfor %}{% for extra in extra_columns %}{% if extra.sort_field %}<td>{% list_cell extra project %}</td>{% endif %}{% endfor %}
        <td>{{ project.directorate.name }}</td>
        <td>{% if project.manager %}{{ project.manager.get_full_name|default:project.manager.username }}{% else %}<span class="muted">{% translate "none" %}</span>{% endif %}</td>
        <td class="nowrap">{{ project.planned_start|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
        <td class="nowrap">{{ project.planned_end|date:"SHORT_DATE_FORMAT"|default:"—" }}</td>
        <td class="nowrap">{% slippage_badge project.slippage_days %}</td>
        <td><span class="priority priority--{{ project.priority }}">{{ project.get_priority_display }}</span></td>
        <td>{% for objective in project.objectives.all %}<abbr title="{{ objective.name }}">{{ objective.code }}</abbr>{% if not forloop.last %}, {% endif %}{% empty %}—{% endfor %}</td>
      </tr>
      {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_rows_are_those_the_template_wrote(client, pmo_user, manager_user, language):
    objective = ObjectiveFactory(code="OS<1>", name='Servir "mieux" & plus')
    first = ProjectFactory(
        code="A&B",
        name="<script>alert(1)</script> Démat",
        manager=manager_user,
        planned_start=datetime.date(2024, 9, 1),
        planned_end=datetime.date(2025, 6, 30),
        status="in_progress",
        slippage_days=12,
    )
    first.objectives.add(objective, ObjectiveFactory(code="OS2", name="Deux"))
    ProjectFactory(code="NOMGR", name="Sans chef", manager=None, planned_start=None, planned_end=None)
    ProjectFactory(code="EARLY", name="En avance", status="framing", slippage_days=-3)
    client.force_login(pmo_user)
    with translation.override(language):
        response = client.get(reverse("portfolio:project_list"), HTTP_ACCEPT_LANGUAGE=language)
        projects = response.context["object_list"]
        extra_columns = slots.list_columns("portfolio.projects")
        request = RequestFactory().get("/")
        request.user = pmo_user
        expected = (
            engines["django"]
            .from_string(ROW_TEMPLATE)
            .render({"object_list": projects, "extra_columns": extra_columns}, request)
        )
        written = project_rows_html(projects, extra_columns=extra_columns, request=request)
    assert len(projects) == 3
    assert same_markup(written) == same_markup(expected)
    assert "&lt;script&gt;" in written and "<script>" not in written
    assert same_markup(written) in same_markup(response.content.decode())
