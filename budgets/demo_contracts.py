"""The contracts' part of the demonstration data (runs after budgets.demo_lines).

Two framework agreements with the demo vendors (resources.demo.DEMO_VENDORS): « Prestations de
développement et TMA » (two lots, daily rates revised +2.5 % on 1 January of the current year, 3 M€ ceiling,
consumed at about 92 %: past its 80 % alert, near 95 %) and « Hébergement cloud et infogérance »
(catalogue items, 1.2 M€ ceiling, ending within 5 months: an expiry alert); orders on most in-progress
projects (signed, delivered, invoiced, one draft), and the contract rate of the vendors' consultants.

Deterministic and idempotent: everything is looked up by its natural key first (references, order
numbers), so a second run creates nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import ngettext_lazy

from budgets import contracts
from budgets.models import (
    AgreementLot,
    AgreementPrice,
    BudgetLine,
    FrameworkAgreement,
    Nature,
    Order,
    ResourceRate,
    Section,
)

KINDS = {
    "agreements": ngettext_lazy("%(count)d framework agreement", "%(count)d framework agreements", "count"),
    "orders": ngettext_lazy("%(count)d order", "%(count)d orders", "count"),
}

DEV_REFERENCE = "AC-2024-DEV-TMA"
CLOUD_REFERENCE = "AC-2022-CLOUD"
DEV_TARGET = Decimal("2805000")  # ≈ 92 % of the 3 M€ ceiling once days are rounded down
CLOUD_TARGET = Decimal("640000")
REVISION = Decimal("1.025")


def _vendors():
    from resources.demo import DEMO_VENDORS
    from resources.models import Vendor

    return [Vendor.objects.get_or_create(name=name)[0] for name in DEMO_VENDORS]


def _agreement(created: Counter, *, reference: str, data: dict) -> FrameworkAgreement:
    agreement = FrameworkAgreement.objects.filter(reference=reference).first()
    if agreement is None:
        agreement = contracts.agreement_create(actor=None, data={"reference": reference, **data})
        created["agreements"] += 1
    return agreement


def _price(
    agreement, *, code, label, unit, unit_price, valid_from, kind="profile", lot=None
) -> AgreementPrice:
    existing = AgreementPrice.objects.filter(
        agreement=agreement, code=code, valid_from=valid_from, lot=lot
    ).first()
    if existing is not None:
        return existing
    return contracts.agreement_price_add(
        actor=None,
        agreement=agreement,
        kind=kind,
        code=code,
        label=label,
        unit=unit,
        unit_price=unit_price,
        valid_from=valid_from,
        lot=lot,
    )


def _line_of(project) -> BudgetLine:
    """The project's services line (else any of its lines; else a new services line)."""
    lines = BudgetLine.objects.filter(project=project)
    line = lines.filter(nature=Nature.SERVICES).order_by("pk").first() or lines.order_by("pk").first()
    if line is None:
        from budgets.demo import DEMO_ENVELOPE_CODE
        from budgets.models import Envelope

        line = BudgetLine.objects.create(
            project=project,
            label="Prestations externes",
            section=Section.INVESTMENT,
            nature=Nature.SERVICES,
            envelope=Envelope.objects.filter(code=DEMO_ENVELOPE_CODE).first(),
        )
    return line


def _order(created, *, number, agreement, line, title, day, lines, lot=None, moves=()):
    if Order.objects.filter(number=number).exists():
        return
    order = contracts.order_create(
        actor=None,
        agreement=agreement,
        budget_line=line,
        title=title,
        ordered_on=day,
        lot=lot,
        lines=lines,
        number=number,
    )
    created["orders"] += 1
    for action, when, amount in moves:
        order = contracts.order_transition(actor=None, order=order, action=action, on=when, amount=amount)


def _days(amount: Decimal, price: Decimal) -> str:
    return str((amount / price).quantize(Decimal("1"), rounding=ROUND_DOWN))


def load(*, today: date) -> Counter:
    from portfolio.models import Project

    created: Counter = Counter()
    numeria, atlantique = _vendors()
    year = today.year
    dev = _agreement(
        created,
        reference=DEV_REFERENCE,
        data={
            "title": "Prestations de développement et TMA",
            "vendor": numeria,
            "start": date(year - 2, 1, 1),
            "end": date(year + 1, 12, 31),
            "max_renewals": 1,
            "renewal_months": 12,
            "ceiling": Decimal("3000000.00"),
            "minimum": Decimal("300000.00"),
            "alert_thresholds": [80, 95],
            "expiry_alert_months": 6,
            "lots": [{"number": 1, "title": "Développement"}, {"number": 2, "title": "TMA"}],
        },
    )
    cloud = _agreement(
        created,
        reference=CLOUD_REFERENCE,
        data={
            "title": "Hébergement cloud et infogérance",
            "vendor": atlantique,
            "start": contracts.add_months(today, -41).replace(day=1),
            "end": contracts.add_months(today, 4),
            "max_renewals": 0,
            "ceiling": Decimal("1200000.00"),
            "minimum": Decimal("200000.00"),
            "alert_thresholds": [80, 95],
            "expiry_alert_months": 6,
        },
    )
    development, tma = AgreementLot.objects.filter(agreement=dev).order_by("number")[:2]
    start, revised = dev.start, date(year, 1, 1)
    rates = {
        "CP": ("Chef·fe de projet", Decimal("780.00")),
        "DEV": ("Développeur·se", Decimal("620.00")),
        "EXP": ("Expert·e", Decimal("950.00")),
    }
    prices = {}
    for code, (label, amount) in rates.items():
        prices[code] = _price(dev, code=code, label=label, unit="jour", unit_price=amount, valid_from=start)
        _price(
            dev,
            code=code,
            label=label,
            unit="jour",
            unit_price=(amount * REVISION).quantize(Decimal("0.01")),
            valid_from=revised,
        )
    items = {
        "VM": ("Machine virtuelle (mois)", "VM/mois", Decimal("180.00")),
        "STO": ("Stockage", "To/mois", Decimal("45.00")),
        "SAV": ("Sauvegarde", "To/mois", Decimal("30.00")),
    }
    cloud_prices = {
        code: _price(
            cloud, kind="item", code=code, label=label, unit=unit, unit_price=amount, valid_from=cloud.start
        )
        for code, (label, unit, amount) in items.items()
    }

    projects = list(Project.objects.filter(status="in_progress").order_by("code"))
    chosen = [project for index, project in enumerate(projects) if index % 5 != 4]  # most of them
    if chosen:
        share = DEV_TARGET / len(chosen)
        last_year, this_year = date(year - 1, 3, 2), max(date(year, 1, 15), dev.start)
        for index, project in enumerate(chosen):
            line = _line_of(project)
            first, second = share * Decimal("0.6"), share * Decimal("0.4")
            _order(
                created,
                number=f"BC-DEMO-{index + 1:03d}A",
                agreement=dev,
                lot=development,
                line=line,
                title=f"Développement — {project.name}"[:200],
                day=last_year,
                lines=[
                    {"price": prices["CP"].pk, "quantity": _days(first * Decimal("0.2"), Decimal("780"))},
                    {"price": prices["DEV"].pk, "quantity": _days(first * Decimal("0.7"), Decimal("620"))},
                    {"price": prices["EXP"].pk, "quantity": _days(first * Decimal("0.1"), Decimal("950"))},
                ],
                moves=[
                    ("sign", date(year - 1, 3, 16), None),
                    ("deliver", date(year - 1, 9, 30), None),
                    ("invoice", date(year - 1, 10, 31), None),
                ],
            )
            moves: list[tuple[str, date, Decimal | None]] = [("sign", this_year, None)]
            if index % 3 == 0:
                moves += [("deliver", min(today, date(year, 6, 30)), None)]
            if index % 2 == 0:
                moves += [("invoice", today, (second / 2).quantize(Decimal("0.01")))]
            _order(
                created,
                number=f"BC-DEMO-{index + 1:03d}B",
                agreement=dev,
                lot=tma,
                line=line,
                title=f"TMA {year} — {project.name}"[:200],
                day=this_year,
                lines=[{"price": prices["DEV"].pk, "quantity": _days(second, Decimal("635.50"))}],
                moves=moves,
            )
        hosted = chosen[: max(1, len(chosen) // 3)]
        per_project = CLOUD_TARGET / len(hosted)
        for index, project in enumerate(hosted):
            _order(
                created,
                number=f"BC-DEMO-C{index + 1:02d}",
                agreement=cloud,
                line=_line_of(project),
                title=f"Hébergement — {project.name}"[:200],
                day=contracts.add_months(today, -10),
                lines=[
                    {
                        "price": cloud_prices["VM"].pk,
                        "quantity": _days(per_project * Decimal("0.7"), Decimal("180")),
                    },
                    {
                        "price": cloud_prices["STO"].pk,
                        "quantity": _days(per_project * Decimal("0.2"), Decimal("45")),
                    },
                    {
                        "price": cloud_prices["SAV"].pk,
                        "quantity": _days(per_project * Decimal("0.1"), Decimal("30")),
                    },
                ],
                moves=[
                    ("sign", contracts.add_months(today, -10), None),
                    ("invoice", contracts.add_months(today, -1), (per_project / 2).quantize(Decimal("0.01"))),
                ],
            )
        draft_project = chosen[-1]
        _order(
            created,
            number="BC-DEMO-DRAFT",
            agreement=dev,
            lot=development,
            line=_line_of(draft_project),
            title=f"Évolutions — {draft_project.name}"[:200],
            day=today,
            lines=[
                {"price": prices["DEV"].pk, "quantity": "40"},
                {"price": prices["CP"].pk, "quantity": "8"},
            ],
        )
    _resource_rates(prices, numeria)
    return created


def _resource_rates(prices: dict, vendor) -> None:
    from resources.models import Resource

    for resource in Resource.objects.filter(is_external=True, vendor=vendor).select_related(
        "primary_profile"
    ):
        name = resource.primary_profile.name.lower()
        code = "CP" if "chef" in name else "EXP" if ("expert" in name or "architecte" in name) else "DEV"
        # Written only when missing or different: a second load changes nothing (nor the costing).
        rate, created = ResourceRate.objects.get_or_create(
            resource=resource, defaults={"price": prices[code]}
        )
        if not created and rate.price_id != prices[code].pk:
            rate.price = prices[code]
            rate.save(update_fields=["price"])
