"""`get_<field>_display()` without rebuilding the field's choices on every call.

Django's own `Model._get_FIELD_display` builds `dict(make_hashable(field.flatchoices))` at each call,
and hashing a lazy label translates it: a field with nine choices costs nine gettext calls per row
(a list of 50 projects spent ~3 ms there). `install()` (from PpmConfig.ready) replaces the methods
Django generated with one that keeps each field's {value: label} map and translates only the label it
returns. Same answers: the label in the active language, the raw value when it is not a choice.
Fields with callable choices (re-read on each call by design) and methods a model defines itself are
left to Django.
"""

from functools import partialmethod

from django.apps import apps
from django.db import models
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict[models.Field, dict] = {}


def _labels(field: models.Field) -> dict:
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = {make_hashable(value): label for value, label in field.flatchoices}
    return labels


def _display(self, field):
    value = getattr(self, field.attname)
    labels = _labels(field)
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value (a list from a JSON field): as Django does
        label = labels.get(make_hashable(value), value)
    return force_str(label, strings_only=True)


def _generated_by_django(method) -> bool:
    return isinstance(method, partialmethod) and method.func is models.Model._get_FIELD_display  # type: ignore[attr-defined]


def install() -> int:
    """Swap the generated `get_<field>_display` of every installed model; returns how many."""
    swapped = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.fields:
            if not field.choices or isinstance(field.choices, CallableChoiceIterator):
                continue
            name = f"get_{field.name}_display"
            if _generated_by_django(model.__dict__.get(name)):
                setattr(model, name, partialmethod(_display, field=field))
                swapped += 1
    return swapped
