"""The demo data: deterministic, complete enough to show, and idempotent."""

import hashlib
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from distretto.accounts.models import Membership, Role
from distretto.loyalty import ledger, settlement
from distretto.loyalty.models import SettlementPeriod
from distretto.territory.models import Business, District

pytestmark = pytest.mark.django_db(transaction=True)


def fingerprint() -> dict[str, str]:
    """A digest of every row of every Distretto table (timestamps of creation excluded)."""
    digests = {}
    for model in apps.get_models():
        if not model.__module__.startswith("distretto."):
            continue
        rows = json.loads(serializers.serialize("json", model._default_manager.order_by("pk")))
        for row in rows:
            for field in ("created_at", "updated_at", "last_login"):
                row["fields"].pop(field, None)
        digests[model._meta.label] = hashlib.sha256(
            json.dumps(rows, sort_keys=True).encode()
        ).hexdigest()
    return digests


def test_seed_demo_twice_changes_nothing():
    call_command("seed-demo", stdout=StringIO())
    first = fingerprint()
    call_command("seed-demo", stdout=StringIO())
    assert fingerprint() == first

    lodi = District.objects.get(slug="lodi")
    assert Business.objects.filter(district=lodi).count() >= 40
    assert set(District.objects.values_list("slug", flat=True)) >= {
        "lodi",
        "cuneo",
        "valli-bergamasche",
        "campobasso",
    }
    assert {m.role for m in Membership.objects.all()} == set(Role.values)

    closed_months_agree_with_the_ledger()


def closed_months_agree_with_the_ledger() -> None:
    """The observatory's history is written after the loyalty demo closed a month: the
    frozen figures must still be what the ledger says, so that a closed month opens
    with the liability the month before closed with."""
    closed = list(SettlementPeriod.objects.select_related("program__district"))
    assert closed
    for period in closed:
        program = period.program
        assert period.figures["district"] == settlement.district_statement(program, period.period)
        year, month = settlement.parse_period(period.period)
        before_year, before_month = ledger.add_months(year, month, -1)
        before = f"{before_year:04d}-{before_month:02d}"
        previous = settlement.statement(program, before, Business.objects.none())
        assert (
            period.figures["district"]["liability_opening_points"]
            == previous["district"]["liability_points"]
        )
