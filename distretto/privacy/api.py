"""Personal data API under /api/v1/privacy/: a cardholder's export and erasure and
consents (chamber operators, with a reason), and the cardholder's own consents with
the card's token (``wallet/consents``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from distretto.core.errors import Invalid
from distretto.core.pagination import PageParams, page_of, paginate
from distretto.loyalty.auth import card_auth
from distretto.loyalty.models import Card
from distretto.privacy import services
from distretto.privacy.models import Consent

router = Router(tags=["privacy"])


# At least REASON_MIN_LENGTH characters once trimmed (services.require_reason).
REASON_PATTERN = rf"\S[\s\S]{{{services.REASON_MIN_LENGTH - 2},}}\S"


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000, pattern=REASON_PATTERN)


class RequestOut(Schema):
    id: int
    kind: str
    subject: str
    cards: list[str]
    reason: str
    at: datetime
    requested_by: str | None = None
    summary: dict

    @staticmethod
    def resolve_requested_by(obj) -> str | None:
        return obj.requested_by.get_username() if obj.requested_by else None


class ConsentIn(Schema):
    purpose: Literal["privacy", "marketing"]
    granted: bool
    channel: Literal["paper", "page", "api"] = "api"
    text_version: str | None = Field(None, max_length=40)
    card: str | None = Field(None, description="card number; default: the subject's cards")


class ConsentOut(Schema):
    card: str = Field(..., alias="card.number")
    purpose: str
    granted: bool
    at: datetime
    text_version: str
    channel: str


class ConsentsOut(Schema):
    current: dict[str, dict[str, bool]]
    history: list[ConsentOut]


class WalletConsentIn(Schema):
    purpose: Literal["privacy", "marketing"]
    granted: bool


def _consents(cards: list[Card]) -> dict:
    return {
        "current": {card.number: services.current_consents(card) for card in cards},
        "history": list(
            Consent.objects.filter(card__in=cards).select_related("card").order_by("at", "id")
        ),
    }


@router.get("/subjects/{subject_id}/export")
def export(
    request: HttpRequest,
    subject_id: str,
    reason: str = Query(..., max_length=2000, pattern=REASON_PATTERN),
    format: Literal["zip", "json"] = "zip",
):
    """Everything held about a cardholder (``card:<number>``, ``user:<id>`` or a card
    number): holder data, cards, consents, movements, check-ins, wallet and API tokens.
    ``reason`` is required and registered with the request."""
    subject, data = services.export(request.auth, subject_id, reason)
    if format == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(services.export_zip(data), content_type="application/zip")
    name = subject.asked.replace(":", "-")
    extension = "json" if format == "json" else "zip"
    response["Content-Disposition"] = f'attachment; filename="personal-data-{name}.{extension}"'
    return response


@router.post("/subjects/{subject_id}/erase", response=RequestOut)
def erase(request: HttpRequest, subject_id: str, payload: ReasonIn):
    """Erase a cardholder's personal data; the ledger keeps its pseudonymous entries."""
    return services.erase(request.auth, subject_id, payload.reason)


@router.get("/subjects/{subject_id}/consents", response=ConsentsOut)
def consents(request: HttpRequest, subject_id: str):
    return _consents(services.find_subject(request.auth, subject_id).cards)


@router.post("/subjects/{subject_id}/consents", response={201: ConsentsOut})
def record_consent(request: HttpRequest, subject_id: str, payload: ConsentIn):
    """Record a consent given or withdrawn outside the wallet (e.g. on a paper form)."""
    subject = services.find_subject(request.auth, subject_id)
    cards = [c for c in subject.cards if c.status != Card.Status.REPLACED]
    if payload.card:
        cards = [c for c in subject.cards if c.number == payload.card.replace(" ", "")]
        if not cards:
            raise Invalid(_("This card is not the subject's."), field="card")
    for card in cards:
        services.record_consent(
            card,
            payload.purpose,
            payload.granted,
            channel=payload.channel,
            text_version=payload.text_version,
            by=request.auth.user,
        )
    return Status(201, _consents(subject.cards))


@router.get("/requests", response=page_of(RequestOut))
def requests(request: HttpRequest, page: Query[PageParams]):
    """The register of export and erasure requests of the caller's chambers."""
    return paginate(services.requests_for(request.auth), page.limit, page.offset)


@router.get("/wallet/consents", response=ConsentsOut, auth=card_auth)
def wallet_consents(request: HttpRequest):
    return _consents([request.auth])


@router.post("/wallet/consents", response=ConsentsOut, auth=card_auth)
def wallet_record_consent(request: HttpRequest, payload: WalletConsentIn):
    """The cardholder gives or withdraws a consent from the wallet."""
    card = request.auth
    services.record_consent(card, payload.purpose, payload.granted, channel=Consent.Channel.WALLET)
    return _consents([card])
