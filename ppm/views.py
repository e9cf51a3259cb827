"""Account pages: sign-in with throttling, sign-out, the profile page and its API tokens."""

import hashlib
import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ppm import services
from ppm.forms import ApiTokenForm
from ppm.models import ApiToken

# --- Login throttling ---------------------------------------------------------------------
# Failed attempts are counted in the cache (shared by every process: Redis, or the file cache
# by default) per user name and, separately, per client address, in a fixed window that starts
# at the first failure. Once a counter reaches the limit, every attempt for that name or from
# that address is refused with HTTP 429 until the window has passed, whatever the password.


def client_ip(request) -> str:
    """The client's address. Behind the reverse proxy (SECURE_PROXY_SSL_HEADER set), the
    proxy appends the address it saw to X-Forwarded-For: the last entry is the trustworthy one."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _throttle_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"login-throttle:{kind}:{digest}"


def _throttle_keys(request, username: str) -> dict[str, str]:
    keys = {"ip": _throttle_key("ip", client_ip(request))}
    username = username.strip().lower()
    if username:
        keys["user"] = _throttle_key("user", username)
    return keys


def _limits() -> dict[str, int]:
    attempts = settings.LOGIN_THROTTLE_ATTEMPTS
    # The per-address limit may be raised separately (many people behind one NAT address).
    return {"user": attempts, "ip": getattr(settings, "LOGIN_THROTTLE_IP_ATTEMPTS", attempts)}


def _throttle_wait(keys: dict[str, str]) -> int:
    """Seconds until the caller may try again; 0 when no counter has reached its limit."""
    limits = _limits()
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    now = time.time()
    wait = 0
    for kind, key in keys.items():
        if (cache.get(key) or 0) >= limits[kind]:
            # The window is checked here, not left to the cache's expiry alone: backends expire
            # on their own clock (Redis), and a counter outliving its window must not block.
            remaining = (cache.get(f"{key}:start") or now) + window - now
            if remaining > 0:
                wait = max(wait, math.ceil(remaining))
    return wait


def _record_failure(keys: dict[str, str]) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    now = time.time()
    for key in keys.values():
        start_key = f"{key}:start"
        started = now if cache.add(start_key, now, timeout=window) else (cache.get(start_key) or now)
        if started + window <= now:  # a stale window the cache has not expired yet: start anew
            cache.set_many({start_key: now, key: 0}, timeout=window)
            started = now
        remaining = max(1, math.ceil(started + window - now))
        if not cache.add(key, 1, timeout=remaining):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.set(key, 1, timeout=remaining)
            # Some backends reset the expiry on incr(): keep the window fixed.
            cache.touch(key, timeout=remaining)


def _clear_failures(key: str) -> None:
    cache.delete_many([key, f"{key}:start"])


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"

    def get(self, request, *args, **kwargs):
        # A signed-in user is sent on (Django's redirect_authenticated_user raises a 500 when
        # "next" points back at the login page; here that case goes to the dashboard).
        if request.user.is_authenticated:
            target = self.get_redirect_url()
            if not target or target.split("?")[0] == request.path:
                target = resolve_url(settings.LOGIN_REDIRECT_URL)
            return redirect(target)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.throttle_keys = _throttle_keys(request, request.POST.get("username", ""))
        wait = _throttle_wait(self.throttle_keys)
        if wait:
            return self.throttled_response(wait)
        return super().post(request, *args, **kwargs)

    def throttled_response(self, wait: int):
        minutes = max(1, math.ceil(wait / 60))
        # An unbound form: validating it would authenticate, which is what is being refused.
        form = self.get_form_class()(
            request=self.request, initial={"username": self.request.POST.get("username", "")[:150]}
        )
        context = self.get_context_data(
            form=form,
            throttle_message=ngettext(
                "Too many failed sign-in attempts. For your security, sign-in is blocked for "
                "%(minutes)d minute; try again later or reset your password.",
                "Too many failed sign-in attempts. For your security, sign-in is blocked for "
                "%(minutes)d minutes; try again later or reset your password.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response

    def form_invalid(self, form):
        if self.request.POST.get("username", "").strip():
            _record_failure(self.throttle_keys)
        return super().form_invalid(form)

    def form_valid(self, form):
        if "user" in self.throttle_keys:
            _clear_failures(self.throttle_keys["user"])
        # auth_login() (in super) rotates the session key: no session fixation.
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are signed out."))
        return response


# --- Profile and API tokens ---------------------------------------------------------------


def _profile_context(request, *, form=None, new_token=None) -> dict:
    return {
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at"),
        "token_form": form or ApiTokenForm(),
        "new_token": new_token,
        "messages_oob": bool(request.htmx),
    }


def _render_tokens(request, context, status=200):
    template = "ppm/partials/api_tokens.html" if request.htmx else "ppm/profile.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


@login_required
@never_cache
def profile(request):
    return render(request, "ppm/profile.html", _profile_context(request))


@login_required
@require_POST
@never_cache
def api_token_create(request):
    """Create a token and show its clear value in this response only (it is never stored)."""
    form = ApiTokenForm(request.POST)
    new_token = None
    if form.is_valid():
        try:
            token, raw = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            for field, errors in error.error_dict.items() if hasattr(error, "error_dict") else []:
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            if not hasattr(error, "error_dict"):
                form.add_error(None, error)
        else:
            new_token = {"name": token.name, "value": raw, "prefix": token.prefix}
            form = ApiTokenForm()
    return _render_tokens(request, _profile_context(request, form=form, new_token=new_token))


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = ApiToken.objects.filter(user=request.user, pk=pk).only("name").first()
    if token is None or not services.api_token_revoke(user=request.user, token_id=pk):
        raise Http404(_("No such token."))
    messages.success(
        request,
        _("The token “%(name)s” is revoked: programs using it can no longer connect.") % {"name": token.name},
    )
    if request.htmx:
        return _render_tokens(request, _profile_context(request))
    return redirect("profile")
