"""Posting to the double-entry points ledger, and the expiry arithmetic of point lots.

``post`` is the only writer of entries: it checks that the legs sum to zero, that
the period is open and that no card goes negative, then writes the transaction,
its entries and the new card balances in one database transaction (the programme's
own accounts keep no stored balance, see ``Account``). The caller holds
the lock on the card's account (``lock_card_account``): ``SELECT ... FOR UPDATE``
on PostgreSQL; on SQLite every write transaction is ``BEGIN IMMEDIATE`` (see
settings), so writers are already serialised when the lock is taken.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from distretto.core.errors import Conflict
from distretto.loyalty import cache
from distretto.loyalty.models import Account, Card, Entry, LedgerTransaction, Program


class InsufficientPoints(Conflict):
    code = "insufficient_points"


@dataclass(frozen=True)
class Leg:
    account: Account
    points: int
    expires_on: date | None = None
    campaign_id: int | None = None


# --- Periods and expiry dates (pure) ------------------------------------------------------


def local_time(program: Program, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(program.district.time_zone))


def period_of(program: Program, moment: datetime) -> str:
    return local_time(program, moment).strftime("%Y-%m")


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def expiry_date(earned_on: date, months: int | None) -> date | None:
    """Last valid day of points earned on ``earned_on``: the end of the month ``months``
    after the end of the month they were earned in (None: they never expire)."""
    if months is None:
        return None
    year, month = add_months(earned_on.year, earned_on.month, months)
    return date(year, month, calendar.monthrange(year, month)[1])


def open_lots(
    credits: Iterable[tuple[date | None, int]], debited: int
) -> list[tuple[date | None, int]]:
    """What is left of each credit lot once ``debited`` points have been spent, oldest
    expiry first (points that never expire are spent last)."""
    lots = sorted(credits, key=lambda lot: (lot[0] is None, lot[0] or date.max))
    left = []
    for expires_on, points in lots:
        used = min(points, debited)
        debited -= used
        if points - used > 0:
            left.append((expires_on, points - used))
    return left


def due_to_expire(lots: Iterable[tuple[date | None, int]], today: date) -> int:
    return sum(
        points for expires_on, points in lots if expires_on is not None and expires_on < today
    )


# --- Accounts -------------------------------------------------------------------------------


def system_account(program: Program, kind: str, business=None) -> Account:
    """The programme's account of ``kind`` (of ``business`` for a merchant's), created on
    first use and then kept by the worker (see ``cache``)."""

    def load() -> Account:
        account, _created = Account.objects.get_or_create(
            program=program, kind=kind, business=business
        )
        return account

    return cache.account((program.pk, kind, business.pk if business else None), load)


def lock_card_account(card: Card) -> Account:
    """Lock the card's account row and bring ``card.status`` up to date from the same
    query (one round trip instead of a lock plus a refresh); only the account is locked."""
    account = Account.objects.select_for_update(of=("self",)).select_related("card").get(card=card)
    card.status = account.card.status
    return account


def card_lots(account: Account) -> list[tuple[date | None, int]]:
    credits = (
        Entry.objects.filter(account=account, points__gt=0)
        .values("expires_on")
        .annotate(points=Sum("points"))
        .values_list("expires_on", "points")
    )
    debited = -(
        Entry.objects.filter(account=account, points__lt=0).aggregate(s=Sum("points"))["s"] or 0
    )
    return open_lots(list(credits), debited)


# --- Posting --------------------------------------------------------------------------------


def post(
    *,
    program: Program,
    kind: str,
    card: Card,
    legs: list[Leg],
    posted_at: datetime,
    respond: Callable[[LedgerTransaction], dict] | None = None,
    **fields,
) -> LedgerTransaction:
    """Write one balanced transaction. Must run inside ``transaction.atomic`` with the
    card's account locked.

    ``respond(tx)``, if given, builds the answer stored in the transaction's row
    (``response``) in the same write; it is called once the legs' card accounts
    carry their new balances."""
    from distretto.loyalty.models import SettlementPeriod

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside transaction.atomic()")
    legs = [leg for leg in legs if leg.points != 0]
    if sum(leg.points for leg in legs) != 0:
        raise ValueError("ledger legs must sum to zero")
    period = period_of(program, posted_at)
    if SettlementPeriod.objects.filter(program=program, period=period).exists():
        raise Conflict(
            _("The period %(period)s is closed.") % {"period": period}, code="period_closed"
        )
    card_change = 0
    for leg in legs:
        if leg.account.kind == Account.Kind.CARD:
            if leg.account.card_id == card.pk:
                card_change += leg.points
            # The caller locked this account, so its balance is current.
            if leg.account.balance + leg.points < 0:
                raise InsufficientPoints(_("Not enough points on the card."))
    for leg in legs:
        if leg.account.kind == Account.Kind.CARD:
            leg.account.balance += leg.points
    tx = LedgerTransaction(
        program=program,
        kind=kind,
        card=card,
        points=card_change,
        posted_at=posted_at,
        period=period,
        **fields,
    )
    if respond is not None:
        tx.response = respond(tx)
    tx.save(force_insert=True)
    Entry.objects.bulk_create(
        Entry(
            transaction=tx,
            account=leg.account,
            points=leg.points,
            expires_on=leg.expires_on,
            campaign_id=leg.campaign_id,
        )
        for leg in legs
    )
    totals: dict[int, int] = {}
    for leg in legs:
        if leg.account.kind == Account.Kind.CARD:
            totals[leg.account.pk] = totals.get(leg.account.pk, 0) + leg.points
    # Always in the same (id) order, so that concurrent postings cannot deadlock.
    for account_id in sorted(totals):
        Account.objects.filter(pk=account_id).update(balance=F("balance") + totals[account_id])
    return tx
