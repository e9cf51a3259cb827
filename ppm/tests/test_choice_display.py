"""get_<field>_display(): the kept label maps answer exactly as Django's own method."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from ppm import choice_display


def _choice_fields():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.fields:
            if field.choices and f"get_{field.name}_display" in model.__dict__:
                yield model, field


def test_every_generated_display_method_is_swapped():
    swapped = [
        (model, field)
        for model, field in _choice_fields()
        if model.__dict__[f"get_{field.name}_display"].func is choice_display._display
    ]
    # The user's role, and every choice field of every app: all of them.
    assert len(swapped) == len(list(_choice_fields())) > 10
    assert "ppm.User.role" in {f"{model._meta.label}.{field.name}" for model, field in swapped}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_same_label_as_django_for_every_choice_and_an_unknown_value(language):
    checked = 0
    with translation.override(language):
        for model, field in _choice_fields():
            method = getattr(model, f"get_{field.name}_display")
            for value in [*(v for v, _label in field.flatchoices), "not-a-choice", None]:
                instance = model()
                try:
                    setattr(instance, field.attname, value)
                except ValidationError:  # a descriptor that refuses it (a time zone field)
                    continue
                expected = models.Model._get_FIELD_display(instance, field)
                assert method(instance) == expected, (model, field.name, value)
                assert type(method(instance)) is type(expected)
                checked += 1
    assert checked > 100


def test_the_label_follows_the_active_language():
    from ppm.models import User
    from ppm.roles import Role

    user = User(role=Role.PROJECT_OFFICE)
    with translation.override("en"):
        english = user.get_role_display()
    with translation.override("fr"):
        french = user.get_role_display()
    assert english == "Project office"
    assert french == "Bureau des projets"


def test_an_unhashable_value_is_answered_as_django_does():
    from ppm.models import User

    field = User._meta.get_field("role")
    user = User()
    user.role = ["pmo"]
    assert user.get_role_display() == models.Model._get_FIELD_display(user, field)
