"""ppm.pdf: the PDF renderer fetches the application's static files and nothing else."""

import http.server
import shutil
import subprocess
import threading

import pytest

from ppm.pdf import BASE_URL, RefusedURL, render_pdf, static_file_for

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def http_server():
    """A local HTTP server that records the paths it was asked for and serves a stylesheet."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            body = b'p::after { content: " FROM-NETWORK"; }'
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def static_dir(settings, tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "pdftest.css").write_text('p::before { content: "FROM-STATIC "; }')
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(folder)]
    return folder


@needs_poppler
def test_only_static_files_are_fetched(http_server, static_dir, tmp_path):
    url, hits = http_server
    secret = tmp_path / "secret.css"
    secret.write_text('p::after { content: " FROM-DISK"; }')
    html = f"""<!doctype html><html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="/static/pdftest.css">
      <link rel="stylesheet" href="{url}/evil.css">
      <link rel="stylesheet" href="file://{secret}">
      <style>@import url("{url}/imported.css");</style>
      </head><body><p>Hello</p><img src="{url}/pixel.png" alt="x"><img src="file:///etc/passwd" alt="y">
      </body></html>"""

    text = pdf_text(render_pdf(html))

    assert "FROM-STATIC Hello" in text
    assert "FROM-NETWORK" not in text and "FROM-DISK" not in text
    assert hits == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/static/css/app.css",  # another origin
        "file:///etc/passwd",
        BASE_URL + "media/reports/sheet.pdf",  # not under STATIC_URL
        BASE_URL + "static/../ppm/settings.py",
        BASE_URL + "static/%2e%2e/ppm/settings.py",
        BASE_URL + "static//etc/passwd",
        BASE_URL + "static/css/missing.css",
        "data:text/css,p{}",
    ],
)
def test_refused_urls(url):
    with pytest.raises(RefusedURL):
        static_file_for(url)


def test_the_applications_static_files_are_found():
    assert static_file_for(BASE_URL + "static/css/app.css").name == "app.css"


@needs_poppler
def test_pdf_is_tagged_pdf_ua():
    data = render_pdf(
        '<!doctype html><html lang="fr"><head><title>Fiche</title></head><body><p>x</p></body></html>'
    )
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "Tagged:          yes" in info
    assert "Title:           Fiche" in info


def test_weasyprint_steps_and_pages_are_not_logged():
    """WeasyPrint logs every step and page of every PDF at INFO: workers building report packs (and
    `make bench`) printed ~90 lines a pack. Its warnings (a missing font, a bad CSS rule) still show."""
    import logging

    progress = logging.getLogger("weasyprint.progress")
    assert not progress.isEnabledFor(logging.INFO)
    assert progress.isEnabledFor(logging.WARNING)
