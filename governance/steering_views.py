"""Pages of the steering part: the steering dashboard and its drill-downs, alerts (list, acknowledge,
close, export, rules, digest subscription, the header's bell), report packs (request, archive,
schedules)."""

from __future__ import annotations

import json
from html import escape

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance import steering
from governance.alerts import (
    DEFAULT_RULES,
    alert_acknowledge,
    alert_close,
    alert_message,
    alert_open_count_cached,
    alert_rule_update,
    alert_rules_ensure,
    alerts_visible_to,
    rule_label,
)
from governance.models import Alert, AlertRule, AlertStatus, AlertSubscription, DigestFrequency, ProjectOffice
from governance.packs import KINDS, PDF_KIND, SCOPES, XLSX_KIND, pack_job_label, pack_params
from governance.permissions import RULES
from governance.templatetags.steering_tags import steering_weather
from portfolio.models import Objective, Project
from ppm import exports
from ppm.exceptions import DomainValidationError
from ppm.forms import PlainSelect, shared_plain_model_choices
from ppm.lists import paginate, render_partial_or_page, tune_filter_form, url_pattern
from ppm.models import Directorate, ReportJob, User
from ppm.permissions import requires
from ppm.roles import Role

STEERING_TEMPLATE = "governance/steering_dashboard.html"
TILES = ("weather", "missing", "slipped", "milestones", "drift", "budget", "teams", "decisions", "trend")
TILE_TITLES = {
    "weather": gettext_lazy("Weather map"),
    "missing": gettext_lazy("Missing or late reports"),
    "slipped": gettext_lazy("Projects that slipped"),
    "milestones": gettext_lazy("Late milestones"),
    "drift": gettext_lazy("Drift since the last baseline"),
    "budget": gettext_lazy("Budget consumed"),
    "teams": gettext_lazy("Teams overloaded next quarter"),
    "decisions": gettext_lazy("Decisions requested"),
    "trend": gettext_lazy("Weather trend"),
}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


# ppm.usercache namespace of the options of the dashboard's reference selects (see governance.apps).
FILTER_CHOICES = "steering-filter-choices"
# Each reference select's option label, as the model's str() writes it.
_REFERENCE_LABELS = {
    "objective": Concat("code", Value(" · "), "name"),
    "directorate": "name",
    "project_office": "name",
    "committee": "name",
}


def _tune_steering_form(filterset) -> None:
    tune_filter_form(filterset.form, any_label=_("Any"))
    # The four reference selects from narrow rows, kept for everyone until an objective, directorate,
    # project office or committee changes (the dashboard and each drill-down show them).
    shared_plain_model_choices(FILTER_CHOICES, filterset.form.fields, _REFERENCE_LABELS)


def _query_string(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- steering dashboard -------------------------------------------------------------------------


def trend_figure(trend: list[dict]) -> dict:
    """Stacked bars: one bar per month, one trace per weather (best at the bottom)."""
    from django.utils.formats import date_format

    from ppm.charts import base_layout, count_axis, plotly_text

    colours = {"sunny": "#8a5a00", "cloudy": "#6b7280", "rainy": "#0b5f8a", "stormy": "#a4262c"}
    patterns = {"sunny": "", "cloudy": "/", "rainy": ".", "stormy": "x"}
    months = [plotly_text(date_format(row["month"], "YEAR_MONTH_FORMAT")) for row in trend]
    traces = []
    maximum = max((row["total"] for row in trend), default=0)
    for index, (value, label, _count) in enumerate(trend[0]["counts"] if trend else []):
        traces.append(
            {
                "type": "bar",
                "name": plotly_text(str(label)),
                "x": months,
                "y": [row["counts"][index][2] for row in trend],
                "marker": {"color": colours[value], "pattern": {"shape": patterns[value]}},
                "hovertemplate": f"{plotly_text(str(label))}: %{{y}}<extra>%{{x}}</extra>",
            }
        )
    return {
        "data": traces,
        "layout": base_layout(
            barmode="stack",
            showlegend=True,
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            margin={"l": 48, "r": 16, "t": 40, "b": 40},
            xaxis={"type": "category", "fixedrange": True, "automargin": True},
            yaxis=count_axis(maximum, _("Projects")),
        ),
        "links": [[None] * len(trend) for _trace in traces],
        "height": 320,
        "compact": {},
    }


def _dimension_weather(dimension) -> str:
    return steering_weather(dimension.weather, text=False) if dimension else "—"


def weather_tile_rows_html(rows: list, dimensions) -> SafeString:
    """The dashboard's weather tile rows (a project, its weather, its five dimensions, why), written in
    Python rather than through the template engine (seven weather cells a row): the markup the template's
    loop wrote, to the byte. User texts escaped."""
    project_url = url_pattern("portfolio:project_detail")
    codes = [code for code, _label in dimensions if code != "overall"]
    parts = []
    for row in rows:
        project = row.project
        cells = "".join(f"<td>{_dimension_weather(row.dimensions.get(code))}</td>" for code in codes)
        url = project_url.format(int(project.pk))
        parts.append(
            f'\n        <tr>\n          <th scope="row"><a href="{url}">{escape(project.code)}</a> '
            f'<span class="steering-name">{escape(project.name)}</span></th>\n'
            f"          <td>{steering_weather(row.report.weather)}</td>\n          {cells}\n"
            f'          <td class="steering-why">{escape(Truncator(row.why).chars(140))}</td>\n'
            "        </tr>\n      "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every user text above is escaped


@requires(RULES, "steering.view")
@require_GET
def steering_dashboard(request):
    today = timezone.localdate()
    projects, filterset = steering.steering_projects(request.user, request.GET)
    _tune_steering_form(filterset)
    tiles = steering.steering_tiles(request.user, projects, filterset, today)
    from ppm.charts import chart_locale

    return render(
        request,
        STEERING_TEMPLATE,
        {
            "tiles": tiles,
            "filterset": filterset,
            "query": _query_string(request),
            "today": today,
            "dimensions": steering.DIMENSIONS,
            "weather_rows_html": weather_tile_rows_html(tiles["weather"]["rows"], steering.DIMENSIONS),
            "trend_figure": trend_figure(tiles["trend"]) if tiles["trend"] else None,
            "chart_locale": chart_locale(),
        },
    )


def _tile_rows(tile: str, user, projects, filterset, today):
    if tile == "weather":
        return steering.weather_report_ids(projects)  # a page's rows: weather_reports_of(ids)
    if tile == "missing":
        return steering.MissingRows(projects, today)  # builds only the page's rows
    if tile == "slipped":
        return steering.slipped_projects(projects)
    if tile == "milestones":
        return steering.late_milestones(projects, today)
    if tile == "drift":
        return steering.baseline_drift(projects)[1]
    if tile == "budget":
        return steering.budget_rows(projects, today.year)
    if tile == "teams":
        directorate = filterset.form.cleaned_data.get("directorate") if filterset.is_valid() else None
        return steering.team_rows(today, directorate=directorate)[1]
    if tile == "decisions":
        return steering.decision_items(projects)
    return steering.weather_trend(projects, today, periods=12)


def weather_rows_html(rows: list, dimensions) -> SafeString:
    """The weather drill-down's rows (a project × its five dimensions), written in Python rather than
    through the template engine (six weather cells a row, fifty rows a page). User texts escaped."""
    project_url = url_pattern("portfolio:project_detail")
    codes = [code for code, _label in dimensions if code != "overall"]
    parts = []
    for row in rows:
        project, report = row.project, row.report
        cells = "".join(
            f"<td>{steering_weather(row.dimensions[code].weather) if row.dimensions.get(code) else '—'}</td>"
            for code in codes
        )
        month = formats.date_format(report.period.end, "YEAR_MONTH_FORMAT")
        url = project_url.format(int(project.pk))
        parts.append(
            f'<tr>\n    <th scope="row"><a href="{url}">{escape(project.code)}</a> '
            f'<span class="steering-name">{escape(project.name)}</span></th>\n'
            f"    <td>{escape(month)}</td>\n    <td>{steering_weather(report.weather)}</td>\n"
            f'    {cells}\n    <td class="steering-why">{escape(row.why)}</td>\n  </tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every user text above is escaped


@requires(RULES, "steering.view")
@require_GET
def steering_drilldown(request, tile: str):
    if tile not in TILES:
        raise Http404(_("No such tile."))
    today = timezone.localdate()
    projects, filterset = steering.steering_projects(request.user, request.GET)
    _tune_steering_form(filterset)
    rows = _tile_rows(tile, request.user, projects, filterset, today)
    page = paginate(rows, request.GET.get("page"), per_page=50)
    rows_html = ""
    if tile == "weather":
        page.object_list = [
            steering.weather_row(report) for report in steering.weather_reports_of(list(page.object_list))
        ]
        rows_html = weather_rows_html(page.object_list, steering.DIMENSIONS)
    context = {
        "rows_html": rows_html,
        "tile": tile,
        "title": TILE_TITLES[tile],
        "page_obj": page,
        "object_list": page.object_list,
        "filterset": filterset,
        "query": _query_string(request),
        "today": today,
        "dimensions": steering.DIMENSIONS,
        "quarter": steering.next_quarter(today),
    }
    if tile == "drift":
        context["baseline"] = steering.baseline_drift(projects.none())[0]
    return render_partial_or_page(
        request,
        "governance/steering_drilldown.html",
        "governance/partials/steering_drilldown_table.html",
        target="drilldown-results",
        context=context,
    )


# --- alerts -------------------------------------------------------------------------------------

SEVERITIES = [
    ("info", gettext_lazy("Information")),
    ("warning", gettext_lazy("Warning")),
    ("critical", gettext_lazy("Critical")),
]


class AlertFilterSet(django_filters.FilterSet):
    """The alerts list's filters, shared by the page and the API."""

    status = django_filters.ChoiceFilter(choices=AlertStatus.choices, label=gettext_lazy("Status"))
    rule = django_filters.ChoiceFilter(
        field_name="rule__code",
        choices=[(code, entry[0]) for code, entry in DEFAULT_RULES.items()],
        label=gettext_lazy("Rule"),
    )
    # A number (not a choice among every project): an unknown id lists nothing rather than refusing.
    project = django_filters.NumberFilter(field_name="project", label=gettext_lazy("Project"))
    severity = django_filters.ChoiceFilter(choices=SEVERITIES, label=gettext_lazy("Severity"))

    class Meta:
        model = Alert
        fields = ["status", "rule", "project", "severity"]


def alerts_filtered(request) -> tuple:
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = AlertStatus.OPEN
    filterset = AlertFilterSet(data, queryset=alerts_visible_to(request.user).order_by("-raised_at", "-pk"))
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return filterset, queryset


@requires(RULES, "alert.view")
@require_GET
def alert_list(request):
    filterset, alerts = alerts_filtered(request)
    projects = (
        Project.objects.filter(pk__in=alerts_visible_to(request.user).exclude(project=None).values("project"))
        .order_by("code")
        .values_list("pk", "code")
    )
    # Up to every project of the portfolio: written straight from the narrow rows (PlainSelect).
    filterset.form.fields["project"].widget = PlainSelect(choices=[("", _("Any")), *projects])
    filterset.form.fields["status"].widget.choices = [("", _("Any")), *AlertStatus.choices]
    page = paginate(alerts, request.GET.get("page"))
    return render_partial_or_page(
        request,
        "governance/steering_alert_list.html",
        "governance/partials/steering_alert_table.html",
        target="alert-results",
        context={
            "page_obj": page,
            "object_list": page.object_list,
            "filterset": filterset,
            "query": _query_string(request),
            "may_configure": RULES.allows(request.user, "governance.configure"),
        },
    )


ALERT_COLUMNS = [
    exports.Column(gettext_lazy("Raised"), lambda alert: exports.local_date(alert.raised_at), width=12),
    exports.Column(gettext_lazy("Rule"), lambda alert: rule_label(alert.rule.code), width=30),
    exports.Column(
        gettext_lazy("Project"), lambda alert: alert.project.code if alert.project else "", width=14
    ),
    exports.Column(gettext_lazy("Severity"), "severity", width=10),
    exports.Column(gettext_lazy("Message"), alert_message, width=70),
    exports.Column(gettext_lazy("Status"), lambda alert: alert.get_status_display(), width=14),
    exports.Column(gettext_lazy("Acknowledged by"), lambda alert: str(alert.acknowledged_by or ""), width=20),
    exports.Column(gettext_lazy("Closed"), lambda alert: exports.local_date(alert.closed_at), width=12),
]


@requires(RULES, "alert.view")
@require_GET
def alert_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Unknown export format."))
    _filterset, alerts = alerts_filtered(request)
    alerts = alerts[:50_000]
    if fmt == "csv":
        response = HttpResponse(
            exports.write_csv(ALERT_COLUMNS, alerts, delimiter=exports.csv_delimiter(request)),
            content_type=CSV_CONTENT_TYPE,
        )
    else:
        response = HttpResponse(
            exports.write_xlsx(ALERT_COLUMNS, alerts, title=_("Alerts")), content_type=XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename("pilotis-alerts", fmt)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _alert_action(request, pk: int, service):
    try:
        alert = service(actor=request.user, alert_id=pk)
    except DomainValidationError as error:
        if request.htmx:
            return HttpResponse(" ".join(error.messages), status=409)
        messages.error(request, " ".join(error.messages))
        return redirect("governance:alert_list")
    if request.htmx:
        alert = alerts_visible_to(request.user).get(pk=alert.pk)
        return render(request, "governance/partials/steering_alert_row.html", {"alert": alert})
    messages.success(request, _("Alert updated."))
    return redirect("governance:alert_list")


@requires(RULES, "alert.view")
@require_POST
def alert_acknowledge_view(request, pk: int):
    return _alert_action(request, pk, alert_acknowledge)


@requires(RULES, "alert.view")
@require_POST
def alert_close_view(request, pk: int):
    return _alert_action(request, pk, alert_close)


@requires(RULES, "alert.view")
@require_GET
def alert_bell_menu(request):
    """The bell's menu: the latest open alerts the user may see (loaded when the menu opens)."""
    alerts = alerts_visible_to(request.user).filter(status=AlertStatus.OPEN).order_by("-raised_at", "-pk")
    return render(
        request,
        "governance/partials/steering_bell_menu.html",
        {"alerts": list(alerts[:6]), "count": alerts.count()},
    )


def bell_context(request, **kwargs):
    """Context of the header's bell (slot "header.tools"): one COUNT query."""
    user = request.user
    if not user.is_authenticated or not RULES.allows(user, "alert.view"):
        return None
    return {"bell_count": alert_open_count_cached(user)}


def nav_context(request, **kwargs):
    """The "Steering" menu's entries the user may open (slot "nav.main", memoised: ppm.memo)."""
    user = request.user
    if not user.is_authenticated or not RULES.allows(user, "steering.view"):
        return None
    return {
        "steering_nav": {
            "validate": RULES.allows(user, "flash_report.validate"),
            "configure": RULES.allows(user, "governance.configure"),
        }
    }


class RuleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    enabled = forms.BooleanField(required=False, label=gettext_lazy("Enabled"))
    severity = forms.ChoiceField(choices=SEVERITIES, label=gettext_lazy("Severity"))
    params = forms.CharField(
        required=False,
        label=gettext_lazy("Thresholds"),
        help_text=gettext_lazy('For example {"days": 10} or {"percent": [80, 95]}.'),
    )


@requires(RULES, "governance.configure")
@require_http_methods(["GET", "POST"])
def alert_rules(request):
    rules = alert_rules_ensure()
    errors: dict = {}
    if request.method == "POST":
        try:
            rule_id = int(request.POST.get("rule", ""))
        except ValueError:
            raise Http404(_("No such rule.")) from None
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                params = json.loads(form.cleaned_data["params"] or "{}")
                if not isinstance(params, dict):
                    raise ValueError
            except ValueError:
                errors[rule_id] = [_('Write the thresholds as JSON, e.g. {"days": 10}.')]
            else:
                try:
                    rule = alert_rule_update(
                        actor=request.user,
                        rule_id=rule_id,
                        expected_version=form.cleaned_data["version"],
                        enabled=form.cleaned_data["enabled"],
                        severity=form.cleaned_data["severity"],
                        params=params,
                    )
                except DomainValidationError as error:
                    errors[rule_id] = error.messages
                else:
                    from governance.steering_tasks import alerts_evaluate_soon

                    transaction.on_commit(alerts_evaluate_soon)
                    messages.success(request, _("Rule “%(rule)s” saved.") % {"rule": rule_label(rule.code)})
                    return redirect("governance:alert_rules")
        else:
            errors[rule_id] = [error for field_errors in form.errors.values() for error in field_errors]
        rules = list(AlertRule.objects.filter(code__in=DEFAULT_RULES))
    rows = [
        {
            "rule": rule,
            "label": rule_label(rule.code),
            "params": json.dumps(rule.params or {}),
            "errors": errors.get(rule.pk, []),
        }
        for rule in sorted(
            rules, key=lambda rule: list(DEFAULT_RULES).index(rule.code) if rule.code in DEFAULT_RULES else 99
        )
    ]
    status = 400 if errors else 200
    return render(
        request,
        "governance/steering_alert_rules.html",
        {"rows": rows, "severities": SEVERITIES},
        status=status,
    )


def default_frequency(user) -> str:
    if user.role == Role.READER:
        return DigestFrequency.NEVER
    if user.role in (Role.PROJECT_OFFICE, Role.ADMINISTRATOR):
        return DigestFrequency.DAILY
    return DigestFrequency.WEEKLY


def subscription_for(user) -> AlertSubscription:
    subscription, _created = AlertSubscription.objects.get_or_create(
        user=user, defaults={"frequency": default_frequency(user), "language": get_language() or "fr"}
    )
    return subscription


class SubscriptionForm(forms.ModelForm):
    class Meta:
        model = AlertSubscription
        fields = ["frequency", "language"]
        labels = {
            "frequency": gettext_lazy("E-mail digest of new alerts"),
            "language": gettext_lazy("Language"),
        }


@require_http_methods(["GET", "POST"])
def alert_subscription(request):
    """Every signed-in user edits their own digest frequency (readers too: "never" by default)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    subscription = subscription_for(request.user)
    form = SubscriptionForm(request.POST or None, instance=subscription)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your digest preference is saved."))
        return redirect("governance:alert_subscription")
    return render(
        request,
        "governance/steering_alert_subscription.html",
        {"form": form, "subscription": subscription},
        status=400 if request.method == "POST" else 200,
    )


# --- report packs -------------------------------------------------------------------------------


class PackForm(forms.Form):
    scope = forms.ChoiceField(choices=list(SCOPES.items()), label=gettext_lazy("Scope"))
    objective = forms.ModelChoiceField(
        queryset=Objective.objects.order_by("code"), required=False, label=gettext_lazy("Strategic objective")
    )
    directorate = forms.ModelChoiceField(
        queryset=Directorate.objects.order_by("name"), required=False, label=gettext_lazy("Directorate")
    )
    project_office = forms.ModelChoiceField(
        queryset=ProjectOffice.objects.all(), required=False, label=gettext_lazy("Project office")
    )

    def clean(self):
        data = super().clean() or {}
        scope = data.get("scope")
        if scope and scope != "all" and not data.get(scope):
            self.add_error(scope, _("Choose the %(scope)s.") % {"scope": SCOPES[scope].lower()})
        return data

    def scope_id(self) -> int | None:
        scope = self.cleaned_data["scope"]
        return None if scope == "all" else self.cleaned_data[scope].pk


class PackRequestForm(PackForm):
    as_of = forms.DateField(
        label=gettext_lazy("As of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    fmt = forms.ChoiceField(choices=[("pdf", "PDF"), ("xlsx", "XLSX")], label=gettext_lazy("Format"))


def pack_jobs():
    return (
        ReportJob.objects.filter(kind__in=KINDS).select_related("requested_by").order_by("-created_at", "-pk")
    )


def pack_request(*, actor, kind: str, params: dict, language: str) -> ReportJob:
    """Ask for a pack (pack.request): queued once per (kind, scope, date, language)."""
    from ppm.reports import report_job_request

    RULES.check(actor, "pack.request")
    return report_job_request(kind=kind, params=params, requested_by=actor, language=language)


@requires(RULES, "pack.view")
@require_http_methods(["GET", "POST"])
def pack_list(request):
    may_request = RULES.allows(request.user, "pack.request")
    form = PackRequestForm(request.POST or None, initial={"as_of": timezone.localdate(), "scope": "all"})
    status = 200
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied(RULES.message("pack.request"))
        if form.is_valid():
            job = pack_request(
                actor=request.user,
                kind=PDF_KIND if form.cleaned_data["fmt"] == "pdf" else XLSX_KIND,
                params=pack_params(
                    scope=form.cleaned_data["scope"],
                    scope_id=form.scope_id(),
                    as_of=form.cleaned_data["as_of"],
                ),
                language=get_language() or "",
            )
            messages.success(request, _("Your pack is being prepared; it appears below when it is ready."))
            return redirect(f"{request.path}#job-{job.pk}")
        status = 400
    page = paginate(pack_jobs(), request.GET.get("page"))
    for job in page.object_list:
        job.pack_label = pack_job_label(job)
    return render(
        request,
        "governance/steering_pack_list.html",
        {
            "form": form,
            "page_obj": page,
            "object_list": page.object_list,
            "may_request": may_request,
            "may_configure": RULES.allows(request.user, "governance.configure"),
            "pdf_kind": PDF_KIND,
        },
        status=status,
    )


# --- scheduled packs ----------------------------------------------------------------------------

SCHEDULE_TASK = "governance.steering_tasks.build_scheduled_pack"
WEEKDAYS = [
    ("*", gettext_lazy("Every day")),
    ("1", pgettext_lazy("schedule day", "Monday")),
    ("2", pgettext_lazy("schedule day", "Tuesday")),
    ("3", pgettext_lazy("schedule day", "Wednesday")),
    ("4", pgettext_lazy("schedule day", "Thursday")),
    ("5", pgettext_lazy("schedule day", "Friday")),
]
RECIPIENT_ROLES = [
    (Role.PROJECT_OFFICE.value, Role.PROJECT_OFFICE.label),
    (Role.COMMITTEE_MEMBER.value, Role.COMMITTEE_MEMBER.label),
    (Role.ADMINISTRATOR.value, Role.ADMINISTRATOR.label),
    (Role.FINANCE.value, Role.FINANCE.label),
    (Role.PROJECT_MANAGER.value, Role.PROJECT_MANAGER.label),
]


class ScheduleForm(PackForm):
    name = forms.CharField(max_length=150, label=gettext_lazy("Name"))
    day_of_week = forms.ChoiceField(choices=WEEKDAYS, label=gettext_lazy("Day"))
    day_of_month = forms.IntegerField(
        required=False, min_value=1, max_value=28, label=gettext_lazy("Day of the month (monthly packs)")
    )
    hour = forms.IntegerField(min_value=0, max_value=23, initial=6, label=gettext_lazy("Hour"))
    formats = forms.MultipleChoiceField(
        choices=[("pdf", "PDF"), ("xlsx", "XLSX")],
        widget=forms.CheckboxSelectMultiple,
        initial=["pdf", "xlsx"],
        label=gettext_lazy("Formats"),
    )
    roles = forms.MultipleChoiceField(
        choices=RECIPIENT_ROLES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Recipients by role"),
    )
    users = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "username"),
        required=False,
        label=gettext_lazy("Recipients"),
    )
    language = forms.ChoiceField(
        choices=[("fr", "Français"), ("en", "English")], label=gettext_lazy("Language")
    )
    enabled = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Enabled"))

    def clean(self):
        data = super().clean() or {}
        if not data.get("roles") and not data.get("users"):
            self.add_error("roles", _("Choose at least one recipient."))
        return data


def schedules():
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.filter(task=SCHEDULE_TASK).select_related("crontab").order_by("name")


def schedule_save(*, actor, task, data: dict, scope_id: int | None):
    """Create or change a pack schedule (a django-celery-beat PeriodicTask; beat reloads it)."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    RULES.check(actor, "governance.configure")
    with transaction.atomic():
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute="0",
            hour=str(data["hour"]),
            day_of_week=data["day_of_week"] if not data.get("day_of_month") else "*",
            day_of_month=str(data["day_of_month"]) if data.get("day_of_month") else "*",
            month_of_year="*",
            timezone="Europe/Paris",
        )
        kwargs = {
            "scope": data["scope"],
            "scope_id": scope_id,
            "roles": list(data.get("roles") or []),
            "users": [user.pk for user in data.get("users") or []],
            "formats": list(data["formats"]),
            "language": data["language"],
            "schedule": data["name"],
        }
        if task is None:
            if PeriodicTask.objects.filter(name=data["name"]).exists():
                raise DomainValidationError(field_errors={"name": [_("A schedule of this name exists.")]})
            task = PeriodicTask(task=SCHEDULE_TASK)
        elif PeriodicTask.objects.filter(name=data["name"]).exclude(pk=task.pk).exists():
            raise DomainValidationError(field_errors={"name": [_("A schedule of this name exists.")]})
        task.name = data["name"]
        task.crontab = crontab
        task.interval = None
        task.kwargs = json.dumps(kwargs)
        task.enabled = data["enabled"]
        task.description = f"Report pack · {data['scope']}"
        task.save()
    return task


def _schedule_initial(task) -> dict:
    kwargs = json.loads(task.kwargs or "{}")
    crontab = task.crontab
    scope = kwargs.get("scope", "all")
    initial = {
        "name": task.name,
        "scope": scope,
        "day_of_week": crontab.day_of_week if crontab else "1",
        "day_of_month": int(crontab.day_of_month) if crontab and crontab.day_of_month.isdigit() else None,
        "hour": int(crontab.hour) if crontab and crontab.hour.isdigit() else 6,
        "formats": kwargs.get("formats") or ["pdf", "xlsx"],
        "roles": kwargs.get("roles") or [],
        "users": kwargs.get("users") or [],
        "language": kwargs.get("language") or "fr",
        "enabled": task.enabled,
    }
    if scope != "all":
        initial[scope] = kwargs.get("scope_id")
    return initial


def _schedule_rows():
    rows = []
    for task in schedules():
        kwargs = json.loads(task.kwargs or "{}")
        rows.append({"task": task, "kwargs": kwargs, "scope": SCOPES.get(kwargs.get("scope", "all"), "")})
    return rows


@requires(RULES, "governance.configure")
@require_http_methods(["GET", "POST"])
def pack_schedules(request, pk: int | None = None):
    from django_celery_beat.models import PeriodicTask

    task = None
    if pk is not None:
        try:
            task = PeriodicTask.objects.get(pk=pk, task=SCHEDULE_TASK)
        except PeriodicTask.DoesNotExist:
            raise Http404(_("No such schedule.")) from None
    initial = (
        _schedule_initial(task)
        if task
        else {
            "hour": 6,
            "day_of_week": "1",
            "formats": ["pdf", "xlsx"],
            "language": "fr",
            "enabled": True,
            "scope": "all",
        }
    )
    form = ScheduleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                schedule_save(actor=request.user, task=task, data=form.cleaned_data, scope_id=form.scope_id())
            except DomainValidationError as error:
                for field, field_errors in error.message_dict.items():
                    for message in field_errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Schedule saved."))
                return redirect("governance:pack_schedules")
        status = 400
    return render(
        request,
        "governance/steering_pack_schedules.html",
        {"form": form, "rows": _schedule_rows(), "editing": task},
        status=status,
    )
