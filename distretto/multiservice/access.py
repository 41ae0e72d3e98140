"""What a caller may see and change in the multiservice app, built on accounts.scoping.

- The network of shops is public (its map is for residents and tourists).
- Check-ups: an assessor sees those assigned to them, a shopkeeper its own shop's,
  a district manager its districts', a chamber operator its chamber's.
- Training: the trainers of a district are its assessors, its managers and the
  chamber's operators; a shopkeeper sees its own enrolments and plan.
- Deliveries are recorded by the shop's merchant or the district's managers, and
  reported to whoever may see the shop's business.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from distretto.accounts.models import Role
from distretto.accounts.scoping import Principal, businesses_for, districts_for
from distretto.core.errors import Forbidden
from distretto.multiservice.models import (
    Checkup,
    Enrolment,
    MultiserviceShop,
    ScoringModel,
    TrainingEdition,
)
from distretto.territory.models import Business, Chamber, District

TRAINER_ROLES = (Role.CHAMBER_OPERATOR, Role.DISTRICT_MANAGER, Role.ASSESSOR)


def checkups_for(principal: Principal) -> QuerySet:
    """Check-ups the caller may see (see the module docstring)."""
    checkups = Checkup.objects.select_related("business__district", "assessor")
    if principal.is_superuser:
        return checkups
    if not principal.is_person:
        return checkups.none()
    managed = districts_for(principal, manage=True)
    query = (
        Q(assessor=principal.user)
        | Q(business__district__in=managed)
        | Q(business__in=principal.ids(Role.MERCHANT, "business"))
    )
    return checkups.filter(query)


def can_edit_checkup(principal: Principal, checkup: Checkup) -> bool:
    """The assigned assessor, or the district's managers and the chamber's operators."""
    if principal.read_only or not principal.is_person:
        return False
    if checkup.assessor_id == principal.user.pk:
        return True
    return districts_for(principal, manage=True).filter(pk=checkup.business.district_id).exists()


def checkup_businesses(principal: Principal) -> QuerySet:
    """Businesses whose check-up the caller may start: assessors and managers of the district."""
    if not principal.has_role(*TRAINER_ROLES):
        return Business.objects.none()
    return Business.objects.filter(district__in=trainer_districts(principal), active=True)


def trainer_districts(principal: Principal) -> QuerySet:
    """Districts whose check-ups and training the caller runs."""
    if principal.is_superuser:
        return District.objects.all()
    assessed = principal.ids(Role.ASSESSOR, "district")
    return District.objects.filter(
        Q(pk__in=districts_for(principal, manage=True).values("pk")) | Q(pk__in=assessed)
    )


def is_trainer(principal: Principal) -> bool:
    return principal.is_person and trainer_districts(principal).exists()


def editions_for(principal: Principal) -> QuerySet:
    """Editions the caller sees: those of every district it sees."""
    return TrainingEdition.objects.select_related("module", "district").filter(
        district__in=districts_for(principal)
    )


def enrolments_for(principal: Principal) -> QuerySet:
    """Trainers see their districts' enrolments, shopkeepers their own shop's."""
    enrolments = Enrolment.objects.select_related(
        "edition__module", "edition__district", "business"
    )
    if principal.is_superuser:
        return enrolments
    return enrolments.filter(
        Q(edition__district__in=trainer_districts(principal))
        | Q(business__in=principal.ids(Role.MERCHANT, "business"))
    )


def require_trainer(principal: Principal, district: District) -> None:
    if not trainer_districts(principal).filter(pk=district.pk).exists():
        raise Forbidden(
            _("Only the district's trainers manage its training."), code="role_forbidden"
        )


def network_shops() -> QuerySet:
    """The public network: active shops of active businesses."""
    return (
        MultiserviceShop.objects.filter(active=True, business__active=True)
        .select_related("business__district", "comune")
        .prefetch_related("services__service_type")
    )


def shops_for(principal: Principal, *, record: bool = False) -> QuerySet:
    """Shops whose figures the caller sees; with ``record`` those it records for."""
    return MultiserviceShop.objects.select_related("business__district", "comune").filter(
        business__in=businesses_for(principal, manage=record)
    )


def impact_shops(principal: Principal) -> QuerySet:
    """Shops on the caller's impact dashboard: the whole scope for chamber and district
    staff and assessors, a shopkeeper's own shop."""
    return shops_for(principal)


def operated_chambers(principal: Principal) -> QuerySet:
    """Chambers whose scoring models and avoided costs the caller sets."""
    if principal.is_superuser:
        return Chamber.objects.all()
    return Chamber.objects.filter(pk__in=principal.ids(Role.CHAMBER_OPERATOR, "chamber"))


def models_for(principal: Principal) -> QuerySet:
    """Scoring models: the default ones and those of the chambers the caller sees."""
    chambers = districts_for(principal).values("chamber")
    return ScoringModel.objects.filter(Q(chamber__isnull=True) | Q(chamber__in=chambers))
