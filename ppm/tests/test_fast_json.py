"""The builtin json_script filter writes what Django's writes, and is the one templates use."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils.html import json_script as django_json_script

from ppm.templatetags.fast_json import json_script

VALUES = [
    {"a": "</script><script>alert('x')</script>", "b": "R&D <i>", "c": [1, 2.5, None, True]},
    {"day": datetime.date(2026, 11, 30), "amount": Decimal("12.50"), "text": "é € \u2028 \u2029 'q' \"dq\""},
    [],
    "plain > < &",
]


@pytest.mark.parametrize("value", VALUES)
def test_same_output_as_django(value):
    assert json_script(value, "x-id") == django_json_script(value, "x-id")
    assert json_script(value) == django_json_script(value)


def test_templates_use_it():
    from ppm.templatetags import fast_json

    rendered = Template("{{ value|json_script:'data' }}").render(Context({"value": VALUES[0]}))
    assert rendered == str(django_json_script(VALUES[0], "data"))
    builtin = Template("x").engine.template_builtins[-1].filters["json_script"]
    assert builtin.__module__ == fast_json.__name__
