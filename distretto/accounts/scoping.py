"""The one place that answers "what may this caller see and change".

Every API handler and every page builds its querysets from these functions, so the
rules are written once. Out of scope is reported as "not found" (404) so that ids
do not leak; a role that may see but not change gets "forbidden" (403).

A *principal* is whoever makes the request: a person (session or personal token)
or a device (terminal, display, gateway token).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from distretto.accounts.models import ApiToken, Membership, Role
from distretto.core.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from distretto.territory.models import Business


@dataclass(eq=False)
class Principal:
    user: AbstractBaseUser | None = None
    token: ApiToken | None = None
    via: str = "api"
    _memberships: list[Membership] | None = field(default=None, repr=False)

    def __str__(self) -> str:
        if self.is_device:
            return f"{self.token.kind}:{self.token.pk}"
        return self.user.get_username() if self.user else "anonymous"

    @property
    def is_device(self) -> bool:
        return self.token is not None and self.token.kind != ApiToken.Kind.PERSONAL

    @property
    def is_person(self) -> bool:
        return self.user is not None and not self.is_device

    @property
    def is_superuser(self) -> bool:
        return self.is_person and bool(self.user.is_superuser)

    @property
    def read_only(self) -> bool:
        return self.token is not None and self.token.scope == ApiToken.Scope.READ

    @cached_property
    def memberships(self) -> list[Membership]:
        if not self.is_person:
            return []
        return list(Membership.objects.filter(user=self.user))

    def ids(self, role: str, column: str) -> set[int]:
        return {
            getattr(m, f"{column}_id")
            for m in self.memberships
            if m.role == role and getattr(m, f"{column}_id")
        }

    @cached_property
    def roles(self) -> set[str]:
        roles = {m.role for m in self.memberships}
        if self.is_superuser:
            roles.add(Role.CHAMBER_OPERATOR)
        return roles

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles & set(roles))


def principal_for_user(user, via: str = "page") -> Principal:
    return Principal(user=user if user.is_authenticated else None, via=via)


def user_roles(user) -> set[str]:
    return principal_for_user(user).roles


# --- Chambers and districts ------------------------------------------------------------


def chambers_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    from distretto.territory.models import Chamber

    if principal.is_superuser:
        return Chamber.objects.all()
    if principal.is_device:
        return Chamber.objects.none()
    operated = principal.ids(Role.CHAMBER_OPERATOR, "chamber")
    if manage:
        return Chamber.objects.filter(pk__in=operated)
    districts = districts_for(principal)
    return Chamber.objects.filter(Q(pk__in=operated) | Q(districts__in=districts)).distinct()


def districts_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    """Districts visible to the caller; with ``manage`` those it may change."""
    from distretto.territory.models import District

    if principal.is_superuser:
        return District.objects.all()
    if principal.is_device:
        if principal.token.kind == ApiToken.Kind.TERMINAL and not manage:
            return District.objects.filter(businesses=principal.token.business_id)
        return District.objects.none()
    chambers = principal.ids(Role.CHAMBER_OPERATOR, "chamber")
    managed = principal.ids(Role.DISTRICT_MANAGER, "district")
    query = Q(chamber__in=chambers) | Q(pk__in=managed)
    if not manage:
        for role in (Role.ASSESSOR, Role.ENERGY_MANAGER):
            query |= Q(pk__in=principal.ids(role, "district"))
        query |= Q(businesses__in=principal.ids(Role.MERCHANT, "business"))
    return District.objects.filter(query).distinct()


def managed_district_ids(principal: Principal) -> set[int]:
    return set(districts_for(principal, manage=True).values_list("pk", flat=True))


# --- Businesses -------------------------------------------------------------------------


def businesses_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    """Businesses visible to the caller; with ``manage`` those it may change.

    Merchants see and may edit their own businesses, but only a district's managers
    and the chamber's operators create or deactivate them (see ``can_administer``).
    """
    from distretto.territory.models import Business

    if principal.is_superuser:
        return Business.objects.all()
    if principal.is_device:
        if principal.token.kind == ApiToken.Kind.TERMINAL and not manage:
            return Business.objects.filter(pk=principal.token.business_id)
        return Business.objects.none()
    own = principal.ids(Role.MERCHANT, "business")
    districts = districts_for(principal, manage=True)
    query = Q(pk__in=own) | Q(district__in=districts)
    if not manage:
        for role in (Role.ASSESSOR, Role.ENERGY_MANAGER):
            query |= Q(district__in=principal.ids(role, "district"))
    return Business.objects.filter(query)


def can_administer_business(principal: Principal, business: Business) -> bool:
    """Create, deactivate, issue terminals: the district's managers and operators."""
    return districts_for(principal, manage=True).filter(pk=business.district_id).exists()


# --- Helpers every handler uses ---------------------------------------------------------


def get_in_scope(queryset: QuerySet, pk: object, what: str = "object") -> Model:
    """The object with ``pk`` if the (already scoped) queryset holds it, else NotFound."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No {what} with id {pk}.") from None


def require_write(principal: Principal) -> None:
    if principal.read_only:
        raise Forbidden(_("This token is read-only."), code="read_only_token")


def require_role(principal: Principal, *roles: str) -> None:
    if not principal.has_role(*roles):
        raise Forbidden(_("Your role may not do this."), code="role_forbidden")
