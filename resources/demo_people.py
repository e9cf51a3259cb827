"""The people part of the resources demo (`manage.py load_demo`, run by resources/demo.py).

What exists after it ran (idempotent: everything is looked up by its natural key — team code, vendor
name, resource name, username — and only what is missing is created; absences and background loads are
added only to people who have none). Written through resources.services by the demo project office
account, so the audit trail is real.

Vendors (resources.demo.DEMO_VENDORS): « Numeria Conseil » (MOE: developers, architect, data) and
« Atlantique Services Numériques » (AMOA: consultants, business analysts, change management).

Teams (resources.demo.DEMO_TEAMS) and their managers (approve timesheets):
  DSI-ETU antoine.roux · DSI-DATA nadia.haddad · DSI-INFRA mathieu.garnier · DSI-PMO pmo ·
  DAUT-SI isabelle.fabre · DINS-MET julien.mercier · DEC-NUM and DRH-SIRH: agents with accounts
  (« Hélène Blanc », helene.blanc; « Pascal Roussel », pascal.roussel).

People (about 64 resources):
* the demo users who do project work, each linked to their account: cheffe.projet (Camille Durand,
  MOE project manager, DSI-ETU), contributeur (Lucas Petit, MOE developer, DSI-ETU, 80 % with
  Wednesdays off), antoine.roux (DSI-ETU), nadia.haddad (DSI-DATA), mathieu.garnier (DSI-INFRA) — MOE
  project managers —, isabelle.fabre (DAUT-SI) and julien.mercier (DINS-MET) — MOA project managers.
  The project office (pmo), the committee, the reader and the administrator have no resource;
* 35 internal agents (INTERNAL_AGENTS): DSI-ETU 8 (MOE), DSI-DATA 6 (MOE data), DSI-INFRA 5,
  DSI-PMO 2 (AMOA), DAUT-SI 4, DINS-MET 4, DEC-NUM 3, DRH-SIRH 3 (MOA/AMOA); the 12 marked with an
  account (AGENT_ACCOUNTS, role contributor, password ppm.demo.DEMO_PASSWORD) can log in and fill
  timesheets;
* 14 external consultants (EXTERNALS): 8 of Numeria Conseil (5 in DSI-ETU, 3 in DSI-DATA) and 6 of
  Atlantique Services Numériques (2 in DSI-ETU, 2 in DSI-DATA, 2 without a team);
* 8 generic resources (GENERICS), e.g. « Développeur·se MOE à pourvoir », « AMOA externe ».

So DSI-ETU holds 3 named MOE project managers, 12 MOE developers/architects (internal and external)
and 2 AMOA consultants; DSI-DATA 9 MOE and 2 AMOA: the workload demo overloads both.

Availability: part-time patterns on a few (80 % Wednesdays off, 50 %, 90 %), summer leave (three weeks
in July or August), Christmas leave and a couple of training days, this year and next; background load
10–40 % for internal staff (run and support), open-ended from the start of last year.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.translation import ngettext_lazy

from ppm.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, DEMO_PROJECT_OFFICE, demo_directorates, demo_users
from ppm.roles import Role
from resources import services
from resources.demo import DEMO_TEAMS, DEMO_VENDORS
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

KINDS = {
    "vendors": ngettext_lazy("%(count)d vendor", "%(count)d vendors", "count"),
    "teams": ngettext_lazy("%(count)d team", "%(count)d teams", "count"),
    "resources": ngettext_lazy("%(count)d resource", "%(count)d resources", "count"),
    "resource_accounts": ngettext_lazy("%(count)d agent account", "%(count)d agent accounts", "count"),
    "absences": ngettext_lazy("%(count)d absence", "%(count)d absences", "count"),
    "background_loads": ngettext_lazy("%(count)d background load", "%(count)d background loads", "count"),
}

TEAM_MANAGERS = {
    "DSI-ETU": "antoine.roux",
    "DSI-DATA": "nadia.haddad",
    "DSI-INFRA": "mathieu.garnier",
    "DSI-PMO": DEMO_PROJECT_OFFICE,
    "DAUT-SI": "isabelle.fabre",
    "DINS-MET": "julien.mercier",
    "DEC-NUM": "helene.blanc",
    "DRH-SIRH": "pascal.roussel",
}
FULL = ("1", "1", "1", "1", "1")
WEDNESDAYS_OFF = ("1", "1", "0", "1", "1")
HALF_TIME = ("1", "1", "0.5", "0", "0")
NINETY = ("1", "1", "1", "1", "0.5")

# (username, team, main profile, other profiles, pattern, daily cost)
USER_RESOURCES = (
    ("cheffe.projet", "DSI-ETU", "MOE-CP", ("MOE-ARCHI",), FULL, 520),
    ("contributeur", "DSI-ETU", "MOE-DEV", (), WEDNESDAYS_OFF, 430),
    ("antoine.roux", "DSI-ETU", "MOE-CP", (), FULL, 540),
    ("nadia.haddad", "DSI-DATA", "MOE-CP", ("MOE-DATA",), FULL, 540),
    ("mathieu.garnier", "DSI-INFRA", "MOE-CP", ("MOE-INT",), FULL, 530),
    ("isabelle.fabre", "DAUT-SI", "MOA-CP", (), FULL, 500),
    ("julien.mercier", "DINS-MET", "MOA-CP", (), NINETY, 500),
)
# (name, team, main profile, pattern, daily cost)
INTERNAL_AGENTS = (
    ("Thomas Leroy", "DSI-ETU", "MOE-ARCHI", FULL, 560),
    ("Émilie Garcia", "DSI-ETU", "MOE-DEV", FULL, 440),
    ("Karim Benali", "DSI-ETU", "MOE-DEV", FULL, 430),
    ("Sarah Lambert", "DSI-ETU", "MOE-DEV", WEDNESDAYS_OFF, 430),
    ("Nicolas Faure", "DSI-ETU", "MOE-DEV", FULL, 420),
    ("Julie Chevalier", "DSI-ETU", "MOE-DEV", FULL, 420),
    ("Romain Girard", "DSI-ETU", "MOE-INT", FULL, 450),
    ("Laure Vincent", "DSI-ETU", "MOE-DEV", NINETY, 430),
    ("Mehdi Bouzid", "DSI-DATA", "MOE-DATA", FULL, 480),
    ("Claire Dupont", "DSI-DATA", "MOE-DATA", FULL, 470),
    ("Antoine Morel", "DSI-DATA", "MOE-DEV", FULL, 440),
    ("Inès Robin", "DSI-DATA", "MOE-DATA", WEDNESDAYS_OFF, 470),
    ("Guillaume Simon", "DSI-DATA", "MOE-ARCHI", FULL, 560),
    ("Chloé Perrin", "DSI-DATA", "MOE-DATA", FULL, 460),
    ("Olivier Masson", "DSI-INFRA", "MOE-INT", FULL, 450),
    ("Stéphanie Noël", "DSI-INFRA", "MOE-INT", FULL, 450),
    ("David Henry", "DSI-INFRA", "MOE-ARCHI", FULL, 550),
    ("Yann Le Gall", "DSI-INFRA", "MOE-INT", HALF_TIME, 440),
    ("Marion Fontaine", "DSI-INFRA", "MOE-INT", FULL, 440),
    ("Aurélie Caron", "DSI-PMO", "AMOA-CONS", FULL, 480),
    ("Benoît Renaud", "DSI-PMO", "AMOA-ANA", FULL, 460),
    ("Sandrine Marchand", "DAUT-SI", "MOA-REF", FULL, 400),
    ("Fabien Giraud", "DAUT-SI", "MOA-KEY", FULL, 380),
    ("Nathalie Brunet", "DAUT-SI", "AMOA-ANA", WEDNESDAYS_OFF, 450),
    ("Patrick Colin", "DAUT-SI", "MOA-REF", FULL, 400),
    ("Sophie Arnaud", "DINS-MET", "MOA-REF", FULL, 400),
    ("Hugo Lemaire", "DINS-MET", "MOA-KEY", FULL, 380),
    ("Valérie Roche", "DINS-MET", "MOA-REF", NINETY, 400),
    ("Kévin Meyer", "DINS-MET", "AMOA-CHG", FULL, 430),
    ("Hélène Blanc", "DEC-NUM", "MOA-CP", FULL, 480),
    ("Damien Guerin", "DEC-NUM", "MOA-REF", FULL, 400),
    ("Amandine Boyer", "DEC-NUM", "MOA-KEY", WEDNESDAYS_OFF, 380),
    ("Pascal Roussel", "DRH-SIRH", "MOA-CP", FULL, 480),
    ("Céline Lucas", "DRH-SIRH", "MOA-REF", FULL, 400),
    ("Frédéric Gauthier", "DRH-SIRH", "AMOA-CHG", FULL, 430),
)
# Agents who get a Pilotis account (role contributor) for their timesheets.
AGENT_ACCOUNTS = (
    "Émilie Garcia",
    "Karim Benali",
    "Sarah Lambert",
    "Thomas Leroy",
    "Mehdi Bouzid",
    "Claire Dupont",
    "Inès Robin",
    "Olivier Masson",
    "Aurélie Caron",
    "Sandrine Marchand",
    "Hélène Blanc",
    "Pascal Roussel",
)
# (name, vendor index in DEMO_VENDORS, team or None, main profile, daily cost)
EXTERNALS: tuple[tuple[str, int, str | None, str, int], ...] = (
    ("Maxime Fournier", 0, "DSI-ETU", "MOE-DEV", 620),
    ("Léa Bonnet", 0, "DSI-ETU", "MOE-DEV", 620),
    ("Alexandre Dumas", 0, "DSI-ETU", "MOE-ARCHI", 780),
    ("Camille Rey", 0, "DSI-ETU", "MOE-DEV", 600),
    ("Quentin Marie", 0, "DSI-ETU", "MOE-INT", 640),
    ("Manon Riviere", 0, "DSI-DATA", "MOE-DATA", 700),
    ("Paul Andre", 0, "DSI-DATA", "MOE-DATA", 700),
    ("Jade Mercier", 0, "DSI-DATA", "MOE-DEV", 610),
    ("Vincent Picard", 1, "DSI-ETU", "AMOA-CONS", 720),
    ("Anaïs Roger", 1, "DSI-ETU", "AMOA-ANA", 650),
    ("Louis Schmitt", 1, "DSI-DATA", "AMOA-CONS", 720),
    ("Zoé Lefebvre", 1, "DSI-DATA", "AMOA-ANA", 650),
    ("Arthur Dufour", 1, None, "AMOA-CHG", 680),
    ("Margaux Gaillard", 1, None, "AMOA-CONS", 720),
)
# (name, directorate, main profile, external)
GENERICS = (
    ("Développeur·se MOE à pourvoir", "DSI", "MOE-DEV", True),
    ("Architecte à pourvoir", "DSI", "MOE-ARCHI", True),
    ("Expert·e données à pourvoir", "DSI", "MOE-DATA", True),
    ("Intégrateur·rice à pourvoir", "DSI", "MOE-INT", False),
    ("AMOA externe", "DSI", "AMOA-CONS", True),
    ("Analyste métier externe", "DSI", "AMOA-ANA", True),
    ("Référent·e métier à désigner", "DGS", "MOA-REF", False),
    ("Chef·fe de projet MOA à désigner", "DGS", "MOA-CP", False),
)


RUN_LABELS = {True: "Support aux utilisateurs", False: "Maintien en condition opérationnelle (run)"}


def _username(name: str) -> str:
    from ppm.text import search_normalise

    return search_normalise(name).replace(" ", ".").replace("'", "")


def _email(name: str) -> str:
    return f"{_username(name)}@{DEMO_EMAIL_DOMAIN}"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _absences(index: int, today: date) -> list[dict]:
    """Summer and Christmas leave this year and next, and training days: deterministic, no overlap."""
    result = []
    for year in (today.year, today.year + 1):
        summer = _monday(date(year, 7, 6) + timedelta(weeks=index % 6))
        result.append({"kind": AbsenceKind.LEAVE, "start": summer, "end": summer + timedelta(days=18)})
        result.append(
            {
                "kind": AbsenceKind.LEAVE,
                "start": date(year, 12, 23),
                "end": date(year, 12, 31),
                "note": "Noël",
            }
        )
        training = _monday(date(year, 3 + index % 3, 10 + index % 7))
        result.append(
            {
                "kind": AbsenceKind.TRAINING,
                "start": training,
                "end": training + timedelta(days=1),
                "note": "Formation",
            }
        )
        if index % 4 == 0:
            half = _monday(date(year, 10, 5)) + timedelta(days=1)
            result.append(
                {"kind": AbsenceKind.LEAVE, "start": half, "end": half, "day_share": Decimal("0.5")}
            )
    return result


def load(*, today: date) -> Counter:
    created: Counter = Counter()
    users = demo_users()
    actor = users.get(DEMO_PROJECT_OFFICE)
    directorates = demo_directorates()
    if actor is None or not directorates:
        return created
    profiles = {profile.code: profile for profile in Profile.objects.all()}

    vendors = {vendor.name: vendor for vendor in Vendor.objects.filter(name__in=DEMO_VENDORS)}
    for name in DEMO_VENDORS:
        if name not in vendors:
            vendors[name] = services.vendor_create(actor=actor, data={"name": name})
            created["vendors"] += 1

    # Agent accounts first: two of them manage teams.
    user_model = get_user_model()
    password_hash = None
    by_name = {name: (team, profile) for name, team, profile, _pattern, _cost in INTERNAL_AGENTS}
    existing_usernames = set(
        user_model.objects.filter(username__in=[_username(n) for n in AGENT_ACCOUNTS]).values_list(
            "username", flat=True
        )
    )
    for name in AGENT_ACCOUNTS:
        username = _username(name)
        if username in existing_usernames:
            continue
        password_hash = password_hash or make_password(DEMO_PASSWORD)
        first, last = name.split(" ", 1)
        team_code = by_name[name][0]
        user = user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=_email(name),
            role=Role.CONTRIBUTOR,
            directorate=directorates[DEMO_TEAMS[team_code][1]],
            password=password_hash,
        )
        user.full_clean()
        user.save()
        created["resource_accounts"] += 1
    accounts = {
        user.username: user
        for user in user_model.objects.filter(
            username__in=[*(spec[0] for spec in USER_RESOURCES), *TEAM_MANAGERS.values()]
            + [_username(n) for n in AGENT_ACCOUNTS]
        )
    }

    teams = {team.code: team for team in Team.objects.filter(code__in=DEMO_TEAMS)}
    for code, (name, directorate) in DEMO_TEAMS.items():
        if code not in teams and directorate in directorates:
            teams[code] = services.team_create(
                actor=actor,
                data={
                    "code": code,
                    "name": name,
                    "directorate": directorates[directorate],
                    "manager": accounts.get(TEAM_MANAGERS.get(code, "")),
                    "is_active": True,
                },
            )
            created["teams"] += 1

    existing = {resource.name: resource for resource in Resource.objects.all()}
    specs: list[dict] = []
    for username, team, profile, others, pattern, cost in USER_RESOURCES:
        account = users.get(username)
        if account is None:
            continue
        specs.append(
            {
                "name": account.get_full_name(),
                "user": account,
                "email": account.email,
                "team": teams[team],
                "directorate": teams[team].directorate,
                "primary_profile": profiles[profile],
                "profiles": [profiles[profile], *(profiles[code] for code in others)],
                "week_pattern": list(pattern),
                "daily_cost": Decimal(cost),
            }
        )
    for name, team, profile, pattern, cost in INTERNAL_AGENTS:
        specs.append(
            {
                "name": name,
                "user": accounts.get(_username(name)) if name in AGENT_ACCOUNTS else None,
                "email": _email(name),
                "team": teams[team],
                "directorate": teams[team].directorate,
                "primary_profile": profiles[profile],
                "week_pattern": list(pattern),
                "daily_cost": Decimal(cost),
            }
        )
    for name, vendor, external_team, profile, cost in EXTERNALS:
        specs.append(
            {
                "name": name,
                "is_external": True,
                "vendor": vendors[DEMO_VENDORS[vendor]],
                "team": teams[external_team] if external_team else None,
                "directorate": teams[external_team].directorate if external_team else directorates["DSI"],
                "primary_profile": profiles[profile],
                "daily_cost": Decimal(cost),
                "active_from": date(today.year - 1, 9, 1),
                "active_until": date(today.year + 2, 12, 31),
            }
        )
    for name, directorate, profile, external in GENERICS:
        specs.append(
            {
                "name": name,
                "kind": ResourceKind.GENERIC,
                "is_external": external,
                "directorate": directorates[directorate],
                "primary_profile": profiles[profile],
            }
        )

    for index, spec in enumerate(specs):
        resource = existing.get(spec["name"])
        if resource is None:
            resource = services.resource_create(actor=actor, data=spec)
            existing[resource.name] = resource
            created["resources"] += 1
        if resource.is_generic:
            continue
        if not Absence.objects.filter(resource=resource).exists():
            for absence in _absences(index, today):
                if resource.active_from and absence["start"] < resource.active_from:
                    continue
                if resource.active_until and absence["end"] > resource.active_until:
                    continue
                services.absence_create(actor=actor, resource=resource, data=absence)
                created["absences"] += 1
        if not resource.is_external and not BackgroundLoad.objects.filter(resource=resource).exists():
            share = Decimal((10, 20, 30, 40, 20, 10)[index % 6])
            label = (
                "Support aux utilisateurs" if index % 3 == 0 else "Maintien en condition opérationnelle (run)"
            )
            services.background_load_create(
                actor=actor,
                resource=resource,
                data={"label": label, "start": date(today.year - 1, 1, 1), "end": None, "share": share},
            )
            created["background_loads"] += 1
    return created
