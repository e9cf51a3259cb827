"""plain_model_choices: the same select as Django's model iterator writes, from one narrow query."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ppm.forms import plain_model_choices
from ppm.models import Directorate
from ppm.tests.factories import DirectorateFactory

pytestmark = pytest.mark.django_db


class PickForm(forms.Form):
    directorate = forms.ModelChoiceField(queryset=Directorate.objects.order_by("name"))
    by_code = forms.ModelChoiceField(
        queryset=Directorate.objects.order_by("code"), to_field_name="code", required=False, empty_label="Any"
    )


def test_same_html_as_djangos_iterator_and_the_same_validation():
    for code, name in (
        ("DSI", "Systèmes <d'information>"),
        ("DRH", "Ressources & humaines"),
        ("DAF", "Finances"),
    ):
        DirectorateFactory(code=code, name=name)
    chosen = Directorate.objects.get(code="DRH")
    data = {"directorate": str(chosen.pk), "by_code": "DAF"}
    expected = str(PickForm(data)["directorate"]) + str(PickForm(data)["by_code"])
    form = PickForm(data)
    with CaptureQueriesContext(connection) as queries:
        plain_model_choices(form.fields["directorate"], label="name")
        plain_model_choices(form.fields["by_code"], label="name")
    assert len(queries) == 2
    assert str(form["directorate"]) + str(form["by_code"]) == expected
    assert "selected" in str(form["directorate"]) and "&lt;d&#x27;information&gt;" in expected
    assert form.is_valid() and form.cleaned_data == {
        "directorate": chosen,
        "by_code": Directorate.objects.get(code="DAF"),
    }
    refused = PickForm({"directorate": "999999"})
    plain_model_choices(refused.fields["directorate"], label="name")
    assert not refused.is_valid() and "directorate" in refused.errors


def test_unbound_and_invalid_forms_render_as_django_does():
    DirectorateFactory(code="DSI", name="Systèmes")
    for data in (None, {"directorate": "not-a-number", "by_code": "NOPE"}):
        expected = str(PickForm(data)["directorate"]) + str(PickForm(data)["by_code"])
        form = PickForm(data)
        plain_model_choices(form.fields["directorate"], label="name")
        plain_model_choices(form.fields["by_code"], label="name")
        assert str(form["directorate"]) + str(form["by_code"]) == expected
