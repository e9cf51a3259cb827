"""Account pages: sign-in with throttling, sign-out, the profile page and its API tokens."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ppm import services, throttle
from ppm.forms import ApiTokenForm
from ppm.models import ApiToken, User

# --- Sign-in --------------------------------------------------------------------------------
# The throttle (ppm.throttle) sits in the authentication backend, so it also guards /admin/login/
# and any other entry point; this view adds a fast refusal and the page that explains it.


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = throttle.ThrottledAuthenticationForm

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
        # Already blocked: refused before the form is even validated (nothing is counted).
        wait = throttle.login_throttle.wait(throttle.login_values(request, request.POST.get("username", "")))
        if wait:
            return self.throttled_response(wait)
        return super().post(request, *args, **kwargs)

    def throttled_response(self, wait: int):
        # An unbound form: validating it would authenticate, which is what is being refused.
        form = self.get_form_class()(
            request=self.request, initial={"username": self.request.POST.get("username", "")[:150]}
        )
        context = self.get_context_data(
            form=form,
            throttle_message=throttle.login_throttle_message(wait),
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response

    def form_invalid(self, form):
        # Refused by the throttle while the form was being checked (a concurrent attempt took the last slot).
        wait = getattr(self.request, "login_throttle_wait", 0)
        if wait:
            return self.throttled_response(wait)
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, rate-limited per e-mail address and per client address, whether the address
    belongs to an account or not (so the limit tells nothing): nobody can flood a mailbox through Pilotis."""

    def form_valid(self, form):
        values = throttle.password_reset_values(self.request, form.cleaned_data["email"])
        wait = throttle.password_reset_throttle.reserve(values)
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            form.add_error(
                None,
                ngettext(
                    "Too many password reset requests. Check your mailbox (and its spam folder) for the "
                    "link already sent, or try again in %(minutes)d minute.",
                    "Too many password reset requests. Check your mailbox (and its spam folder) for the "
                    "link already sent, or try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are signed out."))
        return response


# --- Language ------------------------------------------------------------------------------


@require_POST
def set_language(request):
    """Django's language switch, which also remembers a signed-in person's choice: e-mails, digests and
    reminders are then written to them in it (ppm.mail.user_language)."""
    from django.views.i18n import LANGUAGE_QUERY_PARAMETER
    from django.views.i18n import set_language as django_set_language

    from ppm.mail import is_site_language

    response = django_set_language(request)
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER, "")
    user = request.user
    if user.is_authenticated and is_site_language(language) and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
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
            token, raw = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items() if hasattr(error, "error_dict") else []:
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            if not hasattr(error, "error_dict"):
                form.add_error(None, error)
        else:
            new_token = {
                "name": token.name,
                "value": raw,
                "prefix": token.prefix,
                "expires_at": token.expires_at,
            }
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
