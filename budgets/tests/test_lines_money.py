"""budgets.money: parsing refuses what is not an amount, formats follow the language."""

from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework import serializers

from budgets.money import MoneyField, MoneyFormField, format_money, parse_amount
from ppm.exceptions import DomainValidationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", Decimal("1234.50")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u202f234\u00a0567,89", Decimal("1234567.89")),
        ("0", Decimal("0.00")),
        (" 12 € ", Decimal("12.00")),
        (Decimal("10.1"), Decimal("10.10")),
        (7, Decimal("7.00")),
        ("999999999999.99", Decimal("999999999999.99")),
    ],
)
def test_accepted_spellings_are_exact_decimals(text, expected):
    value = parse_amount(text)
    assert type(value) is Decimal
    assert value == expected
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("NaN", "NaN"),
        ("inf", "infinity"),
        ("-Infinity", "infinity"),
        (Decimal("NaN"), "NaN"),
        ("1e400", "exponent"),
        ("1E3", "exponent"),
        ("1.234", "two decimals"),
        ("1,234", "two decimals"),
        (Decimal("0.001"), "two decimals"),
        ("-5", "negative"),
        ("1000000000000", "too large"),
        ("abc", "such as"),
        ("", "Enter an amount"),
        (1.5, "float"),
    ],
)
def test_refused_with_a_clear_message(text, fragment):
    with pytest.raises(DomainValidationError) as error:
        parse_amount(text, field="amount")
    assert fragment in str(error.value)
    assert error.value.field_errors["amount"]


def test_negative_only_when_allowed():
    assert parse_amount("-5", allow_negative=True) == Decimal("-5.00")
    with pytest.raises(DomainValidationError):
        parse_amount("0", allow_zero=False)


def test_api_field_strings_in_and_out():
    field = MoneyField()
    assert field.to_internal_value("12.3") == Decimal("12.30")
    assert field.to_representation(Decimal("12.3")) == "12.30"
    for bad in ("NaN", "1e400", "-5", "1.234", 12.5):
        with pytest.raises(serializers.ValidationError):
            field.to_internal_value(bad)


def test_form_field():
    field = MoneyFormField(required=False)
    assert field.clean("1 000,10") == Decimal("1000.10")
    assert field.clean("") is None
    with pytest.raises(Exception, match="two decimals"):
        field.clean("1.001")


def test_format_follows_the_language():
    with translation.override("fr"):
        text = format_money(Decimal("1234567.89"))
        assert text.replace("\u202f", " ").replace("\u00a0", " ") == "1 234 567,89 €"
    with translation.override("en"):
        assert format_money(Decimal("1234567.89")) == "€1,234,567.89"
        assert format_money(Decimal("-3")) == "-€3.00"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_fast_amount_formatting_equals_djangos(language):
    from django.utils import formats, numberformat, translation

    from budgets.money import format_number

    values = [
        Decimal("0"), Decimal("0.00"), Decimal("-0.00"), Decimal("5"), Decimal("999.99"), Decimal("1000"),
        Decimal("-1234.5"), Decimal("1234567.89"), Decimal("-98765432.10"), Decimal("12.345"),
        Decimal("0.004"), Decimal("1E+3"), 42, None,
    ]  # fmt: skip
    with translation.override(language):
        for value in values:
            for grouping in (True, False):
                for decimals in (0, 2):
                    number = Decimal(0) if value is None else Decimal(value)
                    expected = numberformat.format(
                        number,
                        formats.get_format("DECIMAL_SEPARATOR"),
                        decimal_pos=decimals,
                        grouping=formats.get_format("NUMBER_GROUPING") or 3,
                        thousand_sep=formats.get_format("THOUSAND_SEPARATOR") if grouping else "",
                        force_grouping=grouping,
                    )
                    assert format_number(value, grouping=grouping, decimals=decimals) == expected, (
                        value, grouping, decimals,
                    )  # fmt: skip
