"""API authentication: hashed personal tokens (the clear token is never stored), and basic auth behind
the sign-in throttle for deployments that enable it."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ppm.models import ApiToken
from ppm.throttle import login_throttle_message


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <value>`; looks the token up by its SHA-256 digest."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        try:
            token = ApiToken.objects.select_related("user").get(digest=ApiToken.hash(key))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _(
                    "This token expired on %(date)s. Create a new one on your profile page "
                    "(Pilotis, your name, Profile) and give it to the program using this one."
                )
                % {"date": date_format(timezone.localtime(token.expires_at), "SHORT_DATE_FORMAT")}
            )
        # Write the last use at most once a minute, not on every request.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (token.user, token)


class ThrottledBasicAuthentication(authentication.BasicAuthentication):
    """HTTP basic authentication (not enabled by default): its `authenticate()` call goes through the
    sign-in throttle (ppm.throttle), and a refused attempt is answered 429 with Retry-After."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            wait = getattr(request, "login_throttle_wait", 0)
            if wait:
                raise exceptions.Throttled(wait=wait, detail=login_throttle_message(wait)) from None
            raise
