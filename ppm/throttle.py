"""Rate limits of the account entry points: one sign-in throttle for every way in, and the password reset.

Counters live in the default cache, shared by every process: Redis (CACHE_URL), or the file cache under
var/ by default. Each counter counts attempts per key (a user name, a client address, an e-mail address)
in a fixed window that starts at its first attempt.

**Reserve, then check.** An attempt first *reserves* a slot in each of its counters with an atomic
increment and goes ahead only if every counter stayed within its limit; otherwise its reservations are
given back and it is refused without checking anything. So forty concurrent wrong passwords against a
limit of five check at most five passwords, whatever the timing (a "check the counter, then record the
failure" sequence lets all forty through). The increments are atomic on every supported backend:

* Redis: `add` is `SET NX` and `incr` is `INCRBY`, both atomic on the server;
* the file cache (whose `incr` is a read then a write): every counter update runs under an exclusive
  `fcntl.flock` on a lock file in the cache folder, which serialises the processes and threads of the host;
* the in-memory cache of the tests: a process-wide lock.

**Sign-in.** `ThrottledModelBackend` (AUTHENTICATION_BACKENDS) wraps Django's `ModelBackend`: every call to
`django.contrib.auth.authenticate()` goes through it, so the application's sign-in form, `/admin/login/`,
DRF's basic authentication (`ppm.authentication.ThrottledBasicAuthentication`) and any later entry point
share one throttle. A wrong password keeps its reservation (it is a counted failure); a right one clears
the user name's counter and gives back the address's slot. A refused attempt raises `LoginThrottled`
(a `PermissionDenied`, which `authenticate()` turns into "no user") and leaves the wait on the request;
`LoginThrottleMiddleware` answers such a request 429 with `Retry-After`.

**Client address.** `client_ip()` trusts `X-Forwarded-For` only behind configured proxies
(PILOTIS_TRUSTED_PROXIES, PILOTIS_TRUSTED_PROXY_COUNT); otherwise the peer address is the client.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import ngettext

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the file cache is then not shared safely
    fcntl = None  # type: ignore[assignment]

_PROCESS_LOCK = threading.Lock()
LOCK_FILE_NAME = "pilotis-throttle.lock"

# ------------------------------------------------------------------------------------ client address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _valid_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """The client's address, as far as it can be trusted.

    * No proxy configured (the default): the peer address (`REMOTE_ADDR`); `X-Forwarded-For` is ignored,
      since any client can send one.
    * `PILOTIS_TRUSTED_PROXIES` (addresses or networks): the header is read only when the peer is one of
      them; walking it from the right, trusted proxies are skipped and the first other address is the client.
    * `PILOTIS_TRUSTED_PROXY_COUNT = n`: n proxies each append the address they saw, so the client is the
      n-th entry from the right (entries further left were written by the client itself).
    """
    remote = (request.META.get("REMOTE_ADDR") or "")[:64]
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [entry.strip() for entry in header.split(",") if entry.strip()][-50:]
    networks = _networks(tuple(getattr(settings, "PILOTIS_TRUSTED_PROXIES", ()) or ()))
    count = int(getattr(settings, "PILOTIS_TRUSTED_PROXY_COUNT", 0) or 0)
    if not forwarded or (not networks and count <= 0):
        return remote
    if networks:
        if not _is_trusted(remote, networks):
            return remote
        for entry in reversed(forwarded):
            if not _valid_ip(entry):
                return remote
            if not _is_trusted(entry, networks):
                return entry
        return forwarded[0]
    entry = forwarded[max(len(forwarded) - count, 0)]
    return entry if _valid_ip(entry) else remote


# ------------------------------------------------------------------------------------------ counters


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """Serialise counter updates where the cache's own operations are not atomic (see the module doc)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, FileBasedCache) and fcntl is not None:
        folder = Path(getattr(backend, "_dir"))  # noqa: B009 - private attribute, not in the stubs
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOCK_FILE_NAME, "a+b") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
    elif isinstance(backend, LocMemCache | FileBasedCache):
        with _PROCESS_LOCK:
            yield
    else:  # Redis, Memcached: add() and incr() are atomic on the server
        yield


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Throttle:
    """Counters of attempts per kind of key (e.g. "user", "ip"), each with its limit and window.

    `limits` is called at each use (so settings can change in tests) and returns
    {kind: (attempts allowed, window in seconds)}.
    """

    def __init__(self, name: str, limits: Callable[[], dict[str, tuple[int, int]]]):
        self.name = name
        self.limits = limits

    def key(self, kind: str, value: str) -> str:
        return f"{self.name}-throttle:{kind}:{_digest(value)}"

    def _keys(self, values: dict[str, str]) -> dict[str, str]:
        return {kind: self.key(kind, value) for kind, value in values.items() if value}

    def wait(self, values: dict[str, str]) -> int:
        """Seconds until an attempt with these values may be made; 0 when it may be made now."""
        limits, now, wait = self.limits(), time.time(), 0
        keys = self._keys(values)
        stored = cache.get_many([name for key in keys.values() for name in (key, f"{key}:start")])
        for kind, key in keys.items():
            attempts, window = limits[kind]
            if (stored.get(key) or 0) >= attempts:
                # The window is checked here, not left to the cache's expiry alone: backends expire on
                # their own clock (Redis), and a counter outliving its window must not block.
                remaining = (stored.get(f"{key}:start") or now) + window - now
                if remaining > 0:
                    wait = max(wait, math.ceil(remaining))
        return wait

    def reserve(self, values: dict[str, str]) -> int:
        """Count one attempt in each counter, atomically. Returns 0 when every counter stayed within its
        limit (the attempt may go ahead and stays counted), else the wait in seconds (nothing is counted)."""
        wait = self.wait(values)
        if wait:
            return wait
        limits = self.limits()
        taken: list[tuple[str, int]] = []
        refused = False
        with _exclusive():
            for kind, key in self._keys(values).items():
                attempts, window = limits[kind]
                count = self._increment(key, window)
                taken.append((key, window))
                if count > attempts:
                    refused = True
                    break
            if refused:
                for key, window in taken:
                    self._decrement(key, window)
        if refused:
            return max(1, self.wait(values) or 1)
        return 0

    def release(self, values: dict[str, str], kinds: Iterable[str]) -> None:
        """Give back the slot an attempt reserved (it turned out not to count, e.g. a right password)."""
        limits = self.limits()
        keys = self._keys(values)
        with _exclusive():
            for kind in kinds:
                if kind in keys:
                    self._decrement(keys[kind], limits[kind][1])

    def clear(self, values: dict[str, str], kinds: Iterable[str]) -> None:
        """Forget the counters of these kinds (e.g. the user name's, after a successful sign-in)."""
        keys = self._keys(values)
        cache.delete_many(
            [name for kind in kinds if kind in keys for name in (keys[kind], f"{keys[kind]}:start")]
        )

    @staticmethod
    def _increment(key: str, window: int) -> int:
        now = time.time()
        start_key = f"{key}:start"
        if cache.add(start_key, now, timeout=window):
            started = now
        else:
            started = cache.get(start_key)
            if started is None or started + window <= now:
                # Expired in between, or a stale window the cache has not expired yet: start anew.
                cache.set_many({start_key: now, key: 0}, timeout=window)
                started = now
        remaining = max(1, math.ceil(started + window - now))
        if cache.add(key, 1, timeout=remaining):
            return 1
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=remaining)
            count = 1
        # Keep the window fixed: the file cache's incr() resets the expiry, and on Redis an incr() of a
        # key that expired an instant before creates it without one.
        cache.touch(key, timeout=remaining)
        return count

    @staticmethod
    def _decrement(key: str, window: int) -> None:
        started = cache.get(f"{key}:start")
        if started is None:
            return
        remaining = math.ceil(started + window - time.time())
        if remaining <= 0:
            return
        try:
            if cache.decr(key) < 0:
                cache.set(key, 0, timeout=remaining)
        except ValueError:  # the counter expired meanwhile
            return
        cache.touch(key, timeout=remaining)


# ------------------------------------------------------------------------------------------- sign-in


def _login_limits() -> dict[str, tuple[int, int]]:
    attempts = settings.LOGIN_THROTTLE_ATTEMPTS
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    # The per-address limit may be raised separately (many people behind one NAT address).
    return {
        "user": (attempts, window),
        "ip": (getattr(settings, "LOGIN_THROTTLE_IP_ATTEMPTS", attempts), window),
    }


login_throttle = Throttle("login", _login_limits)


def login_values(request, username: str) -> dict[str, str]:
    """The counters a sign-in attempt counts in: its client address (when known) and its user name."""
    values = {"user": (username or "").strip().lower()}
    if request is not None:
        values["ip"] = client_ip(request)
    return values


def login_throttle_message(wait: int) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "Too many failed sign-in attempts. For your security, sign-in is blocked for "
        "%(minutes)d minute; try again later or reset your password.",
        "Too many failed sign-in attempts. For your security, sign-in is blocked for "
        "%(minutes)d minutes; try again later or reset your password.",
        minutes,
    ) % {"minutes": minutes}


class LoginThrottled(PermissionDenied):
    """Sign-in refused by the throttle; `authenticate()` stops trying other backends and returns None."""

    def __init__(self, wait: int):
        super().__init__(login_throttle_message(wait))
        self.wait = wait


def _mark_throttled(request, wait: int) -> None:
    for target in (request, getattr(request, "_request", None)):  # a DRF Request wraps the HttpRequest
        if target is not None:
            target.login_throttle_wait = wait


class ThrottledModelBackend(ModelBackend):
    """Django's user/password backend behind the sign-in throttle (every `authenticate()` call)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        values = login_values(request, str(username))
        wait = login_throttle.reserve(values)
        if wait:
            if request is not None:
                _mark_throttled(request, wait)
            raise LoginThrottled(wait)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            login_throttle.clear(values, kinds=("user",))
            login_throttle.release(values, kinds=("ip",))
        return user


class ThrottledFormMixin:
    """For authentication forms: a throttled attempt says so instead of "wrong user name or password"."""

    def get_invalid_login_error(self):
        wait = getattr(getattr(self, "request", None), "login_throttle_wait", 0)
        if wait:
            return ValidationError(login_throttle_message(wait), code="throttled")
        return super().get_invalid_login_error()  # type: ignore[misc]


class LoginThrottleMiddleware:
    """A throttled sign-in attempt, on any page (the admin's too), is answered 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        wait = getattr(request, "login_throttle_wait", 0)
        if wait and response.status_code < 400:
            response.status_code = 429
            response.reason_phrase = "Too Many Requests"
            response["Retry-After"] = str(wait)
        return response


# ---------------------------------------------------------------------------------- password reset


def _password_reset_limits() -> dict[str, tuple[int, int]]:
    window = settings.PASSWORD_RESET_THROTTLE_WINDOW_SECONDS
    return {
        "email": (settings.PASSWORD_RESET_THROTTLE_ATTEMPTS, window),
        "ip": (settings.PASSWORD_RESET_THROTTLE_IP_ATTEMPTS, window),
    }


password_reset_throttle = Throttle("password-reset", _password_reset_limits)


def password_reset_values(request, email: str) -> dict[str, str]:
    return {"email": (email or "").strip().lower(), "ip": client_ip(request)}


class ThrottledAuthenticationForm(ThrottledFormMixin, AuthenticationForm):
    """The sign-in form of the application."""


class ThrottledAdminAuthenticationForm(ThrottledFormMixin, AdminAuthenticationForm):
    """The sign-in form of /admin/ (admin.site.login_form)."""


# --------------------------------------------------------------------------------- password change


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Changing one's password asks for the current one: guesses count as failed sign-in attempts (same
    counters and limits), so a stolen session cannot be used to find the password by trying."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        values = login_values(self.request, self.user.get_username())
        wait = login_throttle.reserve(values)
        if wait:
            if self.request is not None:
                _mark_throttled(self.request, wait)
            raise ValidationError(login_throttle_message(wait), code="throttled")
        password = super().clean_old_password()  # raises "password_incorrect": the attempt stays counted
        login_throttle.clear(values, kinds=("user",))
        login_throttle.release(values, kinds=("ip",))
        return password


class ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
