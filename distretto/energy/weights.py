"""Allocator weights in the unit and site rollups, kept right when they change.

Unit and site rollups (``GroupRollup``) hold allocators' consumption multiplied by
their weight (``Meter.weight``: K = KQ × KC, or 1 for an allocator that reports
already-scaled units, ``product_scale``). When a manager changes KQ, KC or that
flag, :func:`reweigh` adds the difference of weights times the meter's own rollups
(hourly, daily, monthly) to its unit's and its site's rows: the figures are what
they would be had the new factors been there from the start.

The model signals below call it for every save of a meter (API, pages, admin,
registry import), inside the save's transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from distretto.energy.models import DailyRollup, HourlyRollup, Meter, MonthlyRollup


def reweigh(meter: Meter, old_weight: Decimal, new_weight: Decimal) -> int:
    """Correct the unit and site rollups of ``meter`` for a weight change; returns the
    number of unit/site rows touched."""
    from distretto.energy import ingestion

    change = float(new_weight - old_weight)
    if not change:
        return 0
    state = ingestion._MeterState(
        meter.pk,
        meter.reading_type == Meter.ReadingType.INTERVAL,
        None,
        None,
        None,
        site_id=meter.site_id,
        unit_id=meter.unit_id,
        kind=meter.kind,
        role=meter.role,
        weight=change,
    )
    levels = [
        list(model.objects.filter(meter=meter).values_list("meter_id", "bucket", "consumption"))
        for model in (HourlyRollup, DailyRollup, MonthlyRollup)
    ]
    rows = [[(*row, 0) for row in level] for level in levels]
    groups = sorted(ingestion.group_rows({meter.pk: state}, *rows))
    with transaction.atomic():
        ingestion._upsert_group_rollups(groups)
    return len(groups)


WEIGHT_FIELDS = {"kq", "kc", "product_scale"}


def _remember_weight(
    sender, instance: Meter, raw: bool = False, update_fields=None, **kwargs
) -> None:
    # A save that names its fields and none of the weight's cannot change the weight.
    if raw or instance.pk is None or (update_fields and not WEIGHT_FIELDS & set(update_fields)):
        instance._stored_weight = None
        return
    stored = (
        Meter.objects.filter(pk=instance.pk)
        .values_list("kind", "kq", "kc", "product_scale", "unit_id", "site_id", "role")
        .first()
    )
    if stored is None:
        instance._stored_weight = None
        return
    kind, kq, kc, product_scale, unit_id, site_id, role = stored
    before = Meter(kind=kind, kq=kq, kc=kc, product_scale=product_scale)
    # A meter that also moves (unit, site, kind, role) is left to its new place's data.
    same_place = (unit_id, site_id, kind, role) == (
        instance.unit_id,
        instance.site_id,
        instance.kind,
        instance.role,
    )
    instance._stored_weight = before.weight if same_place else None


def _apply_weight(sender, instance: Meter, created: bool, raw: bool = False, **kwargs) -> None:
    old = getattr(instance, "_stored_weight", None)
    if created or raw or old is None:
        return
    instance._stored_weight = None
    new = Decimal(instance.kq) * Decimal(instance.kc) if instance.kind == Meter.Kind.HCA else None
    if new is not None and instance.product_scale:
        new = Decimal("1")
    if new is not None and new != old:
        reweigh(instance, old, new)


def connect() -> None:
    pre_save.connect(_remember_weight, sender=Meter, dispatch_uid="energy-meter-weight-before")
    post_save.connect(_apply_weight, sender=Meter, dispatch_uid="energy-meter-weight-after")
