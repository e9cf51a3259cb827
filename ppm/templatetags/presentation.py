"""Template tags of the shared presentation: the one status badge and the palette for PDFs.

{% load presentation %}
{% badge project "status" %}            the badge of a model field with declared tones
{% badge_for value label tone %}        the badge of any value whose tone the view knows
<style>{% tone_css %}</style>           `.tone-<name>` rules from the palette (PDFs)
{{ days|floatformat2 }}                 Django's floatformat:"-2", faster for the database's Decimals
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

from ppm import presentation

register = template.Library()


@register.simple_tag
def badge(instance, field_name: str) -> SafeString:
    display = getattr(instance, f"get_{field_name}_display", None)
    value = getattr(instance, field_name)
    return presentation.badge_html(
        value, display() if display else value, presentation.tone_of_field(instance, field_name)
    )


@register.simple_tag
def badge_for(value, label, tone) -> SafeString:
    return presentation.badge_html(value, label, presentation.Tone(tone or "neutral"))


@register.simple_tag
def tone_css(prefix: str = "tone") -> SafeString:
    return mark_safe(presentation.tone_css(prefix))  # noqa: S308 - built from the fixed palette only


@register.simple_tag
def tone_colour(tone) -> str:
    return presentation.PALETTE[presentation.Tone(tone or "neutral")]


@register.filter
def elided_pages(paginator, number):
    """The page numbers a pagination shows around page `number` (partials/pagination.html)."""
    return paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)


@register.filter(is_safe=True)
def floatformat2(value) -> str:
    return presentation.floatformat2(value)
