"""Versioned objects: optimistic concurrency for every model that services write.

* ``VersionedModel`` (abstract) adds an integer ``version``, starting at 1, and ``etag``
  (``"<pk>-<version>"``, without quotes; ppm.api.concurrency quotes it in the ETag header).
* Services load the row they change with ``lock_for_update(Model, pk, expected_version)``: a
  ``select_for_update`` inside the service's transaction that raises StaleVersionError (412) when the
  caller read an older version. ``lock_many(Model, pks)`` locks several rows in pk order, so two
  services locking the same rows never deadlock. On SQLite the transaction is IMMEDIATE (settings), which
  takes the write lock at BEGIN and makes the same guarantee.
* Writes go through ``save_versioned(instance, update_fields=...)``, which bumps the version: no
  service writes ``version += 1`` by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, router, transaction
from django.utils.translation import gettext as _

from ppm.exceptions import DomainNotFound, StaleVersionError

M = TypeVar("M", bound=models.Model)


class VersionedModel(models.Model):
    # Incremented by every write (save_versioned); the API's ETag and the forms carry it.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f"{self.pk}-{self.version}"


def _require_transaction(model: type[models.Model]) -> None:
    if not transaction.get_connection(router.db_for_write(model)).in_atomic_block:
        raise RuntimeError("Locks are taken inside the service's transaction (@transaction.atomic).")


def lock_for_update(
    model: type[M],
    pk,
    expected_version: int | None = None,
    *,
    queryset: models.QuerySet[M] | None = None,
) -> M:
    """The row `pk` of `model`, locked until the end of the current transaction.

    Raises DomainNotFound (404) when there is no such row and StaleVersionError (412, carrying the
    stored version) when `expected_version` is given and differs from the stored one.
    """
    _require_transaction(model)
    base = queryset if queryset is not None else model._default_manager.all()
    try:
        instance = base.select_for_update().get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise DomainNotFound() from None
    check_version(instance, expected_version)
    return instance


def check_version(instance: models.Model, expected_version: int | None) -> None:
    """StaleVersionError (412) when `expected_version` is given and is not the (locked) instance's version.

    For services that check who may write before saying whether the version is stale."""
    version = getattr(instance, "version", None)
    if expected_version is not None and version != expected_version:
        raise StaleVersionError(
            _("“%(object)s” was changed by someone else in the meantime.") % {"object": instance},
            current_version=cast(int, version),
        )


def lock_many(model: type[M], pks: Iterable, *, no_key: bool = False) -> list[M]:
    """The rows of `model` with these pks, locked in pk order (a fixed order prevents deadlocks).
    `no_key`: FOR NO KEY UPDATE on PostgreSQL, which lets other transactions insert rows referring to
    them (a plain FOR UPDATE blocks their foreign-key checks)."""
    _require_transaction(model)
    rows = model._default_manager.select_for_update(no_key=no_key).filter(pk__in=list(pks))
    return list(rows.order_by("pk"))


def save_versioned(instance: models.Model, *, update_fields: Iterable[str] | None = None) -> None:
    """Save `instance` with its version bumped by one (the caller holds its lock, or creates it).

    With `update_fields`, the version and the model's ``auto_now`` fields are saved along.
    A new instance (no pk yet) is saved at its initial version.
    """
    if instance.pk is not None and not instance._state.adding:
        instance.version += 1  # type: ignore[attr-defined]
    if update_fields is None:
        instance.save()
        return
    fields = set(update_fields) | {"version"}
    fields |= {field.name for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)}
    instance.save(update_fields=sorted(fields))
