"""Pages of the resource register: the list (filters, sort, export), a resource's page (capacity,
allocations, absences edited inline with htmx, background load, history), the create/edit form, the
CSV import of absences and the reference pages of teams, vendors and role profiles.

Views validate, call one service or selector, and render; rights come from resources.permissions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ppm import charts, lists
from ppm.audit import audit_entries_for
from ppm.exceptions import StaleVersionError
from ppm.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Column,
    csv_delimiter,
    export_filename,
    names,
    write_csv,
    write_xlsx,
)
from ppm.manage_views import Column as ManageColumn
from ppm.manage_views import ManagedSection, register_section
from ppm.models import Directorate, User
from ppm.permissions import requires
from ppm.presentation import PALETTE, SERIES_COLOURS, Tone
from ppm.report_views import import_page
from resources import selectors, services
from resources.filters import ResourceFilter
from resources.models import (
    AbsenceKind,
    Profile,
    Resource,
    ResourceKind,
    RoleFamily,
    Team,
    Vendor,
)
from resources.people_imports import COLUMNS as IMPORT_COLUMNS
from resources.people_imports import IMPORT_KIND
from resources.permissions import RULES

CAPACITY_MONTHS = 12
AUDIT_ENTRIES_SHOWN = 50
WEEKDAYS = (
    pgettext_lazy("weekday", "Monday"),
    pgettext_lazy("weekday", "Tuesday"),
    pgettext_lazy("weekday", "Wednesday"),
    pgettext_lazy("weekday", "Thursday"),
    pgettext_lazy("weekday", "Friday"),
)
WEEKDAYS_SHORT = (
    pgettext_lazy("weekday, short", "Mon"),
    pgettext_lazy("weekday, short", "Tue"),
    pgettext_lazy("weekday, short", "Wed"),
    pgettext_lazy("weekday, short", "Thu"),
    pgettext_lazy("weekday, short", "Fri"),
)

SORTABLE_COLUMNS = (
    lists.SortColumn("name", gettext_lazy("Name")),
    lists.SortColumn("role", gettext_lazy("Main role")),
    lists.SortColumn("directorate", gettext_lazy("Directorate")),
    lists.SortColumn("team", gettext_lazy("Team")),
    lists.SortColumn("vendor", gettext_lazy("Vendor")),
)
COST_COLUMN = lists.SortColumn("daily_cost", gettext_lazy("Daily cost"))


def can_view_cost(user) -> bool:
    return RULES.allows(user, "resource.view_cost")


def can_manage(user) -> bool:
    return RULES.allows(user, "resource.change")


def _short(day: date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else ""


# ---------------------------------------------------------------------------------------------- forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, error)


class ResourceForm(forms.ModelForm):
    """Create or edit a resource. The weekly pattern is five day shares, Monday to Friday."""

    mark_optional = True
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Resource
        fields = [
            "name",
            "kind",
            "directorate",
            "team",
            "primary_profile",
            "profiles",
            "is_external",
            "vendor",
            "user",
            "manager",
            "email",
            "active_from",
            "active_until",
            "daily_cost",
            "notes",
        ]
        widgets = {
            "profiles": forms.CheckboxSelectMultiple(),
            "active_from": DateInput(),
            "active_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "user": gettext_lazy(
                "The person's Pilotis account, if they have one (at most one resource each)."
            ),
            "manager": gettext_lazy("Approves their timesheets; the team's manager when empty."),
            "daily_cost": gettext_lazy("Internal loaded cost or contract rate, per day."),
        }

    def __init__(self, *args, show_cost: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, Any], self.fields)
        pattern = list(self.instance.week_pattern or ["1"] * 5) if self.instance.pk else ["1"] * 5
        for index, label in enumerate(WEEKDAYS):
            fields[f"day_{index}"] = forms.DecimalField(
                label=label,
                min_value=0,
                max_value=1,
                decimal_places=2,
                initial=Decimal(str(pattern[index])) if index < len(pattern) else Decimal("1"),
                widget=forms.NumberInput(
                    attrs={"step": "0.05", "min": "0", "max": "1", "class": "input--short"}
                ),
            )
        users = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        fields["user"].queryset = users
        fields["manager"].queryset = users
        fields["directorate"].queryset = Directorate.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.directorate_id)
        ).order_by("name")
        fields["team"].queryset = Team.objects.select_related("directorate").order_by("name")
        fields["vendor"].queryset = Vendor.objects.order_by("name")
        fields["primary_profile"].queryset = Profile.objects.filter(is_active=True).order_by(
            "family", "order", "name"
        )
        fields["profiles"].queryset = Profile.objects.filter(is_active=True).order_by(
            "family", "order", "name"
        )
        fields["profiles"].required = False
        if self.instance.pk:
            fields["version"].initial = self.instance.version
        if not show_cost:
            del fields["daily_cost"]

    def day_fields(self):
        return [self[f"day_{index}"] for index in range(5)]

    def validate_unique(self):
        pass  # the service checks (an account linked to one resource at most)

    def _post_clean(self):
        pass  # the service validates the instance (with clear messages); the form only reads input

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields if name in self.fields}
        data["profiles"] = list(self.cleaned_data.get("profiles") or [])
        data["week_pattern"] = [str(self.cleaned_data.get(f"day_{index}")) for index in range(5)]
        for optional in ("email", "notes"):
            data[optional] = data.get(optional) or ""
        return data


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AbsenceKind.choices)
    start = forms.DateField(label=gettext_lazy("First day"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("Last day"), widget=DateInput())
    day_share = forms.TypedChoiceField(
        label=gettext_lazy("Each day"),
        coerce=Decimal,
        choices=(("1", gettext_lazy("Whole days")), ("0.5", gettext_lazy("Half days"))),
        initial="1",
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("kind", "start", "end", "day_share", "note")}


class BackgroundLoadForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Activity"), max_length=100)
    start = forms.DateField(label=gettext_lazy("From"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("Until"), widget=DateInput(), required=False)
    share = forms.DecimalField(label=gettext_lazy("Share (%)"), min_value=0, max_value=100, decimal_places=2)

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("label", "start", "end", "share")}


# ------------------------------------------------------------------------------------ list and export


def _filterset(request) -> ResourceFilter:
    return ResourceFilter(request.GET, queryset=selectors.resource_visible_to(request.user), request=request)


def _columns(user):
    return (*SORTABLE_COLUMNS, COST_COLUMN) if can_view_cost(user) else SORTABLE_COLUMNS


@login_required
def resource_list(request):
    filterset = _filterset(request)
    yes_no = [("true", _("Yes")), ("false", _("No"))]
    for name in ("directorate", "team", "profile", "vendor"):
        filterset.form.fields[name].widget = forms.Select()
    lists.tune_filter_form(
        filterset.form,
        options={
            **selectors.resource_filter_choices(),
            "family": RoleFamily.choices,
            "kind": ResourceKind.choices,
            "external": yes_no,
            "active": yes_no,
        },
    )
    queryset = filterset.qs
    if not can_view_cost(request.user):
        # Sorting by cost would reveal it: that ordering is refused for those who may not see costs.
        if "daily_cost" in request.GET.get("ordering", ""):
            queryset = queryset.order_by("name", "pk")
    return lists.render_list(
        request,
        "resources/people_list.html",
        "resources/partials/people_table.html",
        target="resource-results",
        queryset=queryset,
        columns=_columns(request.user),
        context={
            "filterset": filterset,
            "filter_form": filterset.form,
            "can_manage": can_manage(request.user),
            "show_cost": can_view_cost(request.user),
            "filters_open": lists.is_filtered(request.GET),
        },
    )


def _export_columns(show_cost: bool) -> tuple[Column, ...]:
    columns: tuple[Column, ...] = (
        Column(_("Name"), "name", width=28),
        Column(_("Kind"), lambda r: r.get_kind_display(), width=16),
        Column(_("Main role"), "primary_profile.name", width=24),
        Column(_("Roles"), "profiles", format=names("name"), width=30),
        Column(_("Directorate"), "directorate.name", width=30),
        Column(_("Team"), lambda r: r.team.name if r.team else "", width=24),
        Column(_("External"), lambda r: _("yes") if r.is_external else _("no"), width=10),
        Column(_("Vendor"), lambda r: r.vendor.name if r.vendor else "", width=24),
        Column(_("Working time (%)"), lambda r: int(r.working_time), width=12),
        Column(_("Active from"), "active_from", width=13),
        Column(_("Active until"), "active_until", width=13),
        Column(_("E-mail"), "email", width=28),
    )
    if show_cost:
        columns += (Column(_("Daily cost (€)"), "daily_cost", width=12),)
    return columns


@login_required
def resource_export(request, fmt: str):
    """The filtered, sorted list (every page) as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Unknown export format."))
    queryset = _filterset(request).qs.prefetch_related("profiles")
    columns = _export_columns(can_view_cost(request.user))
    if fmt == "csv":
        delimiter = csv_delimiter(request)
        response = HttpResponse(
            write_csv(columns, queryset, delimiter=delimiter), content_type=CSV_CONTENT_TYPE
        )
    else:
        response = HttpResponse(
            write_xlsx(columns, queryset, title=_("Resources")), content_type=XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{export_filename("pilotis-resources", fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------- the page


def _number(value: float) -> str:
    return formats.number_format(round(value, 1), 1)


def capacity_context(resource: Resource, *, today: date | None = None) -> dict:
    """The next 12 months: capacity (gross, absences, background, net), planned load, and the chart."""
    today = today or timezone.localdate()
    calendar = selectors.organisation_calendar()
    months = selectors.resource_capacity_by_month(resource, today, CAPACITY_MONTHS, calendar=calendar)
    planned = selectors.resource_planned_by_month(resource, today, CAPACITY_MONTHS, calendar=calendar)
    rows: list[dict[str, Any]] = [
        {
            "month": month.month,
            "gross": month.gross,
            "absent": month.absent,
            "background": month.background,
            "net": round(month.net, 2),
            "planned": load,
            "free": round(month.net - load, 2),
            "over": load > month.net + 0.005,
        }
        for month, load in zip(months, planned, strict=True)
    ]
    totals = {
        key: round(sum(row[key] for row in rows), 2)
        for key in ("gross", "absent", "background", "net", "planned", "free")
    }
    return {"capacity_rows": rows, "capacity_totals": totals, "capacity_figure": _capacity_figure(rows)}


def _capacity_figure(rows: list[dict]) -> dict:
    """Stacked bars per month (net + absences + background = gross) and the planned load beside them."""
    labels = [formats.date_format(row["month"], "YEAR_MONTH_FORMAT") for row in rows]
    short = [formats.date_format(row["month"], "m/Y") for row in rows]
    keys = [row["month"].isoformat() for row in rows]
    days = _("days")

    def bars(name: str, key: str, colour: str, offsetgroup: str) -> dict:
        return {
            "type": "bar",
            "name": charts.plotly_text(name),
            "x": keys,
            "y": [row[key] for row in rows],
            "marker": {"color": colour},
            "offsetgroup": offsetgroup,
            "customdata": [charts.plotly_text(f"{label} · {name}") for label in labels],
            "hovertemplate": f"%{{customdata}}: %{{y}} {days}<extra></extra>",
        }

    data = [
        bars(_("Net capacity"), "net", SERIES_COLOURS[0], "capacity"),
        bars(_("Background load"), "background", SERIES_COLOURS[2 % len(SERIES_COLOURS)], "capacity"),
        bars(
            _("Absences"),
            "absent",
            PALETTE[Tone.NEUTRAL] if Tone.NEUTRAL in PALETTE else "#8a8f98",
            "capacity",
        ),
        bars(_("Planned load"), "planned", PALETTE[Tone.WARNING], "load"),
    ]
    max_value = max((max(row["gross"], row["planned"]) for row in rows), default=0)
    return {
        "data": data,
        "layout": charts.base_layout(
            barmode="relative",
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            margin={"l": 48, "r": 16, "t": 48, "b": 48},
            xaxis={
                "type": "category",
                "tickvals": keys,
                "ticktext": [charts.plotly_text(label) for label in labels],
                "fixedrange": True,
                "automargin": True,
            },
            yaxis=charts.count_axis(max_value, _("Person-days")),
        ),
        "links": [[None] * len(rows) for _trace in data],
        "height": 320,
        "compact": {"ticktext": {"x": short}, "layout": {"xaxis": {"tickangle": -60}}},
    }


def _absences_context(request, resource: Resource) -> dict:
    return {
        "resource": resource,
        "absences": list(selectors.absence_list(resource)),
        "can_edit_absences": RULES.allows(request.user, "absence.change", resource),
        "absence_form": AbsenceForm(prefix="absence"),
    }


def _history(resource: Resource) -> tuple[list, bool]:
    entries = list(audit_entries_for(resource)[: AUDIT_ENTRIES_SHOWN + 1])
    return entries[:AUDIT_ENTRIES_SHOWN], len(entries) > AUDIT_ENTRIES_SHOWN


@login_required
def resource_detail(request, pk: int):
    resource = selectors.resource_get_for_user(user=request.user, pk=pk)
    today = timezone.localdate()
    start = date(today.year, today.month, 1)
    entries, truncated = _history(resource)
    pattern = [
        {"day": day, "short": short, "share": share}
        for day, short, share in zip(WEEKDAYS, WEEKDAYS_SHORT, resource.week_pattern or [], strict=False)
    ]
    context = {
        "resource": resource,
        "profiles": list(resource.profiles.all()),
        "pattern": pattern,
        "approver": resource.approver,
        "show_cost": can_view_cost(request.user),
        "can_manage": can_manage(request.user),
        "months": selectors.month_starts(start, CAPACITY_MONTHS),
        "allocations": selectors.resource_allocations_by_project(resource, start, CAPACITY_MONTHS),
        "background_loads": list(selectors.background_load_list(resource)),
        "background_form": BackgroundLoadForm(prefix="background"),
        "audit_entries": entries,
        "audit_truncated": truncated,
        "chart_locale": charts.chart_locale(),
        **capacity_context(resource, today=today),
        **_absences_context(request, resource),
    }
    return render(request, "resources/people_detail.html", context)


# ------------------------------------------------------------------------------- create and edit


def _render_form(request, form, *, resource=None, status=200, conflict=False):
    return render(
        request,
        "resources/people_form.html",
        {"form": form, "resource": resource, "conflict": conflict},
        status=status,
    )


@requires(RULES, "resource.change")
def resource_create(request):
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_create(actor=request.user, data=form.service_data())
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Resource “%(name)s” created.") % {"name": resource.name})
            return redirect("resources:resource_detail", pk=resource.pk)
    return _render_form(request, form, status=400 if request.method == "POST" else 200)


def _load_for_change(request, pk):
    return selectors.resource_get_for_user(user=request.user, pk=pk)


@requires(RULES, "resource.change", loader=_load_for_change)
def resource_edit(request, pk: int, obj: Resource):
    if request.method != "POST":
        return _render_form(request, ResourceForm(instance=obj), resource=obj)
    form = ResourceForm(request.POST, instance=obj)
    if form.is_valid():
        try:
            services.resource_update(
                actor=request.user,
                resource=obj,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersionError:
            current = selectors.resource_get_for_user(user=request.user, pk=pk)
            return _render_form(
                request, ResourceForm(instance=current), resource=current, status=409, conflict=True
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Resource “%(name)s” saved.") % {"name": obj.name})
            return redirect("resources:resource_detail", pk=obj.pk)
    return _render_form(request, form, resource=obj, status=400)


@require_POST
@requires(RULES, "resource.change", loader=_load_for_change)
def resource_set_active(request, pk: int, obj: Resource):
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    active = request.POST.get("active") == "1"
    try:
        if active:
            services.resource_reactivate(actor=request.user, resource=obj, expected_version=expected)
            messages.success(request, _("%(name)s is active again.") % {"name": obj.name})
        else:
            services.resource_deactivate(actor=request.user, resource=obj, expected_version=expected)
            messages.success(request, _("%(name)s is no longer active.") % {"name": obj.name})
    except StaleVersionError:
        messages.error(
            request, _("This resource was changed by someone else meanwhile: check it and try again.")
        )
    return redirect("resources:resource_detail", pk=obj.pk)


# ---------------------------------------------------------------------------- absences (htmx inline)


def _absences_response(request, resource: Resource, *, form=None, editing=None, status=200):
    """The absences section (htmx) with the capacity table swapped out of band, or the page (no htmx)."""
    if not getattr(request, "htmx", None):
        return redirect(reverse("resources:resource_detail", args=[resource.pk]) + "#absences")
    context = {**_absences_context(request, resource), **capacity_context(resource), "oob": True}
    if form is not None:
        context["absence_form"] = form
    context["editing"] = editing
    return lists.vary_on_htmx(
        render(request, "resources/partials/people_absences.html", context, status=status)
    )


@require_POST
@login_required
def absence_add(request, pk: int):
    resource = selectors.resource_get_for_user(user=request.user, pk=pk, action="absence.change")
    form = AbsenceForm(request.POST, prefix="absence")
    if form.is_valid():
        try:
            services.absence_create(actor=request.user, resource=resource, data=form.service_data())
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            if not getattr(request, "htmx", None):
                messages.success(request, _("Absence recorded."))
            return _absences_response(request, resource)
    if not getattr(request, "htmx", None):
        for field_errors in form.errors.values():
            messages.error(request, " ".join(str(message) for message in field_errors))
    return _absences_response(request, resource, form=form, status=400)


@login_required
def absence_edit(request, pk: int):
    absence = selectors.absence_get_for_user(user=request.user, pk=pk)
    resource = absence.resource
    if request.method != "POST" and request.GET.get("cancel"):
        return _absences_response(request, resource)
    if request.method != "POST":
        form = AbsenceForm(
            initial={
                "kind": absence.kind,
                "start": absence.start,
                "end": absence.end,
                "day_share": str(absence.day_share.normalize()),
                "note": absence.note,
                "version": absence.version,
            },
            prefix=f"absence-{absence.pk}",
        )
        return _absences_response(request, resource, editing={"absence": absence, "form": form})
    form = AbsenceForm(request.POST, prefix=f"absence-{absence.pk}")
    if form.is_valid():
        try:
            services.absence_update(
                actor=request.user,
                absence=absence,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersionError:
            form.add_error(
                None, _("This absence was changed by someone else meanwhile: it now shows its current dates.")
            )
            return _absences_response(request, resource, status=409)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            return _absences_response(request, resource)
    return _absences_response(request, resource, editing={"absence": absence, "form": form}, status=400)


@require_POST
@login_required
def absence_delete(request, pk: int):
    absence = selectors.absence_get_for_user(user=request.user, pk=pk)
    version = request.POST.get("version")
    try:
        services.absence_delete(
            actor=request.user,
            absence=absence,
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except StaleVersionError:
        return _absences_response(request, absence.resource, status=409)
    return _absences_response(request, absence.resource)


# ------------------------------------------------------------------------------------ background load


@require_POST
@requires(RULES, "resource.change", loader=_load_for_change)
def background_load_add(request, pk: int, obj: Resource):
    form = BackgroundLoadForm(request.POST, prefix="background")
    if form.is_valid():
        try:
            services.background_load_create(actor=request.user, resource=obj, data=form.service_data())
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Background load recorded."))
            return redirect(reverse("resources:resource_detail", args=[obj.pk]) + "#background")
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else str(message))
    return redirect(reverse("resources:resource_detail", args=[obj.pk]) + "#background")


@require_POST
@login_required
def background_load_delete(request, pk: int):
    load = selectors.background_load_get_for_user(user=request.user, pk=pk)
    version = request.POST.get("version")
    try:
        services.background_load_delete(
            actor=request.user,
            load=load,
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except StaleVersionError:
        messages.error(request, _("This background load was changed by someone else meanwhile."))
    else:
        messages.success(request, _("Background load removed."))
    return redirect(reverse("resources:resource_detail", args=[load.resource_id]) + "#background")


# ------------------------------------------------------------------------------------- absence import


@never_cache
@requires(RULES, "resource.change")
def absence_import(request):
    """GET: the upload form and the latest import (``?job=<id>`` for one). POST: queue the file."""
    return import_page(
        request,
        kind=IMPORT_KIND,
        template="resources/people_import.html",
        url_name="resources:absence_import",
        columns=IMPORT_COLUMNS,
    )


# ------------------------------------------------------------------ reference data (project office)


class _ReferenceRules:
    """The app's rule table as the generic management pages see it: creating or changing a team, a
    vendor or a role profile is `resource.change` (the project office's), nothing else."""

    name = "resources"

    def allows(self, user, action: str, obj=None) -> bool:
        return RULES.allows(user, "resource.change")

    def check(self, user, action: str, obj=None) -> None:
        if not self.allows(user, action, obj):
            raise PermissionDenied(RULES.message("resource.change"))

    def message(self, action: str) -> str:
        return RULES.message("resource.change")

    def actions(self) -> list[str]:
        return ["resource.change"]


REFERENCE_RULES = _ReferenceRules()


class _ServiceValidatedForm(forms.ModelForm):
    mark_optional = True

    def validate_unique(self):
        pass  # the service validates (full_clean) and its errors are shown on the fields


class TeamForm(_ServiceValidatedForm):
    class Meta:
        model = Team
        fields = ["code", "name", "directorate", "manager", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, Any], self.fields)
        fields["directorate"].queryset = Directorate.objects.order_by("name")
        fields["manager"].queryset = User.objects.filter(is_active=True).order_by("last_name", "first_name")


class VendorForm(_ServiceValidatedForm):
    class Meta:
        model = Vendor
        fields = ["name", "siret", "is_active"]


class ProfileForm(_ServiceValidatedForm):
    class Meta:
        model = Profile
        fields = ["code", "name", "family", "order", "is_active"]


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


TEAMS = register_section(
    ManagedSection(
        key="teams",
        entity="team",
        title=gettext_lazy("Teams"),
        description=gettext_lazy(
            "Teams of the directorates; a team's manager approves its members' timesheets."
        ),
        rules=REFERENCE_RULES,  # type: ignore[arg-type]
        namespace="resources",
        queryset=lambda user: selectors.team_list(),
        columns=[
            ManageColumn(gettext_lazy("Code"), lambda team: team.code),
            ManageColumn(gettext_lazy("Name"), lambda team: team.name),
            ManageColumn(gettext_lazy("Directorate"), lambda team: team.directorate.name),
            ManageColumn(
                gettext_lazy("Manager"),
                lambda team: (team.manager.get_full_name() or team.manager.username) if team.manager else "—",
            ),
            ManageColumn(gettext_lazy("Active"), lambda team: _yes_no(team.is_active)),
        ],
        search_fields=("code", "name", "directorate__name"),
        form_class=TeamForm,
        create=lambda *, actor, data: services.team_create(actor=actor, data=data),
        update=lambda *, actor, obj, data: services.team_update(actor=actor, team=obj, data=data),
        create_label=gettext_lazy("Add a team"),
    )
)
VENDORS = register_section(
    ManagedSection(
        key="vendors",
        entity="vendor",
        title=gettext_lazy("Vendors"),
        description=gettext_lazy("Companies whose consultants work on projects (external resources)."),
        rules=REFERENCE_RULES,  # type: ignore[arg-type]
        namespace="resources",
        queryset=lambda user: selectors.vendor_list(),
        columns=[
            ManageColumn(gettext_lazy("Name"), lambda vendor: vendor.name),
            ManageColumn(gettext_lazy("SIRET"), lambda vendor: vendor.siret or "—"),
            ManageColumn(gettext_lazy("Active"), lambda vendor: _yes_no(vendor.is_active)),
        ],
        search_fields=("name", "siret"),
        form_class=VendorForm,
        create=lambda *, actor, data: services.vendor_create(actor=actor, data=data),
        update=lambda *, actor, obj, data: services.vendor_update(actor=actor, vendor=obj, data=data),
        create_label=gettext_lazy("Add a vendor"),
    )
)
ROLE_PROFILES = register_section(
    ManagedSection(
        key="roles",
        entity="profile",
        title=gettext_lazy("Role profiles"),
        description=gettext_lazy("Roles within the MOA, MOE and AMOA families that resources hold."),
        rules=REFERENCE_RULES,  # type: ignore[arg-type]
        namespace="resources",
        queryset=lambda user: selectors.profile_list(),
        columns=[
            ManageColumn(gettext_lazy("Code"), lambda profile: profile.code),
            ManageColumn(gettext_lazy("Name"), lambda profile: profile.name),
            ManageColumn(gettext_lazy("Family"), lambda profile: profile.get_family_display()),
            ManageColumn(gettext_lazy("Order"), lambda profile: profile.order),
            ManageColumn(gettext_lazy("Active"), lambda profile: _yes_no(profile.is_active)),
        ],
        search_fields=("code", "name"),
        form_class=ProfileForm,
        create=lambda *, actor, data: services.profile_create(actor=actor, data=data),
        update=lambda *, actor, obj, data: services.profile_update(actor=actor, profile=obj, data=data),
        create_label=gettext_lazy("Add a role profile"),
    )
)

REFERENCE_URLS = [*TEAMS.urls(), *VENDORS.urls(), *ROLE_PROFILES.urls()]
