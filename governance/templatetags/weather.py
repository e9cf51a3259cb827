"""``{% weather_badge value %}``: the weather of a flash report as an icon and its word (never colour
alone: the icon's shape and the word carry the meaning); ``{% trend_badge value %}``: an arrow and its word.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from governance.models import Trend, Weather

register = template.Library()

ICONS = {"sunny": "sun", "cloudy": "cloud", "rainy": "rain", "stormy": "storm"}
ARROWS = {"better": "↗", "same": "→", "worse": "↘", "new": "•"}


@register.simple_tag
def weather_badge(value, size: str = ""):
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
