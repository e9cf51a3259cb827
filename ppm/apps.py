from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PpmConfig(AppConfig):
    name = "ppm"
    verbose_name = _("Pilotis")

    def ready(self):
        from ppm import (
            broker,
            checks,  # noqa: F401  (registers system checks)
            lookups,  # noqa: F401  (registers the in_ids lookup)
        )
        from ppm.api import schema  # noqa: F401  (registers OpenAPI extensions)

        broker.ensure_broker_folders()

        from ppm import choice_display

        choice_display.install()

        from django.contrib.auth.signals import user_logged_in

        from ppm.middleware import session_fresh_at_sign_in

        user_logged_in.connect(session_fresh_at_sign_in, dispatch_uid="pilotis-session-fresh")
