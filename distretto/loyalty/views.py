"""Pages of the fidelity card: manager back office, merchant web till and statement,
cardholder wallet. Thin: every rule lives in ``services`` / ``settlement``."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts.scoping import principal_for_user
from distretto.core.errors import DomainError
from distretto.loyalty import documents, services, settlement
from distretto.loyalty.access import (
    programs_for,
    statement_businesses,
    till_businesses,
    transactions_for,
)
from distretto.loyalty.cardnumbers import printed
from distretto.loyalty.models import Campaign, Card, LedgerTransaction, Program
from distretto.territory.models import Business


def _managed(request: HttpRequest, program_id: int) -> Program:
    principal = principal_for_user(request.user)
    return get_object_or_404(programs_for(principal, manage=True), pk=program_id)


def _last_month() -> str:
    today = timezone.localdate()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    principal = principal_for_user(request.user)
    managed = set(programs_for(principal, manage=True).values_list("pk", flat=True))
    programs = programs_for(principal).select_related("district").order_by("name")
    return render(request, "loyalty/programs.html", {"programs": programs, "managed": managed})


@login_required
def programme_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _managed(request, program_id)
    return render(
        request,
        "loyalty/program.html",
        {
            "program": program,
            "rates": program.merchant_rates.select_related("business"),
            "card_count": program.cards.count(),
        },
    )


@login_required
def card_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _managed(request, program_id)
    issued = None
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "issue":
                card, raw = services.issue_card(
                    program,
                    holder_name=request.POST.get("holder_name", "").strip(),
                    holder_email=request.POST.get("holder_email", "").strip(),
                    consent_privacy=bool(request.POST.get("consent_privacy")),
                )
                issued = {
                    "number": printed(card.number),
                    "url": request.build_absolute_uri(reverse("loyalty:wallet", args=[raw])),
                }
            else:
                card = get_object_or_404(program.cards, pk=request.POST.get("card"))
                if action == "replace":
                    new_card, _raw = services.replace_card(card, by=request.user)
                    messages.success(
                        request,
                        _("Card replaced by %(number)s.") % {"number": printed(new_card.number)},
                    )
                else:
                    services.set_card_status(card, request.POST.get("status", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    query = request.GET.get("q", "").strip()
    cards = program.cards.select_related("account").order_by("-id")
    if query:
        cards = cards.filter(number__startswith=query.replace(" ", ""))
    return render(
        request,
        "loyalty/cards.html",
        {"program": program, "cards": cards[:100], "issued": issued, "query": query},
    )


@login_required
def campaign_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _managed(request, program_id)
    if request.method == "POST":
        data = request.POST
        try:
            campaign = Campaign(
                program=program,
                name=data.get("name", "").strip(),
                starts_on=data.get("starts_on") or None,
                ends_on=data.get("ends_on") or None,
                weekdays=[int(day) for day in data.getlist("weekdays")],
                categories=data.getlist("categories"),
                multiplier=Decimal(data["multiplier"]) if data.get("multiplier") else None,
                bonus_points=int(data["bonus_points"]) if data.get("bonus_points") else None,
                min_spend=Decimal(data["min_spend"]) if data.get("min_spend") else None,
                cap_per_card_per_day=int(data["cap"]) if data.get("cap") else None,
            )
            services.save_campaign(campaign, [])
            messages.success(request, _("Campaign saved."))
            return redirect("loyalty:campaigns", program_id=program.pk)
        except (ValueError, InvalidOperation):
            messages.error(request, _("Check the numbers you typed."))
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    return render(
        request,
        "loyalty/campaigns.html",
        {
            "program": program,
            "campaigns": program.campaigns.order_by("priority", "id"),
            "categories": Business.Category.choices,
            "weekdays": [
                (0, _("Mon")),
                (1, _("Tue")),
                (2, _("Wed")),
                (3, _("Thu")),
                (4, _("Fri")),
                (5, _("Sat")),
                (6, _("Sun")),
            ],
        },
    )


@login_required
def settlement_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _managed(request, program_id)
    period = request.GET.get("period") or request.POST.get("period") or _last_month()
    principal = principal_for_user(request.user)
    try:
        if request.method == "POST":
            settlement.close_period(program, period, by=request.user)
            messages.success(request, _("Period %(period)s closed.") % {"period": period})
            return redirect(f"{reverse('loyalty:settlement', args=[program.pk])}?period={period}")
        answer = settlement.statement(program, period, statement_businesses(principal))
    except DomainError as exc:
        messages.error(request, exc.message)
        answer = None
    return render(
        request,
        "loyalty/settlement.html",
        {"program": program, "period": period, "answer": answer},
    )


@login_required
def merchant_statement(request: HttpRequest) -> HttpResponse:
    principal = principal_for_user(request.user)
    businesses = statement_businesses(principal).order_by("name")
    if not businesses.exists():
        raise Http404
    period = request.GET.get("period") or _last_month()
    rows = []
    try:
        for program in programs_for(principal).select_related("district"):
            answer = settlement.statement(program, period, businesses)
            rows += [(program, row, answer["closed"]) for row in answer["businesses"]]
    except DomainError as exc:
        messages.error(request, exc.message)
    return render(request, "loyalty/statement.html", {"period": period, "rows": rows})


@login_required
def till(request: HttpRequest) -> HttpResponse:
    """The web till: scan or type the card, earn or redeem, see and reverse the last ones."""
    principal = principal_for_user(request.user)
    businesses = till_businesses(principal).order_by("name")
    if not businesses.exists():
        raise Http404
    business = businesses.filter(pk=request.GET.get("business") or 0).first() or businesses[0]
    result = error = None
    if request.method == "POST":
        try:
            card = services.find_card(request.POST.get("card", ""), programs_for(principal))
            key = request.POST.get("key") or None
            action = request.POST.get("action")
            if action == "earn":
                amount = _decimal(request.POST.get("amount"))
                result = services.earn(card, business, amount, key=key, by=request.user)
            elif action == "redeem":
                points = _integer(request.POST.get("points"))
                result = services.redeem(card, business, points, key=key, by=request.user)
            elif action == "reverse":
                original = get_object_or_404(
                    transactions_for(principal).filter(business=business),
                    pk=request.POST.get("transaction"),
                )
                result = services.reverse(original, by=request.user)
        except DomainError as exc:
            error = exc.message
    recent = (
        LedgerTransaction.objects.filter(business=business)
        .exclude(kind=LedgerTransaction.Kind.EXPIRY)
        .select_related("card", "reversed_by")
        .order_by("-posted_at", "-id")[:10]
    )
    return render(
        request,
        "loyalty/till.html",
        {
            "business": business,
            "businesses": businesses,
            "result": result,
            "error": error,
            "recent": recent,
            "key": uuid.uuid4().hex,
        },
    )


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal((text or "").replace(",", ".")) if text else None
    except InvalidOperation:
        return Decimal("NaN")


def _integer(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return 0


def _wallet_card(token: str) -> Card:
    card = services.card_for_token(token)
    if card is None:
        raise Http404
    return card


def wallet_page(request: HttpRequest, token: str) -> HttpResponse:
    card = _wallet_card(token)
    return render(
        request,
        "loyalty/wallet.html",
        _wallet_context(
            card,
            token=token,
            qr_url=reverse("loyalty:wallet_qr", args=[token]),
            shops_url=reverse("loyalty:wallet_shops", args=[token]),
        ),
    )


def wallet_qr(request: HttpRequest, token: str) -> HttpResponse:
    """The QR the till scans: the card number only, never the wallet token."""
    card = _wallet_card(token)
    response = HttpResponse(documents.card_qr_png(card.number), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def wallet_shops(request: HttpRequest, token: str) -> JsonResponse:
    return _shops_geojson(_wallet_card(token))


def _wallet_context(card: Card, *, token: str | None, qr_url: str, shops_url: str) -> dict:
    wallet = services.wallet(card)
    kinds = dict(LedgerTransaction.Kind.choices)
    for move in wallet["history"]:
        move["kind_label"] = kinds.get(move["kind"], move["kind"])
    return {
        "card": card,
        "printed": printed(card.number),
        "wallet": wallet,
        "district": card.program.district,
        "token": token,
        "qr_url": qr_url,
        "shops_url": shops_url,
    }


def _shops_geojson(card: Card) -> JsonResponse:
    shops = Business.objects.filter(
        district=card.program.district_id, active=True, lat__isnull=False, lon__isnull=False
    )
    labels = dict(Business.Category.choices)
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [float(b.lon), float(b.lat)]},
                    "properties": {
                        "name": b.name,
                        "category": b.category,
                        "category_label": str(labels.get(b.category, b.category)),
                        "address": b.address,
                    },
                }
                for b in shops
            ],
        }
    )


def _own_card(request: HttpRequest, card_id: int) -> Card:
    """A card of the signed-in cardholder; anyone else's is 404."""
    return get_object_or_404(
        Card.objects.select_related("program__district"), pk=card_id, user=request.user
    )


@login_required
def my_card(request: HttpRequest, card_id: int) -> HttpResponse:
    """The signed-in cardholder's wallet: the same page as the wallet link, found
    through the account instead of the card's secret link."""
    card = _own_card(request, card_id)
    return render(
        request,
        "loyalty/wallet.html",
        _wallet_context(
            card,
            token=None,
            qr_url=reverse("loyalty:my_card_qr", args=[card.pk]),
            shops_url=reverse("loyalty:my_card_shops", args=[card.pk]),
        ),
    )


@login_required
def my_card_qr(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _own_card(request, card_id)
    response = HttpResponse(documents.card_qr_png(card.number), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def my_card_shops(request: HttpRequest, card_id: int) -> JsonResponse:
    return _shops_geojson(_own_card(request, card_id))


def find_wallet(request: HttpRequest) -> HttpResponse:
    """A visitor opens their wallet and passport from the link or code on their card
    (the secret token; a card number alone opens nothing, so balances do not leak)."""
    error = None
    text = request.GET.get("link", "").strip()
    if text:
        token = text.rstrip("/").split("/")[-1].split("#")[-1]
        card = services.card_for_token(token)
        if card is not None:
            return redirect("loyalty:wallet", token=token)
        error = _("No card has this link or code: copy it again from your card or e-mail.")
    return render(request, "loyalty/find.html", {"error": error, "link": text})


@login_required
def batches(request: HttpRequest, program_id: int) -> HttpResponse:
    """Issue a batch of anonymous cards and download it once, as CSV or a printable
    QR sheet (PDF): the wallet links exist only in this file."""
    program = _managed(request, program_id)
    error = None
    if request.method == "POST":
        file_format = request.POST.get("format", "pdf")
        count = _integer(request.POST.get("count"))
        try:
            if file_format not in {"csv", "pdf"}:
                raise DomainError(_("Choose CSV or PDF."))
            issued = services.issue_batch(program, count or 0)
        except DomainError as exc:
            error = exc.message
        else:
            template = request.build_absolute_uri(reverse("loyalty:wallet", args=["TOKEN"]))
            template = template.replace("TOKEN", "{token}")
            pairs = [(card.number, raw) for card, raw in issued]
            if file_format == "csv":
                response = HttpResponse(
                    documents.batch_csv(pairs, template), content_type="text/csv"
                )
            else:
                response = HttpResponse(
                    documents.batch_pdf(program, pairs, template), content_type="application/pdf"
                )
            name = f"cards-{issued[0][0].batch}.{file_format}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    batches = (
        program.cards.exclude(batch="")
        .values("batch")
        .annotate(count=Count("pk"), first=Min("created_at"))
        .order_by("-first")[:50]
    )
    return render(
        request,
        "loyalty/batches.html",
        {"program": program, "batches": batches, "error": error, "section": "batches"},
    )
