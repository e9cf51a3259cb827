from django.conf import settings
from django.core.checks import Warning, register


@register("pilotis", deploy=True)
def check_production_services(app_configs, **kwargs):
    errors = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        errors.append(
            Warning(
                "SQLite is the embedded default; production deployments should set DATABASE_URL "
                "to a PostgreSQL database.",
                id="pilotis.W001",
            )
        )
    return errors
