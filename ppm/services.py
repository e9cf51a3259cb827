"""Writes of cross-cutting data: API tokens."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ppm.models import ApiToken

MAX_TOKENS_PER_USER = 20


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with its clear value, which is never stored."""
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the system that will use it.")})
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("You already have %(n)d tokens; revoke one first.") % {"n": MAX_TOKENS_PER_USER}
        )
    raw = ApiToken.generate()
    token = ApiToken(
        user=user, name=name[:100], prefix=raw[: ApiToken.PREFIX_LENGTH], digest=ApiToken.hash(raw)
    )
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, user, token_id: int) -> bool:
    """Delete one of `user`'s own tokens; False when there is no such token of theirs."""
    deleted, _details = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0
