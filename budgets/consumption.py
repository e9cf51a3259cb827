"""Consumption of framework agreements: committed and invoiced against the ceiling, time elapsed, the
forecast exhaustion date, and the alerts the project office sees on its home and in the weekly digest.

* **Committed** = the amounts of the agreement's signed, delivered and invoiced orders (a cancelled order
  no longer counts); **invoiced** = what those orders have been invoiced.
* **% of time elapsed** = days since the start / days from the start to the effective end (renewals used).
* **Forecast exhaustion**: linear from the commitments signed over the last 12 months (or since the start
  when the agreement is younger): remaining / daily rate after today. None when nothing was signed in
  that window; today when the ceiling is already reached.
* **Alerts** (agreements in force): the highest threshold crossed (the agreement's own, else 80 / 95 %);
  the effective end within `expiry_alert_months`; the minimum not reached when the end is that near.
  Lots with their own ceiling get threshold alerts too.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from budgets.contracts import COMMITTED_STATUSES, DEFAULT_THRESHOLDS, add_months, effective_end, money_format
from budgets.models import (
    ZERO,
    AgreementLot,
    ContractAlertDigest,
    ExecutionEntry,
    ExecutionKind,
    FrameworkAgreement,
    Order,
)
from budgets.permissions import RULES
from ppm.mail import by_language, site_url
from ppm.roles import Role
from ppm.usercache import cached_for_user

ONE_DECIMAL = Decimal("0.1")
WINDOW_DAYS = 365


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Alert:
    kind: str  # threshold, expiry, minimum
    level: str  # warning, danger
    agreement_id: int
    reference: str
    message: str
    url: str


@dataclass
class Figures:
    """Consumption of an agreement or of one of its lots."""

    ceiling: Decimal
    committed: Decimal = ZERO
    invoiced: Decimal = ZERO
    recent: Decimal = ZERO  # committed over the window (last 12 months or since the start)

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.committed, self.ceiling)

    @property
    def invoiced_percent(self) -> Decimal | None:
        return _percent(self.invoiced, self.ceiling)

    @property
    def remaining(self) -> Decimal:
        return self.ceiling - self.committed

    @property
    def bar_percent(self) -> int:
        """The width of the consumption bar (0–100)."""
        value = self.percent or ZERO
        return int(min(max(value, ZERO), Decimal(100)))


@dataclass
class Consumption(Figures):
    agreement: FrameworkAgreement | None = None
    end: date | None = None
    time_percent: Decimal | None = None
    exhaustion: date | None = None
    in_force: bool = True
    lots: list[tuple[AgreementLot, Figures]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


def _thresholds(agreement: FrameworkAgreement) -> list[int]:
    return sorted(agreement.alert_thresholds or DEFAULT_THRESHOLDS)


def _exhaustion(figures: Figures, *, start: date, today: date) -> date | None:
    if figures.committed >= figures.ceiling:
        return today
    window_start = max(start, today - timedelta(days=WINDOW_DAYS))
    days = (today - window_start).days
    if figures.recent <= 0 or days <= 0:
        return None
    rate = figures.recent / days
    left = math.ceil((figures.ceiling - figures.committed) / rate)
    try:
        return today + timedelta(days=left)
    except OverflowError:
        return None


def _threshold_alert(
    agreement, figures: Figures, *, url: str, lot: AgreementLot | None = None
) -> Alert | None:
    percent = figures.percent
    if percent is None:
        return None
    thresholds = _thresholds(agreement)
    crossed = [value for value in thresholds if percent >= value]
    if not crossed:
        return None
    level = "danger" if crossed[-1] == thresholds[-1] else "warning"
    if lot is None:
        message = _("%(percent)s %% of the ceiling committed (alert at %(threshold)s %%): %(left)s left.")
    else:
        message = _(
            "Lot %(lot)s: %(percent)s %% of its ceiling committed (alert at %(threshold)s %%): %(left)s left."
        )
    return Alert(
        kind="threshold",
        level=level,
        agreement_id=agreement.pk,
        reference=agreement.reference,
        message=message
        % {
            "percent": formats.number_format(percent, decimal_pos=1, use_l10n=True),
            "threshold": crossed[-1],
            "left": money_format(max(figures.remaining, ZERO)),
            "lot": lot.number if lot else "",
        },
        url=url,
    )


def _alerts(consumption: Consumption, *, today: date) -> list[Alert]:
    agreement = consumption.agreement
    assert agreement is not None and consumption.end is not None
    if not consumption.in_force:
        return []
    url = reverse("budgets:agreement_detail", args=[agreement.pk])
    alerts = []
    main = _threshold_alert(agreement, consumption, url=url)
    if main:
        alerts.append(main)
    for lot, figures in consumption.lots:
        lot_alert = _threshold_alert(agreement, figures, url=url, lot=lot)
        if lot_alert:
            alerts.append(lot_alert)
    near_end = consumption.end <= add_months(today, agreement.expiry_alert_months)
    if near_end:
        days = (consumption.end - today).days
        alerts.append(
            Alert(
                kind="expiry",
                level="danger" if days <= 90 else "warning",
                agreement_id=agreement.pk,
                reference=agreement.reference,
                message=_("Ends on %(end)s (in %(days)s days): renew it or prepare the next one.")
                % {"end": _short(consumption.end), "days": days},
                url=url,
            )
        )
        if consumption.committed < agreement.minimum:
            alerts.append(
                Alert(
                    kind="minimum",
                    level="warning",
                    agreement_id=agreement.pk,
                    reference=agreement.reference,
                    message=_("The minimum of %(minimum)s is not reached yet (%(committed)s committed).")
                    % {
                        "minimum": money_format(agreement.minimum),
                        "committed": money_format(consumption.committed),
                    },
                    url=url,
                )
            )
    return alerts


def _short(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def agreements_consumption(
    agreements: Sequence[FrameworkAgreement], *, today: date | None = None
) -> list[Consumption]:
    """The consumption of each agreement (in the given order), in three queries whatever their number."""
    today = today or timezone.localdate()
    ids = [agreement.pk for agreement in agreements]
    window = today - timedelta(days=WINDOW_DAYS)
    committed = Q(status__in=COMMITTED_STATUSES)
    by_agreement = {
        row["agreement_id"]: row
        for row in Order.objects.filter(committed, agreement_id__in=ids)
        .values("agreement_id")
        .annotate(
            committed=Sum("amount"),
            invoiced=Sum("invoiced"),
            recent=Sum("amount", filter=Q(signed_on__gte=window)),
        )
        .order_by()
    }
    by_lot = {
        row["lot_id"]: row
        for row in Order.objects.filter(committed, agreement_id__in=ids, lot__isnull=False)
        .values("lot_id")
        .annotate(committed=Sum("amount"), invoiced=Sum("invoiced"))
        .order_by()
    }
    lots: dict[int, list[AgreementLot]] = defaultdict(list)
    for lot in AgreementLot.objects.filter(agreement_id__in=ids, ceiling__gt=0).order_by("number"):
        lots[lot.agreement_id].append(lot)
    result = []
    for agreement in agreements:
        row = by_agreement.get(agreement.pk, {})
        end = effective_end(agreement)
        total_days = (end - agreement.start).days or 1
        elapsed = min(max((today - agreement.start).days, 0), total_days)
        consumption = Consumption(
            ceiling=agreement.ceiling,
            committed=row.get("committed") or ZERO,
            invoiced=row.get("invoiced") or ZERO,
            recent=row.get("recent") or ZERO,
            agreement=agreement,
            end=end,
            time_percent=_percent(Decimal(elapsed), Decimal(total_days)),
            in_force=agreement.start <= today <= end,
        )
        for lot in lots.get(agreement.pk, ()):
            lot_row = by_lot.get(lot.pk, {})
            consumption.lots.append(
                (
                    lot,
                    Figures(
                        ceiling=lot.ceiling,
                        committed=lot_row.get("committed") or ZERO,
                        invoiced=lot_row.get("invoiced") or ZERO,
                    ),
                )
            )
        consumption.exhaustion = _exhaustion(consumption, start=agreement.start, today=today)
        consumption.alerts = _alerts(consumption, today=today)
        result.append(consumption)
    return result


def agreement_consumption(agreement: FrameworkAgreement, *, today: date | None = None) -> Consumption:
    return agreements_consumption([agreement], today=today)[0]


def agreement_list() -> QuerySet[FrameworkAgreement]:
    return FrameworkAgreement.objects.select_related("vendor")


def agreement_visible_to(user) -> QuerySet[FrameworkAgreement]:
    """Every agreement for who may see budgets, nothing for the others."""
    if not RULES.allows(user, "budget.view"):
        return FrameworkAgreement.objects.none()
    return agreement_list()


def consumption_series(agreement: FrameworkAgreement) -> list[dict]:
    """Cumulative committed and paid by month (from the orders' execution entries: a cancellation
    counts negative), for the chart of the agreement page."""
    rows = (
        ExecutionEntry.objects.filter(order__agreement=agreement)
        .annotate(month=TruncMonth("date"))
        .values("month", "kind")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    months: dict[date, dict[str, Decimal]] = defaultdict(lambda: {"committed": ZERO, "paid": ZERO})
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        key = "committed" if row["kind"] == ExecutionKind.COMMITTED else "paid"
        months[month][key] += row["total"] or ZERO
    series, committed, paid = [], ZERO, ZERO
    for month in sorted(months):
        committed += months[month]["committed"]
        paid += months[month]["paid"]
        series.append({"month": month, "committed": committed, "paid": paid})
    return series


def all_alerts(*, today: date | None = None) -> list[tuple[Consumption, Alert]]:
    today = today or timezone.localdate()
    agreements = list(agreement_list().filter(start__lte=today))
    pairs = [
        (consumption, alert)
        for consumption in agreements_consumption(agreements, today=today)
        for alert in consumption.alerts
    ]
    pairs.sort(key=lambda pair: (pair[1].level != "danger", pair[1].reference, pair[1].kind))
    return pairs


def budget_alerts(user, *, today: date | None = None) -> list[Alert]:
    """The alerts of framework agreements for the project office's home (who manages agreements)."""
    if not RULES.allows(user, "agreement.change"):
        return []
    return [alert for _consumption, alert in all_alerts(today=today)]


# ------------------------------------------------------------------------------------------- digest

DIGEST_ROLES = (Role.PROJECT_OFFICE.value, Role.FINANCE.value)


def digest_recipients() -> list:
    """The people the weekly digest goes to (active, with an e-mail), one per address."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, role__in=DIGEST_ROLES).exclude(email="")
    by_address: dict[str, Any] = {}
    for user in users.order_by("pk"):
        by_address.setdefault(user.email, user)
    return [by_address[address] for address in sorted(by_address)]


def alert_digest_send(*, today: date | None = None) -> int:
    """Send this week's digest of agreement alerts to the project office and finance users, each in
    their language with absolute links (ppm.mail).

    Idempotent per week (its Monday is the period): a second run in the same week sends nothing.
    Returns the number of e-mails sent."""
    today = today or timezone.localdate()
    period = today - timedelta(days=today.weekday())
    messages: list[tuple[str, str, str]] = []
    count = 0
    for language, users in by_language(digest_recipients()).items():
        with translation.override(language):
            alerts = all_alerts(today=today)  # the same alerts in every language: only the words differ
            if not alerts:
                return 0
            count = len(alerts)
            lines = [f"- {alert.reference}: {alert.message}\n  {site_url(alert.url)}" for _c, alert in alerts]
            body = "\n".join(
                [_("Alerts of framework agreements, week of %(day)s:") % {"day": _short(period)}, "", *lines]
            )
            subject = _("Pilotis: %(count)s alerts on framework agreements") % {"count": count}
        messages.extend((subject, body, user.email) for user in users)
    if not messages:
        return 0
    try:
        with transaction.atomic():
            ContractAlertDigest.objects.create(period=period, recipients=len(messages), alerts=count)
            for subject, body, address in messages:
                send_mail(subject, body, None, [address])
    except IntegrityError:
        return 0  # already sent for this period
    return len(messages)


# ppm.usercache namespace of the dashboard tile's alerts: made stale by any agreement, lot, price or order
# written one by one (budgets.apps); the cache's TTL bounds what bulk writes and the passing days change.
ALERTS_TILE = "contract-alerts"


def alerts_tile_context(request, **kwargs) -> dict | None:
    """The "dashboard.tiles" panel: agreement alerts for who manages agreements (None for the others),
    cached per person and language between two changes of the agreements or their orders."""
    user = getattr(request, "user", None)
    if not RULES.allows(user, "agreement.change"):
        return None
    alerts = cached_for_user(
        ALERTS_TILE, user, lambda: budget_alerts(user), variant=translation.get_language() or ""
    )
    return {"contract_alerts": alerts}
