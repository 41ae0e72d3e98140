"""The loyalty operations that the API, the pages, the commands and other apps call.

Every points movement is written with the card's account locked, so balances never go
negative under concurrent requests: through ``ledger.post``, or for a till's earn and
redemption through ``till`` (on PostgreSQL one call of ``loyalty_till_post``, which
makes the same checks and writes). Movements that a client may retry take an
idempotency key: a replay returns the first answer, the same key with another request
is 409 ``idempotency_conflict``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, Unpack
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.core.errors import Conflict, DomainError, Invalid
from distretto.loyalty import cardnumbers, ledger, till
from distretto.loyalty.cardnumbers import parse as parse_card_number
from distretto.loyalty.ledger import Leg, money
from distretto.loyalty.models import (
    Account,
    Campaign,
    Card,
    Entry,
    LedgerTransaction,
    MerchantRate,
    Program,
)
from distretto.territory.models import Business

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from distretto.accounts.models import ApiToken

CARD_TOKEN_PREFIX = "lcw"
Kind = LedgerTransaction.Kind


# --- Programmes -----------------------------------------------------------------------------


def save_program(program: Program) -> Program:
    program.full_clean()
    program.save()
    for kind in (Account.Kind.PROMOTION, Account.Kind.BREAKAGE):
        ledger.system_account(program, kind)
    return program


def create_program(district, fields: dict) -> Program:
    if Program.objects.filter(district=district, name=fields.get("name")).exists():
        raise Conflict(_("The district already has a programme with this name."), field="name")
    return save_program(Program(district=district, **fields))


def update_program(program: Program, fields: dict) -> Program:
    for name, value in fields.items():
        setattr(program, name, value)
    return save_program(program)


def set_merchant_rate(program: Program, business: Business, multiplier: Decimal) -> MerchantRate:
    if business.district_id != program.district_id:
        raise Invalid(_("The business is not in the programme's district."), field="business")
    rate, _created = MerchantRate.objects.update_or_create(
        program=program, business=business, defaults={"multiplier": multiplier}
    )
    rate.full_clean()
    return rate


# --- Campaigns ------------------------------------------------------------------------------


def save_campaign(campaign: Campaign, business_ids: list[int] | None = None) -> Campaign:
    campaign.full_clean()
    if business_ids is not None:
        businesses = list(
            Business.objects.filter(pk__in=business_ids, district=campaign.program.district_id)
        )
        if len(businesses) != len(set(business_ids)):
            raise Invalid(_("Unknown business for this district."), field="businesses")
    with transaction.atomic():
        campaign.save()
        if business_ids is not None:
            campaign.businesses.set(businesses)
    return campaign


def delete_campaign(campaign: Campaign) -> None:
    if campaign.entries.exists():
        raise Conflict(
            _("The campaign has awarded points: deactivate it instead."), code="campaign_in_use"
        )
    campaign.delete()


# --- Cards ----------------------------------------------------------------------------------


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_card(program: Program, **fields) -> tuple[Card, str]:
    raw = f"{CARD_TOKEN_PREFIX}_{secrets.token_urlsafe(24)}"
    while True:
        number = cardnumbers.new_number()
        if not Card.objects.filter(number=number).exists():
            break
    card = Card(program=program, number=number, token_hash=token_digest(raw), **fields)
    card.full_clean()
    card.save()
    Account.objects.create(program=program, kind=Account.Kind.CARD, card=card)
    return card, raw


def issue_card(program: Program, **holder) -> tuple[Card, str]:
    """A new active card and its wallet token (returned here only, stored hashed)."""
    with transaction.atomic():
        return _new_card(program, **holder)


def issue_batch(program: Program, count: int) -> list[tuple[Card, str]]:
    if not 1 <= count <= 1000:
        raise Invalid(_("A batch holds from 1 to 1000 cards."), field="count")
    batch = timezone.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
    with transaction.atomic():
        return [_new_card(program, batch=batch) for _i in range(count)]


def find_card(text: str, programs) -> Card:
    """The card with this printed number among ``programs``; the check digit is
    verified before any lookup."""
    number = parse_card_number(text)
    card = (
        Card.objects.select_related("program__district", "account")
        .filter(number=number, program__in=programs)
        .first()
    )
    if card is None:
        raise till.card_not_found()
    return card


def card_for_token(raw: str) -> Card | None:
    if not raw or not raw.startswith(f"{CARD_TOKEN_PREFIX}_"):
        return None
    card = (
        Card.objects.select_related("program__district", "account")
        .filter(token_hash=token_digest(raw))
        .first()
    )
    if card is None or card.status in (Card.Status.REPLACED, Card.Status.LOST):
        return None
    return card


def set_card_status(card: Card, status: str) -> Card:
    allowed = {Card.Status.ACTIVE, Card.Status.BLOCKED, Card.Status.LOST}
    if status not in allowed:
        raise Invalid(_("A card can be set active, blocked or lost."), field="status")
    if card.status == Card.Status.REPLACED:
        raise Conflict(_("A replaced card cannot change status."), code="card_replaced")
    card.status = status
    card.save(update_fields=["status"])
    return card


def balance_of(card: Card) -> int:
    return Account.objects.filter(card=card).values_list("balance", flat=True).get()


def replace_card(card: Card, *, by=None, now: datetime | None = None) -> tuple[Card, str]:
    """A new card for a lost or damaged one; the balance moves over through the ledger,
    each lot keeping its expiry date."""
    now = now or timezone.now()
    with transaction.atomic():
        account = ledger.lock_card_account(card)
        card.refresh_from_db()
        if card.status == Card.Status.REPLACED:
            raise Conflict(_("This card has already been replaced."), code="card_replaced")
        new_card, raw = _new_card(
            card.program,
            holder_name=card.holder_name,
            holder_email=card.holder_email,
            consent_privacy=card.consent_privacy,
            consent_marketing=card.consent_marketing,
            user=card.user,
        )
        lots = ledger.card_lots(account)
        moved = sum(points for _expires, points in lots)
        legs = [Leg(account, -moved)] + [
            Leg(new_card.account, points, expires_on=expires_on) for expires_on, points in lots
        ]
        ledger.post(
            program=card.program,
            kind=Kind.TRANSFER,
            card=card,
            legs=legs,
            posted_at=now,
            reference=new_card.number,
            created_by=by,
            reason=_("Replaced by card %(number)s") % {"number": new_card.number},
        )
        card.status = Card.Status.REPLACED
        card.replaced_by = new_card
        card.save(update_fields=["status", "replaced_by"])
    return new_card, raw


# --- Idempotency ----------------------------------------------------------------------------


def _replay(scope: str, key: str, print_: str) -> LedgerTransaction | None:
    """The movement stored under the key, if any (its answer only when it exists: most
    lookups follow a refusal and find nothing)."""
    stored = till.stored_under(scope, key) if key else None
    if stored is None:
        return None
    if stored[1] != print_:
        raise till.idempotency_conflict()
    return LedgerTransaction.objects.get(pk=stored[0])


def _once(
    scope: str, key: str | None, request: dict, run: Callable[[dict], LedgerTransaction]
) -> tuple[LedgerTransaction, bool]:
    """Run ``run`` once per (scope, key); return (transaction, replayed).

    The first request with a key is the common case, so the key is not looked up
    beforehand: ``run`` posts the movement, whose row carries the key under a unique
    constraint. Only when that fails, on the constraint (an earlier or concurrent
    request with the same key) or on a domain error (a replay must not answer with
    what the state is now, e.g. ``insufficient_points`` after the first redemption),
    is the key looked up: a stored movement is the answer (or ``idempotency_conflict``
    if it was for another request); with none, the error stands.
    """
    key = key or ""
    if len(key) > till.KEY_LENGTH:
        raise Invalid(_("The Idempotency-Key is too long."), field="Idempotency-Key")
    print_ = ledger.fingerprint(request)
    fields = {"idempotency_scope": scope, "idempotency_key": key, "request_fingerprint": print_}
    try:
        with transaction.atomic():
            return run(fields), False
    except (IntegrityError, DomainError):
        if existing := _replay(scope, key, print_):
            return existing, True
        raise


# --- Earn, redeem, reverse ------------------------------------------------------------------


def transaction_answer(tx: LedgerTransaction, balance: int) -> dict:
    """The JSON answer for a movement but its ``id``, built before the row is written
    and stored in it, so that a replay returns it unchanged (see ``answer``)."""
    return till.movement_answer(
        kind=tx.kind,
        number=tx.card.number,
        business_id=tx.business_id,
        points=tx.points,
        amount=tx.amount,
        discount=-tx.points * tx.program.point_value if tx.kind == Kind.REDEEM else None,
        balance=balance,
        applied_rules=tx.applied_rules,
        reverses=tx.reverses_id,
        created_at=ledger.local_time(tx.program, tx.posted_at),
    )


def answer(tx: LedgerTransaction) -> dict:
    """The answer stored with a till movement, with the movement's id first."""
    return {"id": tx.pk, **tx.response}


def _answer_for(account: Account) -> Callable[[LedgerTransaction], dict]:
    """``post``'s ``respond``: the answer with the balance of the locked card account,
    which ``post`` has brought up to date."""
    return lambda tx: transaction_answer(tx, account.balance)


def _require_usable(card: Card) -> None:
    if card.status != Card.Status.ACTIVE:
        raise till.card_blocked(card.status)


def till_movement(
    business: Business,
    kind: str,
    card: str,
    *,
    amount: Decimal | None = None,
    points: int | None = None,
    key: str | None = None,
    by: AbstractBaseUser | None = None,
    terminal: ApiToken | None = None,
    now: datetime | None = None,
    program: Program | None = None,
) -> dict:
    """Earn points on a purchase of ``amount`` euro, or redeem ``points`` as a discount
    of points × point value, with the card numbered ``card`` at ``business``'s till (see
    ``till`` and ``earning`` for the rules). ``program`` is the card's, when known."""
    request = till.TillRequest(
        business=business,
        kind=kind,
        card=card,
        amount=amount,
        points=points,
        key=key or "",
        terminal_id=terminal.pk if terminal else None,
        by_id=by.pk if by else None,
        now=now,
    )
    return till.post(request, program.pk if program else None)


class TillOptions(TypedDict, total=False):
    """Who and when of a till movement, as ``till_movement`` takes them."""

    key: str | None
    by: AbstractBaseUser | None
    terminal: ApiToken | None
    now: datetime | None


def earn(
    card: Card, business: Business, amount: Decimal | None, **options: Unpack[TillOptions]
) -> dict:
    """Give the points a purchase of ``amount`` euro earns at ``business``."""
    return till_movement(
        business, Kind.EARN, card.number, amount=amount, program=card.program, **options
    )


def redeem(
    card: Card, business: Business, points: int | None, **options: Unpack[TillOptions]
) -> dict:
    """Take ``points`` off the card as a discount of points × point value at ``business``."""
    return till_movement(
        business, Kind.REDEEM, card.number, points=points, program=card.program, **options
    )


def reverse(
    original: LedgerTransaction,
    *,
    key: str | None = None,
    by=None,
    terminal=None,
    now: datetime | None = None,
) -> dict:
    """Post the exact opposite of ``original`` (earn, redeem, adjustment or reward)."""
    if original.kind not in (Kind.EARN, Kind.REDEEM, Kind.ADJUSTMENT, Kind.GRANT):
        raise Conflict(_("This kind of movement cannot be reversed."), code="not_reversible")
    scope = f"reverse:{original.program_id}"
    request = {"op": "reverse", "transaction": original.pk}
    program = original.program

    def run(fields: dict) -> LedgerTransaction:
        moment = now or timezone.now()
        account = ledger.lock_card_account(original.card)
        if LedgerTransaction.objects.filter(reverses=original).exists():
            raise Conflict(_("This movement was already reversed."), code="already_reversed")
        today = ledger.local_time(program, moment).date()
        legs = []
        for entry in original.entries.select_related("account"):
            expires_on = None
            if entry.account.kind == Account.Kind.CARD and -entry.points > 0:
                # Points given back to the card start a new lot.
                expires_on = ledger.expiry_date(today, program.expiry_months)
            target = account if entry.account_id == account.pk else entry.account
            legs.append(Leg(target, -entry.points, expires_on, entry.campaign_id))
        tx = ledger.post(
            program=program,
            kind=Kind.REVERSAL,
            card=original.card,
            legs=legs,
            posted_at=moment,
            business=original.business,
            amount=original.amount,
            reverses=original,
            created_by=by,
            terminal=terminal,
            respond=_answer_for(account),
            **fields,
        )
        return tx

    if key:
        tx, _replayed = _once(scope, key, request, run)
        return answer(tx)
    try:
        with transaction.atomic():
            tx = run({})
    except IntegrityError:
        raise Conflict(_("This movement was already reversed."), code="already_reversed") from None
    return answer(tx)


def adjust(
    card: Card,
    points: int,
    reason: str,
    *,
    key: str | None = None,
    by=None,
    now: datetime | None = None,
) -> dict:
    """A manual correction by a manager, against the district's promotion budget."""
    program = card.program
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("An adjustment needs a reason."), field="reason")
    if not points:
        raise Invalid(_("Give a number of points other than zero."), field="points")
    ledger.check_points_limit(points)
    request = {"op": "adjust", "card": card.number, "points": points, "reason": reason}

    def run(fields: dict) -> LedgerTransaction:
        moment = now or timezone.now()
        account = ledger.lock_card_account(card)
        expires_on = None
        if points > 0:
            expires_on = ledger.expiry_date(
                ledger.local_time(program, moment).date(), program.expiry_months
            )
        legs = [
            Leg(account, points, expires_on=expires_on),
            Leg(ledger.system_account(program, Account.Kind.PROMOTION), -points),
        ]
        tx = ledger.post(
            program=program,
            kind=Kind.ADJUSTMENT,
            card=card,
            legs=legs,
            posted_at=moment,
            reason=reason,
            created_by=by,
            respond=_answer_for(account),
            **fields,
        )
        return tx

    tx, _replayed = _once(f"adjust:{program.pk}", key, request, run)
    return answer(tx)


def grant_points(
    card: Card,
    points: int,
    source: str,
    reference: str,
    idempotency_key: str,
    *,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Reward a cardholder with ``points`` paid by the district's promotion budget.

    The public entry point for other apps (e.g. ``checkins`` for a verified visit).

    - ``card``: a ``Card``; it must be active, else ``Conflict("card_blocked")``.
    - ``points``: a positive int, else ``Invalid`` (field ``points``).
    - ``source``: short name of the calling app (``"checkins"``), at most 40 chars.
    - ``reference``: the caller's id for the reason (a check-in id), at most 120 chars.
    - ``idempotency_key``: required; unique per ``source``. Calling again with the same
      key and the same card, points and reference returns the first transaction and
      posts nothing; the same key with anything else raises
      ``Conflict("idempotency_conflict")``.

    Returns the ``LedgerTransaction`` (kind ``grant``): ``+points`` on the card,
    ``-points`` on the promotion budget, in one atomic posting. The points expire
    under the programme's policy like earned ones. Raises ``Conflict("period_closed")``
    only if ``now`` falls in a closed settlement period.
    """
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise Invalid(_("Give a number of points above zero."), field="points")
    ledger.check_points_limit(points)
    if not source or len(source) > 40:
        raise Invalid(_("Give the source, at most 40 characters."), field="source")
    if len(reference or "") > 120:
        raise Invalid(_("The reference is at most 120 characters."), field="reference")
    if not idempotency_key:
        raise Invalid(_("An idempotency key is required."), field="idempotency_key")
    program = card.program
    request = {"op": "grant", "card": card.number, "points": points, "reference": reference}

    def run(fields: dict) -> LedgerTransaction:
        moment = now or timezone.now()
        account = ledger.lock_card_account(card)
        _require_usable(card)
        expires_on = ledger.expiry_date(
            ledger.local_time(program, moment).date(), program.expiry_months
        )
        legs = [
            Leg(account, points, expires_on=expires_on),
            Leg(ledger.system_account(program, Account.Kind.PROMOTION), -points),
        ]
        tx = ledger.post(
            program=program,
            kind=Kind.GRANT,
            card=card,
            legs=legs,
            posted_at=moment,
            source=source,
            reference=reference or "",
            respond=_answer_for(account),
            **fields,
        )
        return tx

    tx, _replayed = _once(f"grant:{source}", idempotency_key, request, run)
    return tx


# --- Expiry ---------------------------------------------------------------------------------


def expire(program: Program | None = None, *, today: date | None = None) -> int:
    """Post the expiry of every lot whose last valid day is before ``today`` (the local
    date by default). Idempotent: lots already expired are not expired again. Returns
    the number of points expired."""
    programs = Program.objects.filter(expiry_months__isnull=False).select_related("district")
    if program is not None:
        programs = programs.filter(pk=program.pk)
    expired = 0
    for each in programs:
        posted_at = timezone.now()
        day = ledger.local_time(each, posted_at).date()
        if today is not None:
            day = today
            posted_at = datetime.combine(today, time.min, ZoneInfo(each.district.time_zone))
        breakage = ledger.system_account(each, Account.Kind.BREAKAGE)
        candidates = (
            Account.objects.filter(
                program=each,
                kind=Account.Kind.CARD,
                balance__gt=0,
                entries__expires_on__lt=day,
            )
            .select_related("card")
            .distinct()
        )
        for account in candidates:
            with transaction.atomic():
                locked = ledger.lock_card_account(account.card)
                due = ledger.due_to_expire(ledger.card_lots(locked), day)
                if due <= 0:
                    continue
                ledger.post(
                    program=each,
                    kind=Kind.EXPIRY,
                    card=account.card,
                    legs=[Leg(locked, -due), Leg(breakage, due)],
                    posted_at=posted_at,
                    reason=_("Points valid until before %(day)s") % {"day": day.isoformat()},
                )
                expired += due
    return expired


def expiring_next(card: Card) -> dict | None:
    """The earliest lot still to expire on the card: ``{"points", "expires_on"}``."""
    lots = [lot for lot in ledger.card_lots(card.account) if lot[0] is not None]
    if not lots:
        return None
    first = min(expires_on for expires_on, _points in lots)
    return {
        "points": sum(points for expires_on, points in lots if expires_on == first),
        "expires_on": first,
    }


# --- Reading --------------------------------------------------------------------------------


def transaction_row(tx: LedgerTransaction) -> dict:
    return {
        "id": tx.pk,
        "kind": tx.kind,
        "card": tx.card.number,
        "business": tx.business_id,
        "points": tx.points,
        "amount": None if tx.amount is None else money(tx.amount),
        "reason": tx.reason,
        "reverses": tx.reverses_id,
        "reversed": hasattr(tx, "reversed_by"),
        "created_at": tx.posted_at,
    }


def wallet(card: Card, *, history: int = 50) -> dict:
    """What the cardholder sees: balance and its value, last movements, next expiry."""
    program = card.program
    balance = balance_of(card)
    movements = (
        LedgerTransaction.objects.filter(card=card)
        .select_related("business")
        .order_by("-posted_at", "-id")[:history]
    )
    return {
        "card": card.number,
        "program": program.name,
        "status": card.status,
        "balance": balance,
        "point_value": f"{program.point_value.normalize():f}",
        "balance_value": money(balance * program.point_value),
        "expiring_next": expiring_next(card),
        "history": [
            {
                "id": tx.pk,
                "kind": tx.kind,
                "points": tx.points,
                "business": tx.business.name if tx.business_id else None,
                "created_at": tx.posted_at,
            }
            for tx in movements
        ],
    }


# --- Ledger checksum (backups) --------------------------------------------------------------


def ledger_checksum(cursor) -> dict:
    """A summary of the whole points ledger read through ``cursor`` (any DB-API cursor:
    Django's, or a backup file's own ``sqlite3`` one), which a restored copy must
    reproduce: how many transactions and entries, the sum of all entries (zero in a
    balanced ledger), the sum of the cards' kept balances, and a SHA-256 over every
    entry (id, transaction, account, points) in id order."""
    entry, account = Entry._meta.db_table, Account._meta.db_table
    tx = LedgerTransaction._meta.db_table
    cursor.execute(f'SELECT count(*) FROM "{tx}"')
    transactions = cursor.fetchone()[0]
    cursor.execute(f'SELECT count(*), coalesce(sum(points), 0) FROM "{entry}"')
    entries, points_sum = cursor.fetchone()
    cursor.execute(f"SELECT coalesce(sum(balance), 0) FROM \"{account}\" WHERE kind = 'card'")
    card_balances = cursor.fetchone()[0]
    digest = hashlib.sha256()
    cursor.execute(f'SELECT id, transaction_id, account_id, points FROM "{entry}" ORDER BY id')
    while rows := cursor.fetchmany(10_000):
        digest.update("".join(f"{a}:{b}:{c}:{d}\n" for a, b, c, d in rows).encode())
    return {
        "transactions": transactions,
        "entries": entries,
        "points_sum": int(points_sum),
        "card_balances": int(card_balances),
        "sha256": digest.hexdigest(),
    }


# --- Personal data (used by the privacy app) ------------------------------------------------


def cards_of_person(card: Card | None = None, user=None) -> list[Card]:
    """Every card of one person: the cards replacing or replaced by ``card`` (the
    same holder), and every card of ``user`` (or of the card's user)."""
    user = user or (card.user if card is not None else None)
    found: dict[int, Card] = {}
    pending = [card] if card is not None else []
    if user is not None:
        pending += list(Card.objects.filter(user=user))
    while pending:
        current = pending.pop()
        if current.pk in found:
            continue
        found[current.pk] = current
        pending += list(
            Card.objects.filter(Q(replaced_by=current) | Q(replaces=current)).exclude(pk__in=found)
        )
    return sorted(
        Card.objects.select_related("program__district", "account").filter(pk__in=found),
        key=lambda c: c.pk,
    )


def movements_of(cards: list[Card]) -> list[dict]:
    """The ledger movements of ``cards``, oldest first, as a cardholder reads them."""
    rows = (
        LedgerTransaction.objects.filter(card__in=cards)
        .select_related("card", "business")
        .order_by("posted_at", "id")
    )
    return [
        {
            "card": tx.card.number,
            "id": tx.pk,
            "kind": tx.kind,
            "points": tx.points,
            "amount": None if tx.amount is None else money(tx.amount),
            "business": tx.business.name if tx.business else "",
            "posted_at": tx.posted_at.isoformat(),
            "reason": tx.reason,
            "source": tx.source,
        }
        for tx in rows
    ]


def set_consents(card: Card, *, privacy: bool | None = None, marketing: bool | None = None) -> Card:
    """Keep the card's current consent flags (the privacy app keeps their history)."""
    fields = []
    if privacy is not None:
        card.consent_privacy, fields = privacy, [*fields, "consent_privacy"]
    if marketing is not None:
        card.consent_marketing, fields = marketing, [*fields, "consent_marketing"]
    if fields:
        card.save(update_fields=fields)
    return card


def erase_holder(card: Card) -> Card:
    """Remove the person from ``card``: name, e-mail, consents and user link go, the
    wallet token stops working, and an active card is blocked (its holder has left).
    The card's number and its ledger stay, pseudonymous: balances and settlements
    do not change."""
    card.holder_name = ""
    card.holder_email = ""
    card.consent_privacy = card.consent_marketing = False
    card.user = None
    card.token_hash = token_digest(secrets.token_urlsafe(32))  # no one holds this token
    if card.status == Card.Status.ACTIVE:
        card.status = Card.Status.BLOCKED
    card.save(
        update_fields=[
            "holder_name",
            "holder_email",
            "consent_privacy",
            "consent_marketing",
            "user",
            "token_hash",
            "status",
        ]
    )
    return card
