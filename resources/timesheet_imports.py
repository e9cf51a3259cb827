"""Import time from a CSV or XLSX table (ppm.imports: every row checked first, all or nothing).

One row per person, day and project (or activity); headers in English or French, in any order:

=============  =============================================  =========================================
column         accepted headers                               value
=============  =============================================  =========================================
person         person, e-mail, email, name, personne, nom     the person's e-mail or name (required)
date           date, day, jour                                2025-03-03 or 03/03/2025 (required)
project        project, project code, projet, code projet     a project's code (or give an activity)
activity       activity, activity code, activité              a non-project activity's code
days           days, jours                                    days (half-day steps), or give hours
hours          hours, heures                                  hours (converted with PILOTIS_HOURS_PER_DAY)
note           note, comment, commentaire                     free text
=============  =============================================  =========================================

Rows are written by resources.timesheets.time_entry_import as the requester (the project office), into
draft or returned weeks only.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portfolio.models import Project
from ppm.exceptions import DomainValidationError
from ppm.imports import Importer
from ppm.models import ReportJob, User
from ppm.versioning import lock_many
from resources import timesheets as services
from resources.models import NonProjectActivity, Resource

IMPORT_KIND = "timesheet_import"

COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("person", "e-mail", "email", "name", "personne", "nom", "courriel"),
    "date": ("date", "day", "jour"),
    "project": ("project", "project code", "projet", "code projet", "code du projet"),
    "activity": ("activity", "activity code", "activité", "code activité"),
    "days": ("days", "jours", "temps (jours)"),
    "hours": ("hours", "heures"),
    "note": ("note", "comment", "commentaire"),
}


def _column_of(header: str) -> str | None:
    for column, aliases in COLUMNS.items():
        if header in aliases:
            return column
    return None


def _parse_date(text: str) -> date:
    text = text.strip()
    try:
        if "-" in text:
            return date.fromisoformat(text[:10])
        day, month, year = (int(part) for part in text.split("/"))
        return date(year, month, day)
    except ValueError:
        pass
    raise ValidationError(
        {"date": [_("“%(value)s” is not a date (2025-03-03 or 03/03/2025).") % {"value": text[:20]}]}
    )


class TimeImporter(Importer):
    def __init__(self) -> None:
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._people: dict[str, int] = {}
        for pk, name, email, user_email in Resource.objects.filter(kind="person").values_list(
            "pk", "name", "email", "user__email"
        ):
            self._people.setdefault(name.casefold(), pk)
            for mail in (email, user_email):
                if mail:
                    self._people[mail.casefold()] = pk
        self._projects = {
            code.casefold(): pk for pk, code in services.bookable_projects().values_list("pk", "code")
        }
        self._activities = {
            code.casefold(): pk
            for pk, code in NonProjectActivity.objects.filter(is_active=True).values_list("pk", "code")
        }
        self._loaded = True

    def validate_row(self, job: ReportJob, line: int, row: dict[str, str]) -> dict:
        self._load()
        values = {}
        for header, value in row.items():
            column = _column_of(header)
            if column:
                values[column] = (value or "").strip()
        errors: dict[str, list[str]] = {}
        person = self._people.get(values.get("person", "").casefold())
        if not values.get("person"):
            errors["person"] = [_("Give the person's e-mail or name.")]
        elif person is None:
            errors["person"] = [_("No person “%(value)s”.") % {"value": values["person"][:60]}]
        day = None
        try:
            day = _parse_date(values.get("date", ""))
        except ValidationError as error:
            errors.update(error.message_dict)
        project = self._projects.get(values.get("project", "").casefold()) if values.get("project") else None
        activity = (
            self._activities.get(values.get("activity", "").casefold()) if values.get("activity") else None
        )
        if values.get("project") and project is None:
            errors["project"] = [
                _("No open project with the code “%(value)s”.") % {"value": values["project"][:40]}
            ]
        if values.get("activity") and activity is None:
            errors["activity"] = [
                _("No activity with the code “%(value)s”.") % {"value": values["activity"][:40]}
            ]
        if not values.get("project") and not values.get("activity"):
            errors["project"] = [_("Give a project code or an activity code.")]
        elif values.get("project") and values.get("activity"):
            errors["project"] = [_("Give a project code or an activity code, not both.")]
        days = None
        try:
            if values.get("days"):
                days = services.parse_time(values["days"], in_unit="days")
            elif values.get("hours"):
                days = services.parse_time(values["hours"], in_unit="hours")
            else:
                errors["days"] = [_("Give the time in days or hours.")]
        except DomainValidationError as error:
            errors["days"] = error.field_errors["days"]
        if errors:
            raise ValidationError(errors)
        return {
            "resource": person,
            "day": day,
            "project": project,
            "activity": activity,
            "days": days,
            "note": values.get("note", "")[:200],
        }

    def before_writes(self, job: ReportJob, rows: list[dict]) -> None:
        # Every person of the file locked first, in id order (their weeks are then locked as rows come,
        # by this import only): two imports naming the same people in another order wait instead of
        # deadlocking on each other's weeks.
        lock_many(Resource, {int(row["resource"]) for row in rows}, no_key=True)

    def write_row(self, job: ReportJob, cleaned: dict) -> None:
        actor = User.objects.get(pk=int(job.requested_by_id or 0))
        try:
            services.time_entry_import(
                actor=actor,
                resource=Resource.objects.get(pk=int(cleaned["resource"])),
                day=cleaned["day"],
                project=Project.objects.get(pk=cleaned["project"]) if cleaned["project"] else None,
                activity=NonProjectActivity.objects.get(pk=cleaned["activity"])
                if cleaned["activity"]
                else None,
                days=cleaned["days"],
                note=cleaned["note"],
            )
        except DomainValidationError as error:
            raise ValidationError(str(error.text)) from error
