"""Posting to the double-entry points ledger, and the expiry arithmetic of point lots.

``post`` writes entries (as does, for a till's movement on PostgreSQL, the function
``loyalty_till_post``, see ``till``): it checks that the legs sum to zero, that
the period is open and that no card goes negative, then writes the transaction,
its entries and the new card balances in one database transaction (the programme's
own accounts keep no stored balance, see ``Account``). The caller holds
the lock on the card's account (``lock_card_account``): ``SELECT ... FOR UPDATE``
on PostgreSQL; on SQLite every write transaction is ``BEGIN IMMEDIATE`` (see
settings), so writers are already serialised when the lock is taken.

The statements of a movement (the lock, and the writes, whose INSERT of the
transaction also checks that the period is open) are plain SQL, the same on
PostgreSQL and SQLite: every till request on SQLite runs them, and building each
through the ORM cost several times the CPU of sending it (the lock: 1.0 ms against
0.15 ms on the 2-core machine of ``bench/loyalty_pos.py``). Values still go through each field's
``get_db_prep_save``, so they are stored exactly as the ORM would store them.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from distretto.core.errors import Conflict, Invalid
from distretto.loyalty import cache
from distretto.loyalty.models import Account, Card, Entry, LedgerTransaction, Program

# Every column of a transaction row but its id, in one order for the INSERT below,
# which writes nothing (and returns no id) when the programme's period is closed.
_TX_FIELDS = [field for field in LedgerTransaction._meta.concrete_fields if not field.primary_key]
_INSERT_TX = (
    "INSERT INTO loyalty_ledgertransaction ({}) SELECT {} WHERE NOT EXISTS"
    " (SELECT 1 FROM loyalty_settlementperiod WHERE program_id = %s AND period = %s)"
    " RETURNING id"
).format(", ".join(field.column for field in _TX_FIELDS), ", ".join(["%s"] * len(_TX_FIELDS)))
_ENTRY_FIELDS = [
    Entry._meta.get_field(name)
    for name in ("transaction", "account", "points", "expires_on", "campaign")
]


# The most points one movement may move: far beyond any purchase or prize (10 million
# euro at a cent a point), and well inside the 64-bit columns that hold them.
MAX_POINTS = 1_000_000_000


def check_points_limit(points: int, field: str = "points") -> None:
    """``Invalid`` (naming ``field``, what gave the points) beyond ``MAX_POINTS``."""
    if abs(points) > MAX_POINTS:
        raise Invalid(
            _("At most %(points)s points in one movement.") % {"points": MAX_POINTS},
            field=field,
        )


class InsufficientPoints(Conflict):
    code = "insufficient_points"


@dataclass(frozen=True)
class Leg:
    account: Account
    points: int
    expires_on: date | None = None
    campaign_id: int | None = None


# --- Money, periods and expiry dates (pure) ------------------------------------------------


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """Euro as the API writes them: a decimal string with two places."""
    return f"{cents(value):.2f}"


def fingerprint(request: dict) -> str:
    """The digest stored with a movement that has an idempotency key, which tells a
    replay of its request from another request with the same key."""
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def period_closed(period: str) -> Conflict:
    return Conflict(
        _("The period %(period)s is closed.") % {"period": period}, code="period_closed"
    )


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
    query (one round trip instead of a lock plus a refresh); only the account is locked.
    The account comes back with ``card`` set to this card."""
    sql = (
        "SELECT a.id, a.program_id, a.balance, c.status FROM loyalty_account a"
        " JOIN loyalty_card c ON c.id = a.card_id WHERE a.card_id = %s"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF a"
    with connection.cursor() as cursor:
        cursor.execute(sql, [card.pk])
        row = cursor.fetchone()
    if row is None:
        raise Account.DoesNotExist(f"No account for card {card.pk}.")
    account_id, program_id, balance, card.status = row
    account = Account.from_db(
        connection.alias,
        ["id", "program_id", "kind", "card_id", "business_id", "balance"],
        [account_id, program_id, Account.Kind.CARD, card.pk, None, balance],
    )
    account.card = card
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
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside transaction.atomic()")
    legs = [leg for leg in legs if leg.points != 0]
    if sum(leg.points for leg in legs) != 0:
        raise ValueError("ledger legs must sum to zero")
    period = period_of(program, posted_at)
    card_legs = [leg for leg in legs if leg.account.kind == Account.Kind.CARD]
    # The caller locked these accounts, so their balances are current.
    overdrawn = any(leg.account.balance + leg.points < 0 for leg in card_legs)
    for leg in card_legs:
        leg.account.balance += leg.points
    tx = LedgerTransaction(
        program=program,
        kind=kind,
        card=card,
        points=sum(leg.points for leg in card_legs if leg.account.card_id == card.pk),
        posted_at=posted_at,
        period=period,
        **fields,
    )
    if respond is not None:
        tx.response = respond(tx)
    # The closed-period check is part of the INSERT, so that error comes first; an
    # overdraft is refused after it and the caller's transaction.atomic undoes the row.
    if not _insert(tx, legs):
        raise period_closed(period)
    if overdrawn:
        raise InsufficientPoints(_("Not enough points on the card."))
    totals: dict[int, int] = {}
    for leg in card_legs:
        totals[leg.account.pk] = totals.get(leg.account.pk, 0) + leg.points
    with connection.cursor() as cursor:
        # Always in the same (id) order, so that concurrent postings cannot deadlock.
        for account_id in sorted(totals):
            cursor.execute(
                "UPDATE loyalty_account SET balance = balance + %s WHERE id = %s",
                [totals[account_id], account_id],
            )
    return tx


def _insert(tx: LedgerTransaction, legs: list[Leg]) -> bool:
    """Write ``tx`` (which then has its id, as if saved) and one entry per leg; False
    (nothing written) if the transaction's period is closed."""
    tx_values = [
        field.get_db_prep_save(field.pre_save(tx, True), connection) for field in _TX_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_TX, [*tx_values, tx.program_id, tx.period])
        row = cursor.fetchone()
        if row is None:
            return False
        tx.pk = row[0]
        tx._state.adding = False
        tx._state.db = connection.alias
        if not legs:
            return True
        entry_values = []
        for leg in legs:
            values = [tx.pk, leg.account.pk, leg.points, leg.expires_on, leg.campaign_id]
            entry_values += [
                field.get_db_prep_save(value, connection)
                for field, value in zip(_ENTRY_FIELDS, values, strict=True)
            ]
        rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(legs))
        cursor.execute(
            "INSERT INTO loyalty_entry (transaction_id, account_id, points, expires_on,"
            f" campaign_id) VALUES {rows}",
            entry_values,
        )
    return True
