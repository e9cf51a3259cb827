"""Template tags of the steering part: a private weather icon (until the flash part's `{% weather_badge %}`
is merged: the integrator unifies them), alert messages in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from governance.models import Weather

register = template.Library()

CLOUD = "M7 17h10a4 4 0 0 0 .4-8A5.5 5.5 0 0 0 6.8 10.5 3.3 3.3 0 0 0 7 17z"
# Distinct shapes (not colour alone): a sun, a cloud, a cloud with rain, a cloud with a bolt.
SHAPES = {
    Weather.SUNNY: (
        "#8a5a00",
        '<circle cx="12" cy="12" r="4.5" fill="currentColor"/>'
        '<g stroke="currentColor" stroke-width="2" stroke-linecap="round">'
        '<path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1'
        'M4.9 19.1 7 17M17 7l2.1-2.1"/></g>',
    ),
    Weather.CLOUDY: ("#4b5563", f'<path d="{CLOUD}" fill="currentColor"/>'),
    Weather.RAINY: (
        "#0b5f8a",
        '<path d="M7 14h10a4 4 0 0 0 .4-8A5.5 5.5 0 0 0 6.8 7.5 3.3 3.3 0 0 0 7 14z" fill="currentColor"/>'
        '<g stroke="currentColor" stroke-width="2" stroke-linecap="round">'
        '<path d="M8 17l-1 4M12 17l-1 4M16 17l-1 4"/></g>',
    ),
    Weather.STORMY: (
        "#a4262c",
        '<path d="M7 13h10a4 4 0 0 0 .4-8A5.5 5.5 0 0 0 6.8 6.5 3.3 3.3 0 0 0 7 13z" fill="currentColor"/>'
        '<path d="M13 13l-4 6h3l-1 4 5-7h-3l1-3z" fill="#1b1f24"/>',
    ),
}


def weather_svg(value: str, *, size: int = 20) -> SafeString:
    shape = SHAPES.get(Weather(value)) if value in Weather.values else None
    if shape is None:
        return mark_safe("")
    colour, body = shape
    return format_html(
        '<svg class="steering-weather__icon" width="{}" height="{}" viewBox="0 0 24 24" aria-hidden="true" '
        'focusable="false">{}</svg>',
        size,
        size,
        mark_safe(body.replace("currentColor", colour)),  # noqa: S308 - constant markup above
    )


@register.simple_tag
def steering_weather(value: str, *, text: bool = True, size: int = 20) -> SafeString:
    """The weather's icon and word (`text=False`: the word only for screen readers)."""
    label = dict(Weather.choices).get(value)
    if label is None:
        return format_html('<span class="steering-weather steering-weather--none">{}</span>', "—")
    word_class = "steering-weather__word" if text else "visually-hidden"
    return format_html(
        '<span class="steering-weather steering-weather--{}">{}<span class="{}">{}</span></span>',
        value,
        weather_svg(value, size=size),
        word_class,
        label,
    )


@register.filter
def alert_text(alert) -> str:
    from governance.alerts import alert_message

    return alert_message(alert)


@register.filter
def rule_label(code: str) -> str:
    from governance.alerts import rule_label as label

    return label(code)


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def may_acknowledge(user, alert) -> bool:
    from governance.permissions import RULES

    return bool(user and user.is_authenticated and RULES.allows(user, "alert.acknowledge", alert))
