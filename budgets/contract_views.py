"""Pages of framework agreements, orders and the costing of the workload.

Views validate input, call one service or selector and render; rights come from budgets.permissions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from budgets import consumption, contracts, costing, costing_snapshot
from budgets.contracts import money_format
from budgets.contracts_filters import AgreementFilterSet, OrderFilterSet
from budgets.contracts_forms import (
    AgreementForm,
    InvoiceForm,
    OrderForm,
    PriceForm,
    TransitionForm,
    order_lines_from,
)
from budgets.models import (
    ZERO,
    AgreementLot,
    AgreementPrice,
    BudgetLine,
    FrameworkAgreement,
    Order,
    OrderStatus,
)
from budgets.order_rows import AGREEMENT_CELLS, LIST_CELLS, PROJECT_CELLS, order_rows_html
from budgets.permissions import RULES
from ppm import charts, exports, lists
from ppm.exceptions import DomainError, DomainValidationError, StaleVersionError
from ppm.permissions import requires
from ppm.presentation import SERIES_COLOURS

AGREEMENT_COLUMNS = (
    lists.SortColumn("reference", gettext_lazy("Reference")),
    lists.SortColumn("title", gettext_lazy("Title")),
    lists.SortColumn("vendor", gettext_lazy("Vendor")),
    lists.SortColumn("ceiling", gettext_lazy("Ceiling")),
    lists.SortColumn("end", gettext_lazy("End")),
)
ORDER_COLUMNS = (
    lists.SortColumn("number", gettext_lazy("Number")),
    lists.SortColumn("title", gettext_lazy("Title")),
    lists.SortColumn("project", gettext_lazy("Project")),
    lists.SortColumn("status", gettext_lazy("Status")),
    lists.SortColumn("amount", gettext_lazy("Amount")),
    lists.SortColumn("ordered_on", gettext_lazy("Order date")),
)
EMPTY_LINE_ROWS = 2
OPEN_PROJECT_STATUSES = ("framing", "approved", "in_progress", "on_hold")


def _today() -> date:
    return timezone.localdate()


# -------------------------------------------------------------------------------------------- agreements


def _agreement_filterset(request) -> AgreementFilterSet:
    return AgreementFilterSet(request.GET or None, queryset=consumption.agreement_list())


@requires(RULES, "budget.view")
def agreement_list(request):
    filterset = _agreement_filterset(request)
    page = lists.paginate(filterset.qs, request.GET.get("page"))
    rows = consumption.agreements_consumption(list(page.object_list), today=_today())
    context = {
        "page_obj": page,
        "object_list": page.object_list,
        "rows": rows,
        "columns": lists.sort_columns(AGREEMENT_COLUMNS, request.GET.get("ordering", "")),
        "is_filtered": lists.is_filtered(request.GET),
        "filterset": filterset,
        "filter_form": filterset.form,
        "can_change": RULES.allows(request.user, "agreement.change"),
        "subnav": "agreements",
    }
    return lists.render_partial_or_page(
        request,
        "budgets/contracts_agreement_list.html",
        "budgets/partials/contracts_agreement_table.html",
        target="agreement-results",
        context=context,
    )


AGREEMENT_EXPORT = (
    exports.Column(gettext_lazy("Reference"), lambda row: row.agreement.reference, width=18),
    exports.Column(gettext_lazy("Title"), lambda row: row.agreement.title, width=40),
    exports.Column(gettext_lazy("Vendor"), lambda row: row.agreement.vendor.name, width=28),
    exports.Column(gettext_lazy("Start"), lambda row: row.agreement.start, width=12),
    exports.Column(gettext_lazy("End (with renewals)"), lambda row: row.end, width=12),
    exports.Column(gettext_lazy("Ceiling (€)"), lambda row: row.ceiling, width=16),
    exports.Column(gettext_lazy("Committed (€)"), lambda row: row.committed, width=16),
    exports.Column(gettext_lazy("Invoiced (€)"), lambda row: row.invoiced, width=16),
    exports.Column(gettext_lazy("Committed (% of ceiling)"), lambda row: row.percent, width=14),
    exports.Column(gettext_lazy("Time elapsed (%)"), lambda row: row.time_percent, width=14),
    exports.Column(gettext_lazy("Forecast exhaustion"), lambda row: row.exhaustion, width=14),
    exports.Column(
        gettext_lazy("Alerts"), lambda row: " · ".join(alert.message for alert in row.alerts), width=60
    ),
)


@requires(RULES, "budget.view")
def agreement_export(request):
    rows = consumption.agreements_consumption(list(_agreement_filterset(request).qs), today=_today())
    response = HttpResponse(
        exports.write_xlsx(AGREEMENT_EXPORT, rows, title=_("Framework agreements")),
        content_type=exports.XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename("pilotis-agreements", "xlsx")}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _load_agreement(request, pk) -> FrameworkAgreement:
    return get_object_or_404(consumption.agreement_list(), pk=pk)


def _consumption_figure(agreement: FrameworkAgreement, series: list[dict]) -> dict | None:
    if not series:
        return None
    months = [row["month"] for row in series]
    # Decimal until here: the chart's JSON takes numbers (the table beside it shows exact amounts).
    figure = charts.line_figure(
        months,
        [
            charts.Series(_("Committed"), [float(row["committed"]) for row in series], SERIES_COLOURS[0]),
            charts.Series(
                _("Invoiced"), [float(row["paid"]) for row in series], SERIES_COLOURS[1], dash="dot"
            ),
            charts.Series(
                _("Ceiling"), [float(agreement.ceiling)] * len(series), SERIES_COLOURS[3], dash="dash"
            ),
        ],
        value_title=_("€ excl. VAT"),
    )
    return figure


def series_rows_html(series: list, ceiling: Decimal) -> SafeString:
    """The rows of the consumption chart's data table (one a month over the agreement's life, three
    amounts each), written in Python rather than through the template engine."""
    if not series:
        return format_html('<tr><td colspan="4">{}</td></tr>', _("No order signed yet."))
    ceiling_text = escape(money_format(ceiling))
    cell = '<td class="num nowrap">{}</td>'
    return mark_safe(  # noqa: S308 - the month and amounts are formatted by us, escaped
        "".join(
            f'<tr><th scope="row">{escape(formats.date_format(row["month"], "YEAR_MONTH_FORMAT"))}</th>'
            + cell.format(escape(money_format(row["committed"])))
            + cell.format(escape(money_format(row["paid"])))
            + cell.format(ceiling_text)
            + "</tr>"
            for row in series
        )
    )


@requires(RULES, "budget.view", loader=_load_agreement)
def agreement_detail(request, pk: int, obj: FrameworkAgreement):
    agreement = obj
    today = _today()
    figures = consumption.agreement_consumption(agreement, today=today)
    prices = list(
        agreement.prices.select_related("lot", "profile").order_by("lot__number", "code", "-valid_from")
    )
    orders = list(agreement.orders.select_related("project", "lot").order_by("-ordered_on", "-pk")[:50])
    order_count = agreement.orders.count()
    series = consumption.consumption_series(agreement)
    can_change = RULES.allows(request.user, "agreement.change", agreement)
    return render(
        request,
        "budgets/contracts_agreement_detail.html",
        {
            "agreement": agreement,
            "figures": figures,
            "lots": list(agreement.lots.all()),
            "lot_figures": dict((lot.pk, lot_figures) for lot, lot_figures in figures.lots),
            "prices": prices,
            "orders": orders,
            "order_rows": order_rows_html(orders, cells=AGREEMENT_CELLS),
            "order_count": order_count,
            "series": series,
            "series_rows": series_rows_html(series, agreement.ceiling),
            "figure": _consumption_figure(agreement, series),
            "chart_locale": charts.chart_locale(),
            "price_form": PriceForm(agreement=agreement, initial={"valid_from": today})
            if can_change
            else None,
            "can_change": can_change,
            "can_order": RULES.may_on_some(request.user, "order.change"),
            "today": today,
            "subnav": "agreements",
        },
    )


def _agreement_data(form: AgreementForm) -> dict:
    data = dict(form.cleaned_data)
    if not data.get("alert_thresholds"):
        data["alert_thresholds"] = list(contracts.DEFAULT_THRESHOLDS)
    return data


@requires(RULES, "agreement.change")
@require_http_methods(["GET", "POST"])
def agreement_create(request):
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = contracts.agreement_create(actor=request.user, data=_agreement_data(form))
        except DomainValidationError as error:
            _attach(form, error)
        else:
            messages.success(
                request, _("Agreement %(reference)s created.") % {"reference": agreement.reference}
            )
            return redirect("budgets:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "budgets/contracts_agreement_form.html",
        {"form": form, "agreement": None, "subnav": "agreements"},
    )


@requires(RULES, "agreement.change", loader=_load_agreement)
@require_http_methods(["GET", "POST"])
def agreement_edit(request, pk: int, obj: FrameworkAgreement):
    agreement = obj
    form = AgreementForm(request.POST or None, initial=AgreementForm.initial_for(agreement))
    if request.method == "POST" and form.is_valid():
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            contracts.agreement_update(
                actor=request.user, agreement=agreement, data=_agreement_data(form), expected_version=version
            )
        except StaleVersionError:
            messages.error(request, _("Someone changed this agreement meanwhile: check it and try again."))
            return redirect("budgets:agreement_detail", pk=agreement.pk)
        except DomainValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("budgets:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "budgets/contracts_agreement_form.html",
        {"form": form, "agreement": agreement, "subnav": "agreements"},
    )


def _attach(form, error: DomainValidationError) -> None:
    if error.field_errors:
        for field, errors in error.field_errors.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, str(error))


@requires(RULES, "agreement.change", loader=_load_agreement)
@require_POST
def agreement_price_add(request, pk: int, obj: FrameworkAgreement):
    agreement = obj
    form = PriceForm(request.POST, agreement=agreement)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(error) for error in errors)
            messages.error(request, f"{label}: {text}" if label else text)
        return redirect(reverse("budgets:agreement_detail", args=[agreement.pk]) + "#prices")
    try:
        price = contracts.agreement_price_add(actor=request.user, agreement=agreement, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Price %(code)s valid from %(day)s added.")
            % {"code": price.code, "day": formats.date_format(price.valid_from, "SHORT_DATE_FORMAT")},
        )
    return redirect(reverse("budgets:agreement_detail", args=[agreement.pk]) + "#prices")


# ------------------------------------------------------------------------------------------------ orders


def _order_queryset():
    return Order.objects.select_related("agreement", "project", "budget_line", "lot")


def _order_filterset(request) -> OrderFilterSet:
    return OrderFilterSet(request.GET or None, queryset=_order_queryset())


@requires(RULES, "budget.view")
def order_list(request):
    filterset = _order_filterset(request)
    form = filterset.form
    lists.tune_filter_form(
        form,
        checkboxes=("status",),
        options={
            "agreement": FrameworkAgreement.objects.order_by("reference").values_list("pk", "reference")
        },
    )
    return lists.render_list(
        request,
        "budgets/contracts_order_list.html",
        "budgets/partials/contracts_order_table.html",
        target="order-results",
        queryset=filterset.qs,
        columns=ORDER_COLUMNS,
        rows=lambda orders: order_rows_html(orders, cells=LIST_CELLS),
        context={
            "filterset": filterset,
            "filter_form": form,
            "can_create": RULES.may_on_some(request.user, "order.change"),
            "filters_open": lists.is_filtered(request.GET),
            "subnav": "orders",
        },
    )


ORDER_EXPORT = (
    exports.Column(gettext_lazy("Number"), "number", width=16),
    exports.Column(gettext_lazy("Title"), "title", width=40),
    exports.Column(gettext_lazy("Agreement"), "agreement.reference", width=18),
    exports.Column(gettext_lazy("Project"), lambda order: order.project.code, width=14),
    exports.Column(gettext_lazy("Budget line"), "budget_line.label", width=30),
    exports.Column(gettext_lazy("Status"), lambda order: order.get_status_display(), width=14),
    exports.Column(gettext_lazy("Order date"), "ordered_on", width=12),
    exports.Column(gettext_lazy("Signed on"), "signed_on", width=12),
    exports.Column(gettext_lazy("Amount (€)"), "amount", width=16),
    exports.Column(gettext_lazy("Invoiced (€)"), "invoiced", width=16),
)


@requires(RULES, "budget.view")
def order_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Unknown export format."))
    orders = _order_filterset(request).qs.iterator(chunk_size=2000)
    if fmt == "csv":
        delimiter = exports.csv_delimiter(request)
        response = HttpResponse(
            exports.write_csv(ORDER_EXPORT, orders, delimiter=delimiter),
            content_type=exports.CSV_CONTENT_TYPE,
        )
    else:
        response = HttpResponse(
            exports.write_xlsx(ORDER_EXPORT, orders, title=_("Orders")),
            content_type=exports.XLSX_CONTENT_TYPE,
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename("pilotis-orders", fmt)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _lines_for(user, project_id=None):
    """Budget lines an order may be drawn on by `user` (of open projects; a manager's own projects)."""
    lines = BudgetLine.objects.select_related("project")
    if project_id:
        lines = lines.filter(project_id=project_id)
    else:
        lines = lines.filter(project__status__in=OPEN_PROJECT_STATUSES)
    if not RULES.allows(user, "order.transition"):  # a project manager: their projects only
        lines = lines.filter(project__manager=user)
    return lines.order_by("project__code", "label")


def _agreements_in_force(day: date):
    return FrameworkAgreement.objects.select_related("vendor").filter(start__lte=day).order_by("reference")


def _price_choices(agreement: FrameworkAgreement | None, day: date, lot_id=None) -> list[dict]:
    """The prices in force on `day` (one per code and lot) for the lines editor."""
    if agreement is None:
        return []
    prices = AgreementPrice.objects.filter(agreement=agreement, valid_from__lte=day).select_related("lot")
    if lot_id:
        prices = prices.filter(Q(lot_id=lot_id) | Q(lot__isnull=True))
    current: dict[tuple, AgreementPrice] = {}
    for price in prices.order_by("code", "lot_id", "valid_from"):
        current[(price.code, price.lot_id)] = price
    return [
        {
            "pk": price.pk,
            "label": f"{price.code} · {price.label} — "
            f"{contracts.money_format(price.unit_price)}/{price.unit}",
            "unit_price": price.unit_price,
        }
        for price in sorted(
            current.values(), key=lambda price: (price.lot.number if price.lot else 0, price.code)
        )
    ]


def _editor_rows(data_lines: list[dict], prices: list[dict]) -> list[dict]:
    """Rows of the lines editor with their computed amounts (a preview: the service prices again)."""
    by_pk = {price["pk"]: price for price in prices}
    rows = []
    for line in data_lines:
        price = by_pk.get(line["price"])
        amount = None
        try:
            quantity = Decimal(str(line["quantity"]))
            if price is not None and quantity.is_finite() and quantity >= 0:
                amount = contracts.line_amount(quantity, price["unit_price"])
        except (ArithmeticError, ValueError):
            pass
        rows.append(
            {
                "price": line["price"],
                "quantity": line["quantity"],
                "amount": amount,
                "index": line.get("index"),
            }
        )
    rows += [{"price": None, "quantity": "", "amount": None, "index": None} for _ in range(EMPTY_LINE_ROWS)]
    return rows


def _order_form_context(request, form: OrderForm, *, order: Order | None, data_lines, line_errors=()):
    agreement = None
    day = _today()
    if form.is_bound:
        try:
            agreement = form.fields["agreement"].clean(form.data.get("agreement"))
            day = form.fields["ordered_on"].clean(form.data.get("ordered_on")) or day
        except ValidationError:
            pass
    elif order is not None:
        agreement, day = order.agreement, order.ordered_on or day
    elif form.initial.get("agreement"):
        agreement = form.initial["agreement"]
    lot_id = form.data.get("lot") if form.is_bound else (order.lot_id if order else None)
    prices = _price_choices(agreement, day, lot_id if str(lot_id or "").isdigit() else None)
    rows = _editor_rows(data_lines, prices)
    total = sum((row["amount"] for row in rows if row["amount"] is not None), ZERO)
    return {
        "form": form,
        "order": order,
        "prices": prices,
        "rows": rows,
        "total": total,
        "line_errors": list(line_errors),
        "subnav": "orders",
    }


def _order_form(request, *, data=None, order: Order | None = None, initial=None) -> OrderForm:
    project_id = order.project_id if order else request.GET.get("project") or (data or {}).get("project")
    lines = _lines_for(request.user, project_id if str(project_id or "").isdigit() else None)
    if order is not None:
        lines = BudgetLine.objects.select_related("project").filter(project_id=order.project_id)
    form = OrderForm(
        data,
        initial=initial,
        lines_queryset=lines,
        agreements=_agreements_in_force(_today() if order is None else date.max),
        lots=AgreementLot.objects.select_related("agreement").all(),
    )
    # The prices offered depend on these: a change redraws the whole lines editor (htmx).
    for name in ("agreement", "lot", "ordered_on"):
        form.fields[name].widget.attrs.update(
            {
                "hx-get": reverse("budgets:order_lines_preview"),
                "hx-trigger": "change",
                "hx-include": "closest form",
                "hx-vals": '{"full": "1"}',
                "hx-swap": "none",
            }
        )
    return form


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    if not RULES.may_on_some(request.user, "order.change"):
        raise PermissionDenied(RULES.message("order.change"))
    initial: dict[str, object] = {"ordered_on": _today()}
    if request.GET.get("agreement", "").isdigit():
        initial["agreement"] = FrameworkAgreement.objects.filter(pk=request.GET["agreement"]).first()
    posted_line = request.POST.get("budget_line", "")
    if posted_line.isdigit():
        line = BudgetLine.objects.select_related("project").filter(pk=posted_line).first()
        if line is not None:
            RULES.check(request.user, "order.change", Order(project=line.project, status=OrderStatus.DRAFT))
    form = _order_form(request, data=request.POST or None, initial=initial)
    data_lines, line_errors = order_lines_from(request.POST) if request.method == "POST" else ([], [])
    if request.method == "POST" and form.is_valid() and not line_errors:
        cleaned = form.cleaned_data
        try:
            order = contracts.order_create(
                actor=request.user,
                agreement=cleaned["agreement"],
                budget_line=cleaned["budget_line"],
                lot=cleaned.get("lot"),
                title=cleaned["title"],
                ordered_on=cleaned["ordered_on"],
                lines=data_lines,
            )
        except DomainValidationError as error:
            line_errors = error.field_errors.pop("lines", [])
            if error.field_errors or not line_errors:
                _attach(form, error)
        else:
            messages.success(request, _("Order %(number)s created as a draft.") % {"number": order.number})
            return redirect("budgets:order_detail", pk=order.pk)
    context = _order_form_context(request, form, order=None, data_lines=data_lines, line_errors=line_errors)
    return render(request, "budgets/contracts_order_form.html", context)


@requires(RULES, "budget.view")
@require_GET
def order_lines_preview(request):
    """htmx: the lines editor recomputed (prices in force on the date, amounts, total)."""
    order = None
    if request.GET.get("order", "").isdigit():
        order = _order_queryset().filter(pk=request.GET["order"]).first()
    form = _order_form(request, data=request.GET, order=order)
    data_lines, line_errors = order_lines_from(request.GET)
    context = _order_form_context(request, form, order=order, data_lines=data_lines, line_errors=line_errors)
    context["full"] = request.GET.get("full") == "1"
    return render(request, "budgets/partials/contracts_order_lines_oob.html", context)


def _load_order(request, pk) -> Order:
    return get_object_or_404(_order_queryset(), pk=pk)


@requires(RULES, "budget.view", loader=_load_order)
@require_http_methods(["GET", "POST"])
def order_detail(request, pk: int, obj: Order):
    order = obj
    can_edit = order.status == OrderStatus.DRAFT and RULES.allows(request.user, "order.change", order)
    form = None
    context: dict = {}
    if request.method == "POST":
        RULES.check(request.user, "order.change", order)
        form = _order_form(request, data=request.POST, order=order)
        data_lines, line_errors = order_lines_from(request.POST)
        if form.is_valid() and not line_errors:
            try:
                version = int(request.POST.get("version", ""))
            except ValueError:
                version = None
            cleaned = form.cleaned_data
            try:
                contracts.order_update(
                    actor=request.user,
                    order=order,
                    data={
                        "title": cleaned["title"],
                        "ordered_on": cleaned["ordered_on"],
                        "lot": cleaned.get("lot"),
                        "budget_line": cleaned["budget_line"],
                        "lines": data_lines,
                    },
                    expected_version=version,
                )
            except StaleVersionError:
                messages.error(request, _("Someone changed this order meanwhile: check it and try again."))
                return redirect("budgets:order_detail", pk=order.pk)
            except DomainValidationError as error:
                line_errors = error.field_errors.pop("lines", [])
                if error.field_errors or not line_errors:
                    _attach(form, error)
            except DomainError as error:
                messages.error(request, str(error))
                return redirect("budgets:order_detail", pk=order.pk)
            else:
                messages.success(request, _("Order saved."))
                return redirect("budgets:order_detail", pk=order.pk)
        context = _order_form_context(
            request, form, order=order, data_lines=data_lines, line_errors=line_errors
        )
    elif can_edit:
        lines = [{"price": line.price_id, "quantity": f"{line.quantity}"} for line in order.lines.all()]
        form = _order_form(
            request,
            order=order,
            initial={
                "title": order.title,
                "agreement": order.agreement,
                "lot": order.lot,
                "budget_line": order.budget_line,
                "ordered_on": order.ordered_on,
            },
        )
        context = _order_form_context(request, form, order=order, data_lines=lines)
    figures = consumption.agreement_consumption(order.agreement, today=_today())
    order_lines = list(order.lines.select_related("price", "price__lot"))
    moves = contracts.order_moves(order, actor=request.user)
    context.update(
        {
            "order": order,
            "order_lines": order_lines,
            "can_edit": can_edit,
            "moves": moves,
            "invoice_form": InvoiceForm(initial={"amount": order.amount - order.invoiced, "on": _today()}),
            "figures": figures,
            "status_changes": list(order.status_changes.select_related("actor")),
            "entries": list(order.execution.order_by("date", "pk")),
            "today": _today(),
            "subnav": "orders",
        }
    )
    return render(request, "budgets/contracts_order_detail.html", context)


@requires(RULES, "order.transition", loader=_load_order)
@require_POST
def order_transition(request, pk: int, obj: Order):
    order = obj
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect("budgets:order_detail", pk=order.pk)
    data = form.cleaned_data
    try:
        order = contracts.order_transition(
            actor=request.user,
            order=order,
            action=data["action"],
            expected_version=data["version"],
            amount=data.get("amount"),
            on=data.get("on"),
        )
    except StaleVersionError:
        messages.error(request, _("Someone changed this order meanwhile: the page shows it now; try again."))
    except DomainValidationError as error:
        messages.error(request, " ".join(m for ms in error.field_errors.values() for m in ms) or str(error))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Order %(number)s: %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
        )
    return redirect("budgets:order_detail", pk=order.pk)


# ----------------------------------------------------------------------------------------------- costing


GROUPS = (
    ("project", gettext_lazy("Project")),
    ("objective", gettext_lazy("Objective")),
    ("directorate", gettext_lazy("Directorate")),
)


def _freshness_context(request, snapshot, *, since: int | None = None, live: bool = False) -> dict:
    freshness = costing_snapshot.Freshness(snapshot)
    if since is None:
        since = snapshot.request_seq if snapshot is not None else 0
    return {
        "freshness": freshness,
        "snapshot": snapshot,
        "since": since,
        "live": live,
        "can_rebuild": RULES.allows(request.user, "costing.rebuild"),
    }


@requires(RULES, "budget.view")
@require_GET
def costing_page(request):
    """The portfolio's costing, read from its stored snapshot (budgets.costing_snapshot). Before the
    first computation, a small portfolio is valued live for the page (nothing is written on a GET);
    a large one says so and offers to compute it."""
    group = request.GET.get("by", "project")
    if group not in dict(GROUPS):
        group = "project"
    snapshot = costing_snapshot.costing_snapshot_get()
    live = False
    envelopes: list = []
    totals = page = None
    if snapshot is not None and snapshot.built_at is not None:
        envelopes, totals = costing_snapshot.snapshot_summary(snapshot)
        page = costing_snapshot.snapshot_page(snapshot, group, request.GET.get("page"))
    elif costing_snapshot.small_portfolio():
        live = True
        rollup = costing.portfolio_rollup(list(costing.costed_projects()))
        envelopes, totals = rollup["envelopes"], _total_row(rollup["projects"])
        rows = rollup[
            {"project": "projects", "objective": "objectives", "directorate": "directorates"}[group]
        ]
        page = lists.paginate(rows, request.GET.get("page"), per_page=costing_snapshot.PER_PAGE)
    return render(
        request,
        "budgets/contracts_costing.html",
        {
            "envelopes": envelopes,
            "page_obj": page,
            "rows": page.object_list if page is not None else [],
            "group": group,
            "groups": GROUPS,
            "totals": totals,
            "subnav": "costing",
            **_freshness_context(request, snapshot, live=live),
        },
    )


@requires(RULES, "budget.view")
@require_GET
@never_cache
def costing_status(request):
    """The freshness banner, which htmx polls while a computation is queued or running; once the
    changes counted when the page was shown (`since`) are computed, the page reloads (HX-Refresh)."""
    snapshot = costing_snapshot.costing_snapshot_get()
    try:
        since = int(request.GET.get("since", ""))
    except ValueError:
        since = None
    context = _freshness_context(request, snapshot, since=since)
    freshness = context["freshness"]
    if (
        request.htmx
        and since is not None
        and snapshot is not None
        and freshness.ready
        and not freshness.building
        and snapshot.built_seq >= since
    ):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "budgets/partials/costing_freshness.html", context)


@requires(RULES, "costing.rebuild")
@require_POST
def costing_rebuild(request):
    """Queue a computation now (no debounce); htmx gets the banner, polling until it is done."""
    snapshot = costing_snapshot.costing_snapshot_request(reason="recompute asked", countdown=0, changed=False)
    if request.htmx:
        context = _freshness_context(request, snapshot)
        return render(request, "budgets/partials/costing_freshness.html", context)
    messages.success(request, _("The costing is being recomputed: the page shows it once it is done."))
    return redirect("budgets:costing")


def _total_row(rows) -> costing.RollupRow:
    total = costing.RollupRow(key=None, label=_("Total"))
    for row in rows:
        total.add_amounts(row)
    return total


# --------------------------------------------------------------------------------- panels (ppm.slots)


def project_panel_context(request, *, project, **kwargs) -> dict | None:
    """The project page's "Orders and workload cost" panel (None for who may not see budgets)."""
    if not RULES.allows(request.user, "budget.view"):
        return None
    orders = list(
        Order.objects.filter(project=project)
        .select_related("agreement")
        .order_by("status", "-ordered_on", "-pk")
    )
    by_status: dict[str, dict] = {}
    for order in orders:
        entry = by_status.setdefault(
            order.status, {"label": order.get_status_display(), "count": 0, "amount": ZERO}
        )
        entry["count"] += 1
        entry["amount"] += order.amount
    months = costing.project_workload_rows(project.pk)
    total = costing.CostCell()
    for row in months:
        total.add(row["cost"])
    return {
        "budget_orders": orders[:20],
        "budget_order_rows": order_rows_html(orders[:20], cells=PROJECT_CELLS),
        "budget_order_count": len(orders),
        "budget_orders_by_status": list(by_status.values()),
        "workload_months": months,
        "workload_total": total,
        "cash_paid": sum((row["paid"] for row in months), ZERO),
        "cash_committed": sum((row["committed"] for row in months), ZERO),
        "can_order": RULES.allows(request.user, "order.transition")
        or (
            request.user.is_authenticated
            and project.manager_id == request.user.pk
            and RULES.may_on_some(request.user, "order.change")
        ),
    }
