"""Alerts in and out of the totem network.

In: CAP 1.2 alert feeds (``cap.py`` reads the documents). A feed belongs to one
district; its documents come from a polled URL (``poll``) or are posted with the
feed's own token (``receive``). Each message is stored as a ``CapAlert`` with what
became of it, in one transaction with its effects, so that nothing is half-made:

- a message already received (same sender, identifier and sent time) changes nothing;
- an ``Update`` or ``Cancel`` ends the emergency content of the alerts it references;
- only ``Actual`` messages for the ``Public`` are shown; an alert below the feed's
  severity or urgency, or already expired, is kept as ``filtered``;
- the totems it applies to: those whose position (or, without one, the district's
  centre) lies in a polygon or circle of the alert; an alert with areas given only by
  geocode applies to the whole district when one is the ISTAT code of its comune; an
  alert with no area at all applies to the feed's whole district;
- it becomes approved emergency content on those totems, from its effective time until
  its ``expires``; the feed's service account is its author, so the audit log names it.

Out: e-mails to the district's managers when a totem has been offline longer than the
district's delay (default 10 minutes), and when it is back; never about a totem in its
screen-off hours (``check_offline``).
"""

from __future__ import annotations

import logging
import secrets
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from distretto.accounts import audit, tokens
from distretto.accounts.models import ApiToken, Membership, Role
from distretto.core.errors import DomainError, Invalid
from distretto.signage import cap, services
from distretto.signage import playlist as pl
from distretto.signage.models import AlertFeed, CapAlert, Content, Display, SignageSettings
from distretto.territory.models import District

log = logging.getLogger("distretto.signage")
FETCH_TIMEOUT_S = 10
MAX_LINKS = 50
EMERGENCY_RED = "#b71c1c"


# --- Feeds ------------------------------------------------------------------------------------


def _feed_fields(feed: AlertFeed, fields: dict) -> None:
    for name in ("name", "url", "poll_minutes", "min_severity", "min_urgency", "active"):
        if name in fields and fields[name] is not None:
            setattr(feed, name, fields[name])
    if not (feed.name or "").strip():
        raise Invalid(_("Give the feed a name."), field="name")
    if feed.min_severity not in AlertFeed.Severity.values:
        raise Invalid(_("Unknown severity."), field="min_severity")
    if feed.min_urgency not in AlertFeed.Urgency.values:
        raise Invalid(_("Unknown urgency."), field="min_urgency")
    if not 1 <= feed.poll_minutes <= 1440:
        raise Invalid(_("Poll every 1 to 1440 minutes."), field="poll_minutes")
    feed.full_clean(exclude=["district", "account"])


@transaction.atomic
def create_feed(district: District, fields: dict, *, by=None) -> tuple[AlertFeed, str]:
    """A new feed with its service account and token (the token is in this answer only)."""
    account = get_user_model().objects.create(
        username=f"cap-feed-{secrets.token_hex(6)}", first_name=(fields.get("name") or "")[:150]
    )
    account.set_unusable_password()
    account.save(update_fields=["password"])
    feed = AlertFeed(district=district, account=account)
    _feed_fields(feed, dict(fields))
    feed.save()
    return feed, issue_feed_token(feed, by=by)


def issue_feed_token(feed: AlertFeed, *, by=None) -> str:
    """Revoke the feed's tokens and issue a new one, shown once."""
    for token in ApiToken.objects.filter(user=feed.account, revoked_at__isnull=True):
        tokens.revoke(token)
    _token, raw = tokens.issue(
        kind=ApiToken.Kind.PERSONAL, name=f"CAP {feed.name}"[:120], user=feed.account
    )
    return raw


@transaction.atomic
def update_feed(feed: AlertFeed, fields: dict) -> AlertFeed:
    _feed_fields(feed, dict(fields))
    feed.save()
    return feed


def feed_of(user) -> AlertFeed | None:
    """The active feed whose service account ``user`` is (a CAP poster's token)."""
    if user is None or not getattr(user, "pk", None):
        return None
    return (
        AlertFeed.objects.select_related("district", "district__comune")
        .filter(account=user, active=True)
        .first()
    )


# --- Receiving CAP ------------------------------------------------------------------------------


def _matching_displays(feed: AlertFeed, info: cap.Info) -> list[Display]:
    district = feed.district
    displays = list(Display.objects.filter(district=district, approved=True).order_by("pk"))
    if cap.has_shapes(info):
        return [
            d
            for d in displays
            if cap.covers(
                info,
                d.lat if d.lat is not None else district.centre_lat,
                d.lon if d.lon is not None else district.centre_lon,
            )
        ]
    codes = cap.geocodes(info)
    if codes:
        comune = district.comune.istat_code if district.comune_id else None
        return displays if comune in codes else []
    if any(area.geocodes for area in info.areas):
        return []  # areas in codes we cannot read: not ours to guess
    return displays


def _end_referenced(feed: AlertFeed, message: cap.CapMessage, outcome: str, now: datetime) -> int:
    """End the emergencies of the alerts ``message`` references; how many."""
    ended = 0
    for sender, identifier, _sent in message.references:
        for alert in CapAlert.objects.filter(
            feed=feed, sender=sender, identifier=identifier, outcome=CapAlert.Outcome.SHOWN
        ).select_related("content"):
            if alert.content is not None:
                services.end_now(alert.content, now)
            alert.outcome = outcome
            alert.save(update_fields=["outcome"])
            ended += 1
    return ended


def _record(feed, message, info, document, outcome, reason="", **extra) -> CapAlert:
    alert = CapAlert.objects.create(
        feed=feed,
        identifier=message.identifier[:200],
        sender=message.sender[:200],
        sent=message.sent,
        msg_type=message.msg_type,
        status=message.status,
        event=(info.event if info else "")[:200],
        headline=(info.headline if info else "")[:300],
        severity=info.severity if info else "",
        urgency=info.urgency if info else "",
        expires=info.expires if info else None,
        references=" ".join(",".join(ref) for ref in message.references),
        outcome=outcome,
        reason=reason[:300],
        document=document,
        **extra,
    )
    alert._new = True
    return alert


def receive(
    feed: AlertFeed, document: bytes | str, now: datetime | None = None
) -> tuple[CapAlert, bool]:
    """Take one CAP document for ``feed`` (see the module): the stored message with its
    outcome, and whether it is new. A document that is not valid CAP 1.2 raises
    Invalid (code ``malformed_cap``) and changes nothing."""
    try:
        alert = _receive(feed, document, now or timezone.now())
    except IntegrityError:
        # The same message, posted twice at once: the other request stored it.
        message = cap.parse(document)
        alert = CapAlert.objects.get(
            feed=feed, sender=message.sender, identifier=message.identifier, sent=message.sent
        )
    return alert, getattr(alert, "_new", False)


def _receive(feed: AlertFeed, document: bytes | str, now: datetime) -> CapAlert:
    try:
        message = cap.parse(document)
    except cap.CapError as exc:
        raise Invalid(exc.message, code="malformed_cap", field=exc.field) from None
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
    known = CapAlert.objects.filter(
        feed=feed, sender=message.sender, identifier=message.identifier, sent=message.sent
    ).first()
    if known is not None:
        return known
    info = cap.info_for(message)
    with transaction.atomic(), audit.acting_as(feed.account, "api"):
        if message.msg_type == "Cancel":
            ended = _end_referenced(feed, message, CapAlert.Outcome.CANCELLED, now)
            return _record(feed, message, info, text, CapAlert.Outcome.CANCEL, f"{ended} ended")
        if message.msg_type == "Update":
            _end_referenced(feed, message, CapAlert.Outcome.UPDATED, now)
        ignored = None
        if message.status != "Actual":
            ignored = f"status {message.status}"
        elif message.scope != "Public":
            ignored = f"scope {message.scope}"
        elif message.msg_type not in {"Alert", "Update"}:
            ignored = f"msgType {message.msg_type}"
        elif info is None:
            ignored = "no <info>"
        if ignored:
            return _record(feed, message, info, text, CapAlert.Outcome.IGNORED, ignored)
        if cap.SEVERITY_RANK[info.severity] < cap.SEVERITY_RANK[feed.min_severity]:
            return _record(
                feed, message, info, text, CapAlert.Outcome.FILTERED, f"severity {info.severity}"
            )
        if cap.URGENCY_RANK[info.urgency] < cap.URGENCY_RANK[feed.min_urgency]:
            return _record(
                feed, message, info, text, CapAlert.Outcome.FILTERED, f"urgency {info.urgency}"
            )
        if info.expires is not None and info.expires <= now:
            return _record(feed, message, info, text, CapAlert.Outcome.FILTERED, "expired")
        displays = _matching_displays(feed, info)
        if not displays:
            return _record(
                feed, message, info, text, CapAlert.Outcome.OUTSIDE, "no totem in the area"
            )
        content = Content.objects.create(
            district=feed.district,
            kind=Content.Kind.TEXT,
            title=(info.headline or info.event)[:200],
            body="\n\n".join(part for part in (info.description, info.instruction) if part),
            background=EMERGENCY_RED,
            foreground="#ffffff",
            duration_s=20,
            valid_from=min(info.effective or message.sent, now),
            valid_until=info.expires,
            priority=Content.Priority.EMERGENCY,
            zone="main",
            status=Content.Status.APPROVED,
            created_by=feed.account,
            reviewed_by=feed.account,
            reviewed_at=now,
        )
        content.target_displays.set(displays)
        services.announce(feed.district_id)
        return _record(
            feed,
            message,
            info,
            text,
            CapAlert.Outcome.SHOWN,
            content=content,
            displays=len(displays),
        )


def _fetch(url: str) -> bytes:
    request = urllib.request.Request(
        url, headers={"Accept": "application/cap+xml, application/atom+xml, application/xml"}
    )
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
        return response.read(cap.MAX_BYTES + 1)


def poll(feed: AlertFeed, now: datetime | None = None) -> list[CapAlert]:
    """Fetch the feed's URL: one CAP document, or an Atom index of them; each is
    received on its own (a bad one is skipped and noted in ``last_error``)."""
    now = now or timezone.now()
    received, errors = [], []
    try:
        document = _fetch(feed.url)
        links = cap.atom_links(document)
        documents = (
            [document]
            if links is None
            else [_fetch(urljoin(feed.url, link)) for link in links[:MAX_LINKS]]
        )
    except (OSError, ValueError, cap.CapError) as exc:
        documents, errors = [], [str(getattr(exc, "message", exc))]
    for item in documents:
        try:
            received.append(receive(feed, item, now)[0])
        except DomainError as exc:
            errors.append(exc.message)
    AlertFeed.objects.filter(pk=feed.pk).update(
        last_polled_at=now, last_error="; ".join(errors)[:300]
    )
    return received


def poll_due(now: datetime | None = None) -> int:
    """Poll every active feed with a URL whose interval has passed; how many."""
    now = now or timezone.now()
    polled = 0
    for feed in (
        AlertFeed.objects.filter(active=True).exclude(url="").select_related("district", "account")
    ):
        if feed.last_polled_at is None or now - feed.last_polled_at >= timedelta(
            minutes=feed.poll_minutes
        ):
            poll(feed, now)
            polled += 1
    return polled


# --- Offline e-mails ----------------------------------------------------------------------------


def offline_delay(district: District) -> timedelta:
    found = SignageSettings.objects.filter(district=district).first()
    return timedelta(minutes=found.offline_alert_minutes if found else 10)


def offline_since(display: Display, now: datetime) -> datetime | None:
    """Since when the totem counts as offline (its screen-off hours do not count), or
    None while it is online or in its screen-off hours."""
    if display.last_seen_at is None or display.is_online(now):
        return None
    tz = services.tz_of(display.district)
    parts = pl.parse_dayparts(display.screen_off or [])
    if pl.screen_is_off(parts, now, tz):
        return None
    since = display.last_seen_at
    came_on = pl.screen_on_since(parts, now, tz)
    return max(since, came_on) if came_on else since


def _managers(district_id: int) -> list[str]:
    return sorted(
        {
            m.user.email
            for m in Membership.objects.filter(
                role=Role.DISTRICT_MANAGER, district=district_id
            ).select_related("user")
            if m.user.email and m.user.is_active
        }
    )


def _mail(display: Display, subject: str, body: str) -> None:
    recipients = _managers(display.district_id)
    if recipients:
        send_mail(subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", None), recipients)


def _when(moment: datetime, tz) -> str:
    return formats.date_format(moment.astimezone(tz), "DATETIME_FORMAT")


def check_offline(now: datetime | None = None) -> dict:
    """Send the offline and back-online e-mails that are due (each once: the row is
    claimed by a conditional update first); how many of each."""
    now = now or timezone.now()
    sent = {"offline": 0, "back": 0}
    displays = Display.objects.filter(approved=True, last_seen_at__isnull=False).select_related(
        "district"
    )
    delays: dict[int, timedelta] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for display in displays:
            tz = services.tz_of(display.district)
            if display.offline_alerted_at is not None:
                if display.is_online(now) and Display.objects.filter(
                    pk=display.pk, offline_alerted_at=display.offline_alerted_at
                ).update(offline_alerted_at=None):
                    _mail(
                        display,
                        _("Totem %(name)s is back online") % {"name": display.name},
                        _("The totem %(name)s (%(district)s) is back online since %(when)s.")
                        % {
                            "name": display.name,
                            "district": display.district.name,
                            "when": _when(display.last_seen_at, tz),
                        },
                    )
                    sent["back"] += 1
                continue
            since = offline_since(display, now)
            if since is None:
                continue
            if display.district_id not in delays:
                delays[display.district_id] = offline_delay(display.district)
            if now - since < delays[display.district_id]:
                continue
            if Display.objects.filter(pk=display.pk, offline_alerted_at__isnull=True).update(
                offline_alerted_at=now
            ):
                _mail(
                    display,
                    _("Totem %(name)s is offline") % {"name": display.name},
                    _(
                        "The totem %(name)s (%(district)s) has not been heard from since %(when)s. "
                        "It keeps playing what it has, but it gets no changes until it is back."
                    )
                    % {
                        "name": display.name,
                        "district": display.district.name,
                        "when": _when(display.last_seen_at, tz),
                    },
                )
                sent["offline"] += 1
    return sent
