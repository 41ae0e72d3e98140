"""Personal data operations: a cardholder's export and erasure, consents, notices, and
the retention of check-in positions.

Everything of the other apps is read and changed through their service functions
(``loyalty.services``, ``checkins.services``, ``accounts.services``). A *subject* is
one person: a card (and the cards that replaced it or that it replaced) or a user
(and all their cards), within the caller's chambers.

Who: chamber operators (and the platform administrator), always with a reason; both
export and erasure leave a ``SubjectRequest`` row, which the audit log records with
the reason and the operator.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts import audit
from distretto.accounts import services as accounts
from distretto.accounts.models import ApiToken, Role
from distretto.accounts.scoping import Principal, require_role, require_write
from distretto.checkins import services as checkins
from distretto.core.errors import Conflict, Invalid, NotFound
from distretto.core.security import is_staff_user
from distretto.loyalty import cardnumbers
from distretto.loyalty import services as loyalty
from distretto.loyalty.models import Card, Program
from distretto.privacy.models import STANDARD_VERSION, Consent, Notice, SubjectRequest

REASON_MIN_LENGTH = 10


@dataclass
class Subject:
    """One person as the platform knows them: a user account and/or cards."""

    asked: str  # what the operator asked for, pseudonymous ("card:…", "user:…")
    cards: list[Card] = field(default_factory=list)
    user: object | None = None
    # The user's cards in other chambers: the account stays when those exist.
    cards_elsewhere: int = 0

    @property
    def chamber_id(self) -> int | None:
        return self.cards[0].program.district.chamber_id if self.cards else None


# --- Finding the subject --------------------------------------------------------------------


def _chambers(principal: Principal) -> set[int] | None:
    """The chambers whose cardholders the caller may act for (None: all)."""
    require_role(principal, Role.CHAMBER_OPERATOR)
    if principal.is_superuser:
        return None
    return principal.ids(Role.CHAMBER_OPERATOR, "chamber")


def find_subject(principal: Principal, subject_id: str) -> Subject:
    """The subject named ``card:<number>``, ``user:<id or username>`` or a bare card
    number, with only the cards in the caller's chambers; NotFound otherwise."""
    chambers = _chambers(principal)
    text = (subject_id or "").strip()
    kind, _sep, value = text.partition(":") if ":" in text else ("card", "", text)
    missing = NotFound(_("No cardholder %(id)s in your chambers.") % {"id": text}, code="not_found")
    user = None
    card = None
    if kind == "card":
        try:
            number = cardnumbers.parse(value)
        except Invalid:
            raise missing from None
        card = Card.objects.filter(number=number).select_related("program__district").first()
        if card is None:
            raise missing
    elif kind == "user":
        users = get_user_model().objects
        user = (
            users.filter(pk=int(value)).first()
            if value.isdigit()
            else users.filter(username=value).first()
        )
        if user is None:
            raise missing
    else:
        raise Invalid(_("Name the subject as card:<number> or user:<id or username>."), field="id")
    everything = loyalty.cards_of_person(card=card, user=user)
    cards = [c for c in everything if chambers is None or c.program.district.chamber_id in chambers]
    if not cards:
        raise missing
    person = user or next((c.user for c in cards if c.user_id), None)
    subject = Subject(asked=f"card:{cards[0].number}", cards=cards, user=person)
    if person is not None:
        subject.asked = f"user:{person.pk}"
        subject.cards_elsewhere = len(everything) - len(cards)
    return subject


def require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise Invalid(
            _(
                "Give the reason for this request (at least %(n)s characters), e.g. the "
                "cardholder's e-mail of 3 May asking for their data."
            )
            % {"n": REASON_MIN_LENGTH},
            field="reason",
        )
    return reason[:2000]


def _register(
    principal: Principal, kind: str, subject: Subject, reason: str, summary: dict
) -> SubjectRequest:
    """The request in the register, under the operator's audit actor (so the audit
    log records it, reason included)."""
    with audit.acting_as(principal.user, principal.via):
        return SubjectRequest.objects.create(
            kind=kind,
            subject=subject.asked,
            cards=[c.number for c in subject.cards],
            reason=reason,
            requested_by=principal.user,
            chamber_id=subject.chamber_id,
            summary=summary,
        )


def requests_for(principal: Principal):
    chambers = _chambers(principal)
    requests = SubjectRequest.objects.select_related("requested_by")
    return requests if chambers is None else requests.filter(chamber__in=chambers)


# --- Export ---------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def subject_data(subject: Subject) -> dict:
    """Everything the platform holds about the subject, as the export gives it."""
    user = subject.user
    person = None
    tokens: list[dict] = []
    if user is not None:
        person = {
            "id": user.pk,
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        }
        tokens = [
            {
                "name": t.name,
                "kind": t.kind,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in ApiToken.objects.filter(user=user, kind=ApiToken.Kind.PERSONAL)
        ]
    cards = subject.cards
    return {
        "subject": subject.asked,
        "generated_at": timezone.now().isoformat(),
        "person": person,
        "cards": [
            {
                "number": c.number,
                "programme": c.program.name,
                "district": c.program.district.name,
                "status": c.status,
                "issued_at": _iso(c.created_at),
                "holder_name": c.holder_name,
                "holder_email": c.holder_email,
                "consent_privacy": c.consent_privacy,
                "consent_marketing": c.consent_marketing,
                "replaced_by": c.replaced_by.number if c.replaced_by_id else None,
                "balance": c.account.balance,
            }
            for c in cards
        ],
        "consents": [
            {
                "card": consent.card.number,
                "purpose": consent.purpose,
                "granted": consent.granted,
                "at": _iso(consent.at),
                "text_version": consent.text_version,
                "channel": consent.channel,
            }
            for consent in Consent.objects.filter(card__in=cards)
            .select_related("card")
            .order_by("at", "id")
        ],
        "movements": loyalty.movements_of(cards),
        "checkins": checkins.attempts_of(cards),
        "badges": checkins.badges_of(cards),
        "wallet_tokens": [
            {
                "card": c.number,
                "issued_at": _iso(c.created_at),
                "usable": c.status in (Card.Status.ACTIVE, Card.Status.BLOCKED),
                # The token itself is never stored; its digest's start identifies it.
                "sha256_prefix": c.token_hash[:12],
            }
            for c in cards
        ],
        "api_tokens": tokens,
    }


CSV_SECTIONS = (
    "cards",
    "consents",
    "movements",
    "checkins",
    "badges",
    "wallet_tokens",
    "api_tokens",
)


def export_zip(data: dict) -> bytes:
    """The export as a zip: ``subject.json`` whole, and one CSV per section."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject.json", json.dumps(data, indent=2, ensure_ascii=False))
        if data["person"]:
            archive.writestr("person.csv", _csv([data["person"]]))
        for section in CSV_SECTIONS:
            archive.writestr(f"{section}.csv", _csv(data[section]))
    return buffer.getvalue()


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def export(principal: Principal, subject_id: str, reason: str | None) -> tuple[Subject, dict]:
    """The subject's data, with the request registered (and audited)."""
    reason = require_reason(reason)
    subject = find_subject(principal, subject_id)
    data = subject_data(subject)
    summary = {section: len(data[section]) for section in CSV_SECTIONS}
    _register(principal, SubjectRequest.Kind.EXPORT, subject, reason, summary)
    return subject, data


# --- Erasure --------------------------------------------------------------------------------


def erase(principal: Principal, subject_id: str, reason: str | None) -> SubjectRequest:
    """Remove the person: the cards' holder data, consents and wallet tokens, the
    check-ins' positions, and the user account (when all its cards are in the caller's
    chambers). The ledger stays as it is, under the pseudonymous card numbers, so
    balances, the ledger's sums and closed settlements do not change. Consent history
    stays as proof of what was given, pseudonymous like the ledger."""
    require_write(principal)
    reason = require_reason(reason)
    subject = find_subject(principal, subject_id)
    user = subject.user
    if user is not None and is_staff_user(user):
        raise Conflict(
            _("This person also works on the platform: remove their roles first."),
            code="subject_has_roles",
        )
    with transaction.atomic():
        withdrawn = 0
        for card in subject.cards:
            for purpose, given in current_consents(card).items():
                if given:
                    record_consent(card, purpose, False, channel=Consent.Channel.ERASURE)
                    withdrawn += 1
        # The changes below are the erasure itself, not edits to audit: the request
        # row is the record, and the log's earlier snapshots are scrubbed.
        token = audit.clear_actor()
        try:
            for card in subject.cards:
                loyalty.erase_holder(card)
        finally:
            audit.reset_actor(token)
        card_ids = [c.pk for c in subject.cards]
        scrubbed = accounts.scrub_audit(
            Card._meta.label, card_ids, {"holder_name": "", "holder_email": "", "user": None}
        )
        positions = checkins.reduce_positions(cards=subject.cards)
        account_erased = False
        if user is not None and subject.cards_elsewhere == 0:
            _erase_user(user)
            account_erased = True
        summary = {
            "cards": len(subject.cards),
            "consents_withdrawn": withdrawn,
            "checkin_positions_removed": positions,
            "audit_entries_scrubbed": scrubbed,
            "account_erased": account_erased,
        }
        return _register(principal, SubjectRequest.Kind.ERASURE, subject, reason, summary)


def _erase_user(user) -> None:
    pseudonym = f"erased-{user.pk}"
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    ApiToken.objects.filter(user=user).update(name=pseudonym)
    accounts.pseudonymise_actor(user, pseudonym)
    user.memberships.all().delete()
    user.username = pseudonym
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


# --- Consents and notices -------------------------------------------------------------------


def current_notice(program: Program) -> Notice | None:
    return program.privacy_notices.filter(published_at__lte=timezone.now()).first()


def notice_version(program: Program) -> str:
    notice = current_notice(program)
    return notice.version if notice else STANDARD_VERSION


def current_consents(card: Card) -> dict[str, bool]:
    """Each purpose's state by the last record (not given when never recorded)."""
    state = dict.fromkeys(Consent.Purpose.values, False)
    for consent in Consent.objects.filter(card=card).order_by("at", "id"):
        state[consent.purpose] = consent.granted
    return state


def record_consent(
    card: Card,
    purpose: str,
    granted: bool,
    *,
    channel: str,
    text_version: str | None = None,
    by=None,
    at: datetime | None = None,
) -> Consent:
    """Record a grant or withdrawal, and set the card's current flag to match."""
    if purpose not in Consent.Purpose.values:
        raise Invalid(_("Unknown purpose: privacy or marketing."), field="purpose")
    if channel not in Consent.Channel.values:
        raise Invalid(_("Unknown channel."), field="channel")
    with transaction.atomic():
        consent = Consent.objects.create(
            card=card,
            purpose=purpose,
            granted=granted,
            at=at or timezone.now(),
            text_version=(text_version or notice_version(card.program))[:40],
            channel=channel,
            recorded_by=by if getattr(by, "pk", None) else None,
        )
        loyalty.set_consents(card, **{purpose: granted})
    return consent


CHANNEL_OF_VIA = {"api": "api", "page": "page", "admin": "admin"}


def record_flag_changes(card: Card) -> None:
    """Record the consents a card's flags were given outside this app (a card issued
    through the loyalty API or page, or edited in the admin): the channel is how the
    person acting reached the platform."""
    state = current_consents(card)
    actor = audit.current_actor()
    channel = CHANNEL_OF_VIA.get(actor.via, "system") if actor else "system"
    flags = {"privacy": card.consent_privacy, "marketing": card.consent_marketing}
    for purpose, flag in flags.items():
        if flag != state[purpose]:
            Consent.objects.create(
                card=card,
                purpose=purpose,
                granted=flag,
                text_version=notice_version(card.program),
                channel=channel,
                recorded_by=actor.user if actor and getattr(actor.user, "pk", None) else None,
            )


# --- Retention ------------------------------------------------------------------------------


def apply_retention(now: datetime | None = None) -> int:
    """Reduce check-ins older than ``CHECKINS_PRECISE_RETENTION_DAYS`` to the venue and
    the decision; return how many were reduced."""
    days = settings.CHECKINS_PRECISE_RETENTION_DAYS
    before = (now or timezone.now()) - timedelta(days=days)
    return checkins.reduce_positions(before=before)
