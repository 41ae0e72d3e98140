"""Pages: the chamber operator's data-subject requests, each programme's privacy notice
(informativa), and the cardholder's consents reached from the wallet."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from distretto.accounts.scoping import principal_for_user
from distretto.core.errors import DomainError, Forbidden
from distretto.loyalty.models import Card, Program
from distretto.loyalty.services import card_for_token
from distretto.privacy import services
from distretto.privacy.models import Consent


@login_required
@require_http_methods(["GET", "POST"])
def requests_page(request: HttpRequest) -> HttpResponse:
    """Find a cardholder, export their data or erase it, with a reason; the register."""
    principal = principal_for_user(request.user)
    try:
        register = services.requests_for(principal)
    except Forbidden:
        raise Http404 from None
    subject_id = (request.POST.get("subject") or request.GET.get("subject") or "").strip()
    subject = None
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        try:
            if action == "export":
                subject, data = services.export(principal, subject_id, reason)
                name = subject.asked.replace(":", "-")
                response = HttpResponse(services.export_zip(data), content_type="application/zip")
                response["Content-Disposition"] = f'attachment; filename="personal-data-{name}.zip"'
                return response
            if action == "erase":
                if not request.POST.get("confirm"):
                    raise DomainError(_("Tick the box to confirm the erasure."), field="confirm")
                done = services.erase(principal, subject_id, reason)
                messages.success(
                    request,
                    _("Personal data of %(subject)s erased; the ledger keeps its movements.")
                    % {"subject": done.subject},
                )
                return redirect(reverse("privacy:requests"))
        except DomainError as refused:
            error = refused
    if subject_id and subject is None:
        try:
            subject = services.find_subject(principal, subject_id)
        except DomainError as refused:
            error = error or refused
    page = Paginator(register, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/requests.html",
        {
            "subject_id": subject_id,
            "subject": subject,
            "error": error,
            "page": page,
        },
    )


def notice_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """The programme's privacy notice (informativa), in the page's language."""
    program = get_object_or_404(Program.objects.select_related("district__chamber"), pk=program_id)
    notice = services.current_notice(program)
    return render(
        request,
        "privacy/notice.html",
        {
            "program": program,
            "notice": notice,
            "version": services.notice_version(program),
            "controller": notice.controller
            if notice
            else (program.promoter or program.district.chamber.name),
            "retention_days": settings.CHECKINS_PRECISE_RETENTION_DAYS,
            "extra": (
                (notice.extra_en if request.LANGUAGE_CODE == "en" else notice.extra_it)
                if notice
                else ""
            ),
        },
    )


def district_notice(request: HttpRequest, district_id: int) -> HttpResponse:
    """The notice of the district's running programme (what the check-in page links)."""
    program = Program.objects.filter(district_id=district_id).order_by("-active", "pk").first()
    if program is None:
        raise Http404
    return redirect("privacy:notice", program_id=program.pk)


@require_http_methods(["GET", "POST"])
def wallet_consents(request: HttpRequest, token: str) -> HttpResponse:
    """The cardholder's consents, given or withdrawn with one button each."""
    card: Card | None = card_for_token(token)
    if card is None:
        raise Http404(_("No card with this link."))
    if request.method == "POST":
        purpose = request.POST.get("purpose", "")
        granted = request.POST.get("granted") == "1"
        try:
            services.record_consent(card, purpose, granted, channel=Consent.Channel.WALLET)
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Consent given.") if granted else _("Consent withdrawn."))
        return redirect("privacy:wallet", token=token)
    return render(
        request,
        "privacy/wallet.html",
        {
            "card": card,
            "token": token,
            "current": services.current_consents(card),
            "purposes": Consent.Purpose.choices,
            "history": Consent.objects.filter(card=card).order_by("-at", "-id")[:50],
        },
    )
