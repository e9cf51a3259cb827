"""``{% weather_badge value %}``: the weather of a flash report as an icon and its word (never colour
alone: the icon's shape and the word carry the meaning); ``{% trend_badge value %}``: an arrow and its word.
"""

from collections.abc import Callable

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from governance.models import Trend, Weather

register = template.Library()

ICONS = {"sunny": "sun", "cloudy": "cloud", "rainy": "rain", "stormy": "storm"}
ARROWS = {"better": "↗", "same": "→", "worse": "↘", "new": "•"}

# The weather's HTML depends only on the value, the options and the language (and the static files'
# URLs): lists and the steering map show it hundreds of times a page, so it is built once per key.
# Tests that change the static settings clear it (setting_changed).
_HTML: dict[tuple, SafeString] = {}


def memoized(kind: str, value, *options, build: Callable[[], SafeString]) -> SafeString:
    """`build()`'s HTML for a weather `value` (any value not a weather reads as none: the keys stay few)."""
    try:
        key = (kind, get_language(), value if value in ICONS else None, *options)
        html = _HTML.get(key)
    except TypeError:  # an unhashable option: built each time
        return build()
    if html is None:
        html = _HTML[key] = build()
    return html


@receiver(setting_changed)
def _static_settings_changed(*, setting, **kwargs):
    if setting in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE", "LANGUAGES"):
        _HTML.clear()


@register.simple_tag
def weather_badge(value, size: str = ""):
    return memoized("badge", value, size, build=lambda: _weather_badge(value, size))


def _weather_badge(value, size: str) -> SafeString:
    if not value or value not in ICONS:
        from django.utils.translation import gettext as _

        if size == "small":  # in a table cell: a dash, the words for screen readers
            return format_html(
                '<span class="weather weather--none"><span aria-hidden="true">—</span>'
                '<span class="visually-hidden">{}</span></span>',
                _("No weather yet"),
            )
        return format_html('<span class="weather weather--none">{}</span>', _("No weather yet"))
    modifier = " weather--small" if size == "small" else ""
    return format_html(
        '<span class="weather weather--{}{}">'
        # The word is beside the icon: the icon is hidden from assistive technologies, its alt text is
        # for the tagged PDF (PDF/UA wants every image described).
        '<img class="weather__icon" src="{}" alt="{}" aria-hidden="true" width="20" height="20">'
        '<span class="weather__label">{}</span></span>',
        value,
        modifier,
        static(f"img/weather/{ICONS[value]}.svg"),
        Weather(value).label,
        Weather(value).label,
    )


@register.simple_tag
def trend_badge(value):
    if not value or value not in ARROWS:
        return ""
    return format_html(
        '<span class="trend trend--{}"><span aria-hidden="true">{}</span> {}</span>',
        value,
        ARROWS[value],
        Trend(value).label,
    )


@register.simple_tag
def weather_icon(value):
    """The icon alone, with its word as alt text (for the compact history strip)."""
    if not value or value not in ICONS:
        return format_html('<span class="weather-dot" aria-hidden="true">—</span>')
    return format_html(
        '<img class="weather__icon" src="{}" alt="{}" title="{}" width="20" height="20">',
        static(f"img/weather/{ICONS[value]}.svg"),
        Weather(value).label,
        Weather(value).label,
    )
