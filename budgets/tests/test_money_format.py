"""contracts.money_format (the euros of the contracts pages) is budgets.money.format_money: the same
text as Django's number_format with forced grouping, in English and French."""

from decimal import Decimal

import pytest
from django.utils import formats, translation

from budgets.contracts import money_format

AMOUNTS = ["0", "0.5", "1", "-1.25", "999.99", "1000", "1234567.89", "-7654321.1", "12.345", "1e8"]


def _django(value: Decimal) -> str:
    text = formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if translation.get_language().startswith("fr"):
        return f"{text}\u00a0€"
    return f"-€{text[1:]}" if text.startswith("-") else f"€{text}"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_money_format_is_djangos_number_format(language):
    with translation.override(language):
        for amount in AMOUNTS:
            assert money_format(Decimal(amount)) == _django(Decimal(amount)), amount
        assert money_format(None) == "—"


def test_money_format_examples():
    with translation.override("fr"):
        assert money_format(Decimal("1234567.89")) == "1\u00a0234\u00a0567,89\u00a0€"
    with translation.override("en"):
        assert money_format(Decimal("-1234.5")) == "-€1,234.50"


SERIES_ROW_TEMPLATE = (
    "{% load contracts_tags i18n %}{% for row in series %}"
    '<tr><th scope="row">{{ row.month|date:"YEAR_MONTH_FORMAT" }}</th>'
    '<td class="num nowrap">{{ row.committed|euros }}</td><td class="num nowrap">{{ row.paid|euros }}</td>'
    '<td class="num nowrap">{{ ceiling|euros }}</td></tr>{% empty %}<tr><td colspan="4">'
    '{% translate "No order signed yet." %}</td></tr>{% endfor %}'
)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_agreement_series_rows_are_those_the_template_wrote(language):
    from datetime import date

    from django.template import engines

    from budgets.contract_views import series_rows_html

    series = [
        {"month": date(2025, 1, 1), "committed": Decimal("125000.50"), "paid": Decimal("0")},
        {"month": date(2025, 2, 1), "committed": Decimal("-300.25"), "paid": Decimal("99999.99")},
    ]
    template = engines["django"].from_string(SERIES_ROW_TEMPLATE)
    with translation.override(language):
        for rows in (series, []):
            expected = template.render({"series": rows, "ceiling": Decimal("1500000")})
            assert str(series_rows_html(rows, Decimal("1500000"))) == expected


@pytest.mark.parametrize("language", ["en", "fr"])
def test_money_formatter_is_format_money(language):
    from budgets.money import format_money, money_formatter

    with translation.override(language):
        for decimals in (0, 2):
            formatter = money_formatter(decimals=decimals)
            for amount in [*AMOUNTS, None]:
                value = None if amount is None else Decimal(amount)
                assert formatter(value) == format_money(value, decimals=decimals), amount


@pytest.mark.parametrize(
    "value",
    [*AMOUNTS, "-0.00", "-0.004", "0.005", "0.015", "1E+3", "1E-10", "99999999.99", "123456789012.345", None],
)
def test_money_str_spells_an_amount_as_the_format_of_its_cents(value):
    """The API's money strings (money_str, 12,000 of them in the budget summary) through str(): the same
    text as formatting the amount rounded to the cent, never an exponent; None and -0 are "0.00"."""
    from budgets.money import CENT, money_str

    amount = Decimal(value) if value is not None else None
    assert money_str(amount) == f"{(amount or Decimal('0.00')).quantize(CENT)}"
    assert "E" not in money_str(amount) and money_str(amount).split(".")[1].isdigit()
    assert len(money_str(amount).split(".")[1]) == 2
