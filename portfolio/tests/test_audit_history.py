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
