"""The resource register's share of the API fuzzing world (tests/test_api_fuzz.py): a few teams, vendors,
people and absences, and the body fields that name them."""

import datetime

from resources.models import Profile
from resources.tests.factories import (
    AbsenceFactory,
    ExternalResourceFactory,
    GenericResourceFactory,
    ResourceFactory,
    TeamFactory,
    VendorFactory,
)

# Body fields and query parameters naming another object, and the collection (URL segment) it is from.
REFERENCES = {
    "resource": "resources",
    "team": "teams",
    "vendor": "vendors",
    "primary_profile": "roles",
    "profiles": "roles",
    "profile": "roles",
    "user": "users",
}


def fuzz_people(world) -> dict[str, list[int]]:
    directorate = world.directorates[0]
    teams = [TeamFactory(directorate=directorate) for _ in range(2)]
    vendors = [VendorFactory() for _ in range(2)]
    people = [ResourceFactory(team=team, directorate=directorate) for team in teams for _ in range(2)]
    people.append(ExternalResourceFactory(vendor=vendors[0], directorate=directorate))
    generic = GenericResourceFactory(directorate=directorate)
    absences = [
        AbsenceFactory(resource=person, start=datetime.date(2025, 8, 4), end=datetime.date(2025, 8, 8))
        for person in people
    ]
    return {
        "resources": [person.pk for person in people] + [generic.pk],
        "teams": [team.pk for team in teams],
        "vendors": [vendor.pk for vendor in vendors],
        "roles": list(Profile.objects.values_list("pk", flat=True)),
        "absences": [absence.pk for absence in absences],
    }
