"""The core's part of the demonstration data (`manage.py load_demo`): directorates and users.

Every app may contribute a `<app>.demo` module; `load_demo` runs them in INSTALLED_APPS order (the
core first, then portfolio, resources, …) in one transaction. A demo module exposes:

* `load(*, today: date) -> Counter`: create whatever part of the app's demo data is missing (look
  every object up by its natural key first, so a second run creates nothing) and return how many
  objects of each kind were created;
* `KINDS`: for each kind counted, a lazy plural-aware label (`ngettext_lazy(..., "count")`) used in
  the summary line;
* optionally `holds_data() -> bool`: True when the database already holds real data of the app,
  so that `load_demo --if-empty` leaves it alone.

A fictional French département, the « Département de la Vallée-Haute »: its names are data of a
French public body, not interface text, so they are not translated. DEMO_PASSWORD is public: it
exists for demonstrations and local development only (`load_demo` refuses unless PILOTIS_DEMO is
on or --force is given).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.translation import ngettext_lazy

from ppm.models import Directorate
from ppm.roles import Role

DEMO_PASSWORD = "pilotis-demo"  # noqa: S105 - public demo password, documented in README.md
DEMO_ORGANISATION = "Département de la Vallée-Haute"
DEMO_EMAIL_DOMAIN = "vallee-haute.example"

KINDS = {
    "directorates": ngettext_lazy("%(count)d directorate", "%(count)d directorates", "count"),
    "users": ngettext_lazy("%(count)d user", "%(count)d users", "count"),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    directorate: str
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Claire", "Martin", Role.ADMINISTRATOR, "DSI", is_superuser=True),
    DemoUser("pmo", "Sophie", "Bernard", Role.PROJECT_OFFICE, "DGS"),
    DemoUser("finances", "Thomas", "Girard", Role.FINANCE, "DFIN"),
    DemoUser("comite", "Jean-Marc", "Lefèvre", Role.COMMITTEE_MEMBER, "DGS"),
    DemoUser("cheffe.projet", "Camille", "Durand", Role.PROJECT_MANAGER, "DSI"),
    DemoUser("contributeur", "Lucas", "Petit", Role.CONTRIBUTOR, "DSI"),
    DemoUser("lecteur", "Élodie", "Moreau", Role.READER, "DCOM"),
    DemoUser("antoine.roux", "Antoine", "Roux", Role.PROJECT_MANAGER, "DSI"),
    DemoUser("nadia.haddad", "Nadia", "Haddad", Role.PROJECT_MANAGER, "DSI"),
    DemoUser("isabelle.fabre", "Isabelle", "Fabre", Role.PROJECT_MANAGER, "DAUT"),
    DemoUser("mathieu.garnier", "Mathieu", "Garnier", Role.PROJECT_MANAGER, "DSI"),
    DemoUser("julien.mercier", "Julien", "Mercier", Role.PROJECT_MANAGER, "DINS"),
)
# The project office account: the one the other apps' demo data acts as.
DEMO_PROJECT_OFFICE = "pmo"

# (code, name): a flat organisation chart, enough for the portfolio's views by directorate.
DEMO_DIRECTORATES: tuple[tuple[str, str], ...] = (
    ("DGS", "Direction générale des services"),
    ("DSI", "Direction des systèmes d'information"),
    ("DRH", "Direction des ressources humaines"),
    ("DFIN", "Direction des finances"),
    ("DCP", "Direction de la commande publique"),
    ("DAJ", "Direction des affaires juridiques"),
    ("DCOM", "Direction de la communication"),
    ("ROUTES", "Direction des routes"),
    ("DBAT", "Direction des bâtiments"),
    ("DAUT", "Direction de l'autonomie"),
    ("DEF", "Direction de l'enfance et de la famille"),
    ("DINS", "Direction de l'insertion"),
    ("DEC", "Direction de l'éducation et des collèges"),
    ("DCULT", "Direction de la culture"),
    ("DENV", "Direction de l'environnement"),
    ("DARCH", "Direction des archives départementales"),
)


def demo_users() -> dict:
    """The demo accounts present in the database, by username."""
    usernames = [spec.username for spec in DEMO_USERS]
    return {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}


def demo_directorates() -> dict[str, Directorate]:
    codes = [code for code, _name in DEMO_DIRECTORATES]
    return {directorate.code: directorate for directorate in Directorate.objects.filter(code__in=codes)}


def load(*, today: date) -> Counter:
    """Create the missing demo directorates and users (an existing account is never changed).

    Directorates and users have no service yet: they are created directly, validated first."""
    created: Counter = Counter()
    directorates = demo_directorates()
    for code, name in DEMO_DIRECTORATES:
        if code not in directorates:
            directorate = Directorate(code=code, name=name)
            directorate.full_clean()
            directorate.save()
            directorates[code] = directorate
            created["directorates"] += 1

    user_model = get_user_model()
    existing = demo_users()
    # One hash for every demo account: the password is public anyway, and hashing costs ~0.3 s.
    password_hash = None
    for spec in DEMO_USERS:
        if spec.username in existing:
            continue
        password_hash = password_hash or make_password(DEMO_PASSWORD)
        user = user_model(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=spec.email,
            role=spec.role,
            directorate=directorates[spec.directorate],
            is_staff=spec.is_superuser,
            is_superuser=spec.is_superuser,
            password=password_hash,
        )
        user.full_clean()
        user.save()
        created["users"] += 1
    return created


def logins_banner_lines() -> list[tuple[str, str, str]]:
    """(username, role label, full name) of each demo account present, in DEMO_USERS order."""
    present = demo_users()
    return [
        (spec.username, str(Role(spec.role).label), f"{spec.first_name} {spec.last_name}")
        for spec in DEMO_USERS
        if spec.username in present
    ]
