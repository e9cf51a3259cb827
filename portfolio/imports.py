"""Import projects from a CSV or XLSX table (the first client of ppm.imports).

One row per project; the header row names the columns, in English or French, in any order:

=================  ====================================  =====================================
column             accepted headers                      value
=================  ====================================  =====================================
code               code                                  unique reference (required)
name               name, nom                             (required)
directorate        directorate, direction                a directorate's code or name (required)
manager            manager, project manager,             a user's login
                   chef·fe de projet, chef de projet
planned_start      planned start, début prévu            a date (2025-03-01, or 01/03/2025 in French)
planned_end        planned end, fin prévue               a date
priority           priority, priorité                    1–4 or the priority's name
description        description
tags               tags, étiquettes                      comma-separated
=================  ====================================  =====================================

Every row is checked with the project form (the same rules as the page) before anything is
written; projects are then created by portfolio.services.project_create, as the requester, in
one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portfolio import services
from portfolio.forms import ProjectForm
from portfolio.models import Priority
from ppm.imports import Importer
from ppm.models import Directorate, ReportJob, User

IMPORT_KIND = "project_import"

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "reference", "référence"),
    "name": ("name", "nom", "project name", "nom du projet"),
    "directorate": ("directorate", "direction", "sponsoring directorate", "direction commanditaire"),
    "manager": ("manager", "project manager", "chef·fe de projet", "chef de projet", "cheffe de projet"),
    "planned_start": ("planned start", "planned_start", "start", "début prévu", "date de début", "début"),
    "planned_end": ("planned end", "planned_end", "end", "fin prévue", "date de fin", "fin"),
    "priority": ("priority", "priorité"),
    "description": ("description",),
    "tags": ("tags", "étiquettes", "mots-clés"),
}
REQUIRED = ("code", "name", "directorate")


def _column_of(header: str) -> str | None:
    for column, aliases in COLUMNS.items():
        if header in aliases:
            return column
    return None


class ProjectImporter(Importer):
    """Rows → ProjectForm data → portfolio.services.project_create (one instance per run)."""

    def __init__(self) -> None:
        self._codes_seen: dict[str, int] = {}
        self._directorates: dict[str, int] | None = None
        self._users: dict[str, int] | None = None
        self._priorities: dict[str, int] | None = None

    def _lookups(self) -> None:
        if self._directorates is None:
            self._directorates = {}
            for pk, code, name in Directorate.objects.filter(is_active=True).values_list(
                "pk", "code", "name"
            ):
                self._directorates.setdefault(name.casefold(), pk)
                self._directorates[code.casefold()] = pk
            self._users = {
                username.casefold(): pk
                for pk, username in User.objects.filter(is_active=True).values_list("pk", "username")
            }
            self._priorities = {str(value): value for value in Priority.values}
            self._priorities.update({str(label).casefold(): value for value, label in Priority.choices})

    def validate_row(self, job: ReportJob, line: int, row: dict[str, str]) -> dict:
        self._lookups()
        assert self._directorates is not None and self._users is not None and self._priorities is not None
        values: dict[str, str] = {}
        for header, value in row.items():
            column = _column_of(header)
            if column is not None and column not in values:
                values[column] = value
        errors: dict[str, list[str]] = {}
        for column in REQUIRED:
            if not values.get(column):
                errors.setdefault(column, []).append(_("This column is required."))
        data = {
            "code": values.get("code", ""),
            "name": values.get("name", ""),
            "description": values.get("description", ""),
            "planned_start": values.get("planned_start", ""),
            "planned_end": values.get("planned_end", ""),
            "tags": values.get("tags", ""),
            "priority": Priority.MEDIUM,
        }
        if values.get("directorate"):
            directorate = self._directorates.get(values["directorate"].casefold())
            if directorate is None:
                errors.setdefault("directorate", []).append(
                    _("Unknown directorate “%(value)s”.") % {"value": values["directorate"]}
                )
            data["directorate"] = directorate
        if values.get("manager"):
            manager = self._users.get(values["manager"].casefold())
            if manager is None:
                errors.setdefault("manager", []).append(
                    _("Unknown user “%(value)s”.") % {"value": values["manager"]}
                )
            data["manager"] = manager
        if values.get("priority"):
            priority = self._priorities.get(values["priority"].casefold())
            if priority is None:
                errors.setdefault("priority", []).append(
                    _("Unknown priority “%(value)s” (1 to 4).") % {"value": values["priority"]}
                )
            data["priority"] = priority
        code = values.get("code", "").strip().casefold()
        if code and code in self._codes_seen:
            errors.setdefault("code", []).append(
                _("This code is already used on line %(line)d of the file.")
                % {"line": self._codes_seen[code]}
            )
        form = ProjectForm(data=data)
        if not form.is_valid():
            for field, messages in form.errors.items():
                if field not in errors:  # one explanation per column is enough
                    errors[field] = [str(message) for message in messages]
        if errors:
            raise ValidationError(errors)
        self._codes_seen[code] = line
        return form.service_data()

    def write_row(self, job: ReportJob, cleaned: dict) -> None:
        services.project_create(actor=job.requested_by, **cleaned)
