"""The contracts' part of the API fuzzing world (tests/test_api_fuzz.py): an agreement in force with a
daily rate, and a draft order on a budget line, known to the fuzzer by id."""

import datetime
from decimal import Decimal

from budgets import contracts
from resources.tests.factories import VendorFactory

REFERENCES = {"agreement": "agreements", "budget_line": "budget-lines", "price": "agreement-prices"}


def fuzz_contracts(*, actor, line) -> dict[str, list[int]]:
    agreement = contracts.agreement_create(
        actor=actor,
        data={
            "reference": "AC-FUZZ",
            "title": "Fuzz agreement",
            "vendor": VendorFactory(name="Fuzz vendor"),
            "start": datetime.date(2024, 1, 1),
            "end": datetime.date(2030, 12, 31),
            "ceiling": Decimal("900000000000.00"),
            "minimum": Decimal("0.00"),
            "alert_thresholds": [80, 95],
        },
    )
    price = contracts.agreement_price_add(
        actor=actor,
        agreement=agreement,
        kind="profile",
        code="DEV",
        label="Développeur·se",
        unit_price=Decimal("620.00"),
        valid_from=datetime.date(2024, 1, 1),
    )
    order = contracts.order_create(
        actor=actor,
        agreement=agreement,
        budget_line=line,
        title="Fuzz order",
        ordered_on=datetime.date(2025, 3, 3),
        lines=[{"price": price.pk, "quantity": "10"}],
    )
    return {"agreements": [agreement.pk], "agreement-prices": [price.pk], "orders": [order.pk]}
