"""Find what each installed app contributes to a core tool (demo data, benchmark screens).

The core never names a domain app: `load_demo` imports `<app>.demo` and `bench` imports
`<app>.bench` for every app of INSTALLED_APPS that has one, in INSTALLED_APPS order, which is the
dependency order (ppm, portfolio, resources, budgets, governance).
"""

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def app_modules(submodule: str) -> list[ModuleType]:
    """The `<app>.<submodule>` modules of the installed apps, in INSTALLED_APPS order."""
    return [
        import_module(f"{config.name}.{submodule}")
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, submodule)
    ]
