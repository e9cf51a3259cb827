"""Writes to framework agreements, their prices and the orders drawn on them.

Conventions (as every service of Pilotis): keyword-only arguments, `actor` the user acting (None for
system jobs such as the demo: no permission check), one transaction each, the rows written locked with
`expected_version` (412 when stale), every change audited (an order's history belongs to its project).

Rules decided here
------------------
* An agreement's **effective end** is its initial end plus the renewals used × months per renewal;
  `renewals` ≤ `max_renewals`; ceiling ≥ minimum; alert thresholds are 1–99, strictly ascending.
* A **price revision** is a new row with the same code and a later `valid_from`; `price_on` gives the
  price in force on a day. An order line copies the price in force on the order date (a later revision
  never changes an order already written).
* Order lifecycle: draft → signed → delivered → invoiced; draft/signed → cancelled. Invoices may be
  partial (monthly TMA invoices): `invoice` is allowed from signed, delivered and invoiced while the
  invoiced total stays ≤ the order amount; the order is "invoiced" from its first invoice.
* Signing locks the agreement row first (then the order): two signatures that together exceed the
  ceiling run one after the other and the second is refused with the figures. Amounts committed on an
  agreement = the amounts of its signed, delivered and invoiced orders.
* Execution: sign → a committed entry of the order amount on its budget line dated `signed_on`;
  invoice → a paid entry; cancelling a signed order → a negative committed entry dated the day of the
  cancellation. The line's per-year committed/paid totals are refreshed in the same transaction.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.models import (
    MAX_AMOUNT,
    ZERO,
    AgreementLot,
    AgreementPrice,
    BudgetLine,
    ExecutionEntry,
    ExecutionKind,
    ExecutionSource,
    FrameworkAgreement,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    PriceKind,
    ResourceRate,
)
from budgets.money import format_money
from budgets.permissions import RULES
from budgets.services import line_year_totals_refresh
from ppm.audit import audit_record, audited
from ppm.exceptions import DomainValidationError, IllegalTransitionError
from ppm.lifecycle import Machine, Moves, Transition, available, resolve
from ppm.models import AuditEntry
from ppm.versioning import check_version, lock_for_update, save_versioned

CENT = Decimal("0.01")
COMMITTED_STATUSES = (OrderStatus.SIGNED, OrderStatus.DELIVERED, OrderStatus.INVOICED)
DEFAULT_THRESHOLDS = (80, 95)
AGREEMENT_FIELDS = (
    "reference",
    "title",
    "vendor",
    "start",
    "end",
    "renewals",
    "max_renewals",
    "renewal_months",
    "ceiling",
    "minimum",
    "alert_thresholds",
    "expiry_alert_months",
    "notes",
)
ORDER_FIELDS = ("title", "ordered_on", "lot", "budget_line", "project")


def _check(actor, action: str, obj=None) -> None:
    if actor is not None:
        RULES.check(actor, action, obj)


def _actor(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _full_clean(instance, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True, validate_constraints=False)
    except ValidationError as error:
        raise DomainValidationError(
            field_errors={field: list(messages) for field, messages in error.message_dict.items()}
        ) from None


def money_format(value: Decimal | None) -> str:
    """An amount for people, in the active language's style: « 1 234,50 € » in French, "€1,234.50" in
    English (grouping forced: USE_THOUSAND_SEPARATOR stays off globally)."""
    if value is None:
        return "—"
    return format_money(value)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def effective_end(agreement: FrameworkAgreement) -> date:
    """The initial end plus the renewals used."""
    return add_months(agreement.end, agreement.renewals * agreement.renewal_months)


def in_force(agreement: FrameworkAgreement, day: date) -> bool:
    return agreement.start <= day <= effective_end(agreement)


def _two_decimals(value: Decimal, maximum: Decimal) -> bool:
    """A finite positive value ≤ maximum with two decimals at most."""
    return value.is_finite() and ZERO < value <= maximum and value == value.quantize(CENT)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """quantity × unit price, rounded half up to the cent."""
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------- agreements


def _validate_agreement(agreement: FrameworkAgreement) -> None:
    errors: dict[str, list[str]] = {}
    thresholds = agreement.alert_thresholds
    if not isinstance(thresholds, list) or not all(
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 99 for value in thresholds
    ):
        errors["alert_thresholds"] = [_("Give the alert thresholds as whole percents between 1 and 99.")]
    elif any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
        errors["alert_thresholds"] = [_("List the alert thresholds in ascending order, each once.")]
    if agreement.start and agreement.end and agreement.end < agreement.start:
        errors["end"] = [_("The end comes before the start.")]
    if (
        agreement.minimum is not None
        and agreement.ceiling is not None
        and agreement.minimum > agreement.ceiling
    ):
        errors["minimum"] = [_("The minimum exceeds the ceiling.")]
    if agreement.renewals > agreement.max_renewals:
        errors["renewals"] = [
            _("%(used)s renewals used, but the agreement allows %(allowed)s.")
            % {"used": agreement.renewals, "allowed": agreement.max_renewals}
        ]
    if agreement.max_renewals and agreement.renewal_months < 1:
        errors["renewal_months"] = [_("A renewal lasts at least one month.")]
    if errors:
        raise DomainValidationError(field_errors=errors)


def _apply(instance, data: Mapping[str, Any], fields: Iterable[str]) -> None:
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def _save_lots(agreement: FrameworkAgreement, lots: Sequence[Mapping[str, Any]], actor) -> None:
    """Create or update lots by number (lots are never removed here: orders may reference them)."""
    numbers = [lot.get("number") for lot in lots]
    if len(numbers) != len(set(numbers)):
        raise DomainValidationError(field_errors={"lots": [_("Each lot number appears once.")]})
    existing = {lot.number: lot for lot in agreement.lots.all()}
    for data in lots:
        lot = existing.get(data["number"]) or AgreementLot(agreement=agreement, number=data["number"])
        lot.title = data.get("title", lot.title)
        lot.ceiling = data.get("ceiling") if "ceiling" in data else (lot.ceiling if lot.pk else None)
        if lot.ceiling is not None and lot.ceiling > agreement.ceiling:
            raise DomainValidationError(
                field_errors={
                    "lots": [
                        _("The ceiling of lot %(number)s exceeds the agreement's ceiling.")
                        % {"number": lot.number}
                    ]
                }
            )
        _full_clean(lot, exclude=["agreement"])
        with audited(lot, actor, ("number", "title", "ceiling"), related=agreement):
            lot.save()


@transaction.atomic
def agreement_create(*, actor, data: Mapping[str, Any]) -> FrameworkAgreement:
    """A framework agreement with its lots (`data["lots"]`: number, title, optional ceiling)."""
    _check(actor, "agreement.change")
    agreement = FrameworkAgreement(alert_thresholds=list(DEFAULT_THRESHOLDS))
    _apply(agreement, data, AGREEMENT_FIELDS)
    _full_clean(agreement, exclude=["alert_thresholds"])
    _validate_agreement(agreement)
    with audited(agreement, _actor(actor), FrameworkAgreement.audit_fields):
        save_versioned(agreement)
    _save_lots(agreement, data.get("lots") or (), _actor(actor))
    return agreement


@transaction.atomic
def agreement_update(
    *, actor, agreement: FrameworkAgreement, data: Mapping[str, Any], expected_version: int | None = None
) -> FrameworkAgreement:
    _check(actor, "agreement.change", agreement)
    agreement = lock_for_update(FrameworkAgreement, agreement.pk, expected_version)
    with audited(agreement, _actor(actor), FrameworkAgreement.audit_fields) as audit:
        _apply(agreement, data, AGREEMENT_FIELDS)
        _full_clean(agreement, exclude=["alert_thresholds"])
        _validate_agreement(agreement)
        committed = agreement_committed(agreement.pk)
        if agreement.ceiling < committed:
            raise DomainValidationError(
                field_errors={
                    "ceiling": [
                        _(
                            "Orders already commit %(committed)s on this agreement: "
                            "the ceiling cannot be lower."
                        )
                        % {"committed": money_format(committed)}
                    ]
                }
            )
        if audit.changed():
            save_versioned(agreement)
    if "lots" in data:
        _save_lots(agreement, data["lots"] or (), _actor(actor))
    return agreement


def price_on(
    agreement: FrameworkAgreement | int, code: str, day: date, *, lot: AgreementLot | int | None = None
) -> AgreementPrice | None:
    """The price of `code` in force on `day` (the latest revision valid from that day or before)."""
    agreement_id = agreement if isinstance(agreement, int) else agreement.pk
    prices = AgreementPrice.objects.filter(agreement_id=agreement_id, code=code, valid_from__lte=day)
    if lot is not None:
        lot_id = lot if isinstance(lot, int) else lot.pk
        prices = prices.filter(Q(lot_id=lot_id) | Q(lot__isnull=True)).order_by("-valid_from", "-lot_id")
    else:
        prices = prices.order_by("-valid_from", "lot_id")
    return prices.first()


@transaction.atomic
def agreement_price_add(
    *,
    actor,
    agreement: FrameworkAgreement,
    kind: str,
    code: str,
    label: str,
    unit_price: Decimal,
    valid_from: date,
    lot: AgreementLot | None = None,
    profile=None,
    unit: str = "",
) -> AgreementPrice:
    """A new unit price, or a revision of an existing code (same code, later `valid_from`)."""
    _check(actor, "agreement.change", agreement)
    agreement = lock_for_update(FrameworkAgreement, agreement.pk)
    if lot is not None and lot.agreement_id != agreement.pk:
        raise DomainValidationError(field_errors={"lot": [_("This lot belongs to another agreement.")]})
    previous = (
        AgreementPrice.objects.filter(agreement=agreement, code=code, lot=lot).order_by("-valid_from").first()
    )
    if previous is not None:
        if valid_from <= previous.valid_from:
            raise DomainValidationError(
                field_errors={
                    "valid_from": [
                        _("A revision of %(code)s applies after its current price (valid from %(day)s).")
                        % {"code": code, "day": formats.date_format(previous.valid_from, "SHORT_DATE_FORMAT")}
                    ]
                }
            )
        if kind != previous.kind:
            raise DomainValidationError(field_errors={"kind": [_("A revision keeps the kind of the price.")]})
    if kind == PriceKind.ITEM and profile is not None:
        raise DomainValidationError(field_errors={"profile": [_("A catalogue item has no profile.")]})
    price = AgreementPrice(
        agreement=agreement,
        lot=lot,
        kind=kind,
        code=code,
        label=label or (previous.label if previous else code),
        profile=profile if profile is not None else (previous.profile if previous else None),
        unit=unit or (previous.unit if previous else ("jour" if kind == PriceKind.PROFILE else "unité")),
        unit_price=unit_price,
        valid_from=valid_from,
    )
    _full_clean(price, exclude=["agreement", "lot", "profile"])
    with audited(
        price, _actor(actor), ("code", "label", "unit", "unit_price", "valid_from"), related=agreement
    ):
        price.save()
    return price


@transaction.atomic
def resource_rate_set(*, actor, resource, price: AgreementPrice | None) -> ResourceRate | None:
    """The agreement price an external resource's days are bought at (None removes it)."""
    _check(actor, "agreement.change", price.agreement if price is not None else None)
    if price is None:
        ResourceRate.objects.filter(resource=resource).delete()
        return None
    errors = []
    if not resource.is_external:
        errors.append(_("Only an external resource has a contract rate."))
    if price.kind != PriceKind.PROFILE:
        errors.append(_("A contract rate is a profile's daily rate, not a catalogue item."))
    if resource.vendor_id and resource.vendor_id != price.agreement.vendor_id:
        errors.append(_("This price belongs to an agreement with another vendor."))
    if errors:
        raise DomainValidationError(field_errors={"price": errors})
    rate, _created = ResourceRate.objects.update_or_create(resource=resource, defaults={"price": price})
    return rate


# -------------------------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class OrderFacts:
    status: str
    has_lines: bool
    line_of_project: bool
    agreement_in_force: bool
    ceiling_message: str
    remaining_to_invoice: Decimal


def _refuse_without_lines(facts: OrderFacts, target: str):
    return None if facts.has_lines else gettext_lazy("An order needs at least one line to be signed.")


def _refuse_other_project_line(facts: OrderFacts, target: str):
    if facts.line_of_project:
        return None
    return gettext_lazy("The order's budget line belongs to another project.")


def _refuse_out_of_force(facts: OrderFacts, target: str):
    if facts.agreement_in_force:
        return None
    return gettext_lazy("The agreement is not in force on the order date.")


def _refuse_over_ceiling(facts: OrderFacts, target: str):
    return facts.ceiling_message or None


def _refuse_fully_invoiced(facts: OrderFacts, target: str):
    if facts.remaining_to_invoice > 0:
        return None
    return gettext_lazy("The order is fully invoiced.")


ORDER_MACHINE = Machine(
    name="order",
    states=OrderStatus.choices,
    transitions=(
        Transition(
            "sign",
            (OrderStatus.DRAFT,),
            OrderStatus.SIGNED,
            gettext_lazy("Sign"),
            guards=(
                _refuse_without_lines,
                _refuse_other_project_line,
                _refuse_out_of_force,
                _refuse_over_ceiling,
            ),
            primary=True,
        ),
        Transition("deliver", (OrderStatus.SIGNED,), OrderStatus.DELIVERED, gettext_lazy("Record delivery")),
        Transition(
            "invoice",
            (OrderStatus.SIGNED, OrderStatus.DELIVERED, OrderStatus.INVOICED),
            OrderStatus.INVOICED,
            gettext_lazy("Record an invoice"),
            guards=(_refuse_fully_invoiced,),
        ),
        Transition(
            "cancel",
            (OrderStatus.DRAFT, OrderStatus.SIGNED),
            OrderStatus.CANCELLED,
            gettext_lazy("Cancel the order"),
            confirm=True,
            confirm_message=gettext_lazy("Cancel this order? A signed order's commitment is reversed."),
        ),
    ),
    final=frozenset({OrderStatus.CANCELLED}),
)


def agreement_committed(
    agreement_id: int, *, lot_id: int | None = None, exclude_order: int | None = None
) -> Decimal:
    orders = Order.objects.filter(agreement_id=agreement_id, status__in=COMMITTED_STATUSES)
    if lot_id is not None:
        orders = orders.filter(lot_id=lot_id)
    if exclude_order is not None:
        orders = orders.exclude(pk=exclude_order)
    return orders.aggregate(total=Sum("amount"))["total"] or ZERO


def _ceiling_message(order: Order) -> str:
    """Why signing `order` would exceed its agreement's (or lot's) ceiling; "" when it would not."""
    if order.status != OrderStatus.DRAFT:
        return ""
    agreement = order.agreement
    committed = agreement_committed(agreement.pk, exclude_order=order.pk)
    if committed + order.amount > agreement.ceiling:
        return _(
            "Signing this order (%(amount)s) would bring the commitments on %(reference)s to %(total)s, over "
            "its ceiling of %(ceiling)s (%(left)s left)."
        ) % {
            "amount": money_format(order.amount),
            "reference": agreement.reference,
            "total": money_format(committed + order.amount),
            "ceiling": money_format(agreement.ceiling),
            "left": money_format(max(agreement.ceiling - committed, ZERO)),
        }
    lot = order.lot
    if lot is not None and lot.ceiling:  # a lot without a ceiling of its own (None or 0)
        lot_committed = agreement_committed(agreement.pk, lot_id=lot.pk, exclude_order=order.pk)
        if lot_committed + order.amount > lot.ceiling:
            return _(
                "Signing this order (%(amount)s) would bring the commitments on lot %(lot)s to "
                "%(total)s, over its ceiling of %(ceiling)s (%(left)s left)."
            ) % {
                "amount": money_format(order.amount),
                "lot": lot.number,
                "total": money_format(lot_committed + order.amount),
                "ceiling": money_format(lot.ceiling),
                "left": money_format(max(lot.ceiling - lot_committed, ZERO)),
            }
    return ""


def order_facts(order: Order, *, has_lines: bool | None = None) -> OrderFacts:
    if has_lines is None:
        has_lines = order.lines.exists()
    day = order.ordered_on or timezone.localdate()
    return OrderFacts(
        status=order.status,
        has_lines=has_lines,
        line_of_project=order.budget_line.project_id == order.project_id,
        agreement_in_force=in_force(order.agreement, day),
        ceiling_message=_ceiling_message(order) if has_lines else "",
        remaining_to_invoice=order.amount - order.invoiced,
    )


def order_moves(order: Order, *, actor=None) -> Moves:
    """The moves offered now (with the reason a guard refuses one); none for who may not transition."""
    if actor is not None and not RULES.allows(actor, "order.transition", order):
        return Moves()
    return available(ORDER_MACHINE, order_facts(order), actor=actor)


def _next_number(day: date) -> str:
    prefix = f"BC-{day.year}-"
    last = (
        Order.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    try:
        sequence = int(last[len(prefix) :]) + 1 if last else 1
    except ValueError:
        sequence = Order.objects.filter(number__startswith=prefix).count() + 1
    return f"{prefix}{sequence:05d}"


def _priced_lines(order: Order, lines: Sequence[Mapping[str, Any]]) -> list[OrderLine]:
    """Order lines at the prices in force on the order date. Each item: `price` (an AgreementPrice or its
    id: any revision of the code) and `quantity` (days or units, Decimal ≥ 0, two decimals at most)."""
    day = order.ordered_on or timezone.localdate()
    wanted = [item["price"] for item in lines]
    ids = [price.pk if isinstance(price, AgreementPrice) else price for price in wanted]
    known = {
        price.pk: price
        for price in AgreementPrice.objects.filter(pk__in=ids, agreement_id=order.agreement_id)
    }
    errors: list[str] = []
    result: list[OrderLine] = []
    for index, (item, pk) in enumerate(zip(lines, ids, strict=True), start=1):
        picked = known.get(pk)
        if picked is None:
            errors.append(_("Line %(n)s: this price is not one of the agreement's.") % {"n": index})
            continue
        if order.lot_id and picked.lot_id not in (None, order.lot_id):
            errors.append(_("Line %(n)s: this price belongs to another lot.") % {"n": index})
            continue
        try:
            quantity = Decimal(str(item["quantity"]))
        except (InvalidOperation, ValueError, TypeError):
            quantity = Decimal("NaN")
        if not _two_decimals(quantity, Decimal("99999999.99")):
            errors.append(_("Line %(n)s: give a positive quantity with two decimals at most.") % {"n": index})
            continue
        current = price_on(order.agreement_id, picked.code, day, lot=picked.lot_id)
        if current is None:
            errors.append(
                _("Line %(n)s: %(code)s has no price in force on %(day)s.")
                % {"n": index, "code": picked.code, "day": formats.date_format(day, "SHORT_DATE_FORMAT")}
            )
            continue
        result.append(
            OrderLine(
                price=current,
                quantity=quantity,
                unit_price=current.unit_price,
                amount=line_amount(quantity, current.unit_price),
            )
        )
    if errors:
        raise DomainValidationError(field_errors={"lines": errors})
    total = sum((line.amount for line in result), ZERO)
    if total > MAX_AMOUNT:
        raise DomainValidationError(field_errors={"lines": [_("The order's amount is too large.")]})
    return result


def _validate_order(order: Order) -> None:
    errors: dict[str, list[str]] = {}
    if order.budget_line.project_id != order.project_id:
        errors["budget_line"] = [_("Choose a budget line of the order's project.")]
    if order.lot is not None and order.lot.agreement_id != order.agreement_id:
        errors["lot"] = [_("This lot belongs to another agreement.")]
    if order.ordered_on and not in_force(order.agreement, order.ordered_on):
        errors["ordered_on"] = [
            _("The agreement %(reference)s is in force from %(start)s to %(end)s.")
            % {
                "reference": order.agreement.reference,
                "start": formats.date_format(order.agreement.start, "SHORT_DATE_FORMAT"),
                "end": formats.date_format(effective_end(order.agreement), "SHORT_DATE_FORMAT"),
            }
        ]
    if errors:
        raise DomainValidationError(field_errors=errors)


def _write_lines(order: Order, lines: list[OrderLine]) -> None:
    order.lines.all().delete()
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    order.amount = sum((line.amount for line in lines), ZERO)


@transaction.atomic
def order_create(
    *,
    actor,
    agreement: FrameworkAgreement,
    budget_line: BudgetLine,
    title: str,
    ordered_on: date | None = None,
    lot: AgreementLot | None = None,
    lines: Sequence[Mapping[str, Any]] = (),
    number: str = "",
) -> Order:
    """A draft order for the budget line's project (the manager of that project may create it)."""
    ordered_on = ordered_on or timezone.localdate()
    order = Order(
        agreement=agreement,
        lot=lot,
        budget_line=budget_line,
        project_id=budget_line.project_id,
        title=title,
        ordered_on=ordered_on,
        status=OrderStatus.DRAFT,
        created_by=_actor(actor),
    )
    order.project = budget_line.project
    _check(actor, "order.change", order)
    order.number = number or _next_number(ordered_on)
    _full_clean(order, exclude=["agreement", "lot", "project", "budget_line", "created_by", "amount"])
    _validate_order(order)
    priced = _priced_lines(order, lines)
    with audited(order, _actor(actor), Order.audit_fields):
        order.amount = sum((line.amount for line in priced), ZERO)
        save_versioned(order)
        _write_lines(order, priced)
    return order


@transaction.atomic
def order_update(
    *, actor, order: Order, data: Mapping[str, Any], expected_version: int | None = None
) -> Order:
    """Change a draft: title, order date, lot, budget line (same project), lines (replaced, re-priced)."""
    _check(actor, "order.change", order)
    order = lock_for_update(
        Order, order.pk, expected_version, queryset=Order.objects.select_related("agreement")
    )
    _check(actor, "order.change", order)
    if order.status != OrderStatus.DRAFT:
        raise IllegalTransitionError(_("Only a draft order can be edited."), action="update")
    with audited(order, _actor(actor), Order.audit_fields) as audit:
        for name in ("title", "ordered_on", "lot", "budget_line"):
            if name in data:
                setattr(order, name, data[name])
        if order.budget_line.project_id != order.project_id:
            raise DomainValidationError(
                field_errors={"budget_line": [_("Choose a budget line of the order's project.")]}
            )
        _full_clean(order, exclude=["agreement", "lot", "project", "budget_line", "created_by", "amount"])
        _validate_order(order)
        if "lines" in data or "ordered_on" in data or "lot" in data:
            if "lines" in data:
                wanted = data["lines"]
            else:
                wanted = [{"price": line.price_id, "quantity": line.quantity} for line in order.lines.all()]
            _write_lines(order, _priced_lines(order, wanted))
        if audit.changed():
            save_versioned(order)
    return order


def _entry(order: Order, kind: str, day: date, amount: Decimal, label: str) -> ExecutionEntry:
    return ExecutionEntry.objects.create(
        line_id=order.budget_line_id,
        kind=kind,
        date=day,
        amount=amount,
        source=ExecutionSource.ORDER,
        order=order,
        label=f"{order.number} · {label}"[:200],
    )


def _parse_invoice_amount(amount) -> Decimal:
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError, TypeError):
        value = Decimal("NaN")
    if not _two_decimals(value, MAX_AMOUNT):
        raise DomainValidationError(
            field_errors={"amount": [_("Give a positive amount in euros with two decimals at most.")]}
        )
    return value


@transaction.atomic
def order_transition(
    *,
    actor,
    order: Order,
    action: str,
    expected_version: int | None = None,
    amount: Decimal | str | None = None,
    on: date | None = None,
    comment: str = "",
) -> Order:
    """Sign, deliver, invoice (with `amount` and its date `on`) or cancel an order (see the module)."""
    _check(actor, "order.transition", order)
    # The agreement first: signatures on one agreement run one after the other (ceiling).
    lock_for_update(FrameworkAgreement, order.agreement_id)
    # No outer join under FOR UPDATE (PostgreSQL refuses it on the nullable lot): relations load lazily.
    order = lock_for_update(Order, order.pk)
    _check(actor, "order.transition", order)
    check_version(order, expected_version)
    day = on or timezone.localdate()
    facts = order_facts(order)
    target = resolve(ORDER_MACHINE, facts, action, actor=None)
    source = order.status
    invoice_amount = ZERO
    if action == "invoice":
        invoice_amount = _parse_invoice_amount(amount if amount is not None else facts.remaining_to_invoice)
        if order.invoiced + invoice_amount > order.amount:
            raise DomainValidationError(
                field_errors={
                    "amount": [
                        _(
                            "Invoices would total %(total)s, over the order's %(amount)s "
                            "(%(left)s left to invoice)."
                        )
                        % {
                            "total": money_format(order.invoiced + invoice_amount),
                            "amount": money_format(order.amount),
                            "left": money_format(order.amount - order.invoiced),
                        }
                    ]
                }
            )
    if action in ("sign", "deliver", "invoice") and order.ordered_on and day < order.ordered_on:
        raise DomainValidationError(field_errors={"on": [_("The date comes before the order date.")]})
    with audited(order, _actor(actor), Order.audit_fields, action=AuditEntry.Action.TRANSITION):
        order.status = target
        if action == "sign":
            order.signed_on = day
            _entry(order, ExecutionKind.COMMITTED, day, order.amount, _("signed"))
        elif action == "deliver":
            order.delivered_on = day
        elif action == "invoice":
            order.invoiced += invoice_amount
            order.invoiced_on = day
            _entry(order, ExecutionKind.PAID, day, invoice_amount, _("invoice"))
        elif action == "cancel" and source == OrderStatus.SIGNED:
            _entry(order, ExecutionKind.COMMITTED, day, -order.amount, _("cancelled"))
        save_versioned(order)
    OrderStatusChange.objects.create(
        order=order, source=source, target=target, action=action, comment=comment, actor=_actor(actor)
    )
    if action in ("sign", "invoice") or (action == "cancel" and source == OrderStatus.SIGNED):
        line_year_totals_refresh([order.budget_line_id])
    return order


@transaction.atomic
def order_delete(*, actor, order: Order, expected_version: int | None = None) -> None:
    """Delete a draft (a signed order is cancelled instead, so its history stays)."""
    _check(actor, "order.change", order)
    order = lock_for_update(Order, order.pk, expected_version)
    if order.status != OrderStatus.DRAFT:
        raise IllegalTransitionError(
            _("Only a draft order can be deleted; cancel a signed one."), action="delete"
        )
    audit_record(
        instance=order,
        action=AuditEntry.Action.DELETE,
        actor=_actor(actor),
        changes={},
        related=order.project,
    )
    order.delete()
