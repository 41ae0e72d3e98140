"""Points expire N months after the end of the month they were earned in."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from distretto.loyalty import ledger, services
from distretto.loyalty.models import Account

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def test_expiry_date_is_the_end_of_the_month_n_months_after():
    assert ledger.expiry_date(date(2025, 1, 15), 12) == date(2026, 1, 31)
    assert ledger.expiry_date(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert ledger.expiry_date(date(2025, 1, 15), None) is None


def test_spending_uses_the_oldest_points_first():
    lots = [(date(2026, 3, 31), 100), (None, 40), (date(2026, 1, 31), 200)]
    assert ledger.open_lots(lots, 250) == [(date(2026, 3, 31), 50), (None, 40)]


def run_expire(today: str) -> str:
    out = StringIO()
    call_command("loyalty", "expire", "--today", today, stdout=out)
    return out.getvalue()


def test_expire_command_posts_once_and_is_idempotent(actors, program, card):
    services.earn(card, actors.shop, Decimal("500.00"), now=datetime(2025, 1, 10, tzinfo=ROME))
    services.earn(card, actors.shop, Decimal("300.00"), now=datetime(2025, 2, 10, tzinfo=ROME))
    services.redeem(card, actors.shop, 200, now=datetime(2025, 3, 1, tzinfo=ROME))
    # January's lot (500, 200 already spent) is valid through 31 Jan 2026.
    assert "expired 0 points" in run_expire("2026-01-31")
    assert "expired 300 points" in run_expire("2026-02-01")
    assert "expired 0 points" in run_expire("2026-02-01")
    assert services.balance_of(card) == 300
    assert Account.objects.get(program=program, kind="breakage").current_balance() == 300
    assert "expired 300 points" in run_expire("2026-03-01")
    assert services.balance_of(card) == 0


def test_programmes_without_expiry_never_expire(actors, program, card):
    program.expiry_months = None
    program.save()
    services.earn(card, actors.shop, Decimal("100.00"), now=datetime(2020, 1, 1, tzinfo=ROME))
    assert "expired 0 points" in run_expire("2030-01-01")


def test_replacement_keeps_each_lot_expiry(actors, program, card):
    services.earn(card, actors.shop, Decimal("100.00"), now=datetime(2025, 1, 10, tzinfo=ROME))
    services.earn(card, actors.shop, Decimal("50.00"), now=datetime(2025, 6, 10, tzinfo=ROME))
    new_card, _raw = services.replace_card(card)
    assert services.expiring_next(new_card) == {"points": 100, "expires_on": date(2026, 1, 31)}
    assert "expired 100 points" in run_expire("2026-02-01")
    assert services.balance_of(new_card) == 50


def test_close_subcommand(actors, program, card):
    services.earn(card, actors.shop, Decimal("10.00"), now=datetime(2025, 1, 10, tzinfo=ROME))
    out = StringIO()
    call_command("loyalty", "close", "2025-01", "--program", str(program.pk), stdout=out)
    assert "closed 2025-01" in out.getvalue()
    assert program.settlements.get().figures["district"]["points_issued"] == 10
