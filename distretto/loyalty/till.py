"""A movement at a shop's till: points earned on a purchase, or redeemed as a discount.

Every till of the district sends one for each sale, so a movement costs one database
round trip on PostgreSQL. It goes in three steps:

1. **Plan** (``make_plan``, no database): check the request against the card's
   programme, evaluate the earning rules (``earning``), and decide the legs, the
   answer to store and the request's fingerprint. The programme is the card's when
   the caller knows the card, else the one of the last card seen at the till's
   district in this worker, which the database confirms.
2. **Post** the plan in one database transaction: on PostgreSQL one call of the
   function ``loyalty_till_post`` (migration 0003), elsewhere ``post_in_python``,
   which makes the same checks in the same order and writes through ``ledger.post``.
   Either answers an ``Outcome``; a refusal writes nothing.
3. **Conclude**: the answer, a refusal (a domain error), or a new plan when the
   database knew better: the card is in another programme of the district, its
   capped campaigns have given it other sums today than the plan assumed, or a
   concurrent request with the same idempotency key committed first.

``movement`` runs these steps as a generator that yields what it needs (a
programme's ``Setting``, or the ``Outcome`` of posting a ``Plan``) and is sent the
answers, so that the same steps run on Django's connection (``post``: the API
handler, the web till, the demo) and on an event loop (``fastpath``).

The outcomes, in the order the database checks them: ``replay`` (the key's first
answer), ``idempotency_conflict``, ``card_not_found`` (also a card of another
district), ``other_program``, ``card_blocked``, ``program_not_running``,
``recompute``, ``insufficient_points``, ``period_closed``, ``ok``; and ``again`` when
the key's row was written by a concurrent request meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.core import metrics
from distretto.core.errors import Conflict, DomainError, Invalid, NotFound
from distretto.loyalty import cache, cardnumbers, earning, ledger
from distretto.loyalty.ledger import InsufficientPoints, Leg, money
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

Kind = LedgerTransaction.Kind
# A plan is made again at most this many times (another programme, other per-day
# sums, a concurrent request with the same key): each needs a change between two
# round trips, so a movement that still has no answer is refused as busy.
ATTEMPTS = 5
KEY_LENGTH = LedgerTransaction._meta.get_field("idempotency_key").max_length


# --- What a movement needs of its programme -------------------------------------------------


@dataclass(frozen=True)
class EarningRules:
    """A programme's merchant multipliers (by business id) and active campaigns."""

    multipliers: dict[int, Decimal]
    campaigns: list[earning.CampaignRule]


def _campaign_rules(program: Program) -> list[earning.CampaignRule]:
    rules = []
    for campaign in program.campaigns.filter(active=True).prefetch_related("businesses"):
        rules.append(
            earning.CampaignRule(
                id=campaign.pk,
                name=campaign.name,
                starts_on=campaign.starts_on,
                ends_on=campaign.ends_on,
                weekdays=tuple(campaign.weekdays),
                time_from=campaign.time_from,
                time_to=campaign.time_to,
                categories=tuple(campaign.categories),
                business_ids=tuple(b.pk for b in campaign.businesses.all()),
                multiplier=campaign.multiplier,
                bonus_points=campaign.bonus_points,
                min_spend=campaign.min_spend,
                cap_per_card_per_day=campaign.cap_per_card_per_day,
            )
        )
    return rules


@dataclass(frozen=True)
class Setting:
    """What a programme's movements at one business need: the programme (with its
    district), its earning rules, and the ledger accounts on the other side."""

    program: Program
    rules: EarningRules
    issued: Account  # the business's merchant_issued account
    redeemed: Account  # the business's merchant_redeemed account
    promotion: Account


def _setting_key(business: Business) -> str:
    return f"till:{business.pk}"


def setting_for(program_id: int, business: Business) -> Setting | None:
    """The programme's setting at ``business``, through the worker's cache (``cache``);
    None if there is no such programme."""

    def load() -> Setting | None:
        program = Program.objects.select_related("district").filter(pk=program_id).first()
        if program is None:
            return None
        multipliers = MerchantRate.objects.filter(program=program).values_list(
            "business_id", "multiplier"
        )
        return Setting(
            program=program,
            rules=EarningRules(dict(multipliers), _campaign_rules(program)),
            issued=ledger.system_account(program, Account.Kind.MERCHANT_ISSUED, business),
            redeemed=ledger.system_account(program, Account.Kind.MERCHANT_REDEEMED, business),
            promotion=ledger.system_account(program, Account.Kind.PROMOTION),
        )

    return cache.fresh(_setting_key(business), program_id, load)


def kept_setting(program_id: int, business: Business) -> Setting | None:
    """The setting if the worker keeps it, without touching the database."""
    return cache.peek(_setting_key(business), program_id)


# The programme of the last card seen at each district (district id → programme id):
# the plan's first guess when the caller does not know the card.
_district_programs: dict[int, int] = {}


# --- Requests, plans, outcomes --------------------------------------------------------------


@dataclass(frozen=True)
class TillRequest:
    """An earn or a redemption as the till sends it."""

    business: Business
    kind: str  # "earn" or "redeem"
    card: str  # the printed number as typed or scanned
    amount: Decimal | None = None  # earn: the purchase in euro
    points: int | None = None  # redeem
    key: str = ""  # Idempotency-Key
    terminal_id: int | None = None
    by_id: int | None = None  # the person at a web till
    now: datetime | None = None

    def fingerprint_source(self, number: str) -> dict:
        if self.kind == Kind.EARN:
            return {"op": "earn", "card": number, "amount": str(self.amount)}
        return {"op": "redeem", "card": number, "points": self.points}


@dataclass(frozen=True)
class SettingNeeded:
    program_id: int


@dataclass(frozen=True)
class Plan:
    """One movement, decided; ``program_id`` None asks only which programme the card
    is in (nothing is written)."""

    number: str
    district_id: int
    program_id: int | None
    kind: str
    card_points: int  # the card's signed change
    expires_on: date | None  # of the points credited to the card
    legs: tuple[Leg, ...]  # the other side: merchant accounts, the promotion budget
    capped: tuple[int, ...]  # capped campaigns of this purchase ...
    awarded: tuple[int, ...]  # ... and what the plan assumed they gave the card today
    day_start: datetime  # the local day of the movement, for the per-day sums
    day_end: datetime
    business_id: int
    amount: Decimal | None
    applied_rules: list[dict]
    posted_at: datetime
    period: str
    terminal_id: int | None
    by_id: int | None
    scope: str
    key: str
    fingerprint: str
    response: dict  # the answer but its id; the database adds the balance

    def arguments(self) -> list:
        """The arguments of ``loyalty_till_post``, in its order (see ``CALL``). The legs'
        campaigns and the capped campaigns with their sums are NULL rather than arrays
        of only NULLs or of nothing: the function reads them the same, and the driver
        converts nothing."""
        campaigns = [leg.campaign_id for leg in self.legs]
        return [
            self.number,
            self.district_id,
            self.program_id,
            self.kind,
            self.card_points,
            self.expires_on,
            [leg.account.pk for leg in self.legs],
            [leg.points for leg in self.legs],
            campaigns if any(campaigns) else None,
            list(self.capped) or None,
            list(self.awarded) or None,
            self.day_start,
            self.day_end,
            self.day_start.date(),
            self.business_id,
            self.amount,
            orjson.dumps(self.applied_rules).decode(),
            self.posted_at,
            self.period,
            self.terminal_id,
            self.by_id,
            self.scope,
            self.key,
            self.fingerprint,
            orjson.dumps(self.response).decode(),
        ]

    def answer(self, movement_id: int, balance: int) -> dict:
        return {"id": movement_id, **self.response, "balance": balance}


CALL = (
    "SELECT outcome, movement_id, balance_after, detail FROM loyalty_till_post("
    "%s::text, %s::bigint, %s::bigint, %s::text, %s::bigint, %s::date, %s::bigint[],"
    " %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::timestamptz,"
    " %s::timestamptz, %s::date, %s::bigint, %s::numeric, %s::jsonb, %s::timestamptz,"
    " %s::text, %s::bigint, %s::integer, %s::text, %s::text, %s::text, %s::jsonb)"
)


class Outcome(NamedTuple):
    """What the database did with a plan; ``detail`` is JSON text (see the module)."""

    outcome: str
    movement_id: int | None = None
    balance: int | None = None
    detail: str | None = None


def movement_answer(
    *,
    kind: str,
    number: str,
    business_id: int | None,
    points: int,
    amount: Decimal | None,
    discount: Decimal | None,
    balance: int | None,
    applied_rules: list[dict],
    reverses: int | None,
    created_at: datetime,
) -> dict:
    """The JSON answer to a movement at a till (``TransactionOut``) but its id."""
    return {
        "kind": kind,
        "card": number,
        "business": business_id,
        "points": abs(points),
        "amount": None if amount is None else money(amount),
        "discount": None if discount is None else money(discount),
        "balance": balance,
        "applied_rules": applied_rules,
        "reverses": reverses,
        "created_at": created_at.isoformat(),
    }


# --- Planning (no database) -----------------------------------------------------------------


def validate_amount(program: Program, amount: Decimal | None) -> Decimal:
    if amount is None:
        raise Invalid(_("Give the purchase amount."), field="amount")
    if not amount.is_finite() or amount <= 0:
        raise Invalid(_("The amount must be above zero."), field="amount")
    if amount.as_tuple().exponent < -2:
        raise Invalid(_("The amount has at most two decimals."), field="amount")
    if amount > program.max_amount:
        raise Invalid(
            _("The amount is above the limit of %(limit)s EUR.") % {"limit": program.max_amount},
            field="amount",
        )
    return amount


def validate_points(program: Program, points: int | None) -> int:
    if points is None or points <= 0:
        raise Invalid(_("Give a number of points above zero."), field="points")
    ledger.check_points_limit(points)
    if points < program.min_redemption:
        raise Invalid(
            _("At least %(points)s points per redemption.") % {"points": program.min_redemption},
            code="below_minimum_redemption",
            field="points",
        )
    return points


def local_day(moment: datetime) -> tuple[datetime, datetime]:
    """The start and the end of the local day of ``moment`` (an aware local time)."""
    start = datetime.combine(moment.date(), time.min, moment.tzinfo)
    return start, datetime.combine(moment.date() + timedelta(days=1), time.min, moment.tzinfo)


def make_plan(
    request: TillRequest,
    number: str,
    setting: Setting | None,
    awarded: dict[int, int],
    now: datetime,
) -> Plan:
    """The movement ``request`` makes on card ``number`` in ``setting``'s programme,
    assuming the card's capped campaigns gave it ``awarded`` points today (campaign id
    → points). Without a setting, a plan that only asks for the card's programme.
    Raises ``Invalid`` for an amount or points the programme does not accept."""
    scope = f"business:{request.business.pk}"
    fingerprint = ledger.fingerprint(request.fingerprint_source(number))
    local_now = ledger.local_time(setting.program, now) if setting else now
    day_start, day_end = local_day(local_now)
    fields = {
        "number": number,
        "district_id": request.business.district_id,
        "kind": request.kind,
        "day_start": day_start,
        "day_end": day_end,
        "business_id": request.business.pk,
        "posted_at": now,
        "terminal_id": request.terminal_id,
        "by_id": request.by_id,
        "scope": scope,
        "key": request.key,
        "fingerprint": fingerprint,
    }
    if setting is None:  # only asks for a stored answer, or the card's programme
        return Plan(
            program_id=None,
            card_points=0,
            expires_on=None,
            legs=(),
            capped=(),
            awarded=(),
            amount=None,
            applied_rules=[],
            period="",
            response={},
            **fields,
        )
    program = setting.program
    if request.kind == Kind.EARN:
        amount = validate_amount(program, request.amount)
        earned = earning.evaluate(
            amount=amount,
            earn_rate=program.earn_rate,
            merchant_multiplier=setting.rules.multipliers.get(request.business.pk),
            campaigns=setting.rules.campaigns,
            when=local_now,
            business_id=request.business.pk,
            category=request.business.category,
            already_awarded_today=awarded,
        )
        capped = tuple(earned.capped_campaigns)
        card_points = earned.total
        ledger.check_points_limit(card_points, field="amount")
        legs = (
            Leg(setting.issued, -earned.merchant_points),
            *(
                Leg(setting.promotion, -points, campaign_id=campaign_id)
                for campaign_id, points in earned.campaign_points.items()
            ),
        )
        expires_on = ledger.expiry_date(local_now.date(), program.expiry_months)
        applied_rules, discount = earned.applied_rules, None
    else:
        amount, capped, expires_on, applied_rules = None, (), None, []
        points = validate_points(program, request.points)
        card_points = -points
        legs = (Leg(setting.redeemed, points),)
        discount = points * program.point_value
    return Plan(
        program_id=program.pk,
        card_points=card_points,
        expires_on=expires_on,
        legs=legs,
        capped=capped,
        awarded=tuple(awarded.get(campaign_id, 0) for campaign_id in capped),
        amount=amount,
        applied_rules=applied_rules,
        period=local_now.strftime("%Y-%m"),
        response=movement_answer(
            kind=request.kind,
            number=number,
            business_id=request.business.pk,
            points=card_points,
            amount=amount,
            discount=discount,
            balance=None,
            applied_rules=applied_rules,
            reverses=None,
            created_at=local_now,
        ),
        **fields,
    )


# --- The steps ------------------------------------------------------------------------------


@metrics.counted_movement  # movements and refusals by code, at /metrics
def movement(
    request: TillRequest, program_id: int | None = None
) -> Generator[SettingNeeded | Plan, Setting | Outcome | None, dict]:
    """The steps of ``request`` (see the module): yields a ``SettingNeeded`` to be sent
    the ``Setting`` (None if the programme is gone), or a ``Plan`` to be sent its
    ``Outcome``; returns the answer or raises the refusal. ``program_id`` is the card's
    programme if the caller knows it."""
    number = cardnumbers.parse(request.card)
    if len(request.key) > KEY_LENGTH:
        raise Invalid(_("The Idempotency-Key is too long."), field="Idempotency-Key")
    now = request.now or timezone.now()
    district_id = request.business.district_id
    confirmed = program_id is not None
    program_id = program_id or _district_programs.get(district_id)
    awarded: dict[int, int] = {}
    refused: Invalid | None = None  # by the rules of programme_id, pending a probe
    for _attempt in range(ATTEMPTS):
        setting = None if program_id is None else (yield SettingNeeded(program_id))
        if setting is None:  # not known, or the guess names a programme that has gone
            _district_programs.pop(district_id, None)
            program_id = None
        try:
            plan, refused = make_plan(request, number, setting, awarded, now), None
        except Invalid as invalid:
            if confirmed and not request.key:
                raise
            # Refused by the programme's rules: a replay still gets its first answer
            # (rules change, retries come late), and a guessed programme must be the
            # card's. A probe answers both, and the refusal stands if neither helps.
            plan, refused = make_plan(request, number, None, awarded, now), invalid
        outcome = yield plan
        match outcome.outcome:
            case "ok":
                return plan.answer(outcome.movement_id, outcome.balance)
            case "replay":
                return {"id": outcome.movement_id, **json.loads(outcome.detail)}
            case "other_program":
                found = json.loads(outcome.detail)
                if refused is not None and found == program_id:
                    raise refused
                program_id, confirmed = found, True
                _district_programs[district_id] = program_id
            case "recompute":
                awarded = dict(zip(plan.capped, json.loads(outcome.detail), strict=True))
            case "stale":
                cache.forget(plan.program_id)
            case "again":
                pass
            case _:
                raise refusal(plan, outcome)
    raise Conflict(_("The card is busy: try again."), code="card_busy")


def card_not_found() -> NotFound:
    return NotFound(_("No card with this number."), code="card_not_found", field="card")


def idempotency_conflict() -> Conflict:
    return Conflict(
        _("This Idempotency-Key was used for another request."), code="idempotency_conflict"
    )


def card_blocked(status: str) -> Conflict:
    """The refusal of a card that is not active (blocked, lost or replaced)."""
    label = str(Card.Status(status).label).lower()
    return Conflict(_("The card is %(status)s.") % {"status": label}, code="card_blocked")


def refusal(plan: Plan, outcome: Outcome) -> DomainError:
    """The domain error for an outcome that refuses the movement."""
    match outcome.outcome:
        case "idempotency_conflict":
            return idempotency_conflict()
        case "card_not_found":
            return card_not_found()
        case "card_blocked":
            return card_blocked(json.loads(outcome.detail))
        case "program_not_running":
            return Conflict(_("The programme is not running."), code="program_not_running")
        case "insufficient_points":
            return InsufficientPoints(
                _("The card holds %(balance)s points.") % {"balance": outcome.balance}
            )
        case "period_closed":
            return ledger.period_closed(plan.period)
    raise ValueError(f"unknown outcome {outcome.outcome!r}")


# --- Posting on Django's connection ---------------------------------------------------------


def post(request: TillRequest, program_id: int | None = None) -> dict:
    """The movement's answer, worked out on Django's database connection."""
    steps = movement(request, program_id)
    need = next(steps)
    while True:
        if isinstance(need, Plan):
            reply = post_plan(need)
        else:
            reply = setting_for(need.program_id, request.business)
        try:
            need = steps.send(reply)
        except StopIteration as done:
            return done.value


def post_plan(plan: Plan) -> Outcome:
    if connection.vendor == "postgresql":
        return post_in_postgres(plan)
    return post_in_python(plan)


def post_in_postgres(plan: Plan) -> Outcome:
    """One call of ``loyalty_till_post``: in autocommit it is a transaction of its own;
    inside the caller's, a savepoint keeps a failed call from spoiling it."""
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with savepoint, connection.cursor() as cursor:
            cursor.execute(CALL, plan.arguments())
            return Outcome(*cursor.fetchone())
    except IntegrityError as error:
        return integrity_outcome(error, plan)


def post_in_python(plan: Plan) -> Outcome:
    """What ``loyalty_till_post`` does, in the same order, on Django's connection (the
    card's account locked by ``ledger.lock_card_account``; on SQLite the transaction
    is ``BEGIN IMMEDIATE``, so writers are already serialised)."""
    try:
        with transaction.atomic():
            return _post_in_python(plan)
    except IntegrityError as error:
        return integrity_outcome(error, plan)
    except Conflict as refused:
        if refused.code != "period_closed":
            raise
        return Outcome("period_closed")


KEY_CONSTRAINT = "loyalty_idempotency_unique"


def integrity_outcome(error: Exception, plan: Plan) -> Outcome:
    """What the database's refusal of ``plan``'s writes means (``error`` is psycopg's,
    sqlite3's, or Django's wrapping either): ``again`` when the idempotency key's row
    was committed by a concurrent request meanwhile, ``stale`` when a campaign the plan
    pays from has gone since the worker kept the programme's rules. Anything else is
    raised again."""
    cause = error.__cause__ or error
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:  # PostgreSQL names the constraint
        diag = cause.diag
        if sqlstate == "23505" and diag.constraint_name == KEY_CONSTRAINT:
            return Outcome("again")
        # A ledger entry's campaign (Django names the key after its column).
        if (
            sqlstate == "23503"
            and diag.table_name == "loyalty_entry"
            and ("campaign_id" in (diag.constraint_name or ""))
        ):
            return Outcome("stale")
        raise error
    # SQLite names the columns of a unique constraint, nothing of a foreign key.
    message = str(cause)
    if message.startswith("UNIQUE constraint failed") and "idempotency_key" in message:
        return Outcome("again")
    paid_by = {leg.campaign_id for leg in plan.legs if leg.campaign_id is not None}
    if message.startswith("FOREIGN KEY constraint failed") and paid_by - set(
        Campaign.objects.filter(pk__in=paid_by).values_list("pk", flat=True)
    ):
        return Outcome("stale")
    raise error


def stored_under(scope: str, key: str) -> tuple[int, str, dict] | None:
    """The movement stored under an idempotency key: (id, request fingerprint, answer)."""
    return (
        LedgerTransaction.objects.filter(idempotency_scope=scope, idempotency_key=key)
        .exclude(idempotency_key="")  # the unique index's condition: SQLite then uses it
        .values_list("id", "request_fingerprint", "response")
        .first()
    )


def _post_in_python(plan: Plan) -> Outcome:
    if plan.key and (stored := stored_under(plan.scope, plan.key)) is not None:
        if stored[1] != plan.fingerprint:
            return Outcome("idempotency_conflict")
        return Outcome("replay", stored[0], None, json.dumps(stored[2]))
    card = Card.objects.select_related("program__district").filter(number=plan.number).first()
    if card is None or card.program.district_id != plan.district_id:
        return Outcome("card_not_found")
    account = ledger.lock_card_account(card)
    if card.program_id != plan.program_id:
        return Outcome("other_program", detail=json.dumps(card.program_id))
    if card.status != Card.Status.ACTIVE:
        return Outcome("card_blocked", detail=json.dumps(card.status))
    if not program_running(card.program, plan.day_start.date()):
        return Outcome("program_not_running")
    if plan.capped:
        given = awarded_today(card, plan.day_start, plan.day_end)
        actual = [given.get(campaign_id, 0) for campaign_id in plan.capped]
        if tuple(actual) != plan.awarded:
            return Outcome("recompute", detail=json.dumps(actual))
    if account.balance + plan.card_points < 0:
        return Outcome("insufficient_points", balance=account.balance)
    tx = ledger.post(
        program=card.program,
        kind=plan.kind,
        card=card,
        legs=[Leg(account, plan.card_points, expires_on=plan.expires_on), *plan.legs],
        posted_at=plan.posted_at,
        respond=lambda _tx: {**plan.response, "balance": account.balance},
        business_id=plan.business_id,
        amount=plan.amount,
        applied_rules=plan.applied_rules,
        terminal_id=plan.terminal_id,
        created_by_id=plan.by_id,
        idempotency_scope=plan.scope,
        idempotency_key=plan.key,
        request_fingerprint=plan.fingerprint,
    )
    return Outcome("ok", tx.pk, account.balance)


def program_running(program: Program, today: date) -> bool:
    if not program.active:
        return False
    if program.starts_on and today < program.starts_on:
        return False
    return not (program.ends_on and today > program.ends_on)


def awarded_today(card: Card, day_start: datetime, day_end: datetime) -> dict[int, int]:
    """Campaign points given to ``card`` in the day from ``day_start``, per campaign."""
    rows = (
        Entry.objects.filter(
            campaign__isnull=False,
            transaction__card=card,
            transaction__posted_at__gte=day_start,
            transaction__posted_at__lt=day_end,
        )
        .values("campaign")
        .annotate(points=Sum("points"))
    )
    return {row["campaign"]: -row["points"] for row in rows}
