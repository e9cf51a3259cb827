"""Import absences from a CSV or XLSX table (ppm.imports: all rows or none, every bad row reported).

One row per absence; the header row names the columns, in English or French, in any order:

==========  ===============================================  ==========================================
column      accepted headers                                 value
==========  ===============================================  ==========================================
resource    resource, name, e-mail, email, ressource, nom,   the resource's name (exact, accents and
            agent, courriel                                  case ignored) or e-mail (required)
start       first day, start, premier jour, début            a date: 2025-08-04 or 04/08/2025 (required)
end         last day, end, dernier jour, fin                 a date (required)
kind        kind, type, nature                               leave, training, sick, other (or their
                                                             English or French names); leave by default
share       share, day share, part, quotité                  share of each day away, 0.5 for half days;
                                                             1 by default
note        note, comment, commentaire                       free text
==========  ===============================================  ==========================================

Every row is checked before anything is written (unknown person, bad dates, an overlap with an
absence already recorded or with another row of the file); the absences are then created by
resources.services.absence_create, as the requester, in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from ppm.imports import Importer, import_job_run
from ppm.models import ReportJob
from ppm.reports import RELIABLE_TASK_OPTIONS
from ppm.text import search_normalise
from ppm.versioning import lock_many
from resources import services
from resources.models import Absence, AbsenceKind, Resource, ResourceKind
from resources.permissions import RULES

IMPORT_KIND = "absence_import"

COLUMNS: dict[str, tuple[str, ...]] = {
    "resource": ("resource", "name", "e-mail", "email", "ressource", "nom", "agent", "personne", "courriel"),
    "start": ("first day", "start", "from", "premier jour", "début", "du"),
    "end": ("last day", "end", "until", "dernier jour", "fin", "au"),
    "kind": ("kind", "type", "nature"),
    "share": ("share", "day share", "part", "quotité", "part de la journée"),
    "note": ("note", "comment", "commentaire"),
}
REQUIRED = ("resource", "start", "end")


def _column_of(header: str) -> str | None:
    for column, aliases in COLUMNS.items():
        if header in aliases:
            return column
    return None


def parse_day(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, no time
        except ValueError:
            continue
    return None


def _kinds() -> dict[str, str]:
    kinds = {value: value for value in AbsenceKind.values}
    for language in ("en", "fr"):
        with translation.override(language):
            kinds.update({search_normalise(str(label)): value for value, label in AbsenceKind.choices})
    kinds.update({"conge": AbsenceKind.LEAVE, "conges": AbsenceKind.LEAVE, "maladie": AbsenceKind.SICK})
    return kinds


class AbsenceImporter(Importer):
    """Rows → absence data → resources.services.absence_create (one instance per run)."""

    def __init__(self) -> None:
        self._by_name: dict[str, list[int]] | None = None
        self._by_email: dict[str, int] = {}
        self._resources: dict[int, Resource] = {}
        self._kinds = _kinds()
        self._in_file: dict[int, list[tuple[date, date, int]]] = {}

    def _lookups(self) -> None:
        if self._by_name is not None:
            return
        self._by_name = {}
        people = Resource.objects.exclude(kind=ResourceKind.GENERIC).select_related("team")
        for resource in people:
            self._resources[resource.pk] = resource
            self._by_name.setdefault(search_normalise(resource.name), []).append(resource.pk)
            if resource.email:
                self._by_email[resource.email.casefold()] = resource.pk

    def validate_row(self, job: ReportJob, line: int, row: dict[str, str]) -> dict:
        self._lookups()
        assert self._by_name is not None
        values: dict[str, str] = {}
        for header, value in row.items():
            column = _column_of(header)
            if column is not None and column not in values:
                values[column] = value.strip()
        errors: dict[str, list[str]] = {}
        for column in REQUIRED:
            if not values.get(column):
                errors.setdefault(column, []).append(_("This column is required."))
        resource = None
        who = values.get("resource", "")
        if who:
            if "@" in who:
                pk = self._by_email.get(who.casefold())
                candidates = [pk] if pk else []
            else:
                candidates = self._by_name.get(search_normalise(who), [])
            if not candidates:
                errors.setdefault("resource", []).append(_("Nobody named “%(value)s”.") % {"value": who})
            elif len(candidates) > 1:
                errors.setdefault("resource", []).append(
                    _("Several people are named “%(value)s”: give their e-mail instead.") % {"value": who}
                )
            else:
                resource = self._resources[candidates[0]]
                if not RULES.allows(job.requested_by, "absence.change", resource):
                    errors.setdefault("resource", []).append(
                        _("You may not record absences of %(name)s.") % {"name": resource.name}
                    )
        days: dict[str, date | None] = {}
        for column in ("start", "end"):
            if values.get(column):
                days[column] = parse_day(values[column])
                if days[column] is None:
                    errors.setdefault(column, []).append(
                        _("“%(value)s” is not a date (2025-08-04 or 04/08/2025).") % {"value": values[column]}
                    )
        kind: str = AbsenceKind.LEAVE
        if values.get("kind"):
            kind = self._kinds.get(search_normalise(values["kind"]), "")
            if not kind:
                errors.setdefault("kind", []).append(
                    _("Unknown kind “%(value)s” (leave, training, sick leave or other).")
                    % {"value": values["kind"]}
                )
        share = Decimal("1")
        if values.get("share"):
            try:
                share = Decimal(values["share"].replace(",", "."))
            except InvalidOperation:
                errors.setdefault("share", []).append(_("Enter a number."))
        if errors:
            raise ValidationError(errors)
        assert resource is not None
        start, end = days["start"], days["end"]
        assert start is not None and end is not None
        data: dict = {
            "kind": kind,
            "start": start,
            "end": end,
            "day_share": share,
            "note": values.get("note", ""),
        }
        # The service's own rules (range, share, active dates, overlap with recorded absences), checked
        # now on an unsaved absence, and the overlap with the file's earlier rows.
        candidate = Absence(resource=resource, **data)
        found: dict[str, list[str]] = {}
        services.validate_absence(candidate, resource, found)
        for first, last, other_line in self._in_file.get(resource.pk, []):
            if first <= end and last >= start:
                found.setdefault("start", []).append(
                    _("Overlaps the absence of line %(line)d of the file.") % {"line": other_line}
                )
        if found:
            raise ValidationError(found)
        self._in_file.setdefault(resource.pk, []).append((start, end, line))
        return {"resource": resource, "data": data}

    def write_row(self, job: ReportJob, cleaned: dict) -> None:
        services.absence_create(actor=job.requested_by, resource=cleaned["resource"], data=cleaned["data"])

    def before_writes(self, job: ReportJob, rows: list[dict]) -> None:
        # Every person of the file locked first, in id order (absence_create locks each as its row
        # comes): two imports naming the same people in another order wait instead of deadlocking.
        lock_many(Resource, {row["resource"].pk for row in rows})


@shared_task(bind=True, **RELIABLE_TASK_OPTIONS)
def import_absences(self, job_id: int) -> None:
    """Import the absences of ReportJob `job_id`'s table: all rows or none (no-op when done)."""
    import_job_run(
        job_id=job_id, importer=AbsenceImporter(), can_retry=self.request.retries < self.max_retries
    )
