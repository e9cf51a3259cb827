from django import forms
from django.utils.translation import gettext_lazy as _


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


def plain_model_choices(field: forms.ModelChoiceField, *, label) -> None:
    """Give a model select its options from one narrow query (value, `label` column) instead of the
    model instances Django's iterator builds one by one: a select of 500 people cost ~10 ms that way.
    Only the widget changes; the field still validates against its queryset. `label` (a column or an
    expression such as Concat) must be what the model's str() shows."""
    value = field.to_field_name or "pk"
    options = list(field.queryset.values_list(value, label))
    if field.empty_label is not None:
        options.insert(0, ("", field.empty_label))
    field.widget.choices = options
