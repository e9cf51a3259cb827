"""Pages of the workload plan: a project's workload tab and the ratio templates.

| URL                                          | what                                                     |
|----------------------------------------------|----------------------------------------------------------|
| /projects/<pk>/workload/                     | the grid (?year= or ?grain=week&start=), forms            |
| /projects/<pk>/workload/cell/                | POST one cell (htmx: answers the grid; else redirects)   |
| /projects/<pk>/workload/apply-template/      | POST a ratio template                                    |
| /projects/<pk>/workload/staff/               | POST named people replacing generic demand               |
| /projects/<pk>/workload/proposal/            | GET the schedule's proposal beside the plan              |
| /projects/<pk>/workload/reconcile/           | POST accept the proposal (all or some families)          |
| /projects/<pk>/workload/export/              | GET the grid as CSV or XLSX (?format=xlsx)               |
| /ratio-templates/, /ratio-templates/new/, /ratio-templates/<pk>/edit/ | the templates      |

Writes carry a concurrency token: a cell its version (a conflict shows in the cell with the current
value), the bulk forms the plan's ETag (a conflict is a message; nothing is written).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portfolio import selectors as portfolio_selectors
from ppm import exports
from ppm.exceptions import DomainError, DomainValidationError, StaleVersionError
from ppm.forms import plain_model_choices
from ppm.permissions import requires
from resources import workload, workload_selectors
from resources.capacity import month_start, week_start
from resources.models import (
    PeriodGrain,
    Profile,
    RatioTemplate,
    Resource,
    ResourceKind,
    RoleFamily,
)
from resources.permissions import RULES

WEEKS_SHOWN = 13
MONTHS_SHOWN = 12
GRID_TEMPLATE = "resources/partials/workload_grid.html"


def _load_project(request, pk):
    return portfolio_selectors.project_get_for_user(user=request.user, pk=pk)


def _month_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


# ------------------------------------------------------------------------------------------ forms


class ApplyTemplateForm(forms.Form):
    plan_etag = forms.CharField(widget=forms.HiddenInput, required=False)
    template = forms.ModelChoiceField(
        label=gettext_lazy("Ratio template"),
        queryset=RatioTemplate.objects.order_by("name"),
        empty_label=None,
    )
    estimate_days = forms.DecimalField(
        label=gettext_lazy("Estimate in the template's base family (days)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999"),
        decimal_places=2,
        localize=True,
    )
    start_month = _month_field(gettext_lazy("First month"))
    end_month = _month_field(gettext_lazy("Last month"))
    spread = forms.ChoiceField(
        label=gettext_lazy("Spread"),
        choices=[
            ("even", gettext_lazy("Evenly over the working days")),
            ("schedule", gettext_lazy("Following the schedule (tasks active each month)")),
        ],
        widget=forms.RadioSelect,
        initial="even",
    )


class StaffForm(forms.Form):
    plan_etag = forms.CharField(widget=forms.HiddenInput, required=False)
    family = forms.ChoiceField(label=gettext_lazy("Family"), choices=RoleFamily.choices)
    resource = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=Resource.objects.filter(is_active=True, kind=ResourceKind.PERSON)
        .select_related("primary_profile")
        .order_by("name"),
    )
    start_month = _month_field(gettext_lazy("First month"))
    end_month = _month_field(gettext_lazy("Last month"))
    days = forms.DecimalField(
        label=gettext_lazy("Days per month"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
        decimal_places=2,
        localize=True,
    )
    share = forms.DecimalField(
        label=gettext_lazy("or share of the generic demand (%)"),
        required=False,
        min_value=Decimal("1"),
        max_value=Decimal("100"),
        decimal_places=2,
        localize=True,
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("days") is None and cleaned.get("share") is None:
            raise forms.ValidationError(_("Give days per month or a share of the generic demand."))
        if cleaned.get("days") is not None and cleaned.get("share") is not None:
            raise forms.ValidationError(_("Give days per month or a share, not both."))
        return cleaned


class CellForm(forms.Form):
    """One cell: its key (family, role, person, outsourced, period), its days and the version read."""

    family = forms.ChoiceField(label=gettext_lazy("Family"), choices=RoleFamily.choices)
    profile = forms.ModelChoiceField(
        label=gettext_lazy("Role"), queryset=Profile.objects.filter(is_active=True), required=False
    )
    resource = forms.ModelChoiceField(
        label=gettext_lazy("Person or generic resource"),
        queryset=Resource.objects.filter(is_active=True).select_related("primary_profile").order_by("name"),
        required=False,
    )
    is_external = forms.BooleanField(label=gettext_lazy("Outsourced"), required=False)
    grain = forms.ChoiceField(choices=PeriodGrain.choices, required=False, widget=forms.HiddenInput)
    period_start = forms.DateField(
        label=gettext_lazy("Month"),
        input_formats=["%Y-%m-%d", "%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    days = forms.DecimalField(
        label=gettext_lazy("Days"),
        min_value=Decimal("0"),
        max_value=Decimal("9999999"),
        decimal_places=2,
        localize=True,
        required=False,  # an emptied cell is 0: removed
    )
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


FAMILY_FIELDS = (RoleFamily.MOE, RoleFamily.MOA, RoleFamily.AMOA)


class RatioTemplateForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    base_family = forms.ChoiceField(label=gettext_lazy("Estimate given in"), choices=RoleFamily.choices)
    is_default = forms.BooleanField(label=gettext_lazy("Default template"), required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, template: RatioTemplate | None = None, **kwargs):
        initial: dict = dict(kwargs.pop("initial", None) or {})
        if template is not None:
            initial.update(
                version=template.version,
                name=template.name,
                base_family=template.base_family,
                is_default=template.is_default,
                notes=template.notes,
            )
            for line in template.lines.all():
                initial[f"ratio_{line.family}"] = line.ratio
                initial[f"profile_{line.family}"] = line.profile_id
                initial[f"external_{line.family}"] = line.external_share
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.family_rows = []
        for family in FAMILY_FIELDS:
            self.fields[f"ratio_{family}"] = forms.DecimalField(
                label=pgettext_lazy("ratio template", "Ratio"),
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal("999.999"),
                decimal_places=3,
                localize=True,
            )
            self.fields[f"profile_{family}"] = forms.ModelChoiceField(
                label=gettext_lazy("Role (optional)"),
                queryset=Profile.objects.filter(family=family, is_active=True),
                required=False,
            )
            self.fields[f"external_{family}"] = forms.DecimalField(
                label=gettext_lazy("Outsourced (%)"),
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                decimal_places=2,
                localize=True,
            )
            self.family_rows.append(
                (
                    RoleFamily(family).label,
                    self[f"ratio_{family}"],
                    self[f"profile_{family}"],
                    self[f"external_{family}"],
                )
            )

    def lines(self) -> list[dict]:
        return [
            {
                "family": family.value,
                "profile": self.cleaned_data.get(f"profile_{family}"),
                "ratio": self.cleaned_data[f"ratio_{family}"],
                "external_share": self.cleaned_data.get(f"external_{family}") or Decimal("0"),
            }
            for family in FAMILY_FIELDS
            if self.cleaned_data.get(f"ratio_{family}") is not None
        ]


def _attach(form: forms.Form, error: DomainError) -> None:
    if isinstance(error, DomainValidationError) and error.field_errors:
        for field, messages_ in error.field_errors.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message)
    else:
        form.add_error(None, str(error))


# ------------------------------------------------------------------------------------------ grid


def _view_state(request, project) -> dict:
    grain = request.GET.get("grain") or request.POST.get("view_grain") or PeriodGrain.MONTH
    grain = grain if grain in PeriodGrain.values else PeriodGrain.MONTH
    today = timezone.localdate()
    if grain == PeriodGrain.WEEK:
        raw = request.GET.get("start") or request.POST.get("view_start") or ""
        try:
            start = week_start(date.fromisoformat(raw))
        except ValueError:
            start = week_start(today)
        return {
            "grain": grain,
            "start": start,
            "count": WEEKS_SHOWN,
            "previous": {"grain": grain, "start": (start - timedelta(weeks=WEEKS_SHOWN)).isoformat()},
            "next": {"grain": grain, "start": (start + timedelta(weeks=WEEKS_SHOWN)).isoformat()},
            "title": _("%(count)d weeks from %(start)s")
            % {"count": WEEKS_SHOWN, "start": start.strftime("%d/%m/%Y")},
        }
    raw = request.GET.get("year") or request.POST.get("view_year") or ""
    try:
        year = int(raw)
        if not 1900 <= year <= 2200:
            raise ValueError
    except ValueError:
        start_default, end_default = workload_selectors.plan_months(project)
        year = today.year if start_default <= month_start(today) <= end_default else start_default.year
    return {
        "grain": grain,
        "start": date(year, 1, 1),
        "count": MONTHS_SHOWN,
        "year": year,
        "previous": {"year": year - 1},
        "next": {"year": year + 1},
        "title": str(year),
    }


def _annotate(grid: dict, *, cell_errors: dict, error_values: dict) -> None:
    """What the template shows of each period and cell: labels, ids, the values a cell posts back."""
    week = grid["grain"] == PeriodGrain.WEEK
    for period in grid["periods"]:
        start = period["start"]
        if week:
            number = start.isocalendar()[1]
            period["label"] = pgettext("week number", "W%(number)d") % {"number": number}
            period["long"] = _("week %(number)d, from %(day)s") % {
                "number": number,
                "day": date_format(start, "SHORT_DATE_FORMAT"),
            }
        else:
            period["label"] = date_format(start, "M")
            period["long"] = date_format(start, "F Y")
    grid["colspan"] = len(grid["periods"]) + 2
    for family in grid["families"]:
        for row in family["rows"]:
            family_, profile_id, resource_id, is_external = row["key"]
            for period, cell in zip(grid["periods"], row["cells"], strict=True):
                key = f"{family_}|{profile_id or ''}|{resource_id or ''}|{int(is_external)}|{period['iso']}"
                cell["dom_id"] = "cell-" + key.replace("|", "-")
                cell["period_long"] = period["long"]
                cell["vals"] = json.dumps(
                    {
                        "cell": key,
                        "family": family_,
                        "profile": profile_id or "",
                        "resource": resource_id or "",
                        "is_external": "on" if is_external else "",
                        "period_start": period["iso"],
                        "version": cell["version"],
                    }
                )
                if key in cell_errors:
                    cell["error"] = cell_errors[key]
                    cell["error_value"] = error_values.get(key, "")


def _grid_context(request, project, *, cell_errors=None, error_values=None) -> dict:
    state = _view_state(request, project)
    grid = workload_selectors.project_workload_grid(
        project, grain=state["grain"], start=state["start"], months=state["count"]
    )
    _annotate(grid, cell_errors=cell_errors or {}, error_values=error_values or {})
    return {
        "project": project,
        "grid": grid,
        "state": state,
        "can_edit": RULES.allows(request.user, "allocation.change", project),
        "cell_errors": cell_errors or {},
        "cell_url": reverse("resources:workload_cell", args=[project.pk]),
    }


def _page_context(request, project, **forms_) -> dict:
    context = _grid_context(request, project)
    start, end = workload_selectors.plan_months(project)
    etag = context["grid"]["etag"]
    default = workload_selectors.ratio_template_default()
    context.update(
        templates_exist=default is not None,
        apply_form=forms_.get("apply_form")
        or ApplyTemplateForm(
            initial={
                "plan_etag": etag,
                "template": default,
                "start_month": start,
                "end_month": end,
                "spread": "even",
            }
        ),
        staff_form=forms_.get("staff_form")
        or StaffForm(initial={"plan_etag": etag, "start_month": start, "end_month": end}),
        add_form=forms_.get("add_form") or CellForm(initial={"period_start": start}),
        summary=workload_selectors.project_workload_summary(project),
    )
    # Two selects of every active person (and generic resource), the templates and the roles: options
    # from narrow rows (Django's model select reads whole instances through a server-side cursor).
    plain_model_choices(context["staff_form"].fields["resource"], label="name")
    plain_model_choices(context["add_form"].fields["resource"], label="name")
    plain_model_choices(context["apply_form"].fields["template"], label="name")
    plain_model_choices(context["add_form"].fields["profile"], label="name")
    return context


@requires(RULES, "allocation.view", loader=_load_project)
def project_workload(request, pk: int, obj=None):
    project = obj
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, GRID_TEMPLATE, _grid_context(request, project))
    return render(request, "resources/workload_tab.html", _page_context(request, project))


@require_POST
@requires(RULES, "allocation.change", loader=_load_project)
def workload_cell(request, pk: int, obj=None):
    """One cell. htmx (inline edit): answers the grid, with a conflict or an error in the cell; a plain
    form (the "add a row" form): redirects to the tab, or shows the form's errors."""
    project = obj
    htmx = bool(getattr(request, "htmx", False))
    form = CellForm(request.POST)
    cell_key = request.POST.get("cell", "")
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            workload.allocation_cell_set(
                actor=request.user,
                project=project,
                family=data["family"],
                profile=data["profile"],
                resource=data["resource"],
                grain=data["grain"] or PeriodGrain.MONTH,
                period_start=month_start(data["period_start"])
                if (data["grain"] or PeriodGrain.MONTH) == PeriodGrain.MONTH
                else data["period_start"],
                days=data["days"] or Decimal("0"),
                is_external=data["is_external"] if data["resource"] is None else None,
                expected_version=data["version"],
            )
        except StaleVersionError as conflict:
            error = str(conflict) + " " + _("Your value was not saved; enter it again if it still applies.")
        except DomainError as refused:
            if not htmx:
                _attach(form, refused)
            error = str(refused)
    else:
        error = " ".join(str(m) for messages_ in form.errors.values() for m in messages_)
    if htmx:
        context = _grid_context(
            request,
            project,
            cell_errors={cell_key: error} if error else None,
            error_values={cell_key: request.POST.get("days", "")[:30]},
        )
        context["conflict_message"] = error
        return render(request, GRID_TEMPLATE, context)
    if not error:
        messages.success(request, _("The workload plan was saved."))
        return redirect(reverse("resources:project_workload", args=[project.pk]))
    if not form.errors:
        form.add_error(None, error)
    return render(
        request, "resources/workload_tab.html", _page_context(request, project, add_form=form), status=400
    )


def _redirect_to_tab(project, request):
    url = reverse("resources:project_workload", args=[project.pk])
    return redirect(url)


@require_POST
@requires(RULES, "allocation.change", loader=_load_project)
def workload_apply_template(request, pk: int, obj=None):
    project = obj
    form = ApplyTemplateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rows = workload.ratio_template_apply(
                actor=request.user,
                project=project,
                template=data["template"],
                estimate_days=data["estimate_days"],
                start_month=data["start_month"],
                end_month=data["end_month"],
                spread=data["spread"],
                expected_plan_etag=data["plan_etag"] or None,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                _("Template “%(name)s” applied: %(count)d monthly figures derived.")
                % {"name": data["template"].name, "count": len(rows)},
            )
            # Show the year where the derived figures start.
            url = reverse("resources:project_workload", args=[project.pk])
            return redirect(f"{url}?year={data['start_month'].year}")
    return render(
        request, "resources/workload_tab.html", _page_context(request, project, apply_form=form), status=400
    )


@require_POST
@requires(RULES, "allocation.change", loader=_load_project)
def workload_staff(request, pk: int, obj=None):
    project = obj
    form = StaffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        share = data["share"] / 100 if data["share"] is not None else None
        try:
            workload.allocation_staff(
                actor=request.user,
                project=project,
                family=data["family"],
                start_month=data["start_month"],
                end_month=data["end_month"],
                assignments=[workload.Assignment(data["resource"], days=data["days"], share=share)],
                expected_plan_etag=data["plan_etag"] or None,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(
                request, _("%(name)s now takes part of the demand.") % {"name": data["resource"]}
            )
            return _redirect_to_tab(project, request)
    return render(
        request, "resources/workload_tab.html", _page_context(request, project, staff_form=form), status=400
    )


@requires(RULES, "allocation.view", loader=_load_project)
def workload_proposal(request, pk: int, obj=None):
    project = obj
    reconciliation = workload_selectors.plan_reconciliation(project)
    return render(
        request,
        "resources/workload_proposal.html",
        {
            "project": project,
            "reconciliation": reconciliation,
            "plan_etag": workload.plan_etag(project),
            "can_edit": RULES.allows(request.user, "allocation.change", project),
        },
    )


@require_POST
@requires(RULES, "allocation.change", loader=_load_project)
def workload_reconcile(request, pk: int, obj=None):
    project = obj
    accept = request.POST.getlist("family")
    if request.POST.get("all"):
        accept = list(RoleFamily.values)
    try:
        rows = workload.plan_reconcile(
            actor=request.user,
            project=project,
            accept=accept,
            expected_plan_etag=request.POST.get("plan_etag") or None,
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(reverse("resources:workload_proposal", args=[project.pk]))
    messages.success(
        request, _("Proposal accepted: %(count)d monthly figures written.") % {"count": len(rows)}
    )
    return _redirect_to_tab(project, request)


def _nth_value(index: int):
    def value(row: dict):
        return row["values"][index]

    return value


@requires(RULES, "allocation.view", loader=_load_project)
def workload_export(request, pk: int, obj=None):
    project = obj
    context = _grid_context(request, project)
    grid = context["grid"]
    periods = grid["periods"]

    lines: list[dict] = []
    for family in grid["families"]:
        lines.extend(
            {
                "family": family["label"],
                "label": row["label"],
                "external": _("Outsourced") if row["is_external"] else _("Internal"),
                "values": [cell["days"] for cell in row["cells"]],
                "total": row["total"],
            }
            for row in family["rows"]
        )
        lines.append(
            {
                "family": family["label"],
                "label": _("Total"),
                "external": "",
                "values": family["totals"],
                "total": family["total"],
            }
        )
        lines.append(
            {
                "family": family["label"],
                "label": _("Actual (approved time)"),
                "external": "",
                "values": family["actuals"],
                "total": family["actual_total"],
            }
        )
    fmt = "%Y-%m-%d" if grid["grain"] == PeriodGrain.WEEK else "%Y-%m"
    columns = [
        exports.Column(_("Family"), lambda row: row["family"], width=24),
        exports.Column(_("Row"), lambda row: row["label"], width=30),
        exports.Column(_("Internal / outsourced"), lambda row: row["external"], width=16),
        *(
            exports.Column(period["start"].strftime(fmt), _nth_value(i), width=10)
            for i, period in enumerate(periods)
        ),
        exports.Column(_("Total"), lambda row: row["total"], width=12),
    ]
    stem = f"pilotis-workload-{project.code}"
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.write_xlsx(columns, lines, title=_("Workload")), content_type=exports.XLSX_CONTENT_TYPE
        )
        name = exports.export_filename(stem, "xlsx")
    else:
        response = HttpResponse(exports.write_csv(columns, lines), content_type=exports.CSV_CONTENT_TYPE)
        name = exports.export_filename(stem, "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ------------------------------------------------------------------------------------ ratio templates


@requires(RULES, "resource.view")
def ratio_template_list(request):
    return render(
        request,
        "resources/workload_templates.html",
        {
            "templates": workload_selectors.ratio_template_list(),
            "can_edit": RULES.allows(request.user, "resource.change"),
        },
    )


def _template_form_page(request, form, template=None, status=200):
    return render(
        request, "resources/workload_template_form.html", {"form": form, "template": template}, status=status
    )


@require_http_methods(["GET", "POST"])
@requires(RULES, "resource.change")
def ratio_template_create(request):
    if request.method == "POST":
        form = RatioTemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                template = workload.ratio_template_create(
                    actor=request.user,
                    name=data["name"],
                    base_family=data["base_family"],
                    notes=data["notes"],
                    is_default=data["is_default"],
                    lines=form.lines(),
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, _("Template “%(name)s” created.") % {"name": template.name})
                return redirect("resources:ratio_template_list")
        return _template_form_page(request, form, status=400)
    return _template_form_page(request, RatioTemplateForm(initial={"base_family": RoleFamily.MOE}))


def _load_template(request, pk):
    from django.http import Http404

    try:
        return RatioTemplate.objects.prefetch_related("lines").get(pk=pk)
    except (RatioTemplate.DoesNotExist, ValueError, OverflowError):
        raise Http404(_("No such template.")) from None


@require_http_methods(["GET", "POST"])
@requires(RULES, "resource.change")
def ratio_template_edit(request, pk: int):
    template = _load_template(request, pk)
    if request.method == "POST":
        form = RatioTemplateForm(request.POST, template=template)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workload.ratio_template_update(
                    actor=request.user,
                    template=template,
                    data={k: data[k] for k in ("name", "base_family", "notes", "is_default")},
                    lines=form.lines(),
                    expected_version=data["version"],
                )
            except StaleVersionError:
                form.add_error(
                    None,
                    _(
                        "Someone else changed this template in the meantime. Reload the page and make your "
                        "change again."
                    ),
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, _("Template “%(name)s” saved.") % {"name": data["name"]})
                return redirect("resources:ratio_template_list")
        return _template_form_page(request, form, template, status=400)
    return _template_form_page(request, RatioTemplateForm(template=template), template)


# ------------------------------------------------------------------------------------ project page


def project_workload_panel(request, project=None, **kwargs):
    """The project page's workload panel (slot "project.side"): None when the user may not see it."""
    user = getattr(request, "user", None)
    if project is None or not RULES.allows(user, "allocation.view", project):
        return None
    return {
        "summary": workload_selectors.project_workload_summary(project),
        "can_edit": RULES.allows(user, "allocation.change", project),
    }
