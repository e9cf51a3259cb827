"""Template tags of the baselines and calendar feeds: panels included in pages owned by other views
(the project page's milestone trend, the feeds panels of the profile and project pages)."""

from django import template

register = template.Library()


@register.inclusion_tag("portfolio/baselines/partials/milestone_trend.html", takes_context=True)
def milestone_trend(context, project):
    from portfolio.scheduling.baseline_views import trend_context

    return {"project": project, "request": context.get("request"), **trend_context(project)}


@register.inclusion_tag("portfolio/baselines/partials/calendar_feeds.html", takes_context=True)
def calendar_feeds(context, project=None):
    from portfolio.scheduling.baseline_views import feeds_context

    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **feeds_context(request, project=project),
    }


@register.filter
def absolute(value):
    """|value| (drift sentences say "3 days early", not "-3 days early")."""
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return value


@register.filter
def signed(value):
    """A drift as read: "+3", "-2", "0"."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return f"{number:+d}" if number else "0"
