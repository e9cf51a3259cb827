"""How a coded value looks: the tone of each choice and the one palette of pages, charts and PDFs.

An app declares the tone of each value of its choices once, next to them::

    declare_tones(ProjectStatus, {ProjectStatus.DEMAND: Tone.NEUTRAL, ...})

Then the badge fragment (`{% badge instance "status" %}` or `{% badge_for value label tone %}`, in
`badge_html`), the charts (ppm.charts) and the PDFs (`{% tone_css %}`) show that value with
the tone's colour and always with its label: the colour is never the only carrier of the meaning.

The same colours are the CSS variables `--tone-<name>` of static/css/base.css (a test keeps them equal).
Every tone colour carries white text at a contrast ratio of at least 4.5:1 (WCAG 2.1 AA).
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.db import models
from django.template.defaultfilters import floatformat
from django.utils import formats
from django.utils.html import format_html
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString


class Tone(StrEnum):
    """What a value means to the reader, whatever the app."""

    NEUTRAL = "neutral"  # waiting, not started
    INFO = "info"  # decided, planned
    ACCENT = "accent"  # being prepared, under study
    SUCCESS = "success"  # running well, done well
    WARNING = "warning"  # paused, needs attention
    DANGER = "danger"  # stopped, refused, late
    DONE = "done"  # finished, archived


# The one palette. Pages read it as CSS variables (static/css/base.css), charts and PDFs from here.
PALETTE: dict[Tone, str] = {
    Tone.NEUTRAL: "#5a6570",
    Tone.INFO: "#0b6e99",
    Tone.ACCENT: "#6a4fb3",
    Tone.SUCCESS: "#1d7a3b",
    Tone.WARNING: "#a35200",
    Tone.DANGER: "#a4262c",
    Tone.DONE: "#2b3a67",
}

# Colours of categories that carry no meaning of their own (strategic axes, directorates): distinct,
# all with white text at ≥ 4.5:1 and at ≥ 3:1 against the white page.
SERIES_COLOURS: tuple[str, ...] = (
    "#1f3b63",
    "#0b6e99",
    "#6a4fb3",
    "#1d7a3b",
    "#a35200",
    "#8a2c5c",
    "#3d5a1e",
    "#5a6570",
)
PRIMARY = "#1f3b63"


def badge_html(value, label, tone: Tone | str) -> SafeString:
    """The one badge of a coded value (status, weather, state): its label always written, its tone's
    colour behind it. Built in Python, not from a template: lists show one per row."""
    return format_html(
        '<span class="badge badge--{}" data-value="{}">{}</span>', Tone(tone).value, value, label
    )


_TONES: dict[type[models.Choices], dict[str, Tone]] = {}
_FIELD_CHOICES: dict[tuple[str, str], type[models.Choices] | None] = {}
_discovered = False


def autodiscover() -> None:
    """Import every installed app's `presentation` module once: that is where apps declare their tones."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("presentation")


def declare_tones(choices: type[models.Choices], tones: Mapping[str, Tone]) -> type[models.Choices]:
    """Record the tone of each value of `choices`. Values left out read as NEUTRAL."""
    unknown = {str(value) for value in tones} - {str(value) for value in choices.values}
    if unknown:
        raise ValueError(f"{choices.__name__} has no value {sorted(unknown)}")
    _TONES[choices] = {str(value): Tone(tone) for value, tone in tones.items()}
    _FIELD_CHOICES.clear()
    return choices


def tone_for(choices: type[models.Choices], value: object) -> Tone:
    """The declared tone of `value` (NEUTRAL when none was declared)."""
    autodiscover()
    return _TONES.get(choices, {}).get(str(value), Tone.NEUTRAL)


def colour_for(choices: type[models.Choices], value: object) -> str:
    """The palette colour of `value`'s tone."""
    return PALETTE[tone_for(choices, value)]


def choices_of_field(model: type[models.Model], field_name: str) -> type[models.Choices] | None:
    """The declared choices class whose values are those of `model.field_name` (model fields keep
    only the (value, label) pairs, not the class they came from)."""
    autodiscover()
    key = (model._meta.label, field_name)
    if key not in _FIELD_CHOICES:
        field = model._meta.get_field(field_name)
        values = {str(value) for value, _label in (getattr(field, "choices", None) or ())}
        _FIELD_CHOICES[key] = next(
            (choices for choices in _TONES if values and values <= set(map(str, choices.values))), None
        )
    return _FIELD_CHOICES[key]


def tone_of_field(instance: models.Model, field_name: str) -> Tone:
    """The tone of `instance.field_name`'s current value."""
    choices = choices_of_field(type(instance), field_name)
    if choices is None:
        return Tone.NEUTRAL
    return tone_for(choices, getattr(instance, field_name))


def tone_css(prefix: str = "tone") -> str:
    """CSS rules `.{prefix}-<tone> { background; color }` from the palette (for PDFs, which get no
    stylesheet from static/)."""
    return "\n".join(
        f".{prefix}-{tone.value} {{ background: {colour}; color: #ffffff; }}"
        for tone, colour in PALETTE.items()
    )


def legend(choices: type[models.Choices], values: Iterable[str] | None = None) -> list[dict]:
    """[{value, label, tone, colour}] of `choices` in their declared order (for chart legends)."""
    autodiscover()
    labels = dict(choices.choices)
    return [
        {
            "value": str(value),
            "label": str(labels[value]),
            "tone": tone_for(choices, value).value,
            "colour": colour_for(choices, value),
        }
        for value in (values if values is not None else choices.values)
    ]


def floatformat2(value) -> str:
    """Django's ``floatformat(value, "-2")`` (two decimals where there is a fraction, none otherwise,
    the language's decimal mark), written directly for what the database gives: Decimals of at most two
    places (amounts of days, shares). Django's filter converts, quantizes and localizes each one (~10 µs;
    a workload grid shows hundreds). Any other value goes through Django's filter."""
    if type(value) is Decimal and value.is_finite() and not settings.USE_THOUSAND_SEPARATOR:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -2 and abs(value) < 10**15:
            integral = int(value)
            if integral == value:
                return str(integral)
            text = f"{value:.2f}"
            mark = formats.get_format("DECIMAL_SEPARATOR")
            return text if mark == "." else text.replace(".", mark)
    return str(floatformat(value, "-2"))
