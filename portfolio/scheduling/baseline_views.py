"""Pages of baselines (project and portfolio: list, take, compare) and of the iCalendar feeds.

Views validate input, call one service or selector, and render. Domain errors become messages.
"""

from __future__ import annotations

import html

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portfolio import permissions, selectors
from portfolio.scheduling import baselines, ical
from portfolio.scheduling.drift import Trend
from ppm.exceptions import DomainError


def _int_or_none(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _error_message(request, error: DomainError) -> None:
    field_errors = getattr(error, "field_errors", None) or {}
    text = " ".join(m for msgs in field_errors.values() for m in msgs) or str(error)
    messages.error(request, text)


# --------------------------------------------------------------------------------- project pages


@login_required
@require_GET
def project_baselines(request, pk: int):
    """The project's baselines, the form to take one, and a comparison (?a=<id>&with=<id>|today)."""
    project = selectors.project_get_for_user(user=request.user, pk=pk)
    if not permissions.can_view_project(request.user, project):
        raise PermissionDenied
    items = list(baselines.baseline_list(project))
    comparison = None
    reference_id = _int_or_none(request.GET.get("a"))
    other_value = request.GET.get("with") or baselines.TODAY
    if reference_id is None and items and "a" not in request.GET:
        reference_id = items[0].pk  # the latest baseline against today, by default
    reference = next((b for b in items if b.pk == reference_id), None)
    if reference is not None:
        reference.project = project
        other = next((b for b in items if str(b.pk) == other_value), None)
        if other_value != baselines.TODAY and other is None:
            other_value = baselines.TODAY
        comparison = baselines.baseline_compare(reference=reference, other=other)
    elif "a" in request.GET:
        messages.warning(request, _("Choose a baseline of this project to compare."))
    return render(
        request,
        "portfolio/baselines/project_baselines.html",
        {
            "project": project,
            "baselines": items,
            "comparison": comparison,
            "reference_id": reference.pk if reference else None,
            "other_value": other_value,
            "can_take": baselines.can_take_baseline(request.user, project),
            "can_change": baselines.can_change_baseline(request.user),
        },
    )


@login_required
@require_POST
def baseline_take(request, pk: int):
    project = selectors.project_get_for_user(user=request.user, pk=pk)
    try:
        baseline = baselines.baseline_take(
            actor=request.user,
            project=project,
            name=request.POST.get("name", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(str(error)) from None
        _error_message(request, error)
        return redirect("portfolio:project_baselines", pk=project.pk)
    messages.success(request, _("Baseline “%(name)s” saved.") % {"name": baseline.name})
    return redirect("portfolio:project_baselines", pk=project.pk)


@login_required
@require_POST
def baseline_rename(request, baseline_pk: int):
    baseline = baselines.baseline_get(pk=baseline_pk)
    try:
        baselines.baseline_rename(
            actor=request.user,
            baseline=baseline,
            name=request.POST.get("name", ""),
            note=request.POST.get("note"),
        )
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(str(error)) from None
        _error_message(request, error)
    return redirect("portfolio:project_baselines", pk=baseline.project_id)


@login_required
@require_POST
def baseline_delete(request, baseline_pk: int):
    baseline = baselines.baseline_get(pk=baseline_pk)
    try:
        baselines.baseline_delete(actor=request.user, baseline=baseline)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(str(error)) from None
        _error_message(request, error)
    else:
        messages.success(request, _("Baseline “%(name)s” deleted.") % {"name": baseline.name})
    return redirect("portfolio:project_baselines", pk=baseline.project_id)


# ------------------------------------------------------------------------------- portfolio pages


@login_required
@require_GET
def portfolio_baselines(request):
    items = list(baselines.portfolio_baseline_list())
    rows = None
    reference_id = _int_or_none(request.GET.get("a"))
    if reference_id is None and items and "a" not in request.GET:
        reference_id = items[0].pk
    reference = next((b for b in items if b.pk == reference_id), None)
    other_value = request.GET.get("with") or baselines.TODAY
    if reference is not None:
        other = next((b for b in items if str(b.pk) == other_value), None)
        if other is None:
            other_value = baselines.TODAY
        rows = baselines.portfolio_baseline_compare(reference=reference, other=other)
    return render(
        request,
        "portfolio/baselines/portfolio_baselines.html",
        {
            "baselines": items,
            "rows": rows,
            "reference": reference,
            "reference_id": reference.pk if reference else None,
            "other_value": other_value,
            "can_take": baselines.can_take_portfolio_baseline(request.user),
            "can_change": baselines.can_change_baseline(request.user),
        },
    )


@login_required
@require_POST
def portfolio_baseline_take(request):
    try:
        baseline = baselines.portfolio_baseline_take(
            actor=request.user, name=request.POST.get("name", ""), note=request.POST.get("note", "")
        )
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(str(error)) from None
        _error_message(request, error)
        return redirect("portfolio:portfolio_baselines")
    messages.success(request, _("Baseline “%(name)s” saved.") % {"name": baseline.name})
    return redirect("portfolio:portfolio_baselines")


@login_required
@require_POST
def portfolio_baseline_delete(request, baseline_pk: int):
    baseline = baselines.portfolio_baseline_get(pk=baseline_pk)
    try:
        baselines.portfolio_baseline_delete(actor=request.user, baseline=baseline)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(str(error)) from None
        _error_message(request, error)
    else:
        messages.success(request, _("Baseline “%(name)s” deleted.") % {"name": baseline.name})
    return redirect("portfolio:portfolio_baselines")


# ----------------------------------------------------------------------- milestone trend (chart)


def trend_figure(trend: Trend) -> dict:
    """The Plotly figure of the milestone trend: x = when the plan was saved, y = the milestone's date.

    Milestone names are user text: escaped for Plotly (which reads a subset of HTML in trace names)."""
    data = []
    for _key, name, dates in trend.series:
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": html.escape(name, quote=False),
                "x": [d.isoformat() for d in trend.taken_on],
                "y": [d.isoformat() if d else None for d in dates],
                "text": [html.escape(label, quote=False) for label in trend.labels],
                "hovertemplate": "%{text}<br>%{y|%d/%m/%Y}<extra>%{fullData.name}</extra>",
                "connectgaps": False,
            }
        )
    return {
        "data": data,
        "layout": {
            "xaxis": {"type": "date", "title": {"text": _("Date of the plan")}, "tickformat": "%d/%m/%Y"},
            "yaxis": {"type": "date", "title": {"text": _("Milestone date")}, "tickformat": "%d/%m/%Y"},
            "legend": {"orientation": "h", "y": -0.25},
            "margin": {"l": 96, "r": 16, "t": 12, "b": 64},
        },
    }


def trend_context(project) -> dict:
    trend = baselines.milestone_trend(project)
    rows = [(name, dates) for _key, name, dates in trend.series]
    return {
        "trend": trend,
        "trend_rows": rows,
        "trend_figure": trend_figure(trend) if trend.series and len(trend.labels) > 1 else None,
    }


# --------------------------------------------------------------------------------- calendar feeds


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
@require_POST
def feed_token_create(request):
    scope = request.POST.get("scope", "")
    project = None
    if scope == ical.FeedScope.PROJECT:
        project_id = _int_or_none(request.POST.get("project"))
        if project_id is None:
            raise Http404
        project = selectors.project_get_for_user(user=request.user, pk=project_id)
    try:
        _token, raw = ical.feed_token_create(actor=request.user, scope=scope, project=project)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(str(error)) from None
        _error_message(request, error)
    else:
        url = request.build_absolute_uri(reverse("portfolio:calendar_feed", kwargs={"token": raw}))
        # The clear URL is shown once: only its digest is stored.
        request.session["new_feed_url"] = url
        messages.success(
            request, _("Calendar feed created. Copy its address now: it will not be shown again.")
        )
    return redirect(_safe_next(request, reverse("profile")))


@login_required
@require_POST
def feed_token_revoke(request, token_pk: int):
    ical.feed_token_revoke(actor=request.user, token_id=token_pk)
    messages.success(request, _("Calendar feed revoked: its address no longer works."))
    return redirect(_safe_next(request, reverse("profile")))


@require_GET
def calendar_feed(request, token: str):
    """The feed behind a private token (no sign-in: a calendar client cannot sign in). 404 when the
    token is unknown or revoked."""
    feed_token = ical.feed_token_resolve(token)
    body = ical.feed_for_token(feed_token, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="pilotis.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def feeds_context(request, *, project=None) -> dict:
    """What the feeds panel shows (profile page: every feed of the user; project page: that project's)."""
    return {
        "feed_tokens": list(ical.feed_tokens_for(request.user, project=project)),
        "new_feed_url": request.session.pop("new_feed_url", None),
        "feed_project": project,
    }
