"""Writes of cross-cutting data: API tokens, directorates."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ppm.audit import audited
from ppm.models import ApiToken, Directorate
from ppm.roles import is_portfolio_editor
from ppm.versioning import lock_for_update

MAX_TOKENS_PER_USER = 20


@transaction.atomic
def api_token_create(*, user, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with its clear value, which is never stored.

    `expires_in_days` is one of ApiToken.LIFETIME_DAYS, or None for a token that never expires.
    """
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the system that will use it.")})
    if expires_in_days is not None and expires_in_days not in ApiToken.LIFETIME_DAYS:
        raise ValidationError(
            {
                "expires_in_days": _("Choose a lifetime of %(choices)s days, or none.")
                % {"choices": ", ".join(str(days) for days in ApiToken.LIFETIME_DAYS)}
            }
        )
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("You already have %(n)d tokens; revoke one first.") % {"n": MAX_TOKENS_PER_USER}
        )
    raw = ApiToken.generate()
    token = ApiToken(
        user=user,
        name=name[:100],
        prefix=raw[: ApiToken.PREFIX_LENGTH],
        digest=ApiToken.hash(raw),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, user, token_id: int) -> bool:
    """Delete one of `user`'s own tokens; False when there is no such token of theirs."""
    deleted, _details = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


DIRECTORATE_FIELDS = ("code", "name", "parent", "is_active")


def _directorate_check_parent(directorate: Directorate) -> None:
    """A directorate may not be its own ancestor (the walk is bounded: the tree is shallow)."""
    seen = {directorate.pk} if directorate.pk else set()
    parent = directorate.parent
    for _depth in range(100):
        if parent is None:
            return
        if parent.pk in seen:
            raise ValidationError(
                {"parent": _("A directorate cannot be placed under itself or its own sub-units.")}
            )
        seen.add(parent.pk)
        parent = parent.parent
    raise ValidationError({"parent": _("The directorate tree is too deep.")})


@transaction.atomic
def directorate_create(
    *, actor, code: str, name: str, parent: Directorate | None = None, is_active: bool = True
) -> Directorate:
    """Create a directorate (project office and administrators only); audited."""
    if not is_portfolio_editor(actor):
        raise PermissionDenied(_("Only the project office and administrators manage directorates."))
    directorate = Directorate(code=code.strip(), name=name.strip(), parent=parent, is_active=is_active)
    with audited(directorate, actor, DIRECTORATE_FIELDS):
        directorate.full_clean()
        _directorate_check_parent(directorate)
        directorate.save()
    return directorate


@transaction.atomic
def directorate_update(*, actor, directorate: Directorate, data: dict[str, Any]) -> Directorate:
    """Apply `data` (any of DIRECTORATE_FIELDS); audited; does nothing when nothing changed."""
    if not is_portfolio_editor(actor):
        raise PermissionDenied(_("Only the project office and administrators manage directorates."))
    directorate = lock_for_update(Directorate, directorate.pk)
    with audited(directorate, actor, DIRECTORATE_FIELDS) as audit:
        for field in DIRECTORATE_FIELDS:
            if field in data:
                value = data[field]
                setattr(directorate, field, value.strip() if isinstance(value, str) else value)
        directorate.full_clean()
        _directorate_check_parent(directorate)
        if audit.changed():
            directorate.save()
    return directorate
