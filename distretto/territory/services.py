"""Registry operations called by the API, the pages and the CLI alike."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken, Role
from distretto.accounts.scoping import (
    Principal,
    businesses_for,
    can_administer_business,
    chambers_for,
    districts_for,
    require_role,
    require_write,
)
from distretto.core.errors import Forbidden, Invalid
from distretto.territory import ateco
from distretto.territory.models import (
    Business,
    BusinessNetwork,
    Chamber,
    Comune,
    District,
    Project,
)


def save_validated(obj: Model, changes: dict[str, Any] | None = None) -> Model:
    """Apply ``changes``, run the model's own validation, save. Raises ValidationError."""
    for name, value in (changes or {}).items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj


def resolve_comune(istat_code: str | None, field: str = "comune") -> Comune | None:
    """The comune in force with this ISTAT code; a ceased one is refused with its successor."""
    if istat_code in (None, ""):
        return None
    comune = Comune.objects.select_related("successor").filter(pk=str(istat_code).zfill(6)).first()
    if comune is None:
        raise Invalid(
            _("No comune with ISTAT code %(code)s.") % {"code": istat_code},
            field=field,
            code="unknown_comune",
        )
    if not comune.in_force:
        raise Invalid(ceased_message(comune), field=field, code="comune_ceased")
    return comune


def ceased_message(comune: Comune) -> str:
    """'Camairago (LO) ceased on 31/12/2017: choose a comune in force.' with the successor."""
    when = (
        _(" on %(date)s") % {"date": date_format(comune.ceased_on, "SHORT_DATE_FORMAT")}
        if comune.ceased_on
        else ""
    )
    if comune.successor_id:
        return _("%(comune)s ceased%(when)s: it is now %(successor)s (ISTAT %(code)s).") % {
            "comune": comune,
            "when": when,
            "successor": comune.successor,
            "code": comune.successor_id,
        }
    return _("%(comune)s ceased%(when)s: choose a comune in force.") % {
        "comune": comune,
        "when": when,
    }


def resolve_in(queryset: QuerySet, pk: Any, field: str, what: str) -> Model:
    """A referenced object the caller can see; unknown and unseen look the same."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Invalid(f"No {what} with id {pk}.", field=field, code=f"unknown_{field}")
    return obj


def _district_to_manage(principal: Principal, district_id: int) -> District:
    district = resolve_in(districts_for(principal), district_id, "district", "district")
    if not districts_for(principal, manage=True).filter(pk=district.pk).exists():
        raise Forbidden("You do not manage this district.", code="not_district_manager")
    return district


# --- Chambers -------------------------------------------------------------------------


def create_chamber(principal: Principal, data: dict[str, Any]) -> Chamber:
    """Chambers are created by the platform administrator only."""
    require_write(principal)
    if not principal.is_superuser:
        raise Forbidden("Only the platform administrator creates chambers.", code="role_forbidden")
    return save_validated(Chamber(), data)


def update_chamber(principal: Principal, chamber: Chamber, changes: dict[str, Any]) -> Chamber:
    require_write(principal)
    if not chambers_for(principal, manage=True).filter(pk=chamber.pk).exists():
        raise Forbidden("Only the chamber's operators change it.", code="role_forbidden")
    return save_validated(chamber, changes)


# --- Districts --------------------------------------------------------------------------


def create_district(principal: Principal, data: dict[str, Any]) -> District:
    require_write(principal)
    require_role(principal, Role.CHAMBER_OPERATOR)
    data = dict(data)
    chamber = resolve_in(
        chambers_for(principal, manage=True), data.pop("chamber"), "chamber", "chamber"
    )
    data["comune"] = resolve_comune(data.pop("comune", None))
    return save_validated(District(chamber=chamber), data)


def update_district(principal: Principal, district: District, changes: dict[str, Any]) -> District:
    require_write(principal)
    if not districts_for(principal, manage=True).filter(pk=district.pk).exists():
        raise Forbidden("You do not manage this district.", code="not_district_manager")
    changes = dict(changes)
    if "chamber" in changes:
        raise Invalid("A district cannot move to another chamber.", field="chamber")
    if "comune" in changes:
        changes["comune"] = resolve_comune(changes["comune"])
    return save_validated(district, changes)


# --- Businesses -------------------------------------------------------------------------


def create_business(principal: Principal, data: dict[str, Any]) -> Business:
    require_write(principal)
    data = dict(data)
    district = _district_to_manage(principal, data.pop("district"))
    data["comune"] = resolve_comune(data.pop("comune", None)) or district.comune
    return save_validated(Business(district=district), data)


def update_business(principal: Principal, business: Business, changes: dict[str, Any]) -> Business:
    require_write(principal)
    if not businesses_for(principal, manage=True).filter(pk=business.pk).exists():
        raise Forbidden("You may not change this business.", code="not_business_editor")
    changes = dict(changes)
    if "district" in changes:
        raise Invalid("A business cannot move to another district.", field="district")
    if "active" in changes and not can_administer_business(principal, business):
        raise Forbidden("Only the district's managers (de)activate a business.", field="active")
    if "comune" in changes:
        changes["comune"] = resolve_comune(changes["comune"])
    return save_validated(business, changes)


def set_business_active(principal: Principal, business: Business, active: bool) -> Business:
    require_write(principal)
    if not can_administer_business(principal, business):
        raise Forbidden("Only the district's managers (de)activate a business.")
    return save_validated(business, {"active": active})


def issue_terminal_token(
    principal: Principal, business: Business, name: str
) -> tuple[ApiToken, str]:
    """A POS terminal token for ``business``: returned once, stored hashed."""
    require_write(principal)
    if not can_administer_business(principal, business):
        raise Forbidden("Only the district's managers issue terminal tokens.")
    if not business.active:
        raise Invalid("The business is not active.", field="business", code="business_inactive")
    return tokens.issue(
        kind=ApiToken.Kind.TERMINAL,
        name=name,
        business=business,
        user=principal.user if principal.is_person else None,
    )


# --- Business networks ------------------------------------------------------------------


def networks_for(principal: Principal) -> QuerySet:
    if principal.is_superuser:
        return BusinessNetwork.objects.all()
    if principal.is_device:
        return BusinessNetwork.objects.none()
    return BusinessNetwork.objects.filter(
        Q(chamber__in=principal.ids(Role.CHAMBER_OPERATOR, "chamber"))
        | Q(district__in=districts_for(principal))
        | Q(members__in=businesses_for(principal))
    ).distinct()


@transaction.atomic
def save_network(
    principal: Principal, network: BusinessNetwork | None, data: dict[str, Any]
) -> BusinessNetwork:
    require_write(principal)
    data = dict(data)
    member_ids = data.pop("members", None)
    if network is None:
        network = BusinessNetwork(
            chamber=resolve_in(chambers_for(principal), data.pop("chamber"), "chamber", "chamber")
        )
    else:
        data.pop("chamber", None)
    if "district" in data:
        data["district"] = (
            _district_to_manage(principal, data["district"]) if data["district"] else None
        )
    if not _may_edit_network(
        principal, network, data.get("district", network.district if network.pk else None)
    ):
        raise Forbidden("Only chamber operators and district managers edit networks.")
    save_validated(network, data)
    if member_ids is not None:
        members = list(businesses_for(principal).filter(pk__in=member_ids))
        missing = set(member_ids) - {b.pk for b in members}
        if missing:
            raise Invalid(
                f"No business with id {sorted(missing)[0]}.", field="members", code="unknown_member"
            )
        network.members.set(members)
    return network


def _may_edit_network(
    principal: Principal, network: BusinessNetwork, district: District | None
) -> bool:
    if principal.is_superuser or network.chamber_id in principal.ids(
        Role.CHAMBER_OPERATOR, "chamber"
    ):
        return True
    return district is not None and district.pk in principal.ids(Role.DISTRICT_MANAGER, "district")


# --- Projects ---------------------------------------------------------------------------


def projects_for(principal: Principal) -> QuerySet:
    return Project.objects.filter(chamber__in=chambers_for(principal))


def save_project(principal: Principal, project: Project | None, data: dict[str, Any]) -> Project:
    require_write(principal)
    data = dict(data)
    if project is None:
        project = Project(
            chamber=resolve_in(
                chambers_for(principal, manage=True), data.pop("chamber"), "chamber", "chamber"
            )
        )
    else:
        data.pop("chamber", None)
        if not chambers_for(principal, manage=True).filter(pk=project.chamber_id).exists():
            raise Forbidden("Only the chamber's operators edit its projects.")
    if "comune" in data:
        data["comune"] = resolve_comune(data["comune"])
    axes = data.pop("axes", None)
    if axes is not None:
        project.set_axes(axes)
    return save_validated(project, data)


def filter_projects(
    projects: QuerySet,
    *,
    axis: str | None = None,
    comune: str | None = None,
    year: int | None = None,
    status: str | None = None,
    chamber: int | None = None,
) -> QuerySet:
    """The one project filter, used by the API, the map page and the exports."""
    if axis:
        if axis not in Project.Axis.values:
            raise Invalid(
                f"Unknown axis {axis}: use {', '.join(Project.Axis.values)}.", field="axis"
            )
        projects = projects.filter(**{f"axis_{axis}": True})
    if comune:
        projects = projects.filter(comune_id=str(comune).zfill(6))
    if year is not None:
        projects = projects.filter(year=year)
    if status:
        projects = projects.filter(status=status)
    if chamber is not None:
        projects = projects.filter(chamber_id=chamber)
    return projects


def filter_businesses(
    businesses: QuerySet,
    *,
    district: int | None = None,
    category: str | None = None,
    comune: str | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> QuerySet:
    """The one business filter, used by the API, the map pages and the exports."""
    if district is not None:
        businesses = businesses.filter(district_id=district)
    if category:
        if category not in Business.Category.values:
            raise Invalid(f"Unknown category {category}.", field="category")
        businesses = businesses.filter(category=category)
    if comune:
        businesses = businesses.filter(comune_id=str(comune).zfill(6))
    if active is not None:
        businesses = businesses.filter(active=active)
    if q:
        businesses = businesses.filter(
            Q(name__icontains=q) | Q(legal_name__icontains=q) | Q(partita_iva=q)
        )
    return businesses


def chamber_of(obj: Model) -> int | None:
    """The chamber an audited registry object belongs to."""
    if isinstance(obj, Chamber):
        return obj.pk
    if isinstance(obj, District | BusinessNetwork | Project):
        return obj.chamber_id
    if isinstance(obj, Business):
        return (
            District.objects.filter(pk=obj.district_id).values_list("chamber_id", flat=True).first()
        )
    return None


def obsolete_ateco(businesses: QuerySet) -> list[dict[str, Any]]:
    """Businesses whose ATECO code is not in ATECO 2025, with the 2025 codes it became.

    Each row: the business, its code, the edition the code is from ("2007" for the 2007
    classification and its 2022 update, None if in no edition) and the suggestions of
    ISTAT's 2025-2022 correspondence table.
    """
    rows = []
    for business in businesses.exclude(ateco_code="").select_related("district").order_by("pk"):
        code = business.ateco_code
        if ateco.description(code) is not None:
            continue
        edition = ateco.edition_of(code)
        rows.append(
            {
                "business": business,
                "code": code,
                "edition": "2007" if edition in ateco.OLDER_EDITIONS else None,
                "suggestions": ateco.suggestions(code),
            }
        )
    return rows
