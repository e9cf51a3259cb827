"""The fast select renderer writes exactly what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from ppm.form_renderer import SELECT_TEMPLATE, FastSelectRenderer, _select

GROUPED = [
    ("", "—"),
    ("Directions", [(1, "Finances & budget"), (2, '<b>"SI"</b>')]),
    (3, "Autre « ici »"),
]


class Sample(forms.Form):
    plain = forms.ChoiceField(
        choices=[("a", "A & B"), ("b", "B"), ("c", gettext_lazy("Any"))], required=False
    )
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    multiple = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y"), ("z", mark_safe("<i>Z</i>"))], required=False
    )
    flag = forms.NullBooleanField(required=False)
    attrs = forms.ChoiceField(
        choices=[(None, "Any"), (0, "Zero"), (1.5, "One and a half")],
        widget=forms.Select(attrs={"class": "x", "data-y": 'a"b', "disabled": True, "hidden": False}),
        required=False,
    )
    boxes = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )
    text = forms.CharField(required=False)


class OnlyFast(FastSelectRenderer):
    """Refuses to fall back to the templates for a select: the fast path is what is compared."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = _select(context["widget"])
            assert html is not None
            return html
        return super().render(template_name, context, request=request)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "b", "grouped": "2", "multiple": ["x", "z"], "flag": "true", "attrs": "0", "boxes": ["y"]},
        {"plain": "nope", "grouped": "3", "multiple": ["y"], "flag": "false", "attrs": "1.5"},
    ],
)
def test_every_widget_renders_as_with_djangos_templates(data):
    fast, django = OnlyFast(), DjangoTemplates()
    fast_form, django_form = Sample(data or None, renderer=fast), Sample(data or None, renderer=django)
    for name in Sample.base_fields:
        assert str(fast_form[name]) == str(django_form[name]), name
    assert str(fast_form) == str(django_form)


def test_a_custom_option_template_is_left_to_django():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    class Form(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A")], widget=Custom)

    fast, django = Form(renderer=FastSelectRenderer()), Form(renderer=DjangoTemplates())
    assert str(fast["choice"]) == str(django["choice"])
    assert "<input" in str(fast["choice"])
