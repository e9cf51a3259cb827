"""End-to-end tests in the system's headless Chromium, against pytest-django's live server.

Chromium comes from Debian (`apt-get install chromium`), never from `playwright install`.
Where it is absent the whole package is skipped, unless PILOTIS_REQUIRE_BROWSER=1 (CI), in
which case every test fails instead, so a broken CI image cannot pass silently.
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.helpers import PASSWORD, build_world

# Playwright's sync API runs an event loop in the test thread; Django's ORM then refuses to run
# in "an async context" unless told it is safe (it is: the loop never runs our ORM code).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these, Chromium floods the closed network with refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def _chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _browser_required() -> bool:
    return os.environ.get("PILOTIS_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _chromium_available():
    if _chromium_path() is None:
        reason = (
            "Chromium is not installed (apt-get install -y chromium): browser tests need /usr/bin/chromium"
        )
        if _browser_required():
            pytest.fail(f"PILOTIS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, _chromium_available):
    return {**browser_type_launch_args, "executable_path": _chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "en-GB",
        "timezone_id": "Europe/Paris",
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
    }


@dataclass
class ConsoleErrors:
    """Console errors and uncaught exceptions of every page of a test; none may be left at the end.

    A CSP violation (an inline script, a CDN) shows up here as a console error.
    """

    messages: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda msg: self._console(msg))
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))

    def _console(self, msg) -> None:
        if msg.type == "error":
            location = msg.location or {}
            self.messages.append(f"console error: {msg.text} ({location.get('url', '')})")

    def allow(self, pattern: str) -> None:
        """Tolerate errors matching `pattern` (a refused request the test provokes on purpose)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]


@pytest.fixture
def console_errors():
    errors = ConsoleErrors()
    yield errors
    unexpected = errors.unexpected()
    assert not unexpected, "errors in the browser console:\n" + "\n".join(unexpected)


@pytest.fixture
def context(new_context):
    context = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(context, console_errors):
    page = context.new_page()
    console_errors.watch(page)
    return page


@pytest.fixture
def new_page(context, console_errors):
    """Another page in the same browser context, watched like `page`."""

    def _new_page():
        extra = context.new_page()
        console_errors.watch(extra)
        return extra

    return _new_page


@pytest.fixture
def world(transactional_db, live_server):
    """The shared small portfolio, committed so the live server's thread sees it."""
    return build_world()


def _login(page, username: str, password: str = PASSWORD, *, expect_success: bool = True) -> None:
    """Sign in through the login form, as a user would."""
    page.goto(reverse("login"))
    form = page.locator("form:has(input[name='password'])")
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(password)
    form.locator("[type='submit']").click()
    if expect_success:
        page.wait_for_url(lambda url: reverse("login") not in url)
    else:
        page.wait_for_load_state()


def _login_fast(context, live_server, user) -> None:
    """Sign in by planting a session cookie (for tests whose subject is not the login form)."""
    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie.value, "url": live_server.url}]
    )


@pytest.fixture
def signed_in(page, context, live_server, world):
    """(page, world) with the page signed in as `username` through the session cookie."""

    def _signed_in(username: str):
        _login_fast(context, live_server, world.user(username))
        return page

    return _signed_in


@pytest.fixture
def login():
    """login(page, username, password=..., expect_success=True): sign in through the form."""
    return _login


@pytest.fixture(autouse=True)
def _clear_cache():
    """The login throttle counts attempts in the cache: one test's attempts must not block another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def eager_tasks():
    """No worker in browser tests: a task runs when its message is sent (after the request's commit)."""
    from ppm.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
