"""The weather tags build each HTML once per value, options and language, and follow the static settings."""

from django.test import override_settings
from django.utils import translation

from governance.templatetags.steering_tags import steering_weather
from governance.templatetags.weather import weather_badge


def test_weather_html_follows_the_language_and_the_static_settings():
    with translation.override("en"):
        english = weather_badge("sunny", "small")
        assert english == weather_badge("sunny", "small")
        steering_en = steering_weather("stormy", text=False, size=14)
    with translation.override("fr"):
        french = weather_badge("sunny", "small")
        steering_fr = steering_weather("stormy", text=False, size=14)
    assert english != french and "Sunny" in english and "Ensoleillé" in french
    assert steering_en != steering_fr and 'width="14"' in steering_en and "visually-hidden" in steering_en
    with override_settings(STATIC_URL="/elsewhere/"), translation.override("en"):
        assert 'src="/elsewhere/img/weather/sun.svg"' in weather_badge("sunny", "small")
    with translation.override("en"):
        assert weather_badge("sunny", "small") == english
        # Anything that is not a weather reads as none, whatever it is.
        assert weather_badge("not-a-weather") == weather_badge("") == weather_badge(None)
