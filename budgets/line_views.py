"""Budget pages (LINES part): the project budget tab, the portfolio budget page, envelopes, fundings, the
execution import and the recorded transfers. Each view validates, calls one service or selector, renders.

Who sees what: every page needs `budget.view` (everyone signed in but readers); writes check their own
rule in the service (budgets.permissions) and the page only shows the forms to those allowed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.forms import ModelChoiceField
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from budgets import selectors, services
from budgets.lines_charts import cp_figure, s_curve_figure
from budgets.lines_forms import (
    BudgetFilterForm,
    EnvelopeForm,
    FundingForm,
    FundingShareForm,
    LineForm,
    PlannedForm,
    ReforecastForm,
    ReportForm,
    TransferForm,
)
from budgets.lines_import import COLUMNS as IMPORT_COLUMNS
from budgets.lines_import import IMPORT_KIND
from budgets.models import BudgetLine, BudgetLineYear, Envelope, FundingSource, Order, Section
from budgets.permissions import RULES
from budgets.templatetags.budgets_money import budget_leaf_rows
from portfolio.models import Project
from portfolio.selectors import project_get_for_user
from ppm.charts import chart_locale
from ppm.exceptions import DomainConflictError, DomainValidationError, StaleVersionError
from ppm.exports import Column, export_filename, write_xlsx
from ppm.forms import plain_model_choices, shared_plain_model_choices
from ppm.lists import paginate
from ppm.permissions import requires
from ppm.report_views import import_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attach(form, error: DomainValidationError) -> None:
    """The service's refusal on the form's fields (or the form as a whole)."""
    if error.field_errors:
        for name, messages_ in error.field_errors.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, str(error))


def _xlsx(columns: list[Column], rows: Any, *, title: str, stem: str) -> HttpResponse:
    response = HttpResponse(write_xlsx(columns, rows, title=title), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(stem, "xlsx")}"'
    return response


def _figure_columns(prefix: str = "figures.") -> list[Column]:
    return [
        Column(_("Planned (€)"), f"{prefix}planned"),
        Column(_("Forecast (€)"), f"{prefix}forecast"),
        Column(_("Committed (€)"), f"{prefix}committed"),
        Column(_("Paid (€)"), f"{prefix}paid"),
        Column(_("Remaining to commit (€)"), f"{prefix}remaining"),
        Column(_("Forecast − planned (€)"), f"{prefix}gap"),
    ]


# ------------------------------------------------------------------ the project budget tab


def _project(request, pk) -> Project:
    if not request.user.is_authenticated:
        raise PermissionDenied
    project = project_get_for_user(user=request.user, pk=pk)
    RULES.check(request.user, "budget.view", project)
    return project


def _project_loader(request, pk):
    return project_get_for_user(user=request.user, pk=pk)


def _budget_context(request, project: Project, **forms) -> dict:
    budget = selectors.project_budget(project)
    user = request.user
    may_change = RULES.allows(user, "budget_line.change", project)
    may_forecast = RULES.allows(user, "budget_line.forecast", project)
    curve = selectors.s_curve(project)
    figures = {"s_curve": s_curve_figure(curve)} if curve else {}
    line_years = (
        BudgetLineYear.objects.filter(line__project=project)
        .select_related("line")
        .order_by("line__label", "year")
    )
    # Orders are written by the contracts part; the tab reads them.
    orders = list(
        Order.objects.filter(project=project)
        .select_related("agreement", "budget_line")
        .order_by("-created_at")[:50]
    )
    may_transfer = RULES.allows(user, "transfer.create")
    transfer_form = forms.get("transfer_form") or TransferForm(line_years=line_years)
    if may_transfer and budget.rows:
        # Its two selects of every line year from (pk, label) rows rather than model instances.
        label = Concat("line__label", Value(" · "), Cast("year", CharField()))
        for name in ("source", "target"):
            plain_model_choices(cast(ModelChoiceField, transfer_form.fields[name]), label=label)
    context = {
        "project": project,
        "budget": budget,
        "may_change": may_change,
        "may_forecast": may_forecast,
        "may_transfer": may_transfer,
        "history": selectors.forecast_history(project),
        "curve": curve,
        "figures": figures,
        # The same figure for the htmx swap of the region (htmx drops <script> elements it inserts).
        "s_curve_json": json.dumps(figures.get("s_curve")) if curve else "",
        "chart_locale": chart_locale(),
        "orders": orders,
        "line_form": forms.get("line_form") or LineForm(),
        "planned_form": forms.get("planned_form") or PlannedForm(initial={"year": timezone.localdate().year}),
        "transfer_form": transfer_form,
        "share_form": forms.get("share_form") or FundingShareForm(),
        "reforecast_errors": forms.get("reforecast_errors"),
        "reforecast_target": forms.get("reforecast_target"),
        "sections": Section.choices,
    }
    return context


@never_cache
@requires(RULES, "budget.view", loader=_project_loader)
def project_budget(request, pk, obj):
    """The project's budget: lines by year, reforecast, S-curve, orders, fundings, transfers."""
    if request.GET.get("export") == "xlsx":
        return project_budget_export(request, obj)
    context = _budget_context(request, obj)
    if request.htmx and request.htmx.target == "budget-region":
        return render(request, "budgets/partials/lines_budget_region.html", context)
    return render(request, "budgets/lines_project_budget.html", context)


def project_budget_export(request, project: Project) -> HttpResponse:
    budget = selectors.project_budget(project)
    rows = [
        {"line": row.line, "year": year, "ly": ly}
        for row in budget.rows
        for year, ly in sorted(row.years.items())
    ]
    columns = [
        Column(_("Line"), lambda r: r["line"].label, width=32),
        Column(_("Section"), lambda r: r["line"].get_section_display()),
        Column(_("Nature"), lambda r: r["line"].get_nature_display()),
        Column(_("Envelope"), lambda r: r["line"].envelope.code if r["line"].envelope else ""),
        Column(_("Finance system reference"), lambda r: r["line"].external_ref),
        Column(_("Year"), "year", width=8),
        Column(_("Planned (€)"), "ly.planned"),
        Column(_("Forecast (€)"), "ly.forecast"),
        Column(_("Committed (€)"), "ly.committed"),
        Column(_("Paid (€)"), "ly.paid"),
    ]
    rows_as_objects = [_Obj(r) for r in rows]
    return _xlsx(columns, rows_as_objects, title=_("Budget"), stem=f"budget-{project.code}")


class _Obj:
    def __init__(self, data: dict):
        self.__dict__.update(data)

    def __getitem__(self, key):
        return self.__dict__[key]


def _after_write(request, project: Project, message: str):
    messages.success(request, message)
    if request.htmx:
        context = _budget_context(request, project)
        return render(request, "budgets/partials/lines_budget_region.html", context)
    return redirect("budgets:project_budget", pk=project.pk)


def _refused_write(request, project: Project, template_status: int = 400, **forms):
    context = _budget_context(request, project, **forms)
    template = (
        "budgets/partials/lines_budget_region.html" if request.htmx else "budgets/lines_project_budget.html"
    )
    return render(request, template, context, status=template_status)


def _line_year_loader(request, pk):
    return get_object_or_404(BudgetLineYear.objects.select_related("line__project"), pk=pk).line


@require_POST
@requires(RULES, "budget_line.forecast", loader=_line_year_loader)
def line_year_reforecast(request, pk, obj):
    line_year = get_object_or_404(BudgetLineYear.objects.select_related("line__project"), pk=pk)
    form = ReforecastForm(request.POST)
    if form.is_valid():
        try:
            services.line_reforecast(
                actor=request.user,
                line_year=line_year,
                forecast=form.cleaned_data["forecast"],
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data.get("version"),
            )
        except DomainValidationError as error:
            _attach(form, error)
        else:
            return _after_write(request, obj.project, _("Forecast updated."))
    errors = [str(e) for errs in form.errors.values() for e in errs]
    return _refused_write(request, obj.project, reforecast_errors=errors, reforecast_target=line_year.pk)


@requires(RULES, "budget_line.change", loader=_project_loader)
def line_create(request, pk, obj):
    form = LineForm(request.POST or None)
    planned = PlannedForm(request.POST or None, prefix="planned")
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        planned_data = {}
        if planned.is_valid():
            planned_data = {planned.cleaned_data["year"]: planned.cleaned_data["planned"]}
        try:
            line = services.budget_line_create(
                actor=request.user, project=obj, data=data, planned=planned_data
            )
        except DomainValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Budget line “%(label)s” created.") % {"label": line.label})
            return redirect("budgets:project_budget", pk=obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "budgets/lines_line_form.html",
        {"project": obj, "form": form, "planned_form": planned, "line": None},
        status=status,
    )


def _line_loader(request, pk):
    return get_object_or_404(BudgetLine.objects.select_related("project", "envelope"), pk=pk)


@requires(RULES, "budget_line.change", loader=_line_loader)
def line_edit(request, pk, obj):
    form = LineForm(request.POST or None, initial=LineForm.initial_of(obj))
    planned = PlannedForm(request.POST or None, prefix="planned")
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.budget_line_update(
                actor=request.user, line=obj, data=data, expected_version=form.cleaned_data.get("version")
            )
            if request.POST.get("planned-planned") and planned.is_valid():
                services.line_year_set_planned(
                    actor=request.user,
                    line=obj,
                    year=planned.cleaned_data["year"],
                    planned=planned.cleaned_data["planned"],
                    override=planned.cleaned_data["override"],
                    reason=planned.cleaned_data["reason"],
                )
            elif request.POST.get("planned-planned"):
                raise DomainValidationError(_("Check the planned amount."))
        except DomainValidationError as error:
            _attach(
                planned if "planned" in error.field_errors or "reason" in error.field_errors else form, error
            )
        else:
            messages.success(request, _("Budget line “%(label)s” saved.") % {"label": obj.label})
            return redirect("budgets:project_budget", pk=obj.project_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "budgets/lines_line_form.html",
        {
            "project": obj.project,
            "form": form,
            "planned_form": planned,
            "line": obj,
            "years": obj.years.order_by("year"),
            "may_override": RULES.allows(request.user, "envelope.override"),
            "share_form": FundingShareForm(),
        },
        status=status,
    )


@require_POST
@requires(RULES, "budget_line.change", loader=_line_loader)
def line_delete(request, pk, obj):
    """Delete a line entered by mistake (confirmed in the browser; refused once finance history hangs
    on it: the message says why)."""
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.budget_line_delete(actor=request.user, line=obj, expected_version=version)
    except (DomainConflictError, StaleVersionError) as error:
        messages.error(request, str(error))
        return redirect("budgets:line_edit", pk=obj.pk)
    messages.success(request, _("Budget line “%(label)s” deleted.") % {"label": obj.label})
    return redirect("budgets:project_budget", pk=obj.project_id)


@require_POST
@requires(RULES, "budget_line.change", loader=_line_loader)
def line_funding_set(request, pk, obj):
    form = FundingShareForm(request.POST)
    if form.is_valid():
        try:
            services.funding_share_set(
                actor=request.user,
                line=obj,
                funding=form.cleaned_data["funding"],
                share=form.cleaned_data["share"],
            )
        except DomainValidationError as error:
            _attach(form, error)
        else:
            return _after_write(request, obj.project, _("Funding of the line saved."))
    return _refused_write(request, obj.project, share_form=form)


@require_POST
@requires(RULES, "transfer.create")
def project_transfer(request, pk):
    project = _project(request, pk)
    line_years = BudgetLineYear.objects.filter(line__project=project).select_related("line")
    form = TransferForm(request.POST, line_years=line_years)
    if form.is_valid():
        try:
            services.transfer_create(
                actor=request.user,
                source_line_year=form.cleaned_data["source"],
                target_line_year=form.cleaned_data["target"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                override=form.cleaned_data["override"],
            )
        except DomainValidationError as error:
            _attach(form, error)
        else:
            return _after_write(request, project, _("Transfer recorded."))
    return _refused_write(request, project, transfer_form=form)


def project_budget_panel_context(request, project=None, **kwargs):
    """The « Budget » panel of the project page (ppm.slots "project.side"); None for readers."""
    user = getattr(request, "user", None)
    if project is None or user is None or not RULES.allows(user, "budget.view"):
        return None
    return {"budget_panel": selectors.project_budget_panel(project)}


def nav_context(request, **kwargs):
    user = getattr(request, "user", None)
    if user is None or not RULES.allows(user, "budget.view"):
        return None
    return {}


# ------------------------------------------------------------------ the portfolio budget page


def _filters(request) -> tuple[BudgetFilterForm, selectors.BudgetFilters]:
    form = BudgetFilterForm(request.GET or None, years=selectors.budget_years())
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.BudgetFilters(
            year=data.get("year"),
            envelope=data["envelope"].pk if data.get("envelope") else None,
            objective=data["objective"].pk if data.get("objective") else None,
            directorate=data["directorate"].pk if data.get("directorate") else None,
            status=data.get("status") or None,
        )
    else:
        filters = selectors.BudgetFilters()
    return form, filters


# ppm.usercache namespace of the options of the page's reference selects (see budgets.apps).
FILTER_CHOICES = "budget-filter-choices"
# Each reference select's option label, as the model's str() writes it.
_REFERENCE_LABELS = {
    "envelope": Concat("code", Value(" · "), "name"),
    "objective": Concat("code", Value(" · "), "name"),
    "directorate": "name",
}


def _plain_filter_selects(form: BudgetFilterForm) -> None:
    """The filters' reference selects from (pk, label) rows rather than model instances, kept for everyone
    until an envelope, objective or directorate changes (ppm.usercache)."""
    shared_plain_model_choices(FILTER_CHOICES, form.fields, _REFERENCE_LABELS)


def _group_rows(groups, depth=0, parents=()):
    for group in groups:
        yield _Obj({"label": group.label or "—", "depth": depth, "path": parents, "figures": group.figures})
        yield from _group_rows(group.children, depth + 1, (*parents, group.label))


def _section_rows(filters: selectors.BudgetFilters, rows_key: str) -> HttpResponse:
    """One section's project rows (?rows=<envelope or 0>-<section>): 404 for a section without any."""
    envelope, _dash, section = rows_key.partition("-")
    if not (envelope == "0" or (envelope[:1] in "123456789" and envelope.isascii() and envelope.isdigit())):
        raise Http404(_("No such section."))
    if section not in Section.values:
        raise Http404(_("No such section."))
    rows = selectors.portfolio_section_projects(filters, int(envelope) or None, section)
    if not rows:
        raise Http404(_("No such section."))
    return HttpResponse(budget_leaf_rows(rows))


@never_cache
@requires(RULES, "budget.view")
def portfolio_budget(request):
    form, filters = _filters(request)
    export = request.GET.get("export")
    rows_key = request.GET.get("rows")
    if rows_key is not None and not export:
        return _section_rows(filters, rows_key)
    # The envelope table shows each section's total; its projects (2,000 rows over a large portfolio)
    # come on demand: htmx asks for one section's rows (?rows=<envelope>-<section>), and without
    # JavaScript the link reloads the page with that section open (?expand=…, repeatable).
    expanded = set(request.GET.getlist("expand"))
    data = selectors.portfolio_budget(filters, projects=export == "envelope" or bool(expanded))
    year = filters.year or timezone.localdate().year
    cp = selectors.cp_consumption_by_month(year, envelope=filters.envelope)
    if export:
        return _portfolio_export(export, data, cp)
    for envelope in data["by_envelope"]:
        for section in envelope.children:
            key = f"{envelope.key or 0}-{section.key}"
            section.extra.update(rows_key=key, expanded=key in expanded)
    base_query = request.GET.copy()
    base_query.pop("rows", None)
    _plain_filter_selects(form)
    context = {
        "form": form,
        "data": data,
        "cp": cp,
        "figures": {"cp": cp_figure(cp)},
        "chart_locale": chart_locale(),
        "query": base_query.urlencode(),
        "report_form": ReportForm(initial={"as_of": timezone.localdate()}),
        "may_import": RULES.allows(request.user, "budget_line.change"),
        "today": timezone.localdate(),
    }
    return render(request, "budgets/lines_portfolio.html", context)


def _portfolio_export(export: str, data: dict, cp: dict) -> HttpResponse:
    if export == "envelope":
        rows = list(_group_rows(data["by_envelope"]))
        columns = [
            Column(_("Envelope"), lambda r: r.path[0] if len(r.path) > 0 else r.label, width=32),
            Column(
                _("Section"), lambda r: r.path[1] if len(r.path) > 1 else (r.label if r.depth == 1 else "")
            ),
            Column(_("Project"), lambda r: r.label if r.depth == 2 else "", width=40),
            *_figure_columns(),
        ]
        return _xlsx(columns, rows, title=_("By envelope"), stem="budget-by-envelope")
    if export in ("objective", "directorate"):
        groups = data["by_objective"] if export == "objective" else data["by_directorate"]
        columns = [Column(_("Objective") if export == "objective" else _("Directorate"), "label", width=40)]
        if export == "objective":
            columns += [
                Column(_("Projects"), lambda g: g.extra.get("projects")),
                Column(_("Shared with another objective"), lambda g: g.extra.get("shared")),
            ]
        return _xlsx(
            columns + _figure_columns(),
            groups,
            title=_("By %(what)s") % {"what": export},
            stem=f"budget-by-{export}",
        )
    if export == "funding":
        columns = [
            Column(_("Funding source"), "funding.name", width=36),
            Column(_("Amount (€)"), "funding.amount"),
            Column(_("Allocated (€)"), "allocated"),
            Column(_("Committed (€)"), "committed"),
            Column(_("Paid (€)"), "paid"),
            Column(_("Still to justify (€)"), "still_to_justify"),
            Column(_("Justify by"), "funding.justify_by"),
        ]
        return _xlsx(columns, data["by_funding"], title=_("By funding"), stem="budget-by-funding")
    if export == "cp":
        columns = [
            Column(_("Month"), lambda m: m["month"]),
            Column(_("Paid (€)"), lambda m: m["paid"]),
            Column(_("Paid, cumulative (€)"), lambda m: m["cumulative"]),
            Column(_("Voted CP, spread evenly (€)"), lambda m: m["even"]),
        ]
        return _xlsx(columns, cp["months"], title=_("CP consumption"), stem=f"cp-{cp['year']}")
    raise Http404(_("No such export."))


# ------------------------------------------------------------------ envelopes


@requires(RULES, "budget.view")
def envelope_list(request):
    envelopes = list(selectors.envelope_list())
    summaries = selectors.envelope_summaries(envelopes)
    rows = []
    for envelope in envelopes:
        total = selectors.Figures()
        authority = Decimal("0.00")
        for summary in summaries[envelope.pk]:
            total.add(summary.figures)
            authority += summary.authority
        rows.append(
            {
                "envelope": envelope,
                "figures": total,
                "authority": authority,
                "sections": summaries[envelope.pk],
            }
        )
    return render(
        request,
        "budgets/lines_envelope_list.html",
        {"rows": rows, "may_change": RULES.allows(request.user, "envelope.change")},
    )


def _envelope_loader(request, pk):
    return get_object_or_404(Envelope, pk=pk)


@requires(RULES, "budget.view", loader=_envelope_loader)
def envelope_detail(request, pk, obj):
    summaries = selectors.envelope_summary(obj)
    projects = selectors.envelope_projects(obj)
    if request.GET.get("export") == "xlsx":
        columns = [
            Column(_("Section"), lambda r: r["section"]),
            Column(_("Project"), lambda r: f"{r['project'].code} · {r['project'].name}", width=40),
            *[
                Column(header, (lambda name: lambda r: getattr(r["figures"], name))(key))
                for header, key in (
                    (_("Planned (€)"), "planned"),
                    (_("Forecast (€)"), "forecast"),
                    (_("Committed (€)"), "committed"),
                    (_("Paid (€)"), "paid"),
                )
            ],
        ]
        return _xlsx(columns, projects, title=obj.code, stem=f"envelope-{obj.code}")
    return render(
        request,
        "budgets/lines_envelope_detail.html",
        {
            "envelope": obj,
            "summaries": summaries,
            "projects": projects,
            "may_change": RULES.allows(request.user, "envelope.change", obj),
            "overrides": selectors.override_list().filter(envelope_section__envelope=obj)[:20],
        },
    )


def _envelope_years(request, envelope: Envelope | None) -> range:
    try:
        first = int(request.POST.get("first_year") or request.GET.get("first_year") or 0)
        last = int(request.POST.get("last_year") or request.GET.get("last_year") or 0)
    except ValueError:
        first = last = 0
    if not (2000 <= first <= last <= 2100 and last - first < 15):
        if envelope is not None:
            first, last = envelope.first_year, envelope.last_year
        else:
            first = timezone.localdate().year
            last = first + 3
    return range(first, last + 1)


def _envelope_form_page(request, envelope: Envelope | None):
    years = _envelope_years(request, envelope)
    initial: dict[str, Any] = {"first_year": years[0], "last_year": years[-1]}
    if envelope is not None:
        initial.update(code=envelope.code, name=envelope.name, notes=envelope.notes, version=envelope.version)
        for section in envelope.sections.prefetch_related("payment_credits"):
            initial[f"authority_{section.section}"] = section.authority
            for credit in section.payment_credits.all():
                initial[f"cp_{section.section}_{credit.year}"] = credit.amount
    form = EnvelopeForm(request.POST or None, initial=initial, years=years)
    if request.method == "POST" and form.is_valid() and not request.POST.get("refresh"):
        data = form.cleaned_data
        try:
            if envelope is None:
                envelope = services.envelope_create(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    first_year=data["first_year"],
                    last_year=data["last_year"],
                    notes=data["notes"],
                    sections=form.sections(),
                    override=data["override"],
                    reason=data["reason"],
                )
            else:
                services.envelope_update(
                    actor=request.user,
                    envelope=envelope,
                    expected_version=data.get("version"),
                    data={k: data[k] for k in ("code", "name", "first_year", "last_year", "notes")},
                    sections=form.sections(),
                    override=data["override"],
                    reason=data["reason"],
                )
        except DomainValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Envelope saved."))
            return redirect("budgets:envelope_detail", pk=envelope.pk)
    status = 400 if request.method == "POST" and not request.POST.get("refresh") else 200
    return render(
        request, "budgets/lines_envelope_form.html", {"form": form, "envelope": envelope}, status=status
    )


@requires(RULES, "envelope.change")
def envelope_create(request):
    return _envelope_form_page(request, None)


@requires(RULES, "envelope.change", loader=_envelope_loader)
def envelope_edit(request, pk, obj):
    return _envelope_form_page(request, obj)


# ------------------------------------------------------------------ fundings


@requires(RULES, "budget.view")
def funding_list(request):
    rows = selectors.funding_dashboard()
    if request.GET.get("export") == "xlsx":
        return _portfolio_export("funding", {"by_funding": rows}, {})
    return render(
        request,
        "budgets/lines_funding_list.html",
        {
            "rows": rows,
            "today": timezone.localdate(),
            "may_change": RULES.allows(request.user, "envelope.change"),
        },
    )


def _funding_loader(request, pk):
    return get_object_or_404(FundingSource, pk=pk)


@requires(RULES, "budget.view", loader=_funding_loader)
def funding_detail(request, pk, obj):
    row = selectors.funding_dashboard(fundings=FundingSource.objects.filter(pk=obj.pk))[0]
    lines = selectors.funding_lines(obj)
    if request.GET.get("export") == "xlsx":
        columns = [
            Column(_("Project"), lambda r: r["line"].project.code),
            Column(_("Line"), lambda r: r["line"].label, width=32),
            Column(_("Share (%)"), lambda r: r["share"].share),
            Column(_("Line planned (€)"), lambda r: r["figures"].planned),
            Column(_("Allocated (€)"), lambda r: r["allocated"]),
            Column(_("Paid, its share (€)"), lambda r: r["paid"]),
        ]
        return _xlsx(columns, lines, title=obj.name[:31], stem="funding")
    return render(
        request,
        "budgets/lines_funding_detail.html",
        {
            "funding": obj,
            "row": row,
            "lines": lines,
            "today": timezone.localdate(),
            "may_change": RULES.allows(request.user, "envelope.change", obj),
        },
    )


def _funding_form_page(request, funding: FundingSource | None):
    initial = {}
    if funding is not None:
        initial = {
            f: getattr(funding, f)
            for f in ("name", "kind", "reference", "amount", "start", "end", "justify_by", "conditions")
        }
        initial["version"] = funding.version
    form = FundingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        data = {k: ("" if v is None and k in ("reference", "conditions") else v) for k, v in data.items()}
        try:
            if funding is None:
                funding = services.funding_source_create(actor=request.user, data=data)
            else:
                services.funding_source_update(
                    actor=request.user,
                    funding=funding,
                    data=data,
                    expected_version=form.cleaned_data.get("version"),
                )
        except DomainValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Funding source saved."))
            return redirect("budgets:funding_detail", pk=funding.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "budgets/lines_funding_form.html", {"form": form, "funding": funding}, status=status
    )


@requires(RULES, "envelope.change")
def funding_create(request):
    return _funding_form_page(request, None)


@requires(RULES, "envelope.change", loader=_funding_loader)
def funding_edit(request, pk, obj):
    return _funding_form_page(request, obj)


# ------------------------------------------------------------------ import, transfers


@never_cache
@requires(RULES, "budget_line.change")
def execution_import(request):
    """GET: the upload form and the latest import (``?job=<id>`` for one). POST: queue the file."""
    return import_page(
        request,
        kind=IMPORT_KIND,
        template="budgets/lines_import.html",
        url_name="budgets:execution_import",
        columns=IMPORT_COLUMNS,
    )


@requires(RULES, "budget.view")
def transfer_list(request):
    transfers = paginate(selectors.transfer_list(), request.GET.get("page"))
    overrides = selectors.override_list()[:50]
    if request.GET.get("export") == "xlsx":
        columns = [
            Column(_("Date"), lambda t: timezone.localtime(t.at).date()),
            Column(
                _("From"),
                lambda t: f"{t.source.line.project.code} · {t.source.line.label} · {t.source.year}",
                width=40,
            ),
            Column(
                _("To"),
                lambda t: f"{t.target.line.project.code} · {t.target.line.label} · {t.target.year}",
                width=40,
            ),
            Column(_("Amount (€)"), "amount"),
            Column(_("Reason"), "reason", width=40),
            Column(_("Over-allocation accepted"), lambda t: _("yes") if t.override else _("no")),
            Column(_("By"), lambda t: t.actor.get_full_name() if t.actor else ""),
        ]
        return _xlsx(columns, selectors.transfer_list()[:5000], title=_("Transfers"), stem="transfers")
    return render(
        request, "budgets/lines_transfer_list.html", {"page_obj": transfers, "overrides": overrides}
    )
