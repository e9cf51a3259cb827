"""The API documentation: in the application's frame, titles in the reader's language, linked from the
profile menu and the footer rather than the main menu."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from ppm.api.schema import translate_tags

pytestmark = pytest.mark.django_db


def test_api_docs_page_has_the_application_frame(client, reader_user):
    client.force_login(reader_user)
    response = client.get(reverse("api-docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert '<a class="brand" href="/">' in html  # the way back
    assert f'href="{reverse("profile")}"' in html
    # Swagger UI from the sidecar package; its start-up script is a file, not inline (CSP).
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)


def test_api_docs_link_is_in_the_profile_menu_and_footer_not_the_main_menu(client, reader_user):
    client.force_login(reader_user)
    html = client.get(reverse("profile")).content.decode()
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert reverse("api-docs") not in nav
    menu = html.split('class="user-menu__panel"', 1)[1].split("</ul>", 1)[0]
    assert reverse("api-docs") in menu
    footer = html.split('class="site-footer"', 1)[1]
    assert reverse("api-docs") in footer


def test_schema_section_titles_are_translated(client, reader_user):
    client.force_login(reader_user)
    english = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "Directorates" in [tag["name"] for tag in english["tags"]]
    operation_tags = {tag for path in english["paths"].values() for op in path.values() for tag in op["tags"]}
    assert operation_tags == {tag["name"] for tag in english["tags"]}
    # The hook itself in French (a whole French schema fills drf-spectacular's caches for later tests).
    schema = {"paths": {"/api/v1/directorates/": {"get": {"tags": ["directorates"]}, "parameters": []}}}
    with translation.override("fr"):
        translated = translate_tags(schema, None, None, True)
    assert translated["paths"]["/api/v1/directorates/"]["get"]["tags"] == ["Directions"]
    assert translated["tags"] == [{"name": "Directions"}]
