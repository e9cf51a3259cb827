"""Services of the resource register: validation, overlaps, versions, audit (resources.services)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import formats

from ppm.audit import audit_entries_for
from ppm.exceptions import DomainValidationError, StaleVersionError
from ppm.models import AuditEntry
from ppm.tests.factories import DirectorateFactory, UserFactory
from resources import services
from resources.models import Absence, BackgroundLoad, Resource
from resources.tests.factories import (
    AbsenceFactory,
    BackgroundLoadFactory,
    ProfileFactory,
    ResourceFactory,
    TeamFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def _data(**overrides):
    team = overrides.pop("team", None) or TeamFactory()
    return {
        "name": "Agnès Rivière",
        "directorate": team.directorate,
        "team": team,
        "primary_profile": ProfileFactory(code="MOE-DEV-T"),
        **overrides,
    }


def _errors(excinfo) -> dict:
    return excinfo.value.field_errors


def test_create_saves_roles_pattern_and_an_audit_entry(pmo_user):
    architect = ProfileFactory(code="ARCHI-T", name="Architecte")
    resource = services.resource_create(
        actor=pmo_user, data=_data(profiles=[architect], week_pattern=["1", "1", "0", "1", "0.5"])
    )

    resource.refresh_from_db()
    assert resource.version == 1
    assert resource.week_pattern == ["1", "1", "0", "1", "0.5"]
    assert resource.working_time == Decimal("70")
    assert {p.code for p in resource.profiles.all()} == {"ARCHI-T", "MOE-DEV-T"}  # the main role joins
    assert resource.search_text == "agnes riviere"
    entry = AuditEntry.objects.get(object_id=resource.pk, action=AuditEntry.Action.CREATE)
    assert entry.actor == pmo_user and "name" in entry.changes


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "generic", "vendor": "VENDOR"}, "vendor"),
        ({"is_external": True}, "vendor"),
        ({"vendor": "VENDOR"}, "vendor"),
        ({"week_pattern": ["1", "1", "1", "1"]}, "week_pattern"),
        ({"week_pattern": ["1", "1", "1.5", "1", "1"]}, "week_pattern"),
        ({"week_pattern": ["1", "1", "0.333", "1", "1"]}, "week_pattern"),
        ({"active_from": D(2025, 6, 1), "active_until": D(2025, 5, 31)}, "active_until"),
        ({"name": "  "}, "name"),
        ({"daily_cost": Decimal("-1")}, "daily_cost"),
    ],
)
def test_create_refuses_what_the_register_forbids(pmo_user, overrides, field):
    if overrides.get("vendor") == "VENDOR":
        overrides["vendor"] = VendorFactory()
    with pytest.raises(DomainValidationError) as excinfo:
        services.resource_create(actor=pmo_user, data=_data(**overrides))
    assert field in _errors(excinfo)
    assert not Resource.objects.exists()


def test_a_generic_resource_never_keeps_an_account(pmo_user):
    account = UserFactory()
    resource = services.resource_create(actor=pmo_user, data=_data(kind="generic", user=account, team=None))
    assert resource.user is None


def test_an_account_is_linked_to_one_resource_at_most(pmo_user):
    account = UserFactory()
    first = ResourceFactory(name="First", user=account)
    with pytest.raises(DomainValidationError) as excinfo:
        services.resource_create(actor=pmo_user, data=_data(user=account))
    assert first.name in _errors(excinfo)["user"][0]


def test_a_team_of_another_directorate_is_refused(pmo_user):
    with pytest.raises(DomainValidationError) as excinfo:
        services.resource_create(actor=pmo_user, data={**_data(), "directorate": DirectorateFactory()})
    assert "team" in _errors(excinfo)


def test_only_the_project_office_creates_and_edits(contributor_user, manager_user):
    for user in (contributor_user, manager_user):
        with pytest.raises(PermissionDenied):
            services.resource_create(actor=user, data=_data())
    resource = ResourceFactory()
    with pytest.raises(PermissionDenied):
        services.resource_update(actor=contributor_user, resource=resource, data={"name": "X"})


def test_update_is_versioned_and_refuses_a_stale_version(pmo_user):
    resource = ResourceFactory(name="Before")
    updated = services.resource_update(
        actor=pmo_user, resource=resource, data={"name": "After"}, expected_version=1
    )
    assert updated.version == 2

    with pytest.raises(StaleVersionError) as excinfo:
        services.resource_update(actor=pmo_user, resource=resource, data={"name": "Lost"}, expected_version=1)
    assert excinfo.value.current_version == 2
    resource.refresh_from_db()
    assert resource.name == "After"


def test_an_update_that_changes_nothing_writes_nothing(pmo_user):
    resource = ResourceFactory(name="Same")
    services.resource_update(actor=pmo_user, resource=resource, data={"name": "Same"})
    resource.refresh_from_db()
    assert resource.version == 1
    assert not AuditEntry.objects.filter(object_id=resource.pk).exists()


def test_changing_roles_alone_is_saved_and_recorded(pmo_user):
    resource = ResourceFactory()
    analyst = ProfileFactory(code="ANA-T", name="Analyste")
    services.resource_update(actor=pmo_user, resource=resource, data={"profiles": [analyst]})
    resource.refresh_from_db()
    assert resource.version == 2
    assert analyst in resource.profiles.all() and resource.primary_profile in resource.profiles.all()
    entry = AuditEntry.objects.get(object_id=resource.pk, action=AuditEntry.Action.UPDATE)
    assert "Analyste" in entry.changes["profiles"]["new"]


def test_deactivate_and_reactivate(pmo_user):
    resource = ResourceFactory()
    services.resource_deactivate(actor=pmo_user, resource=resource, expected_version=1)
    resource.refresh_from_db()
    assert not resource.is_active and resource.version == 2
    services.resource_reactivate(actor=pmo_user, resource=resource)
    resource.refresh_from_db()
    assert resource.is_active and resource.version == 3


# ------------------------------------------------------------------------------------------ absences


def test_an_absence_is_recorded_with_the_resource_as_its_history_parent(pmo_user):
    resource = ResourceFactory()
    absence = services.absence_create(
        actor=pmo_user,
        resource=resource,
        data={"kind": "training", "start": D(2025, 3, 3), "end": D(2025, 3, 3), "day_share": Decimal("0.5")},
    )
    assert absence.day_share == Decimal("0.5")
    entries = list(audit_entries_for(resource))
    assert [e.object_id for e in entries] == [absence.pk]
    assert entries[0].related_object_id == resource.pk


def test_an_overlapping_absence_is_refused_naming_the_one_it_overlaps(pmo_user):
    resource = ResourceFactory(name="Jeanne Roy")
    AbsenceFactory(resource=resource, start=D(2025, 8, 4), end=D(2025, 8, 15))
    with pytest.raises(DomainValidationError) as excinfo:
        services.absence_create(
            actor=pmo_user, resource=resource, data={"start": D(2025, 8, 14), "end": D(2025, 8, 20)}
        )
    message = _errors(excinfo)["start"][0]
    assert "Jeanne Roy" in message
    for day in (D(2025, 8, 4), D(2025, 8, 15)):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") in message
    assert Absence.objects.count() == 1
    # Another person on the same days is fine.
    services.absence_create(
        actor=pmo_user, resource=ResourceFactory(), data={"start": D(2025, 8, 14), "end": D(2025, 8, 20)}
    )


def test_an_absence_stays_inside_the_active_dates_and_its_range(pmo_user):
    resource = ResourceFactory(active_from=D(2025, 1, 1), active_until=D(2025, 6, 30))
    for data, field in (
        ({"start": D(2024, 12, 30), "end": D(2025, 1, 2)}, "start"),
        ({"start": D(2025, 6, 30), "end": D(2025, 7, 1)}, "end"),
        ({"start": D(2025, 3, 5), "end": D(2025, 3, 4)}, "end"),
        ({"start": D(2025, 3, 5), "end": D(2025, 3, 5), "day_share": Decimal("0")}, "day_share"),
    ):
        with pytest.raises(DomainValidationError) as excinfo:
            services.absence_create(actor=pmo_user, resource=resource, data=data)
        assert field in _errors(excinfo), data


def test_a_person_records_their_own_absences_but_not_someone_elses(contributor_user):
    own = ResourceFactory(user=contributor_user)
    services.absence_create(
        actor=contributor_user, resource=own, data={"start": D(2025, 5, 5), "end": D(2025, 5, 6)}
    )
    with pytest.raises(PermissionDenied):
        services.absence_create(
            actor=contributor_user,
            resource=ResourceFactory(),
            data={"start": D(2025, 5, 5), "end": D(2025, 5, 6)},
        )


def test_absence_update_is_versioned_and_may_keep_its_own_dates(pmo_user):
    absence = AbsenceFactory(start=D(2025, 8, 4), end=D(2025, 8, 8))
    updated = services.absence_update(
        actor=pmo_user, absence=absence, data={"end": D(2025, 8, 11)}, expected_version=1
    )
    assert updated.version == 2 and updated.end == D(2025, 8, 11)
    with pytest.raises(StaleVersionError):
        services.absence_update(
            actor=pmo_user, absence=absence, data={"end": D(2025, 8, 12)}, expected_version=1
        )
    services.absence_delete(actor=pmo_user, absence=absence, expected_version=2)
    assert not Absence.objects.exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, related_object_id=absence.resource_id
    ).exists()


# ----------------------------------------------------------------------------------- background load


def test_background_loads_may_not_sum_over_100_percent(pmo_user):
    resource = ResourceFactory(name="Paul Martin")
    BackgroundLoadFactory(resource=resource, start=D(2025, 1, 1), end=None, share=Decimal("60"))
    BackgroundLoadFactory(resource=resource, start=D(2025, 1, 1), end=D(2025, 3, 31), share=Decimal("30"))
    # 60 + 30 + 20 = 110 in the first quarter.
    with pytest.raises(DomainValidationError) as excinfo:
        services.background_load_create(
            actor=pmo_user,
            resource=resource,
            data={"label": "Support", "start": D(2025, 2, 1), "end": D(2025, 2, 28), "share": Decimal("20")},
        )
    assert "110" in _errors(excinfo)["share"][0] and "Paul Martin" in _errors(excinfo)["share"][0]
    # After the quarter only 60 % is taken: 20 % more fits.
    load = services.background_load_create(
        actor=pmo_user,
        resource=resource,
        data={"label": "Support", "start": D(2025, 4, 1), "end": None, "share": Decimal("20")},
    )
    assert load.resource == resource
    # A later open-ended period starting inside a new one is counted too.
    with pytest.raises(DomainValidationError):
        services.background_load_create(
            actor=pmo_user,
            resource=resource,
            data={"label": "Run", "start": D(2024, 6, 1), "end": D(2025, 5, 1), "share": Decimal("30")},
        )


def test_background_load_share_is_a_percentage(pmo_user):
    with pytest.raises(DomainValidationError) as excinfo:
        services.background_load_create(
            actor=pmo_user,
            resource=ResourceFactory(),
            data={"label": "Run", "start": D(2025, 1, 1), "share": Decimal("101")},
        )
    assert "share" in _errors(excinfo)


def test_background_load_update_and_delete_are_recorded_on_the_resource(pmo_user):
    load = BackgroundLoadFactory(share=Decimal("20"))
    services.background_load_update(
        actor=pmo_user, load=load, data={"share": Decimal("30")}, expected_version=1
    )
    services.background_load_delete(actor=pmo_user, load=load)
    assert not BackgroundLoad.objects.exists()
    actions = sorted(e.action for e in audit_entries_for(load.resource))
    assert actions == sorted([AuditEntry.Action.UPDATE, AuditEntry.Action.DELETE])


# ------------------------------------------------------------------------------------ reference data


def test_reference_data_is_the_project_office_s(pmo_user, contributor_user):
    team = services.team_create(
        actor=pmo_user, data={"code": "T1", "name": "Études", "directorate": DirectorateFactory()}
    )
    services.team_update(actor=pmo_user, team=team, data={"name": "Études et développements"})
    team.refresh_from_db()
    assert team.name == "Études et développements"
    vendor = services.vendor_create(actor=pmo_user, data={"name": "Numeria"})
    with pytest.raises(DomainValidationError):
        services.vendor_create(actor=pmo_user, data={"name": "Numeria"})
    with pytest.raises(PermissionDenied):
        services.vendor_update(actor=contributor_user, vendor=vendor, data={"name": "X"})
    profile = services.profile_create(actor=pmo_user, data={"code": "P1", "name": "Testeur", "family": "moe"})
    assert profile.family == "moe"
