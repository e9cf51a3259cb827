"""The fast select renderer writes exactly what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from ppm.form_renderer import (
    MULTIPLE_TEMPLATES,
    SELECT_TEMPLATE,
    FastSelectRenderer,
    _multiple_input,
    _select,
)

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
    grouped_boxes = forms.MultipleChoiceField(
        choices=GROUPED,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "boxes & co", "data-x": '1"2'}),
        required=False,
    )
    radio = forms.ChoiceField(
        choices=[("", "Any"), ("a", mark_safe("<b>A</b>")), ("b", "B & C")],
        widget=forms.RadioSelect,
        required=False,
    )
    grouped_radio = forms.TypedChoiceField(
        choices=GROUPED, coerce=int, widget=forms.RadioSelect, required=False
    )
    text = forms.CharField(required=False)


class OnlyFast(FastSelectRenderer):
    """Refuses to fall back to the templates for a select: the fast path is what is compared."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = _select(context["widget"])
            assert html is not None
            return html
        if template_name in MULTIPLE_TEMPLATES:
            html = _multiple_input(context["widget"])
            assert html is not None
            return html
        return super().render(template_name, context, request=request)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "b", "grouped": "2", "multiple": ["x", "z"], "flag": "true", "attrs": "0", "boxes": ["y"]},
        {"plain": "nope", "grouped": "3", "multiple": ["y"], "flag": "false", "attrs": "1.5"},
        {"grouped_boxes": ["1", "3"], "radio": "a", "grouped_radio": "2", "boxes": ["x", "y"]},
        {"radio": "zzz", "grouped_radio": "nope"},
    ],
)
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_every_widget_renders_as_with_djangos_templates(data, auto_id):
    fast, django = OnlyFast(), DjangoTemplates()
    fast_form = Sample(data or None, renderer=fast, auto_id=auto_id)
    django_form = Sample(data or None, renderer=django, auto_id=auto_id)
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


# ------------------------------------------------------------------ templates/partials/field.html


class FieldSample(forms.Form):
    mark_optional = True

    name = forms.CharField(label='Name & "title"', help_text="Shown <everywhere>", max_length=5)
    note = forms.CharField(required=False, help_text=mark_safe("<em>safe</em> hint"))
    kind = forms.ChoiceField(choices=GROUPED, required=False, label=gettext_lazy("Status"))
    boxes = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y <b>")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Pick some",
    )
    radio = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    flag = forms.BooleanField(required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class NoMark(FieldSample):
    mark_optional = False


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    "data", [None, {"name": "far too long", "boxes": ["zz"], "radio": "c"}, {"name": "ok", "radio": "a"}]
)
@pytest.mark.parametrize("form_class", [FieldSample, NoMark])
def test_field_html_writes_what_the_partial_writes(form_class, data, language):
    from django.template.loader import get_template
    from django.utils import translation

    from ppm.form_renderer import field_html

    partial = get_template("partials/field.html")
    with translation.override(language):
        form = form_class(data)
        if data is not None:
            form.is_valid()
        for field in form:
            assert field_html(field) == partial.render({"field": field}), field.name
        unprefixed = form_class(data, auto_id=False)
        for field in unprefixed:
            assert field_html(field) == partial.render({"field": field}), field.name
