"""Money for budgets and contracts: one parser, one API field, one form field, one formatter.

Amounts are `Decimal` with two places (euros and cents), never float. Every amount coming from a person
or a file goes through `parse_amount`, which refuses, with a message a person understands:
NaN, infinities, exponents (« 1e400 », « 1E3 »), more than two decimals, more than `MAX_AMOUNT`,
negatives unless the caller allows them, and text that is not a number.

Accepted spellings: "1234.5", "1234,50", "1 234,50" (spaces, no-break spaces and narrow no-break spaces
as thousands separators, a comma as the decimal separator — the French way), a leading "-" where
negatives are allowed; `Decimal` and `int` values as they are. `float` is refused (its value is not the
amount the person typed).

`MoneyField` (DRF): string in and out ("12345.67"), schema type string with a pattern.
`MoneyFormField` (forms): the same parsing, errors on the field.
`format_money(amount)`: « 1 234 567,89 € » in French, « €1,234,567.89 » in English (the active language);
in templates `{% load budgets_money %}{{ amount|euros }}`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.utils import formats, numberformat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from budgets.models import MAX_AMOUNT, ZERO
from ppm.exceptions import DomainValidationError

CENT = Decimal("0.01")
# What a typed amount may look like once the thousands separators are removed.
_AMOUNT_RE = re.compile(r"^(?P<sign>-)?(?P<int>\d+)(?:[.,](?P<frac>\d*))?$")
_SEPARATORS = str.maketrans("", "", " \u00a0\u202f\u2009_'")
# The API's patterns: digits, optionally a dot and one or two decimals (and a minus where allowed).
API_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
SIGNED_API_PATTERN = r"^-?\d{1,12}(\.\d{1,2})?$"


class AmountError(DomainValidationError):
    """An amount that is not a valid euro amount."""


def _refuse(message, field: str | None) -> AmountError:
    if field:
        return AmountError(message, field_errors={field: [message]})
    return AmountError(message)


def parse_amount(
    value: object,
    *,
    allow_negative: bool = False,
    allow_zero: bool = True,
    field: str | None = None,
) -> Decimal:
    """`value` as a Decimal with exactly two places, or DomainValidationError (on `field` when named)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _refuse(_("Enter an amount."), field)
    if isinstance(value, bool) or isinstance(value, float):
        raise _refuse(_("Enter the amount as text or a decimal number, not a binary float."), field)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise _refuse(_("Enter a real amount (not NaN or infinity)."), field)
        number = value
    elif isinstance(value, str):
        text = value.strip().translate(_SEPARATORS)
        if text.endswith("€"):
            text = text[:-1]
        match = _AMOUNT_RE.match(text)
        if not match:
            lowered = text.lower()
            if lowered in {"nan", "-nan", "inf", "-inf", "infinity", "-infinity", "+inf"}:
                raise _refuse(_("Enter a real amount (not NaN or infinity)."), field)
            if "e" in lowered:
                raise _refuse(_("Write the amount in full, without an exponent."), field)
            raise _refuse(_("Enter an amount such as 1234.50 or 1 234,50."), field)
        frac = match.group("frac") or ""
        if len(frac) > 2:
            raise _refuse(_("An amount has at most two decimals (cents)."), field)
        if len(match.group("int").lstrip("0")) > 12:
            raise _refuse(_("The amount is too large."), field)
        number = Decimal(f"{match.group('sign') or ''}{match.group('int')}.{frac or '0'}")
    else:
        raise _refuse(_("Enter an amount such as 1234.50 or 1 234,50."), field)
    try:
        if number != number.quantize(CENT):
            raise _refuse(_("An amount has at most two decimals (cents)."), field)
        number = number.quantize(CENT)
    except InvalidOperation:
        raise _refuse(_("The amount is too large."), field) from None
    if abs(number) > MAX_AMOUNT:
        raise _refuse(_("The amount is too large."), field)
    if number < ZERO and not allow_negative:
        raise _refuse(_("The amount may not be negative."), field)
    if number == ZERO and not allow_zero:
        raise _refuse(_("The amount must be more than zero."), field)
    return number + ZERO  # normalises -0.00 to 0.00


def to_cents(value: Decimal) -> Decimal:
    """Round a computed Decimal (e.g. a share of an amount) to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal | None) -> str:
    """The JSON spelling of an amount: "12345.67" (always two decimals)."""
    # str(), not an f-string: the same spelling for an amount to the cent (never in exponent notation), at
    # half the cost through Decimal.__format__ (the API budget summary writes 12,000 of them).
    return str((value or ZERO).quantize(CENT))


@extend_schema_field({"type": "string", "pattern": API_PATTERN, "example": "12345.67"})
class MoneyField(serializers.Field):
    """A euro amount in the API: a string such as "12345.67" in and out; clear 400 when it is not one."""

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float):
            # JSON numbers arrive as float: refuse rather than guess (1e400 is inf, 0.1 is not 0.1).
            raise serializers.ValidationError(
                str(_('Send the amount as a string, e.g. "1234.50".')), code="invalid"
            )
        try:
            return parse_amount(data, allow_negative=self.allow_negative, allow_zero=self.allow_zero)
        except DomainValidationError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None

    def to_representation(self, value):
        return money_str(value)


@extend_schema_field({"type": "string", "pattern": SIGNED_API_PATTERN, "example": "-120.50"})
class SignedMoneyField(MoneyField):
    """A euro amount that may be negative (cancellations)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_negative", True)
        super().__init__(**kwargs)


class MoneyFormField(forms.CharField):
    """A euro amount in a form: "1 234,50" or "1234.50"; cleaned to a Decimal with two places."""

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "24")
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_number(value, grouping=False)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value, allow_negative=self.allow_negative, allow_zero=self.allow_zero)
        except DomainValidationError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


_LANGUAGE_SEPARATORS: dict[str, tuple[str, str, int]] = {}


def _separators() -> tuple[str, str, int]:
    """(decimal separator, thousand separator, grouping) of the active language, read once per language."""
    language = get_language() or ""
    found = _LANGUAGE_SEPARATORS.get(language)
    if found is None:
        grouping = formats.get_format("NUMBER_GROUPING") or 3
        found = _LANGUAGE_SEPARATORS[language] = (
            formats.get_format("DECIMAL_SEPARATOR"),
            formats.get_format("THOUSAND_SEPARATOR"),
            grouping if isinstance(grouping, int) else 0,
        )
    return found


def format_number(
    amount: Decimal | int | None,
    *,
    grouping: bool = True,
    decimals: int = 2,
    separators: tuple[str, str, int] | None = None,
) -> str:
    """`amount` with two decimals in the active language's style (grouped by thousands).

    The budget pages print thousands of amounts: an amount with no more decimals than shown (every
    stored amount) is formatted by Python's own grouping; anything else by django.utils.numberformat,
    whose result the fast one equals (tested)."""
    value = ZERO if not amount else Decimal(amount)  # no "-0.00", as Django prints none
    decimal_sep, thousand_sep, group = separators or _separators()
    exponent = value.as_tuple().exponent
    if group == 3 and isinstance(exponent, int) and -exponent <= decimals:
        text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
        if grouping:
            return text.replace(",", "\x00").replace(".", decimal_sep).replace("\x00", thousand_sep)
        return text.replace(".", decimal_sep)
    return numberformat.format(
        value,
        decimal_sep,
        decimal_pos=decimals,
        grouping=formats.get_format("NUMBER_GROUPING") or 3,
        thousand_sep=thousand_sep if grouping else "",
        force_grouping=grouping,
    )


def number_formatter(*, grouping: bool = True, decimals: int = 2):
    """format_number with the active language's separators read once: for tables of thousands of amounts."""
    separators = _separators()

    def formatter(amount: Decimal | int | None) -> str:
        return format_number(amount, grouping=grouping, decimals=decimals, separators=separators)

    return formatter


def money_formatter(*, decimals: int = 2):
    """format_money with the active language's separators read once: for charts of hundreds of amounts."""
    separators = _separators()
    french = (get_language() or "en").startswith("fr")

    def formatter(amount: Decimal | int | None) -> str:
        number = format_number(amount, decimals=decimals, separators=separators)
        if french:
            return f"{number}\u00a0€"
        return f"-€{number[1:]}" if number.startswith("-") else f"€{number}"

    return formatter


def format_money(amount: Decimal | int | None, *, decimals: int = 2) -> str:
    """« 1 234 567,89 € » in French, « €1,234,567.89 » in English."""
    number = format_number(amount, decimals=decimals)
    if (get_language() or "en").startswith("fr"):
        return f"{number}\u00a0€"
    if number.startswith("-"):
        return f"-€{number[1:]}"
    return f"€{number}"
