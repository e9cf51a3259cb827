"""The console guard of every browser test can fail: an inline script under the app's CSP is
reported as a console error (so templates with inline code are caught by any test)."""

from django.conf import settings


def test_inline_script_is_reported_as_a_console_error(page, live_server, console_errors):
    html = (
        "<!doctype html><html lang='en'><title>probe</title><link rel='icon' href='data:,'>"
        "<script>window.ran = true;</script></html>"
    )
    page.route(
        "**/__csp_probe__",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": settings.CONTENT_SECURITY_POLICY},
            body=html,
        ),
    )
    page.goto(f"{live_server.url}/__csp_probe__")

    assert page.evaluate("() => window.ran === undefined"), "the CSP let an inline script run"
    assert any("Content Security Policy" in message for message in console_errors.messages), (
        console_errors.messages
    )
    console_errors.allow("Content Security Policy")
