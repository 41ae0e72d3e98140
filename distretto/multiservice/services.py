"""The domain operations of multiservice: what the API, the pages and the demo call.

Who may see what is in ``access``; the questionnaire in ``questionnaire``; the pure
scoring in ``scoring``; the impact roll-up in ``impact``. Service types and the
record of services delivered belong to ``catalog`` and are used only through
``catalog.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts.models import Role
from distretto.accounts.scoping import Principal, districts_for, require_write
from distretto.catalog import services as catalog
from distretto.core.errors import Conflict, Forbidden, Invalid, NotFound
from distretto.multiservice import documents, impact, scoring
from distretto.multiservice.access import (
    can_edit_checkup,
    checkup_businesses,
    operated_chambers,
    require_trainer,
    shops_for,
    trainer_districts,
)
from distretto.multiservice.models import (
    Attendance,
    AvoidedCost,
    Checkup,
    CheckupResult,
    Enrolment,
    MultiserviceShop,
    ScoringModel,
    ShopService,
    TrainingEdition,
    TrainingModule,
)
from distretto.multiservice.questionnaire import clean_answers
from distretto.territory.geo import distance_km
from distretto.territory.models import Business, Chamber, District
from distretto.territory.services import resolve_comune

GROCERY_CATEGORIES = (Business.Category.GROCERY, Business.Category.MULTISERVICE)


def chamber_of(obj: object) -> int | None:
    """The chamber an audited multiservice object belongs to."""
    if isinstance(obj, ScoringModel | AvoidedCost):
        return obj.chamber_id
    if isinstance(obj, TrainingEdition):
        return District.objects.filter(pk=obj.district_id).values_list("chamber_id", flat=True)[0]
    if isinstance(obj, ShopService):
        business_id = MultiserviceShop.objects.get(pk=obj.shop_id).business_id
    elif isinstance(obj, MultiserviceShop | Checkup | Enrolment):
        business_id = obj.business_id
    else:
        return None
    return Business.objects.filter(pk=business_id).values_list("district__chamber", flat=True)[0]


def service_codes() -> set[str]:
    """Codes of the catalogue's active service types."""
    return set(catalog.service_types().values_list("code", flat=True))


# --- Network ----------------------------------------------------------------------------


def nearest_other_grocery(business: Business) -> tuple[Business, Decimal] | None:
    """The closest other active grocery (or multiservice shop) on the registry, as the
    crow flies (a lower bound of the road distance)."""
    if business.lat is None or business.lon is None:
        return None
    candidates = Business.objects.filter(
        active=True, category__in=GROCERY_CATEGORIES, lat__isnull=False, lon__isnull=False
    ).exclude(pk=business.pk)
    best: tuple[Business, float] | None = None
    for other in candidates.only("name", "lat", "lon"):
        km = distance_km(business.lat, business.lon, other.lat, other.lon)
        if best is None or km < best[1]:
            best = (other, km)
    if best is None:
        return None
    return best[0], Decimal(str(best[1])).quantize(Decimal("0.1"))


SHOP_FIELDS = {
    "since",
    "frazione",
    "frazione_population",
    "frazione_altitude_m",
    "funding_eur",
    "funding_source",
    "nearest_grocery_km",
    "nearest_grocery_name",
    "active",
}


def register_shop(principal: Principal, business: Business, fields: dict) -> MultiserviceShop:
    """Make ``business`` a multiservice shop of the network, or update it.

    The comune defaults to the business's; the nearest other grocery, when not given,
    is the closest one on the registry.
    """
    require_write(principal)
    if not districts_for(principal, manage=True).filter(pk=business.district_id).exists():
        raise Forbidden(
            _("Only the district's managers register multiservice shops."), code="role_forbidden"
        )
    fields = dict(fields)
    comune_code = fields.pop("comune", None) or business.comune_id
    comune = resolve_comune(comune_code)
    if comune is None:
        raise Invalid(_("Unknown comune: give its ISTAT code."), field="comune")
    unknown = set(fields) - SHOP_FIELDS
    if unknown:
        raise Invalid(
            _("Unknown field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    shop = MultiserviceShop.objects.filter(business=business).first() or MultiserviceShop(
        business=business
    )
    shop.comune = comune
    for name, value in fields.items():
        setattr(shop, name, value)
    if shop.since is None:
        shop.since = timezone.localdate()
    if fields.get("nearest_grocery_km") is None:
        nearest = nearest_other_grocery(business)
        if nearest is not None:
            shop.nearest_grocery_name, shop.nearest_grocery_km = nearest[0].name, nearest[1]
    shop.full_clean()
    shop.save()
    return shop


def set_shop_service(
    principal: Principal,
    shop: MultiserviceShop,
    code: str,
    opening_hours: dict | None = None,
    since: date | None = None,
) -> ShopService:
    """Offer (or update) a catalogue service at a shop, with its own hours."""
    require_write(principal)
    if not shops_for(principal, record=True).filter(pk=shop.pk).exists():
        raise NotFound(_("No shop with id %(id)s.") % {"id": shop.pk})
    service_type = catalog.get_service_type(code)
    service = ShopService.objects.filter(shop=shop, service_type=service_type).first()
    service = service or ShopService(shop=shop, service_type=service_type)
    service.opening_hours = opening_hours or {}
    service.since = since
    service.full_clean()
    with transaction.atomic():
        service.save()
        # The information point lists what each venue offers: keep it in step.
        catalog.list_service(shop.business, service_type, opening_hours=service.opening_hours)
    return service


def remove_shop_service(principal: Principal, shop: MultiserviceShop, code: str) -> None:
    require_write(principal)
    if not shops_for(principal, record=True).filter(pk=shop.pk).exists():
        raise NotFound(_("No shop with id %(id)s.") % {"id": shop.pk})
    with transaction.atomic():
        deleted, _rows = ShopService.objects.filter(shop=shop, service_type__code=code).delete()
        if not deleted:
            raise NotFound(_("The shop does not offer %(code)s.") % {"code": code})
        catalog.withdraw_service(shop.business, code)


def shop_summary(shop: MultiserviceShop) -> dict:
    """A shop as the map and the API show it."""
    business = shop.business
    return {
        "id": shop.pk,
        "business": business.pk,
        "name": business.name,
        "address": business.address,
        "lat": business.lat,
        "lon": business.lon,
        "since": shop.since.isoformat(),
        "comune": shop.comune.name,
        "istat_code": shop.comune.istat_code,
        "frazione": shop.frazione,
        "place": shop.place_served,
        "population": shop.population_served,
        "population_year": shop.population_year,
        "comune_population": shop.comune.population,
        "comune_population_year": shop.comune.population_year,
        "altitude_m": shop.altitude_m,
        "funding_eur": f"{shop.funding_eur:.2f}",
        "funding_source": shop.funding_source,
        "nearest_grocery_km": (
            f"{shop.nearest_grocery_km:.1f}" if shop.nearest_grocery_km is not None else None
        ),
        "nearest_grocery_name": shop.nearest_grocery_name,
        "opening_hours": business.opening_hours,
        "services": [
            {
                "code": service.service_type.code,
                "label": service.service_type.label(),
                "opening_hours": service.opening_hours or business.opening_hours,
            }
            for service in shop.services.all()
        ],
    }


def network_geojson(shops: QuerySet) -> dict:
    features = []
    for shop in shops:
        business = shop.business
        geometry = (
            {"type": "Point", "coordinates": [business.lon, business.lat]}
            if business.lat is not None and business.lon is not None
            else None
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": shop_summary(shop)})
    return {"type": "FeatureCollection", "features": features}


# --- Scoring models ---------------------------------------------------------------------


def ensure_default_model() -> ScoringModel:
    """Version 1: the documented default model (``scoring.DEFAULT_MODEL``)."""
    model, _created = ScoringModel.objects.get_or_create(
        version=1,
        defaults={"name": "Modello predefinito", "definition": scoring.DEFAULT_MODEL},
    )
    return model


def current_model(chamber: Chamber | None) -> ScoringModel:
    """The newest model a chamber uses: its own newest version, else the newest default."""
    own = ScoringModel.objects.filter(chamber=chamber).order_by("-version").first()
    if chamber is not None and own is not None:
        return own
    default = ScoringModel.objects.filter(chamber__isnull=True).order_by("-version").first()
    return default or ensure_default_model()


def publish_model(
    principal: Principal, chamber: Chamber, name: str, definition: dict
) -> ScoringModel:
    """A new model version for a chamber; earlier versions and their results stay.

    Versions are numbered across the installation so that a number names one model.
    """
    require_write(principal)
    if not operated_chambers(principal).filter(pk=chamber.pk).exists():
        raise Forbidden(
            _("Only the chamber's operators publish scoring models."), code="role_forbidden"
        )
    scoring.validate_definition(definition)
    ensure_default_model()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                version = (ScoringModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1
                return ScoringModel.objects.create(
                    chamber=chamber, version=version, name=name.strip()[:200], definition=definition
                )
        except IntegrityError:
            continue  # another version took the number meanwhile
    raise Conflict(_("Another version was published at the same time; retry."))


# --- Check-ups --------------------------------------------------------------------------


def start_checkup(
    principal: Principal,
    business: Business,
    *,
    assessor_id: int | None = None,
    prefill: bool = False,
) -> Checkup:
    """A new draft check-up of ``business``, assigned to an assessor (the caller by
    default); with ``prefill`` the answers the registry knows are filled in."""
    require_write(principal)
    if not checkup_businesses(principal).filter(pk=business.pk).exists():
        raise NotFound(_("No business with id %(id)s.") % {"id": business.pk})
    assessor = principal.user
    if assessor_id is not None and assessor_id != principal.user.pk:
        assessor = (
            get_user_model()
            .objects.filter(
                pk=assessor_id,
                memberships__role=Role.ASSESSOR,
                memberships__district=business.district_id,
            )
            .first()
        )
        if assessor is None:
            raise Invalid(_("The assessor must be an assessor of the district."), field="assessor")
    return Checkup.objects.create(
        business=business, assessor=assessor, answers=prefill_answers(business) if prefill else {}
    )


def prefill_answers(business: Business) -> dict:
    """What the registry already knows: residents of the place served (the frazione's
    when the shop serves one) and the services the shop offers."""
    answers: dict = {}
    shop = MultiserviceShop.objects.filter(business=business).select_related("comune").first()
    if shop is not None:
        if shop.population_served is not None:
            answers["residents"] = shop.population_served
        answers["services_offered"] = sorted(
            shop.services.values_list("service_type__code", flat=True)
        )
        if shop.nearest_grocery_km is not None:
            answers["grocery_km"] = float(shop.nearest_grocery_km)
    elif business.comune is not None and business.comune.population is not None:
        answers["residents"] = business.comune.population
    return answers


def _require_editable_draft(principal: Principal, checkup: Checkup) -> None:
    require_write(principal)
    if not can_edit_checkup(principal, checkup):
        raise Forbidden(
            _("Only the assigned assessor or the district's managers edit a check-up."),
            code="role_forbidden",
        )
    if checkup.status != Checkup.Status.DRAFT:
        raise Conflict(_("This check-up was submitted; start a new one."), code="checkup_submitted")


def save_draft(principal: Principal, checkup: Checkup, answers: object) -> Checkup:
    """Merge answers into a draft: each given answer must be valid, none is required."""
    _require_editable_draft(principal, checkup)
    if not isinstance(answers, dict):
        raise Invalid(_("answers must be an object."), field="answers")
    merged = {**checkup.answers, **answers}
    checkup.answers = clean_answers(merged, complete=False, service_codes=service_codes())
    checkup.save(update_fields=["answers", "updated_at"])
    return checkup


def submit(principal: Principal, checkup: Checkup, answers: object = None) -> CheckupResult:
    """Complete a check-up and score it with its chamber's current model."""
    _require_editable_draft(principal, checkup)
    if answers is not None and not isinstance(answers, dict):
        raise Invalid(_("answers must be an object."), field="answers")
    merged = {**checkup.answers, **(answers or {})}
    cleaned = clean_answers(merged, complete=True, service_codes=service_codes())
    with transaction.atomic():
        checkup.answers = cleaned
        checkup.status = Checkup.Status.SUBMITTED
        checkup.submitted_at = timezone.now()
        checkup.save()
        return score_with(checkup, current_model(checkup.business.district.chamber))


def assess(
    principal: Principal,
    business: Business,
    answers: object,
    *,
    assessor_id: int | None = None,
) -> CheckupResult:
    """Start, fill and submit a check-up in one go (the API's POST /checkups).

    The answers are checked before anything is stored, so a 422 leaves nothing behind.
    """
    if not isinstance(answers, dict):
        raise Invalid(_("answers must be an object."), field="answers")
    clean_answers(answers, complete=True, service_codes=service_codes())
    with transaction.atomic():
        checkup = start_checkup(principal, business, assessor_id=assessor_id)
        return submit(principal, checkup, answers)


def rescore(principal: Principal, checkup: Checkup, model: ScoringModel) -> CheckupResult:
    """Score a submitted check-up again with another model version; every result stays."""
    require_write(principal)
    if not can_edit_checkup(principal, checkup):
        raise Forbidden(
            _("Only the assigned assessor or the district's managers rescore a check-up."),
            code="role_forbidden",
        )
    if checkup.status != Checkup.Status.SUBMITTED:
        raise Conflict(_("Only a submitted check-up can be scored."), code="checkup_draft")
    existing = checkup.results.filter(scoring_model=model).first()
    return existing or score_with(checkup, model)


def score_with(checkup: Checkup, model: ScoringModel) -> CheckupResult:
    outcome = scoring.score(model.definition, checkup.answers)
    return CheckupResult.objects.create(
        checkup=checkup,
        scoring_model=model,
        score=outcome.score,
        dimension_scores={name: str(value) for name, value in outcome.dimension_scores.items()},
        verdict=outcome.verdict,
        recommendations=outcome.recommendations,
        training_modules=outcome.training_modules,
    )


def recommendation_texts(result: CheckupResult) -> list[str]:
    """The recommendations in the current language (known codes are translated)."""
    return [
        str(scoring.RECOMMENDATION_TEXTS.get(item["code"], item.get("text") or item["code"]))
        for item in result.recommendations
    ]


def result_summary(result: CheckupResult) -> dict:
    texts = recommendation_texts(result)
    return {
        "id": result.pk,
        "checkup": result.checkup_id,
        "model_version": result.scoring_model.version,
        "score": f"{result.score:.1f}",
        "dimension_scores": dict(result.dimension_scores),
        "verdict": result.verdict,
        "recommendations": [
            {"code": item["code"], "text": text, "modules": item.get("modules", [])}
            for item, text in zip(result.recommendations, texts, strict=True)
        ],
        "training_modules": result.training_modules,
        "scored_at": result.created_at,
    }


def comparison(checkups: QuerySet, business: Business) -> list[dict]:
    """The business's submitted check-ups, oldest first, each with its newest result and
    the change of score since the previous one."""
    rows: list[dict] = []
    submitted = checkups.filter(business=business, status=Checkup.Status.SUBMITTED)
    for checkup in submitted.order_by("submitted_at", "id").prefetch_related(
        "results__scoring_model"
    ):
        result = checkup.latest_result()
        if result is None:
            continue
        rows.append(
            {**result_summary(result), "checkup": checkup, "submitted_at": checkup.submitted_at}
        )
    for previous, row in zip([None, *rows], rows, strict=False):
        row["change"] = (
            f"{Decimal(row['score']) - Decimal(previous['score']):+.1f}" if previous else None
        )
    return rows


def report_pdf(checkup: Checkup, model_version: int | None = None) -> bytes:
    """Shared by the API and the pages: the report of the newest (or a given) result."""
    results = checkup.results.select_related("scoring_model").order_by("-created_at", "-id")
    if model_version is not None:
        results = results.filter(scoring_model__version=model_version)
    result = results.first()
    if result is None:
        raise Conflict(_("The check-up has not been submitted yet."), code="checkup_draft")
    modules = {m.code: m for m in TrainingModule.objects.filter(code__in=result.training_modules)}
    history = comparison(Checkup.objects.filter(business=checkup.business_id), checkup.business)
    return documents.checkup_report(
        checkup, result, modules, history, recommendation_texts(result), service_labels()
    )


def service_labels() -> dict[str, str]:
    """Catalogue service labels by code, in the current language."""
    return {st.code: st.label() for st in catalog.service_types()}


# --- Training ---------------------------------------------------------------------------


def create_module(principal: Principal, fields: dict) -> TrainingModule:
    require_write(principal)
    if not trainer_districts(principal).exists():
        raise Forbidden(_("Only trainers create training modules."), code="role_forbidden")
    if TrainingModule.objects.filter(code=fields.get("code")).exists():
        raise Conflict(_("A module with this code exists."), code="duplicate_code", field="code")
    module = TrainingModule(**fields)
    module.full_clean()
    module.save()
    return module


def create_edition(principal: Principal, fields: dict) -> TrainingEdition:
    require_write(principal)
    require_trainer(principal, fields["district"])
    if fields["ends_on"] < fields["starts_on"]:
        raise Invalid(_("An edition ends on or after its start."), field="ends_on")
    edition = TrainingEdition(**fields)
    edition.full_clean()
    edition.save()
    return edition


def seats_taken(edition: TrainingEdition) -> int:
    return edition.enrolments.exclude(status=Enrolment.Status.CANCELLED).count()


def with_seats_taken(editions: QuerySet) -> QuerySet:
    """Editions annotated with ``taken`` (``seats_taken`` of each) in the same query."""
    return editions.annotate(
        taken=Count("enrolments", filter=~Q(enrolments__status=Enrolment.Status.CANCELLED))
    )


def enrol(
    principal: Principal, edition: TrainingEdition, business: Business, participant: str
) -> Enrolment:
    """Enrol a participant of a shop; 409 ``edition_full`` when no seat is left.

    The seat count and the insert happen in one transaction that locks the edition
    row (on SQLite the immediate transaction serialises writers), so two shops racing
    for the last seat cannot both get it.
    """
    require_write(principal)
    own = principal.ids(Role.MERCHANT, "business")
    trainer = trainer_districts(principal).filter(pk=edition.district_id).exists()
    if business.pk not in own and not (trainer and business.district_id == edition.district_id):
        raise NotFound(_("No business with id %(id)s.") % {"id": business.pk})
    participant = (participant or "").strip()
    if not participant:
        raise Invalid(_("The participant's name is required."), field="participant")
    with transaction.atomic():
        locked = TrainingEdition.objects.select_for_update().get(pk=edition.pk)
        if locked.ends_on < timezone.localdate():
            raise Conflict(_("This edition is over."), code="edition_over")
        if Enrolment.objects.filter(
            edition=locked, business=business, participant=participant
        ).exists():
            raise Conflict(_("Already enrolled."), code="already_enrolled")
        if seats_taken(locked) >= locked.capacity:
            raise Conflict(_("This edition is full."), code="edition_full")
        return Enrolment.objects.create(edition=locked, business=business, participant=participant)


def cancel_enrolment(principal: Principal, enrolment: Enrolment) -> Enrolment:
    """Free the seat; a completed enrolment keeps its certificate."""
    require_write(principal)
    own = enrolment.business_id in principal.ids(Role.MERCHANT, "business")
    if not own:
        require_trainer(principal, enrolment.edition.district)
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise Conflict(_("A completed enrolment cannot be cancelled."), code="enrolment_completed")
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.save(update_fields=["status"])
    return enrolment


def attended_hours(enrolment: Enrolment) -> Decimal:
    return enrolment.attendances.aggregate(total=Sum("hours"))["total"] or Decimal("0")


def with_attended_hours(enrolments: QuerySet) -> QuerySet:
    """Enrolments annotated with ``hours`` (``attended_hours`` of each) in the same query."""
    return enrolments.annotate(
        hours=Coalesce(Sum("attendances__hours"), Value(Decimal("0")), output_field=DecimalField())
    )


def record_attendance(
    principal: Principal, enrolment: Enrolment, attended_on: date, hours: Decimal
) -> Attendance:
    """Record a day's attendance; reaching the module's hours completes the enrolment
    and gives it a certificate code."""
    require_write(principal)
    require_trainer(principal, enrolment.edition.district)
    edition = enrolment.edition
    if enrolment.status == Enrolment.Status.CANCELLED:
        raise Conflict(_("The enrolment was cancelled."), code="enrolment_cancelled")
    if not edition.starts_on <= attended_on <= edition.ends_on:
        raise Invalid(_("The date is outside the edition."), field="attended_on")
    if not Decimal("0.5") <= hours <= Decimal("12"):
        raise Invalid(_("Hours must be between 0.5 and 12."), field="hours")
    with transaction.atomic():
        attendance, _created = Attendance.objects.update_or_create(
            enrolment=enrolment, attended_on=attended_on, defaults={"hours": hours}
        )
        if (
            enrolment.status == Enrolment.Status.ENROLLED
            and attended_hours(enrolment) >= edition.module.hours
        ):
            enrolment.status = Enrolment.Status.COMPLETED
            enrolment.completed_on = attended_on
            enrolment.certificate_code = f"MS-{attended_on.year}-{enrolment.pk:06d}"
            enrolment.save(update_fields=["status", "completed_on", "certificate_code"])
    return attendance


@dataclass
class PlanItem:
    code: str
    module: TrainingModule | None
    enrolment: Enrolment | None
    hours_done: Decimal
    status: str  # to_enrol, enrolled, completed
    open_editions: list[tuple[TrainingEdition, int]]  # with the seats left


def training_plan(business: Business) -> dict:
    """The modules the latest check-up recommends, plus any the shop enrolled in, with
    the shop's progress in each and the editions still open to enrol."""
    latest = (
        Checkup.objects.filter(business=business, status=Checkup.Status.SUBMITTED)
        .order_by("-submitted_at", "-id")
        .first()
    )
    result = latest.latest_result() if latest else None
    codes = list(result.training_modules) if result else []
    enrolments = list(
        Enrolment.objects.filter(business=business)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("edition__module")
        .order_by("created_at", "id")
    )
    for enrolment in enrolments:
        if enrolment.edition.module.code not in codes:
            codes.append(enrolment.edition.module.code)
    modules = {m.code: m for m in TrainingModule.objects.filter(code__in=codes)}
    today = timezone.localdate()
    items = []
    for code in codes:
        mine = [e for e in enrolments if e.edition.module.code == code]
        done = next((e for e in mine if e.status == Enrolment.Status.COMPLETED), None)
        current = done or (mine[-1] if mine else None)
        editions = []
        if current is None and code in modules:
            editions = [
                (edition, edition.capacity - seats_taken(edition))
                for edition in modules[code]
                .editions.filter(district=business.district_id, ends_on__gte=today)
                .order_by("starts_on")
            ]
        items.append(
            PlanItem(
                code=code,
                module=modules.get(code),
                enrolment=current,
                hours_done=attended_hours(current) if current else Decimal("0"),
                status=current.status if current else "to_enrol",
                open_editions=editions,
            )
        )
    return {
        "business": business,
        "checkup": latest,
        "result": result,
        "items": items,
        "completed": sum(1 for item in items if item.status == Enrolment.Status.COMPLETED),
        "total": len(items),
    }


# --- Impact -----------------------------------------------------------------------------


def record_delivery(
    principal: Principal,
    shop: MultiserviceShop,
    code: str,
    on: date,
    count: int,
    people: int | None = None,
):
    """Record services a shop delivered on a day (kept in catalog's delivery record)."""
    require_write(principal)
    if not shops_for(principal, record=True).filter(pk=shop.pk).exists():
        raise NotFound(_("No shop with id %(id)s.") % {"id": shop.pk})
    service_type = catalog.get_service_type(code)
    if not shop.services.filter(service_type=service_type).exists():
        raise Invalid(_("The shop does not offer this service."), field="service_type")
    return catalog.record_delivery(
        venue=shop.business,
        service_type=service_type,
        on=on,
        count=count,
        people=people,
        by=principal.user if principal.is_person else None,
    )


def avoided_costs(chamber_ids: set[int]) -> dict[tuple[int | None, str], Decimal]:
    """The chambers' own figures of cost avoided per service, by (chamber, code)."""
    return {
        (row.chamber_id, row.service_type.code): row.cost_eur
        for row in AvoidedCost.objects.filter(chamber__in=chamber_ids).select_related(
            "service_type"
        )
    }


def set_avoided_cost(
    principal: Principal, chamber: Chamber, code: str, cost: Decimal
) -> AvoidedCost:
    """A chamber's own figure of what one service delivered saves the PA."""
    require_write(principal)
    if not operated_chambers(principal).filter(pk=chamber.pk).exists():
        raise Forbidden(
            _("Only the chamber's operators set the avoided costs."), code="role_forbidden"
        )
    service_type = catalog.get_service_type(code)
    if not cost.is_finite() or cost < 0 or cost >= Decimal("1000000"):
        raise Invalid(_("The cost must be between 0 and 999999.99."), field="cost_eur")
    row, _created = AvoidedCost.objects.update_or_create(
        chamber=chamber,
        service_type=service_type,
        defaults={"cost_eur": cost.quantize(Decimal("0.01"))},
    )
    return row


def cost_table(chamber: Chamber) -> list[dict]:
    """Every service type with the cost avoided the chamber uses and where it comes from."""
    own = avoided_costs({chamber.pk})
    rows = []
    for service_type in catalog.service_types():
        code = service_type.code
        rows.append(
            {
                "service_type": code,
                "label": service_type.label(),
                "cost_eur": f"{impact.unit_cost(own, chamber.pk, code):.2f}",
                "custom": (chamber.pk, code) in own,
            }
        )
    return rows


def impact_report(
    shops: QuerySet, date_from: date | None = None, date_to: date | None = None
) -> dict:
    """Deliveries by type, shop and month, people served and savings for the PA.

    Aggregated in the database by (shop, service type, month), rolled up by ``impact``.
    """
    if date_from and date_to and date_from > date_to:
        raise Invalid(_("The start date is after the end date."), field="date_from")
    venues = Business.objects.filter(multiservice_shop__in=shops)
    aggregated = (
        catalog.deliveries(venues, date_from, date_to)
        .annotate(month=TruncMonth("date"))
        .values("venue__name", "venue__district__chamber", "service_type__code", "month")
        .annotate(total=Sum("count"), served=Coalesce(Sum("people"), 0))
        .order_by()
    )
    rows = [
        impact.Row(
            month=f"{row['month']:%Y-%m}",
            shop=row["venue__name"],
            chamber_id=row["venue__district__chamber"],
            service_type=row["service_type__code"],
            count=row["total"],
            people=row["served"],
        )
        for row in aggregated
    ]
    costs = avoided_costs({row.chamber_id for row in rows if row.chamber_id})
    report = impact.roll_up(rows, costs)
    codes = {row.service_type for row in rows}
    labels = {st.code: st.label() for st in catalog.service_types().filter(code__in=codes)}
    for item in report["by_type"]:
        item["label"] = labels.get(item["service_type"], item["service_type"])
    return {"date_from": date_from, "date_to": date_to, **report}


def recent_deliveries(shops: QuerySet, limit: int = 10) -> list:
    venues = Business.objects.filter(multiservice_shop__in=shops)
    return list(catalog.deliveries(venues)[:limit])


def certificate_pdf(enrolment: Enrolment) -> bytes:
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise Conflict(_("The module is not completed yet."), code="not_completed")
    return documents.certificate(enrolment, attended_hours(enrolment))
