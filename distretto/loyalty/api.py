"""The fidelity card's REST API: /api/v1/loyalty/...

Managers (personal token or session) run programmes, cards and campaigns; POS
terminals (terminal token of one business) earn, redeem and reverse; the
cardholder's wallet authenticates with the card's own token (``auth.card_auth``).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Header, Router, Status

from distretto.accounts.scoping import (
    Principal,
    districts_for,
    get_in_scope,
    require_write,
)
from distretto.core.contract import one_of
from distretto.core.errors import Forbidden, Invalid, NotFound
from distretto.core.pagination import paginate
from distretto.loyalty import documents, services, settlement
from distretto.loyalty.access import (
    campaigns_for,
    cards_for,
    programs_for,
    require_manager,
    statement_businesses,
    terminal_business,
    till_businesses,
    transactions_for,
)
from distretto.loyalty.auth import card_auth
from distretto.loyalty.cardnumbers import printed
from distretto.loyalty.models import Campaign, Card, Program
from distretto.loyalty.schemas import (
    AdjustmentIn,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CampaignPatch,
    CardBatchIn,
    CardCreated,
    CardIn,
    CardOut,
    CardPage,
    CardStatusIn,
    CloseIn,
    MerchantRateIn,
    MerchantRateOut,
    ProgramIn,
    ProgramOut,
    ProgramPage,
    ProgramPatch,
    SettlementOut,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    WalletOut,
)
from distretto.territory.models import Business

router = Router(tags=["loyalty"])

IdempotencyKey = Header(None, alias="Idempotency-Key")


def _actor(principal: Principal) -> dict:
    if principal.is_device:
        return {"by": None, "terminal": principal.token}
    return {"by": principal.user, "terminal": None}


def wallet_url(request: HttpRequest, raw_token: str) -> str:
    return request.build_absolute_uri(reverse("loyalty:wallet", args=[raw_token]))


def _managed_program(request: HttpRequest, program_id: int) -> Program:
    program = get_in_scope(programs_for(request.auth), program_id, "programme")
    require_manager(request.auth, program)
    require_write(request.auth)
    return program


# --- Programmes -----------------------------------------------------------------------------


@router.get("/programs", response=ProgramPage)
def list_programs(request: HttpRequest, limit: int = 50, offset: int = 0):
    programs = programs_for(request.auth).order_by("-id")
    return paginate(programs, limit, offset)


@router.post("/programs", response={201: ProgramOut})
def create_program(request: HttpRequest, payload: ProgramIn):
    require_write(request.auth)
    fields = payload.dict()
    district = get_in_scope(districts_for(request.auth), fields.pop("district"), "district")
    if not districts_for(request.auth, manage=True).filter(pk=district.pk).exists():
        raise Forbidden("Only the district's managers may do this.", code="role_forbidden")
    return Status(201, services.create_program(district, fields))


@router.get("/programs/{program_id}", response=ProgramOut)
def get_program(request: HttpRequest, program_id: int):
    return get_in_scope(programs_for(request.auth), program_id, "programme")


@router.patch("/programs/{program_id}", response=ProgramOut)
def update_program(request: HttpRequest, program_id: int, payload: ProgramPatch):
    program = _managed_program(request, program_id)
    return services.update_program(program, payload.dict(exclude_unset=True))


@router.get("/programs/{program_id}/rules.pdf")
def program_rules_pdf(request: HttpRequest, program_id: int):
    """The regolamento: the uploaded PDF if there is one, else one generated from the data."""
    program = get_in_scope(programs_for(request.auth), program_id, "programme")
    body = program.rules_pdf.read() if program.rules_pdf else documents.rules_pdf(program)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="regolamento-{program.pk}.pdf"'
    return response


@router.put("/programs/{program_id}/merchant-rates", response=MerchantRateOut)
def set_merchant_rate(request: HttpRequest, program_id: int, payload: MerchantRateIn):
    program = _managed_program(request, program_id)
    business = get_in_scope(
        Business.objects.filter(district=program.district_id), payload.business, "business"
    )
    rate = services.set_merchant_rate(program, business, payload.multiplier)
    return {"business": business.pk, "multiplier": f"{rate.multiplier:.2f}"}


# --- Cards ----------------------------------------------------------------------------------


def card_out(card: Card) -> dict:
    return {
        "id": card.pk,
        "program": card.program_id,
        "number": card.number,
        "status": card.status,
        "balance": card.account.balance,
        "holder_name": card.holder_name,
        "holder_email": card.holder_email,
        "consent_privacy": card.consent_privacy,
        "consent_marketing": card.consent_marketing,
        "replaced_by": card.replaced_by.number if card.replaced_by_id else None,
        "created_at": card.created_at,
    }


def created_card(request: HttpRequest, card: Card, raw: str) -> dict:
    return {
        "id": card.pk,
        "program": card.program_id,
        "number": card.number,
        "printed": printed(card.number),
        "status": card.status,
        "token": raw,
        "wallet_url": wallet_url(request, raw),
    }


@router.post("/cards", response={201: CardCreated})
def issue_card(request: HttpRequest, payload: CardIn):
    """A new card. Its wallet token is in this answer only."""
    fields = payload.dict()
    program = _managed_program(request, fields.pop("program"))
    card, raw = services.issue_card(program, **fields)
    return Status(201, created_card(request, card, raw))


@router.post("/cards/batch", response={201: list[CardCreated]})
def issue_batch(
    request: HttpRequest, payload: CardBatchIn, format: one_of(["json", "csv", "pdf"]) = "json"
):
    """``count`` anonymous cards; ``?format=csv`` or ``pdf`` (a printable QR sheet)
    returns them as a file. The tokens are in this answer only."""
    if format not in {"json", "csv", "pdf"}:
        raise Invalid("format is json, csv or pdf.", field="format")
    program = _managed_program(request, payload.program)
    issued = services.issue_batch(program, payload.count)
    template = wallet_url(request, "TOKEN").replace("TOKEN", "{token}")
    pairs = [(card.number, raw) for card, raw in issued]
    if format == "csv":
        response = HttpResponse(documents.batch_csv(pairs, template), content_type="text/csv")
    elif format == "pdf":
        body = documents.batch_pdf(program, pairs, template)
        response = HttpResponse(body, content_type="application/pdf")
    else:
        return Status(201, [created_card(request, card, raw) for card, raw in issued])
    response.status_code = 201
    response["Content-Disposition"] = f'attachment; filename="cards-{issued[0][0].batch}.{format}"'
    return response


@router.get("/cards", response=CardPage)
def list_cards(request: HttpRequest, program: int | None = None, limit: int = 50, offset: int = 0):
    cards = cards_for(request.auth).select_related("account", "replaced_by").order_by("-id")
    if program is not None:
        cards = cards.filter(program=program)
    page = paginate(cards, limit, offset)
    page["items"] = [card_out(card) for card in page["items"]]
    return page


@router.get("/cards/{number}", response=dict)
def get_card(request: HttpRequest, number: str):
    """A terminal sees status and balance only; a manager the whole card."""
    if terminal_business(request.auth) is not None:
        card = services.find_card(number, programs_for(request.auth))
        return {"number": card.number, "status": card.status, "balance": card.account.balance}
    card = services.find_card(number, programs_for(request.auth, manage=True))
    return CardOut(**card_out(card)).dict()


@router.post("/cards/{number}/status", response=CardOut)
def set_card_status(request: HttpRequest, number: str, payload: CardStatusIn):
    require_write(request.auth)
    card = services.find_card(number, programs_for(request.auth, manage=True))
    return card_out(services.set_card_status(card, payload.status))


@router.post("/cards/{number}/replace", response={201: CardCreated})
def replace_card(request: HttpRequest, number: str):
    """A new card carrying the old one's balance over; the old card becomes ``replaced``."""
    require_write(request.auth)
    card = services.find_card(number, programs_for(request.auth, manage=True))
    new_card, raw = services.replace_card(card, by=request.auth.user)
    return Status(201, created_card(request, new_card, raw))


@router.post("/cards/{number}/adjustments", response={201: TransactionOut})
def adjust_card(
    request: HttpRequest, number: str, payload: AdjustmentIn, idempotency_key: str = IdempotencyKey
):
    require_write(request.auth)
    card = services.find_card(number, programs_for(request.auth, manage=True))
    answer = services.adjust(
        card, payload.points, payload.reason, key=idempotency_key, by=request.auth.user
    )
    return Status(201, answer)


# --- Wallet (card token) --------------------------------------------------------------------


@router.get("/wallet", response=WalletOut, auth=card_auth)
def wallet(request: HttpRequest):
    """The cardholder's own card: balance, last movements, the points expiring next."""
    return services.wallet(request.auth)


# --- Till (POS terminal or merchant) --------------------------------------------------------


def _till_business(request: HttpRequest, business: int | None) -> Business:
    if terminal := terminal_business(request.auth):
        return terminal
    tills = till_businesses(request.auth)
    if business is None:
        if tills.count() != 1:
            raise Invalid("Say at which business (?business=).", field="business")
        return tills.get()
    return get_in_scope(tills, business, "business")


@router.post("/transactions", response={201: TransactionOut})
def post_transaction(
    request: HttpRequest,
    payload: TransactionIn,
    business: int | None = None,
    idempotency_key: str = IdempotencyKey,
):
    """Earn points on a purchase or redeem points as a discount, at the caller's till."""
    require_write(request.auth)
    shop = _till_business(request, business)
    answer = services.till_movement(
        shop,
        payload.kind,
        payload.card,
        amount=payload.amount,
        points=payload.points,
        key=idempotency_key,
        **_actor(request.auth),
    )
    return Status(201, answer)


@router.get("/transactions", response=TransactionPage)
def list_transactions(
    request: HttpRequest,
    card: str | None = None,
    business: int | None = None,
    limit: int = 50,
    offset: int = 0,
):
    transactions = transactions_for(request.auth).select_related("card", "reversed_by")
    if card:
        transactions = transactions.filter(number_filter(card))
    if business is not None:
        transactions = transactions.filter(business=business)
    page = paginate(transactions.order_by("-posted_at", "-id"), limit, offset)
    page["items"] = [services.transaction_row(tx) for tx in page["items"]]
    return page


def number_filter(text: str) -> Q:
    return Q(card__number=services.parse_card_number(text))


@router.post("/transactions/{transaction_id}/reverse", response={201: TransactionOut})
def reverse_transaction(
    request: HttpRequest, transaction_id: int, idempotency_key: str = IdempotencyKey
):
    """Undo a movement: the same till's business or a manager of the programme."""
    require_write(request.auth)
    original = get_in_scope(
        transactions_for(request.auth).select_related("program__district", "card"),
        transaction_id,
        "transaction",
    )
    answer = services.reverse(original, key=idempotency_key, **_actor(request.auth))
    return Status(201, answer)


# --- Campaigns ------------------------------------------------------------------------------


@router.get("/campaigns", response=CampaignPage)
def list_campaigns(
    request: HttpRequest, program: int | None = None, limit: int = 50, offset: int = 0
):
    campaigns = campaigns_for(request.auth).prefetch_related("businesses").order_by("-id")
    if program is not None:
        campaigns = campaigns.filter(program=program)
    return paginate(campaigns, limit, offset)


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request: HttpRequest, payload: CampaignIn):
    fields = payload.dict()
    program = _managed_program(request, fields.pop("program"))
    businesses = fields.pop("businesses")
    return Status(201, services.save_campaign(Campaign(program=program, **fields), businesses))


def _managed_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    campaign = get_in_scope(campaigns_for(request.auth), campaign_id, "campaign")
    require_manager(request.auth, campaign.program)
    require_write(request.auth)
    return campaign


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def get_campaign(request: HttpRequest, campaign_id: int):
    return get_in_scope(campaigns_for(request.auth), campaign_id, "campaign")


@router.patch("/campaigns/{campaign_id}", response=CampaignOut)
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch):
    campaign = _managed_campaign(request, campaign_id)
    fields = payload.dict(exclude_unset=True)
    businesses = fields.pop("businesses", None)
    for name, value in fields.items():
        setattr(campaign, name, value)
    return services.save_campaign(campaign, businesses)


@router.delete("/campaigns/{campaign_id}", response={204: None})
def delete_campaign(request: HttpRequest, campaign_id: int):
    services.delete_campaign(_managed_campaign(request, campaign_id))
    return Status(204, None)


# --- Settlement -----------------------------------------------------------------------------


def _settlement_program(request: HttpRequest, program: int | None) -> Program:
    visible = programs_for(request.auth)
    if program is not None:
        return get_in_scope(visible, program, "programme")
    if visible.count() != 1:
        raise Invalid("Say which programme (program=).", field="program")
    return visible.get()


@router.get("/settlements", response=SettlementOut)
def get_settlement(request: HttpRequest, period: str, program: int | None = None):
    """Statements of ``period`` (YYYY-MM): a manager sees every business and the
    district figures, a merchant its own business only."""
    chosen = _settlement_program(request, program)
    settlement.parse_period(period)
    businesses = statement_businesses(request.auth)
    answer = settlement.statement(chosen, period, businesses)
    if not programs_for(request.auth, manage=True).filter(pk=chosen.pk).exists():
        answer["district"] = None
    return answer


@router.post("/settlements/{period}/close", response={201: SettlementOut})
def close_settlement(request: HttpRequest, period: str, payload: CloseIn | None = None):
    require_write(request.auth)
    program = _settlement_program(request, payload.program if payload else None)
    require_manager(request.auth, program)
    settlement.parse_period(period)
    settlement.close_period(program, period, by=request.auth.user)
    return Status(201, settlement.statement(program, period, statement_businesses(request.auth)))


@router.get("/settlements/{period}/statements/{business_id}")
def statement_file(
    request: HttpRequest,
    period: str,
    business_id: int,
    program: int | None = None,
    format: one_of(["csv", "pdf"]) = "csv",
):
    """One business's statement of ``period`` as CSV or PDF."""
    if format not in {"csv", "pdf"}:
        raise Invalid("format is csv or pdf.", field="format")
    chosen = _settlement_program(request, program)
    business = get_in_scope(statement_businesses(request.auth), business_id, "business")
    answer = settlement.statement(chosen, period, Business.objects.filter(pk=business.pk))
    if not answer["businesses"]:
        raise NotFound("No statement for this business in this programme.")
    row = answer["businesses"][0]
    name = f"statement-{period}-{business.pk}.{format}"
    if format == "csv":
        response = HttpResponse(documents.statement_csv(chosen, row), content_type="text/csv")
    else:
        body = documents.statement_pdf(chosen, row, closed=answer["closed"])
        response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
