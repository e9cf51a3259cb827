"""Template tags of the steering part: the weather (the flash reports' icons, one set for every page and
PDF), alert messages in the reader's language."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from governance.models import Weather
from governance.templatetags.weather import ICONS, memoized

register = template.Library()


@register.simple_tag
def steering_weather(value: str, *, text: bool = True, size: int = 20) -> SafeString:
    """The weather's icon (governance/templatetags/weather.py's set) and word (`text=False`: the word only
    for screen readers)."""
    return memoized("steering", value, text, size, build=lambda: _steering_weather(value, text, size))


def _steering_weather(value: str, text: bool, size: int) -> SafeString:
    label = dict(Weather.choices).get(value)
    if label is None:
        return format_html('<span class="steering-weather steering-weather--none">{}</span>', "—")
    word_class = "steering-weather__word" if text else "visually-hidden"
    return format_html(
        '<span class="steering-weather steering-weather--{}">'
        # The word is beside the icon: hidden from assistive technologies, its alt text is for the tagged
        # PDF (PDF/UA wants every image described).
        '<img class="steering-weather__icon" src="{}" alt="{}" aria-hidden="true" width="{}" height="{}">'
        '<span class="{}">{}</span></span>',
        value,
        static(f"img/weather/{ICONS[value]}.svg"),
        label,
        size,
        size,
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
