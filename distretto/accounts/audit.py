"""The audit log: every create, update or delete that a person makes.

The person is known through a context variable that the session middleware, the API
authentication and the admin set for the duration of a request; model signals
record the change with the object's fields before and after. Changes made by
devices, data loaders and tests without an actor are not persons' changes and are
not recorded here (the ledgers and reading stores keep their own provenance).

Apps opt their models in with ``audit.register(Model)`` in ``AppConfig.ready``.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.forms.models import model_to_dict


@dataclass(frozen=True)
class Actor:
    user: object
    via: str  # api, page, admin, cli


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)
_chamber_of: dict[type[Model], Callable[[Model], int | None]] = {}


def set_actor(user, via: str) -> contextvars.Token:
    return _actor.set(Actor(user=user, via=via))


def clear_actor() -> contextvars.Token:
    return _actor.set(None)


def reset_actor(token: contextvars.Token) -> None:
    _actor.reset(token)


def current_actor() -> Actor | None:
    return _actor.get()


@contextmanager
def acting_as(user, via: str) -> Iterator[None]:
    token = set_actor(user, via)
    try:
        yield
    finally:
        _actor.reset(token)


def snapshot(instance: Model) -> dict:
    data = model_to_dict(instance)
    for field in instance._meta.concrete_fields:
        if field.name not in data:
            data[field.name] = field.value_from_object(instance)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))


def register(model: type[Model], chamber_of: Callable[[Model], int | None] | None = None) -> None:
    """Audit ``model``; ``chamber_of(obj)`` tells which chamber's operators may read it."""
    _chamber_of[model] = chamber_of or (lambda obj: None)
    uid = f"audit-{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}-pre")
    post_save.connect(_record_save, sender=model, dispatch_uid=f"{uid}-post")
    post_delete.connect(_record_delete, sender=model, dispatch_uid=f"{uid}-del")


def _remember_before(sender, instance: Model, raw: bool = False, **kwargs) -> None:
    if raw or current_actor() is None or instance.pk is None:
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous is not None else None


def _write(instance: Model, action: str, before: dict | None, after: dict | None) -> None:
    from distretto.accounts.models import AuditEntry

    actor = current_actor()
    if actor is None:
        return
    if (
        before is not None
        and after is not None
        and _meaningful(instance, before) == _meaningful(instance, after)
    ):
        return
    user = actor.user
    AuditEntry.objects.create(
        actor=user if getattr(user, "pk", None) else None,
        actor_name=user.get_username() if hasattr(user, "get_username") else str(user),
        via=actor.via,
        action=action,
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        chamber_id=_chamber_of.get(type(instance), lambda obj: None)(instance),
    )


def _meaningful(instance: Model, data: dict) -> dict:
    """The snapshot without timestamps that change on every save."""
    stamps = {f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)}
    return {key: value for key, value in data.items() if key not in stamps}


def _record_save(sender, instance: Model, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    before = None if created else getattr(instance, "_audit_before", None)
    _write(instance, "create" if created else "update", before, snapshot(instance))


def _record_delete(sender, instance: Model, **kwargs) -> None:
    _write(instance, "delete", snapshot(instance), None)
