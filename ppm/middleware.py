import time

from django.conf import settings


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy (no inline scripts) and Permissions-Policy headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class SlidingSessionMiddleware:
    """The inactivity timeout (SESSION_COOKIE_AGE) without a session write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST rewrites the session row on each page view: an UPDATE per page,
    which on SQLite takes the database's write lock. Here the expiry (row and cookie) is pushed back
    only when the last push is at least SESSION_REFRESH_SECONDS old, so a session still ends between
    `SESSION_COOKIE_AGE − SESSION_REFRESH_SECONDS` and `SESSION_COOKIE_AGE` after the last request.
    Requests without a session (no cookie, nobody signed in) create none. Sits inside
    SessionMiddleware, which saves what this marks as modified."""

    KEY = "_pilotis_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        refreshed = session.get(self.KEY)
        if session.is_empty():  # the cookie named a session that has ended: do not start another
            return response
        if not isinstance(refreshed, int) or now - refreshed >= settings.SESSION_REFRESH_SECONDS:
            session[self.KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response


def session_fresh_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in has just saved the session: its expiry needs no push before the next interval (the
    first pages after signing in write nothing). Connected to `user_logged_in` (ppm.apps)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SlidingSessionMiddleware.KEY] = int(time.time())
