"""E-mails to people, the same way in every app: links that work outside the browser (absolute, on
``PILOTIS_SITE_URL``) and each recipient's own language (``User.language``, set when they switch
language; the site's language when they never did)."""

from __future__ import annotations

from django.conf import settings


def site_url(path: str = "") -> str:
    """`path` ("/projects/3/") as an absolute address people can open from an e-mail."""
    base = settings.PILOTIS_SITE_URL.rstrip("/")
    if not path:
        return base
    return f"{base}{path}" if path.startswith("/") else f"{base}/{path}"


def is_site_language(code: str) -> bool:
    """Whether `code` is one of the languages Pilotis is written in (settings.LANGUAGES)."""
    return any(code == known for known, _name in settings.LANGUAGES)


def user_language(user, fallback: str | None = None) -> str:
    """The language to write to `user` in: theirs when they chose one, else `fallback`, else the site's."""
    for language in (getattr(user, "language", "") or "", fallback or ""):
        if is_site_language(language):
            return language
    return settings.LANGUAGE_CODE


def by_language(users) -> dict[str, list]:
    """`users` grouped by the language to write to them in, languages in a stable order: a message
    that is the same for everyone is then rendered once per language, not once per person."""
    groups: dict[str, list] = {}
    for user in users:
        groups.setdefault(user_language(user), []).append(user)
    return dict(sorted(groups.items()))
