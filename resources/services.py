"""Writes of the resource register: resources, absences, background load, and the reference data of the
project office (teams, vendors, role profiles).

Every service is keyword-only, runs in one transaction, checks who may write through the app's rule
table (resources.permissions.RULES: `resource.change`, `absence.change`), locks the row it changes with
the version the caller read (`expected_version`: StaleVersionError, 412, when someone changed it since),
validates everything before saving (DomainValidationError with field errors, in the user's language) and
records the change in the audit log. Absences and background loads are recorded with their resource as
parent, so they show in the resource's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from ppm.audit import audit_record, audited
from ppm.exceptions import DomainValidationError
from ppm.models import AuditEntry
from ppm.versioning import lock_for_update, save_versioned
from resources.capacity_plan import changes_capacity
from resources.models import (
    Absence,
    AbsenceKind,
    BackgroundLoad,
    Profile,
    Resource,
    ResourceKind,
    Team,
    Vendor,
)
from resources.permissions import RULES

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")
NAME_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 5000
DAILY_COST_MAX = Decimal("9999999.99")
DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2100, 12, 31)

RESOURCE_FIELDS = (
    "name",
    "kind",
    "user",
    "is_external",
    "vendor",
    "directorate",
    "team",
    "manager",
    "primary_profile",
    "week_pattern",
    "active_from",
    "active_until",
    "daily_cost",
    "email",
    "notes",
)


def _short(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _text(value: Any, *, field: str, errors: dict, required: bool = False, limit: int = NAME_MAX_LENGTH):
    text = ("" if value is None else str(value)).strip()
    if "\x00" in text:
        errors.setdefault(field, []).append(_("Text cannot contain NUL characters."))
    elif required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": limit})
    return text


def _date_in_range(value, *, field: str, errors: dict) -> None:
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        errors.setdefault(field, []).append(
            _("Enter a date between %(min)s and %(max)s.") % {"min": DATE_MIN.year, "max": DATE_MAX.year}
        )


# --------------------------------------------------------------------------------- weekly pattern


def clean_week_pattern(value: Any) -> list[str]:
    """Five shares of a day, Monday to Friday, each between 0 and 1 with at most two decimals
    ("1", "0.5", "0", "0.8"…), as normalised strings; DomainValidationError otherwise."""
    message = _(
        "Give five values, Monday to Friday, each between 0 and 1 (1 = full day, 0.5 = half day, "
        "0 = not worked)."
    )
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",")]
    if not isinstance(value, list | tuple) or len(value) != 5:
        raise DomainValidationError(field_errors={"week_pattern": [message]})
    result = []
    for item in value:
        if isinstance(item, bool):
            raise DomainValidationError(field_errors={"week_pattern": [message]})
        try:
            share = Decimal(str(item).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise DomainValidationError(field_errors={"week_pattern": [message]}) from None
        if not share.is_finite() or not ZERO <= share <= ONE or share != share.quantize(Decimal("0.01")):
            raise DomainValidationError(field_errors={"week_pattern": [message]})
        result.append(format(share.normalize(), "f"))
    return result


# -------------------------------------------------------------------------------------- resources


def _validate_resource(resource: Resource, errors: dict) -> None:
    """The register's rules, on the instance as it would be saved."""
    if resource.kind == ResourceKind.GENERIC:
        if resource.user_id is not None:
            errors.setdefault("user", []).append(_("A generic resource is not a person: it has no account."))
        if resource.vendor_id is not None:
            errors.setdefault("vendor", []).append(
                _("A generic resource has no vendor: staff it with a named consultant instead.")
            )
    else:
        if resource.is_external and resource.vendor_id is None:
            errors.setdefault("vendor", []).append(_("An external consultant works for a vendor: choose it."))
        if not resource.is_external and resource.vendor_id is not None:
            errors.setdefault("vendor", []).append(
                _("Only external consultants have a vendor: tick “external” or clear the vendor.")
            )
    if resource.active_from and resource.active_until and resource.active_until < resource.active_from:
        errors.setdefault("active_until", []).append(
            _("The end of activity must be on or after its start (%(start)s).")
            % {"start": _short(resource.active_from)}
        )
    _date_in_range(resource.active_from, field="active_from", errors=errors)
    _date_in_range(resource.active_until, field="active_until", errors=errors)
    if resource.daily_cost is None or resource.daily_cost < ZERO or resource.daily_cost > DAILY_COST_MAX:
        errors.setdefault("daily_cost", []).append(_("Enter an amount between 0 and 9,999,999.99."))
    team = resource.team if resource.team_id is not None else None
    if team is not None and team.directorate_id != resource.directorate_id:
        errors.setdefault("team", []).append(
            _("The team “%(team)s” belongs to another directorate.") % {"team": team}
        )
    if resource.user_id is not None:
        taken = Resource.objects.filter(user_id=resource.user_id).exclude(pk=resource.pk).first()
        if taken is not None:
            errors.setdefault("user", []).append(
                _("This account is already linked to the resource “%(name)s”.") % {"name": taken.name}
            )
    try:
        resource.full_clean(exclude=["week_pattern", "user", "profiles"], validate_unique=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field not in errors:
                errors[field] = list(messages)


def _apply(resource: Resource, data: Mapping[str, Any], errors: dict) -> None:
    for name in RESOURCE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("name", "email"):
            value = _text(value, field=name, errors=errors, required=name == "name")
        elif name == "notes":
            value = _text(value, field=name, errors=errors, limit=NOTES_MAX_LENGTH)
        elif name == "week_pattern":
            try:
                value = clean_week_pattern(value)
            except DomainValidationError as error:
                errors.update(error.field_errors)
                continue
        elif name == "daily_cost":
            value = ZERO if value in (None, "") else value
        setattr(resource, name, value)
    if resource.kind == ResourceKind.GENERIC:
        resource.user = None


def _profiles(resource: Resource, data: Mapping[str, Any]) -> list[Profile] | None:
    """The roles to save: those given (the main role always among them), or None when unchanged."""
    if "profiles" not in data and "primary_profile" not in data:
        return None
    given = list(data.get("profiles") or (resource.profiles.all() if resource.pk else []))
    if resource.primary_profile_id and all(p.pk != resource.primary_profile_id for p in given):
        given.append(resource.primary_profile)
    return sorted(set(given), key=lambda profile: profile.pk)


@transaction.atomic
@changes_capacity
def resource_create(*, actor, data: Mapping[str, Any]) -> Resource:
    """A new resource (person or generic) with its roles; validated, audited. Project office only."""
    RULES.check(actor, "resource.change")
    resource = Resource()
    errors: dict[str, list[str]] = {}
    _apply(resource, {"week_pattern": ["1"] * 5, **data}, errors)
    if not errors:
        _validate_resource(resource, errors)
    if errors:
        raise DomainValidationError(field_errors=errors)
    with audited(resource, actor, Resource.audit_fields):
        save_versioned(resource)
        resource.profiles.set(_profiles(resource, data) or [resource.primary_profile])
    return resource


@transaction.atomic
@changes_capacity
def resource_update(
    *, actor, resource: Resource, data: Mapping[str, Any], expected_version: int | None = None
) -> Resource:
    """Change a resource's fields and roles (those in `data` only). 412 when it changed since
    `expected_version`; nothing is written (nor recorded) when nothing changed."""
    RULES.check(actor, "resource.change", resource)
    resource = lock_for_update(Resource, resource.pk, expected_version)
    errors: dict[str, list[str]] = {}
    with audited(resource, actor, Resource.audit_fields) as audit:
        _apply(resource, data, errors)
        if not errors:
            _validate_resource(resource, errors)
        if errors:
            raise DomainValidationError(field_errors=errors)
        profiles = _profiles(resource, data)
        current = sorted(resource.profiles.all(), key=lambda profile: profile.pk)
        if audit.changed() or (profiles is not None and profiles != current):
            save_versioned(resource)
            if profiles is not None and profiles != current:
                resource.profiles.set(profiles)
    return resource


def _set_active(*, actor, resource: Resource, active: bool, expected_version: int | None) -> Resource:
    RULES.check(actor, "resource.change", resource)
    resource = lock_for_update(Resource, resource.pk, expected_version)
    if resource.is_active == active:
        return resource
    resource.is_active = active
    save_versioned(resource, update_fields=["is_active"])
    label = str(Resource._meta.get_field("is_active").verbose_name)
    audit_record(
        instance=resource,
        action=AuditEntry.Action.UPDATE,
        actor=actor,
        changes={
            "is_active": {
                "label": label,
                "old": str(not active),
                "new": str(active),
            }
        },
    )
    return resource


@transaction.atomic
@changes_capacity
def resource_deactivate(*, actor, resource: Resource, expected_version: int | None = None) -> Resource:
    """Take a resource out of the register's active list (its history, absences and plans stay)."""
    return _set_active(actor=actor, resource=resource, active=False, expected_version=expected_version)


@transaction.atomic
@changes_capacity
def resource_reactivate(*, actor, resource: Resource, expected_version: int | None = None) -> Resource:
    return _set_active(actor=actor, resource=resource, active=True, expected_version=expected_version)


# --------------------------------------------------------------------------------------- absences

ABSENCE_FIELDS = ("kind", "start", "end", "day_share", "note")


def validate_absence(absence: Absence, resource: Resource, errors: dict) -> None:
    if absence.kind not in AbsenceKind.values:
        errors.setdefault("kind", []).append(_("Choose a kind of absence."))
    if absence.start is None:
        errors.setdefault("start", []).append(_("This field is required."))
    if absence.end is None:
        errors.setdefault("end", []).append(_("This field is required."))
    if absence.start and absence.end:
        _date_in_range(absence.start, field="start", errors=errors)
        _date_in_range(absence.end, field="end", errors=errors)
        if absence.end < absence.start:
            errors.setdefault("end", []).append(
                _("The last day must be on or after the first day (%(start)s).")
                % {"start": _short(absence.start)}
            )
        if resource.active_from and absence.start < resource.active_from:
            errors.setdefault("start", []).append(
                _("%(name)s is active from %(day)s only.")
                % {"name": resource.name, "day": _short(resource.active_from)}
            )
        if resource.active_until and absence.end > resource.active_until:
            errors.setdefault("end", []).append(
                _("%(name)s is active until %(day)s only.")
                % {"name": resource.name, "day": _short(resource.active_until)}
            )
    share = absence.day_share
    if share is None or not ZERO < share <= ONE or share != share.quantize(Decimal("0.01")):
        errors.setdefault("day_share", []).append(
            _("Enter the share of each day away, above 0 and at most 1 (0.5 for half days).")
        )
    if resource.is_generic:
        errors.setdefault("resource", []).append(_("A generic resource has no absences."))
    if errors:
        return
    overlap = (
        Absence.objects.filter(resource=resource, start__lte=absence.end, end__gte=absence.start)
        .exclude(pk=absence.pk)
        .order_by("start")
        .first()
    )
    if overlap is not None:
        errors.setdefault("start", []).append(
            _("%(name)s is already away from %(start)s to %(end)s (%(kind)s): change that absence instead.")
            % {
                "name": resource.name,
                "start": _short(overlap.start),
                "end": _short(overlap.end),
                "kind": overlap.get_kind_display().lower(),
            }
        )


def _apply_absence(absence: Absence, data: Mapping[str, Any], errors: dict) -> None:
    for name in ABSENCE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "note":
            value = _text(value, field="note", errors=errors)
        elif name == "day_share":
            try:
                value = Decimal(str(value if value not in (None, "") else "1"))
            except (InvalidOperation, ValueError):
                errors.setdefault("day_share", []).append(_("Enter a number."))
                continue
        setattr(absence, name, value)


@transaction.atomic
@changes_capacity
def absence_create(*, actor, resource: Resource, data: Mapping[str, Any]) -> Absence:
    """Record days a person is away (inclusive range, `day_share` 0.5 for half days). Refused when it
    overlaps another absence of the same person (the message names it) or leaves their active dates."""
    RULES.check(actor, "absence.change", resource)
    resource = lock_for_update(Resource, resource.pk)  # serialises the overlap check per person
    absence = Absence(resource=resource)
    errors: dict[str, list[str]] = {}
    _apply_absence(absence, {"kind": AbsenceKind.LEAVE, "day_share": ONE, **data}, errors)
    if not errors:
        validate_absence(absence, resource, errors)
    if errors:
        raise DomainValidationError(field_errors=errors)
    with audited(absence, actor, Absence.audit_fields):
        save_versioned(absence)
    return absence


@transaction.atomic
@changes_capacity
def absence_update(
    *, actor, absence: Absence, data: Mapping[str, Any], expected_version: int | None = None
) -> Absence:
    RULES.check(actor, "absence.change", absence)
    resource = lock_for_update(Resource, absence.resource_id)
    absence = lock_for_update(Absence, absence.pk, expected_version)
    errors: dict[str, list[str]] = {}
    with audited(absence, actor, Absence.audit_fields) as audit:
        _apply_absence(absence, data, errors)
        if not errors:
            validate_absence(absence, resource, errors)
        if errors:
            raise DomainValidationError(field_errors=errors)
        if audit.changed():
            save_versioned(absence)
    return absence


@transaction.atomic
@changes_capacity
def absence_delete(*, actor, absence: Absence, expected_version: int | None = None) -> None:
    RULES.check(actor, "absence.change", absence)
    absence = lock_for_update(Absence, absence.pk, expected_version)
    audit_record(instance=absence, action=AuditEntry.Action.DELETE, actor=actor)
    absence.delete()


# -------------------------------------------------------------------------------- background load

BACKGROUND_FIELDS = ("label", "start", "end", "share")


def _validate_background(load: BackgroundLoad, resource: Resource, errors: dict) -> None:
    if not load.label:
        errors.setdefault("label", []).append(_("Name the activity, e.g. run or user support."))
    if load.start is None:
        errors.setdefault("start", []).append(_("This field is required."))
    else:
        _date_in_range(load.start, field="start", errors=errors)
    _date_in_range(load.end, field="end", errors=errors)
    if load.start and load.end and load.end < load.start:
        errors.setdefault("end", []).append(_("The end must be on or after the start."))
    share = load.share
    if share is None or not ZERO <= share <= HUNDRED or share != share.quantize(Decimal("0.01")):
        errors.setdefault("share", []).append(_("Enter a percentage between 0 and 100."))
    if resource.is_generic:
        errors.setdefault("resource", []).append(_("A generic resource has no background load."))
    if errors:
        return
    others = BackgroundLoad.objects.filter(resource=resource).exclude(pk=load.pk)
    # The total can only peak where a period starts: check the new period's start and every other
    # period's start inside it.
    overlapping = [
        other
        for other in others
        if (other.end is None or other.end >= load.start) and (load.end is None or other.start <= load.end)
    ]
    points = {load.start} | {other.start for other in overlapping if other.start >= load.start}
    for point in sorted(points):
        total = load.share + sum(
            (o.share for o in overlapping if o.start <= point and (o.end is None or o.end >= point)), ZERO
        )
        if total > HUNDRED:
            errors.setdefault("share", []).append(
                _(
                    "With the other background loads of %(name)s on %(day)s the total would be %(total)s %%: "
                    "it cannot exceed 100 %%."
                )
                % {"name": resource.name, "day": _short(point), "total": formats.number_format(total, 0)}
            )
            break


def _apply_background(load: BackgroundLoad, data: Mapping[str, Any], errors: dict) -> None:
    for name in BACKGROUND_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "label":
            value = _text(value, field="label", errors=errors, limit=100)
        elif name == "share":
            try:
                value = Decimal(str(value))
            except (InvalidOperation, ValueError):
                errors.setdefault("share", []).append(_("Enter a number."))
                continue
        setattr(load, name, value)


@transaction.atomic
@changes_capacity
def background_load_create(*, actor, resource: Resource, data: Mapping[str, Any]) -> BackgroundLoad:
    """A share (0–100 %) of a person's time taken by non-project work over a period (open-ended
    without `end`); overlapping periods may not add up to more than 100 %."""
    RULES.check(actor, "resource.change", resource)
    resource = lock_for_update(Resource, resource.pk)
    load = BackgroundLoad(resource=resource)
    errors: dict[str, list[str]] = {}
    _apply_background(load, data, errors)
    if not errors:
        _validate_background(load, resource, errors)
    if errors:
        raise DomainValidationError(field_errors=errors)
    with audited(load, actor, BackgroundLoad.audit_fields):
        save_versioned(load)
    return load


@transaction.atomic
@changes_capacity
def background_load_update(
    *, actor, load: BackgroundLoad, data: Mapping[str, Any], expected_version: int | None = None
) -> BackgroundLoad:
    RULES.check(actor, "resource.change", load.resource)
    resource = lock_for_update(Resource, load.resource_id)
    load = lock_for_update(BackgroundLoad, load.pk, expected_version)
    errors: dict[str, list[str]] = {}
    with audited(load, actor, BackgroundLoad.audit_fields) as audit:
        _apply_background(load, data, errors)
        if not errors:
            _validate_background(load, resource, errors)
        if errors:
            raise DomainValidationError(field_errors=errors)
        if audit.changed():
            save_versioned(load)
    return load


@transaction.atomic
@changes_capacity
def background_load_delete(*, actor, load: BackgroundLoad, expected_version: int | None = None) -> None:
    RULES.check(actor, "resource.change", load.resource)
    load = lock_for_update(BackgroundLoad, load.pk, expected_version)
    audit_record(instance=load, action=AuditEntry.Action.DELETE, actor=actor)
    load.delete()


# ------------------------------------------------------------------- reference data (project office)

TEAM_FIELDS = ("code", "name", "directorate", "manager", "is_active")
VENDOR_FIELDS = ("name", "siret", "is_active")
PROFILE_FIELDS = ("code", "name", "family", "order", "is_active")


def _save_reference(*, actor, instance, data: Mapping[str, Any], fields: Iterable[str]):
    fields = tuple(fields)
    errors: dict[str, list[str]] = {}
    with audited(instance, actor, fields) as audit:
        for name in fields:
            if name in data:
                value = data[name]
                if name in ("code", "name", "siret"):
                    value = _text(value, field=name, errors=errors, required=name != "siret")
                setattr(instance, name, value)
        if not errors:
            try:
                instance.full_clean()
            except ValidationError as error:
                errors.update({field: list(messages) for field, messages in error.message_dict.items()})
        if errors:
            raise DomainValidationError(field_errors=errors)
        if audit.changed():
            instance.save()
    return instance


@transaction.atomic
def team_create(*, actor, data: Mapping[str, Any]) -> Team:
    RULES.check(actor, "resource.change")
    return _save_reference(actor=actor, instance=Team(), data=data, fields=TEAM_FIELDS)


@transaction.atomic
def team_update(*, actor, team: Team, data: Mapping[str, Any]) -> Team:
    RULES.check(actor, "resource.change")
    team = lock_for_update(Team, team.pk)
    return _save_reference(actor=actor, instance=team, data=data, fields=TEAM_FIELDS)


@transaction.atomic
def vendor_create(*, actor, data: Mapping[str, Any]) -> Vendor:
    RULES.check(actor, "resource.change")
    return _save_reference(actor=actor, instance=Vendor(), data=data, fields=VENDOR_FIELDS)


@transaction.atomic
def vendor_update(*, actor, vendor: Vendor, data: Mapping[str, Any]) -> Vendor:
    RULES.check(actor, "resource.change")
    vendor = lock_for_update(Vendor, vendor.pk)
    return _save_reference(actor=actor, instance=vendor, data=data, fields=VENDOR_FIELDS)


@transaction.atomic
def profile_create(*, actor, data: Mapping[str, Any]) -> Profile:
    RULES.check(actor, "resource.change")
    return _save_reference(actor=actor, instance=Profile(), data=data, fields=PROFILE_FIELDS)


@transaction.atomic
def profile_update(*, actor, profile: Profile, data: Mapping[str, Any]) -> Profile:
    RULES.check(actor, "resource.change")
    profile = lock_for_update(Profile, profile.pk)
    return _save_reference(actor=actor, instance=profile, data=data, fields=PROFILE_FIELDS)
