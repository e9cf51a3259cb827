"""E-mails are written to each person in their language, with links that work outside the browser."""

import pytest
from django.urls import reverse

from ppm.mail import by_language, site_url, user_language
from ppm.models import User

pytestmark = pytest.mark.django_db


def test_user_language_is_theirs_else_the_fallback_else_the_sites(make_user, settings):
    settings.LANGUAGE_CODE = "en"
    french, unset = make_user("reader"), make_user("reader")
    french.language = "fr"
    assert user_language(french) == "fr"
    assert user_language(unset) == "en"
    assert user_language(unset, fallback="fr") == "fr"
    unset.language = "de"  # not a language of the site (an old value, an admin's typo)
    assert user_language(unset, fallback="xx") == "en"
    assert list(by_language([unset, french, make_user("reader")])) == ["en", "fr"]


def test_site_url_is_absolute(settings):
    settings.PILOTIS_SITE_URL = "https://pilotis.example.org/"
    assert site_url("/projects/3/") == "https://pilotis.example.org/projects/3/"
    assert site_url("jobs/4/") == "https://pilotis.example.org/jobs/4/"
    assert site_url() == "https://pilotis.example.org"


def test_the_language_switch_remembers_a_signed_in_persons_choice(client, make_user):
    user = make_user("reader")
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302  # anonymous: the cookie only
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "fr"
    assert User.objects.get(pk=user.pk).language == "fr"
    client.post(reverse("set_language"), {"language": "klingon", "next": "/"})
    assert User.objects.get(pk=user.pk).language == "fr"
    page = client.get(reverse("profile")).content.decode()
    assert "Français" in page or "French" in page
    assert client.get(reverse("set_language")).status_code == 405
