"""`manage.py load_demo`: the demonstration data of every app (the Département de la Vallée-Haute).

Runs the `load(today=...)` of each app's `demo` module (ppm/demo.py first, then the apps that build
on it, in INSTALLED_APPS order) in ONE transaction. Idempotent: each part creates only what is
missing, so a second run changes nothing. See ppm/demo.py for what a demo module provides.
"""

from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ppm import demo
from ppm.discovery import app_modules


def demo_modules() -> list:
    """Every installed app's demo module, in dependency (INSTALLED_APPS) order."""
    return app_modules("demo")


DEMO_DATA_LANGUAGE = "fr"


@transaction.atomic
def load_demo_data() -> list[tuple[object, Counter]]:
    """Load every app's missing demo data; return (module, created counts) per app, in order."""
    today = timezone.localdate()
    # The demo is a French département: what the data itself says (names of baselines taken by
    # the demo's committees…) is written in French whatever the language of the command.
    with translation.override(DEMO_DATA_LANGUAGE):
        return [(module, module.load(today=today)) for module in demo_modules()]


def summary(results: list[tuple[object, Counter]]) -> str:
    """ "69 projects, 16 directorates, …": what was created, in each app's words."""
    parts: list[str] = []
    for module, created in results:
        kinds = getattr(module, "KINDS", {})
        parts.extend(
            str(kinds[kind] % {"count": count}) if kind in kinds else f"{count} {kind}"
            for kind, count in created.items()
            if count
        )
    return ", ".join(parts)


class Command(BaseCommand):
    help = _(
        "Load the demonstration data (a fictional French département: its directorates, one user per "
        "role, and every app's data). Safe to run twice: only what is missing is created."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_(
                "Do nothing when the database already holds data of an app (for the portfolio: at least "
                "one project), or when PILOTIS_DEMO is off (instead of failing)."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Load even when PILOTIS_DEMO is off. The demo accounts share a public password."),
        )

    def handle(self, *args, if_empty: bool = False, force: bool = False, **options):
        if not (settings.PILOTIS_DEMO or force):
            if if_empty:
                # `make run` asks for the demo "if appropriate": without demo mode it is not.
                self.stdout.write(_("PILOTIS_DEMO is off: the demo data is not loaded."))
                return
            raise CommandError(
                _(
                    "PILOTIS_DEMO is off, so this looks like a production instance: the demo creates "
                    "accounts whose password is public. Set PILOTIS_DEMO=1 (or DJANGO_DEBUG=1), or pass "
                    "--force if you really mean it."
                )
            )
        if if_empty and any(getattr(module, "holds_data", lambda: False)() for module in demo_modules()):
            self.stdout.write(_("The database already holds data: the demo data is not loaded."))
            return
        results = load_demo_data()
        if not any(any(created.values()) for _module, created in results):
            self.stdout.write(_("The demo data is already loaded: nothing to do."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data of the %(organisation)s loaded: %(summary)s created.")
                % {"organisation": demo.DEMO_ORGANISATION, "summary": summary(results)}
            )
        )
        if any(created["users"] for module, created in results if module is demo):
            self.stdout.write(
                _("Demo logins: %(usernames)s (password: %(password)s, for demonstrations only).")
                % {
                    "usernames": ", ".join(user.username for user in demo.DEMO_USERS),
                    "password": demo.DEMO_PASSWORD,
                }
            )
