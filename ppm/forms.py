from typing import Any

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from ppm.form_renderer import html_attrs, html_text
from ppm.usercache import cached_shared


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What will use it, e.g. “Finance data warehouse”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        choices=[
            ("30", _("in 30 days")),
            ("90", _("in 90 days")),
            ("365", _("in a year")),
            ("", _("never")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
        help_text=_("A token that expires limits the harm if it leaks; create a new one before then."),
    )


def model_choice_options(field: forms.ModelChoiceField, *, label) -> list[tuple[Any, Any]]:
    """The (value, `label`) options of a model select, in its queryset's order, from one narrow query."""
    return list(field.queryset.values_list(field.to_field_name or "pk", label))


def plain_model_choices(field: forms.ModelChoiceField, *, label, options: list | None = None) -> None:
    """Give a model select its options from one narrow query (value, `label` column) instead of the
    model instances Django's iterator builds one by one: a select of 500 people cost ~10 ms that way.
    Only the widget changes; the field still validates against its queryset. `label` (a column or an
    expression such as Concat) must be what the model's str() shows. `options`: what
    `model_choice_options(field, label=label)` answers, when the caller has it already (cached)."""
    options = model_choice_options(field, label=label) if options is None else list(options)
    if field.empty_label is not None:
        options.insert(0, ("", field.empty_label))
    plain_select(field)
    field.widget.choices = options


def shared_plain_model_choices(namespace: str, fields, labels: dict[str, Any]) -> None:
    """`plain_model_choices` for the model selects `labels` names ({field name: label}), with options
    that are the same for everyone: kept in ppm.usercache under `namespace` (made stale by the app that
    uses it, on a change of the models listed) instead of read at each page."""
    options = cached_shared(
        namespace,
        lambda: {name: model_choice_options(fields[name], label=label) for name, label in labels.items()},
    )
    for name, label in labels.items():
        plain_model_choices(fields[name], label=label, options=options[name])


def plain_select(field: forms.ChoiceField) -> None:
    """Write `field`'s select with PlainSelect (same attributes, same required flag) when it has Django's
    plain Select. Give it its choices afterwards (a model field: set its queryset after this)."""
    if type(field.widget) is forms.Select:
        widget = PlainSelect(attrs=field.widget.attrs)
        widget.is_required = field.widget.is_required
        field.widget = widget


class PlainSelect(forms.Select):
    """A <select> of plain (value, label) options written straight from them: the same HTML as
    Django's Select (through ppm.form_renderer), without a dict per option (optgroups/create_option)
    — what a select of 500 people costs. No option groups, one selected value."""

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        # Plain pairs, kept as they are: Django's normalize_choices walks every option looking for groups
        # (~9 ms for the alerts list's 1,000 projects). A model field's iterator stays lazy (read when
        # the select is written, not when the form is built).
        self._choices = value if isinstance(value, BaseChoiceIterator) else list(value)

    def render(self, name, value, attrs=None, renderer=None):
        context_attrs = self.build_attrs(self.attrs, attrs)
        chosen = self.format_value(value)
        parts = [f'<select name="{html_text(name)}"{html_attrs(context_attrs)}>']
        found = False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value in chosen
            found = found or selected
            parts.append(
                f'\n  <option value="{html_text(option_value)}"{" selected" if selected else ""}>'
                f"{html_text(label)}</option>\n"
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts).strip())  # noqa: S308 - every value is escaped by _text
