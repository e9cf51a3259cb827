"""RawJSONRenderer writes what DRF's JSONRenderer writes for the decoded data, byte for byte, with the
RawJSON texts spliced in as they are."""

import datetime
import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from ppm.api.renderers import RawJSON, RawJSONRenderer

ROWS = [
    {"id": 1, "label": 'A-1 · Refonte « SI » — é € \u2028 \u2029 "q" \\ \n \t \x01 \x7f 🙂', "x": "-0.50"},
    {"id": 2, "label": "", "x": "12345678901234.00"},
]


def _encoded(value) -> str:
    """The JSON text a database writes for `value` (compact, as Python's encoder spells it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _data(wrap):
    return {
        "total": {"planned": "1.00", "day": datetime.date(2026, 1, 2), "amount": Decimal("3.50")},
        "groups": [
            {"id": 7, "label": "Investissement", "children": wrap(ROWS)},
            {"id": None, "label": "\u2028", "children": wrap([])},
        ],
        "more": wrap({"a": [1, 2.5, None, True]}),
        "text": "\u0001 plain",
    }


@pytest.mark.parametrize("accepted", [None, "application/json", "application/json; indent=4"])
def test_the_same_bytes_as_drf_for_the_decoded_data(accepted):
    expected = JSONRenderer().render(_data(lambda value: value), accepted)
    assert RawJSONRenderer().render(_data(lambda value: RawJSON(_encoded(value))), accepted) == expected
    # Without any RawJSON it is DRF's renderer.
    assert RawJSONRenderer().render(_data(lambda value: value), accepted) == expected


def test_indented_for_the_browsable_api():
    data = _data(lambda value: RawJSON(_encoded(value)))
    context = {"indent": 4}
    assert RawJSONRenderer().render(data, None, context) == JSONRenderer().render(
        _data(lambda value: value), None, context
    )


def test_the_texts_are_written_as_they_are():
    assert RawJSONRenderer().render([RawJSON('{"a" : 1}'), "x"]) == b'[{"a" : 1},"x"]'
    assert RawJSONRenderer().render(None) == b""


def test_a_string_that_holds_the_mark_is_refused_not_misplaced():
    with pytest.raises(ValueError, match="NUL"):
        RawJSONRenderer().render({"a": RawJSON("[]"), "b": "\x00"})
