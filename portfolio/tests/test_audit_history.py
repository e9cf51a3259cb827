"""The project's history through the audit log: readers' language, removed fields."""

import pytest
from django.utils import translation

from portfolio.rules import ProjectStatus
from portfolio.services import project_transition, project_update
from portfolio.tests.factories import ProjectFactory
from ppm.audit import audit_entries_for

pytestmark = pytest.mark.django_db


def test_history_is_shown_in_the_readers_language(pmo_user, directorate):
    project = ProjectFactory(directorate=directorate, status=ProjectStatus.DEMAND)
    with translation.override("en"):
        project_transition(actor=pmo_user, project=project, action="start_framing")
        project_update(actor=pmo_user, project=project, data={"priority": 1})
    transition_entry, update_entry = list(audit_entries_for(project).order_by("at", "pk"))
    with translation.override("en"):
        assert transition_entry.display_changes == [
            {"field": "status", "label": "status", "old": "Demand", "new": "Framing"}
        ]
    with translation.override("fr"):
        [status] = transition_entry.display_changes
        [priority] = update_entry.display_changes
    assert (status["label"], status["old"], status["new"]) == ("statut", "Demande", "Cadrage")
    assert (priority["label"], priority["new"]) == ("priorité", "Critique")


def test_stored_values_are_the_fallback_for_removed_fields(pmo_user, directorate):
    project = ProjectFactory(directorate=directorate)
    project_update(actor=pmo_user, project=project, data={"name": "Renamed"})
    entry = audit_entries_for(project).first()
    entry.changes["legacy_field"] = {"label": "old label", "old": "a", "new": "b"}
    rows = {row["field"]: row for row in entry.display_changes}
    assert rows["legacy_field"]["label"] == "old label"
    assert rows["name"]["new"] == "Renamed"


# The project page's history items before they were written in Python (ppm.audit.audit_entry_items_html).
_FORMER_ITEMS = """{% load i18n %}{% for entry in audit_entries %}
        <li class="audit-entry">
          <p class="audit-entry__meta">
            <time datetime="{{ entry.at|date:'c' }}">{{ entry.at|date:"SHORT_DATETIME_FORMAT" }}</time>
            — <strong>{{ entry.actor|default:_("system") }}</strong> · {{ entry.get_action_display }}{% if entry.related_object_id %}
            · {% blocktranslate with kind=entry.object_type|capfirst name=entry.object_repr %}{{ kind }} “{{ name }}”{% endblocktranslate %}{% endif %}
          </p>
          {% if entry.changes %}
          <dl class="audit-entry__changes">
            {% for change in entry.display_changes %}
            <div>
              <dt>{{ change.label|capfirst }}</dt>
              <dd>
                {% if change.old %}<del><span class="visually-hidden">{% translate "before:" %} </span>{{ change.old|truncatechars:200 }}</del> <span aria-hidden="true">→</span>{% endif %}
                <ins><span class="visually-hidden">{% translate "after:" %} </span>{{ change.new|default:"—"|truncatechars:200 }}</ins>
              </dd>
            </div>
            {% endfor %}
          </dl>
          {% endif %}
        </li>
        {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "fr"])
def test_history_items_written_in_python_equal_the_former_template(pmo_user, directorate, language):
    import re

    from django.contrib.contenttypes.models import ContentType
    from django.template import engines

    from portfolio.models import Project, Task
    from ppm.audit import audit_entry_items_html
    from ppm.models import AuditEntry

    project = ProjectFactory(directorate=directorate, status=ProjectStatus.DEMAND, name="A & <b>")
    project_transition(actor=pmo_user, project=project, action="start_framing")
    project_update(actor=pmo_user, project=project, data={"priority": 1, "description": "x<y " * 80})
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Task),
        object_id=7,
        object_repr='Build "it" <script>',
        related_content_type=ContentType.objects.get_for_model(Project),
        related_object_id=project.pk,
        action=AuditEntry.Action.UPDATE,
        actor=None,
        changes={
            "name": {"label": "name", "old": "", "new": "Build it"},
            "notes": {"label": "notes", "old": "l'ancien", "new": ""},
        },
    )
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project.pk,
        object_repr=str(project),
        action=AuditEntry.Action.CREATE,
        changes={},
    )
    entries = list(audit_entries_for(project))
    assert len(entries) == 4

    def squeezed(html) -> str:  # runs of whitespace are one space, for the browser as here
        return re.sub(r"\s+", " ", str(html)).strip()

    with translation.override(language):
        former = engines["django"].from_string(_FORMER_ITEMS).render({"audit_entries": entries})
        written = audit_entry_items_html(entries)
    assert squeezed(written) == squeezed(former)
    assert "&lt;script&gt;" in written and "…" in written
