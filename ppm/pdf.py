"""PDF rendering for every generated document: WeasyPrint, tagged PDF/UA, no network, no local files.

`render_pdf(html)` is the one way to turn HTML into PDF. WeasyPrint would otherwise fetch every URL the
HTML names (`<img src>`, `url()` in CSS, `@import`): over the network (server-side request forgery from
a user-written text) or from the disk (`file:///etc/passwd` embedded in a PDF). Its `url_fetcher` here
serves the application's own static files (found as `{% static %}` names them) and refuses everything
else, so user text that slips into the markup can never make the renderer fetch anything.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# The origin relative URLs resolve against: `/static/css/x.css` → https://pilotis.invalid/static/css/x.css.
# `.invalid` is reserved (RFC 2606): it can never be a real host.
BASE_URL = "https://pilotis.invalid/"
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """A URL the PDF renderer may not fetch."""


def static_file_for(url: str, *, base_url: str = BASE_URL) -> Path:
    """The static file a URL names, or RefusedURL: only `<base_url origin><STATIC_URL><name>` is served."""
    parts, base = urlsplit(url), urlsplit(base_url)
    static_prefix = urlsplit(settings.STATIC_URL).path or "/static/"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(static_prefix):
        raise RefusedURL(f"Only the application's static files may be used in a PDF, not {url[:200]!r}")
    name = unquote(parts.path[len(static_prefix) :])
    normalised = posixpath.normpath(name)
    if not name or normalised.startswith(("..", "/")) or "\x00" in name or normalised != name:
        raise RefusedURL(f"Not a static file name: {name[:200]!r}")
    found = finders.find(normalised)
    if not found and settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / normalised
        found = str(candidate) if candidate.is_file() else None
    if not found:
        raise RefusedURL(f"No static file {normalised!r}")
    return Path(found if isinstance(found, str) else found[0])


def _fetcher(base_url: str):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves the application's static files; any other URL is refused (WeasyPrint skips it)."""

        def fetch(self, url, headers=None):
            path = static_file_for(url, base_url=base_url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return StaticOnlyFetcher()


def render_pdf(html: str, *, base_url: str = BASE_URL) -> bytes:
    """`html` as a tagged PDF/UA-1 document; only the application's static files are fetched."""
    from weasyprint import HTML  # imported here: only workers pay for loading it

    document = HTML(string=html, base_url=base_url, url_fetcher=_fetcher(base_url))
    return document.write_pdf(pdf_variant=PDF_VARIANT)
