"""Account operations shared by the API, the pages and the CLI."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate
from django.db.models import Q, QuerySet
from django.utils import timezone

from distretto.accounts import throttle, tokens
from distretto.accounts.models import ApiToken, AuditEntry, Role
from distretto.accounts.scoping import Principal
from distretto.core.errors import DomainError, Forbidden


def token_for_credentials(
    username: str,
    password: str,
    *,
    client_ip: str,
    name: str = "api",
    scope: str = ApiToken.Scope.WRITE,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Exchange a username and password for a personal token, throttling failures."""
    throttle.check(username, client_ip)
    user = authenticate(username=username, password=password)
    if user is None:
        throttle.record_failure(username, client_ip)
        raise DomainError("Wrong username or password.", code="invalid_credentials", status=401)
    throttle.clear(username, client_ip)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return tokens.issue(
        kind=ApiToken.Kind.PERSONAL, name=name, user=user, scope=scope, expires_at=expires_at
    )


def tokens_visible_to(principal: Principal) -> QuerySet:
    """A person's own tokens, plus the device tokens of what they administer."""
    if principal.is_superuser:
        return ApiToken.objects.all()
    if not principal.is_person:
        return ApiToken.objects.none()
    from distretto.accounts.scoping import businesses_for

    managed_businesses = businesses_for(principal, manage=True).exclude(
        pk__in=principal.ids(Role.MERCHANT, "business")
    )
    return ApiToken.objects.filter(
        Q(user=principal.user) | Q(kind=ApiToken.Kind.TERMINAL, business__in=managed_businesses)
    )


def audit_entries_for(principal: Principal) -> QuerySet:
    """Chamber operators read their chamber's entries; the platform admin reads all."""
    if principal.is_superuser:
        return AuditEntry.objects.all()
    chambers = principal.ids(Role.CHAMBER_OPERATOR, "chamber")
    if not chambers:
        raise Forbidden("Only chamber operators read the audit log.", code="role_forbidden")
    return AuditEntry.objects.filter(chamber__in=chambers)


def scrub_audit(object_type: str, object_ids: list, replacements: dict) -> int:
    """Overwrite personal fields in the audit log's snapshots of some objects (an
    erasure asked under the GDPR): each of ``replacements``' fields present in an
    entry's before/after takes the given value. Returns the entries changed."""
    changed = 0
    entries = AuditEntry.objects.filter(object_type=object_type, object_id__in=map(str, object_ids))
    for entry in entries:
        for snapshot in (entry.before, entry.after):
            if isinstance(snapshot, dict):
                snapshot.update({k: v for k, v in replacements.items() if k in snapshot})
        entry.save(update_fields=["before", "after"])
        changed += 1
    return changed


def pseudonymise_actor(user, pseudonym: str) -> int:
    """The audit log names ``user`` by ``pseudonym`` from now on (GDPR erasure)."""
    return AuditEntry.objects.filter(actor=user).update(actor_name=pseudonym)
