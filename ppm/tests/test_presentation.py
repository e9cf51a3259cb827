"""Tones declared on the choices, one badge fragment, one palette for pages, charts and PDFs."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import models
from django.template import Context, Template
from django.utils import translation

from ppm import presentation
from ppm.models import User
from ppm.presentation import PALETTE, Tone, colour_for, declare_tones, tone_for
from ppm.roles import Role

BASE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "base.css"


class Weather(models.TextChoices):
    SUNNY = "sunny", "Sunny"
    CLOUDY = "cloudy", "Cloudy"
    STORMY = "stormy", "Stormy"


@pytest.fixture
def role_tones():
    declare_tones(Role, {Role.ADMINISTRATOR: Tone.DANGER, Role.READER: Tone.INFO})
    yield
    presentation._TONES.pop(Role, None)
    presentation._FIELD_CHOICES.clear()


def test_tones_are_declared_on_the_choices():
    declare_tones(Weather, {Weather.SUNNY: Tone.SUCCESS, Weather.STORMY: Tone.DANGER})
    assert tone_for(Weather, Weather.SUNNY) is Tone.SUCCESS
    assert tone_for(Weather, "stormy") is Tone.DANGER
    assert tone_for(Weather, Weather.CLOUDY) is Tone.NEUTRAL  # not declared
    assert colour_for(Weather, "sunny") == PALETTE[Tone.SUCCESS]


def test_a_tone_for_an_unknown_value_is_refused():
    with pytest.raises(ValueError, match="rainy"):
        declare_tones(Weather, {"rainy": Tone.INFO})


def test_the_css_variables_are_the_palette():
    css = BASE_CSS.read_text(encoding="utf-8")
    variables = dict(re.findall(r"--tone-([a-z]+):\s*(#[0-9a-f]{6})", css))
    assert variables == {tone.value: colour for tone, colour in PALETTE.items()}


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("tone", list(Tone))
def test_white_text_reads_on_every_tone(tone):
    contrast = (1.05) / (_luminance(PALETTE[tone]) + 0.05)
    assert contrast >= 4.5, f"{tone}: {contrast:.2f}"


@pytest.mark.django_db
def test_the_badge_writes_the_label_with_the_tone(role_tones):
    user = User(username="x", role=Role.ADMINISTRATOR)
    with translation.override("en"):
        html = Template('{% load presentation %}{% badge user "role" %}').render(Context({"user": user}))
    assert 'class="badge badge--danger"' in html
    assert 'data-value="admin"' in html
    assert ">Administrator</span>" in html  # the colour is never alone


def test_badge_for_a_value_whose_tone_the_view_knows():
    html = Template("{% load presentation %}{% badge_for value label tone %}").render(
        Context({"value": "<x>", "label": "<b>Late</b>", "tone": "warning"})
    )
    assert 'class="badge badge--warning"' in html
    assert "&lt;b&gt;Late&lt;/b&gt;" in html


def test_tone_css_gives_pdfs_the_same_palette():
    css = Template("{% load presentation %}{% tone_css %}").render(Context())
    for tone, colour in PALETTE.items():
        assert f".tone-{tone.value} {{ background: {colour};" in css


@pytest.mark.parametrize("language", ["en", "fr"])
def test_floatformat2_writes_what_djangos_floatformat_writes(language):
    from decimal import Decimal

    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from ppm.presentation import floatformat2

    values = [
        Decimal("0"),
        Decimal("0.00"),
        Decimal("-0.00"),
        Decimal("1"),
        Decimal("1.5"),
        Decimal("1.50"),
        Decimal("-1.25"),
        Decimal("0.01"),
        Decimal("-0.01"),
        Decimal("12345678.90"),
        Decimal("100.00"),
        Decimal("1E+2"),
        Decimal("2.5E+1"),
        Decimal("1.005"),
        Decimal("0.125"),
        Decimal("-2.675"),
        Decimal("999999999999999.99"),
        Decimal("1E+20"),
        Decimal("NaN"),
        Decimal("Infinity"),
        0,
        3,
        -7,
        1.5,
        2.675,
        0.1 + 0.2,
        None,
        "",
        "abc",
        "1.5",
    ]
    values += [Decimal(n) / 100 for n in range(-1000, 1001, 7)]
    with translation.override(language):
        for value in values:
            assert floatformat2(value) == str(floatformat(value, "-2")), value


def test_floatformat2_groups_thousands_when_the_settings_ask_for_it(settings):
    from decimal import Decimal

    from django.template.defaultfilters import floatformat

    from ppm.presentation import floatformat2

    settings.USE_THOUSAND_SEPARATOR = True
    for language in ("en", "fr"):
        with translation.override(language):
            assert floatformat2(Decimal("12345.50")) == str(floatformat(Decimal("12345.50"), "-2"))
