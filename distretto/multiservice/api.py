"""The multiservice REST API: /api/v1/multiservice/...

The network of shops, feasibility check-ups (scored, with a PDF report), scoring
model versions, training (modules, editions, enrolments, attendance, certificates),
services delivered and the impact figures. Handlers authenticate, scope, call a
service and shape the answer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from distretto.accounts.scoping import Principal, businesses_for, get_in_scope, require_write
from distretto.core.contract import one_of
from distretto.core.errors import Invalid
from distretto.core.pagination import paginate
from distretto.multiservice import services
from distretto.multiservice.access import (
    checkup_businesses,
    checkups_for,
    editions_for,
    enrolments_for,
    impact_shops,
    models_for,
    network_shops,
    operated_chambers,
    require_trainer,
    shops_for,
    trainer_districts,
)
from distretto.multiservice.impact import report_csv
from distretto.multiservice.models import (
    Checkup,
    Enrolment,
    MultiserviceShop,
    TrainingEdition,
    TrainingModule,
)
from distretto.multiservice.questionnaire import missing_answers
from distretto.multiservice.schemas import (
    AttendanceIn,
    AvoidedCostIn,
    AvoidedCostOut,
    CheckupIn,
    CheckupOut,
    CheckupPage,
    ComparisonRow,
    DeliveryIn,
    DeliveryOut,
    DraftIn,
    EditionIn,
    EditionOut,
    EditionPage,
    EnrolmentIn,
    EnrolmentOut,
    EnrolmentPage,
    ImpactOut,
    ModuleIn,
    ModuleOut,
    ModulePage,
    PlanOut,
    RescoreIn,
    ResultOut,
    ScoringModelIn,
    ScoringModelOut,
    ScoringModelPage,
    ShopIn,
    ShopOut,
    ShopPage,
    ShopServiceIn,
    SubmitIn,
)
from distretto.territory.models import Chamber, District

router = Router(tags=["multiservice"])


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- Network ----------------------------------------------------------------------------


@router.get("/shops", response=ShopPage, auth=None)
def list_shops(request: HttpRequest, limit: int = 50, offset: int = 0):
    """The public network of multiservice shops, newest first."""
    page = paginate(network_shops().order_by("-since", "-id"), limit, offset)
    page["items"] = [services.shop_summary(shop) for shop in page["items"]]
    return page


@router.get("/shops/{shop_id}", response=ShopOut, auth=None)
def get_shop(request: HttpRequest, shop_id: int):
    return services.shop_summary(get_in_scope(network_shops(), shop_id, "shop"))


@router.post("/shops", response={201: ShopOut})
def register_shop(request: HttpRequest, payload: ShopIn):
    """Make a business of the caller's district a multiservice shop (or update it)."""
    fields = payload.dict(exclude_unset=True)
    business = get_in_scope(businesses_for(request.auth), fields.pop("business"), "business")
    shop = services.register_shop(request.auth, business, fields)
    return Status(201, services.shop_summary(shop))


@router.put("/shops/{shop_id}/services/{code}", response=ShopOut)
def offer_service(request: HttpRequest, shop_id: int, code: str, payload: ShopServiceIn):
    shop = get_in_scope(shops_for(request.auth), shop_id, "shop")
    services.set_shop_service(request.auth, shop, code, payload.opening_hours, payload.since)
    return services.shop_summary(MultiserviceShop.objects.get(pk=shop.pk))


@router.delete("/shops/{shop_id}/services/{code}", response={204: None})
def withdraw_service(request: HttpRequest, shop_id: int, code: str):
    shop = get_in_scope(shops_for(request.auth), shop_id, "shop")
    services.remove_shop_service(request.auth, shop, code)
    return Status(204, None)


# --- Check-ups --------------------------------------------------------------------------


def checkup_out(checkup: Checkup) -> dict:
    results = [
        services.result_summary(r)
        for r in checkup.results.select_related("scoring_model").order_by("-created_at", "-id")
    ]
    latest = results[0] if results else {}
    return {
        "id": checkup.pk,
        "business": checkup.business_id,
        "business_name": checkup.business.name,
        "assessor": checkup.assessor_id,
        "status": checkup.status,
        "answers": checkup.answers,
        "missing": missing_answers(checkup.answers),
        "created_at": checkup.created_at,
        "submitted_at": checkup.submitted_at,
        "score": latest.get("score"),
        "dimension_scores": latest.get("dimension_scores"),
        "verdict": latest.get("verdict"),
        "recommendations": latest.get("recommendations"),
        "training_modules": latest.get("training_modules"),
        "model_version": latest.get("model_version"),
        "results": results,
    }


@router.get("/checkups", response=CheckupPage)
def list_checkups(
    request: HttpRequest,
    business: int | None = None,
    status: one_of(["draft", "submitted"]) | None = None,
    limit: int = 50,
    offset: int = 0,
):
    """Check-ups in the caller's scope, newest first."""
    checkups = checkups_for(request.auth).order_by("-created_at", "-id")
    if business is not None:
        checkups = checkups.filter(business=business)
    if status is not None:
        if status not in Checkup.Status.values:
            raise Invalid("status is draft or submitted.", field="status")
        checkups = checkups.filter(status=status)
    page = paginate(checkups, limit, offset)
    page["items"] = [checkup_out(c) for c in page["items"]]
    return page


@router.post("/checkups", response={201: CheckupOut})
def create_checkup(request: HttpRequest, payload: CheckupIn):
    """Score a completed questionnaire (201 with the result), or save a draft.

    A missing or out-of-range answer is 422: the message names every one of them and
    ``field`` the first (``answers.<question>``).
    """
    require_write(request.auth)
    business = get_in_scope(checkup_businesses(request.auth), payload.business, "business")
    if payload.draft:
        checkup = services.start_checkup(request.auth, business, assessor_id=payload.assessor)
        services.save_draft(request.auth, checkup, payload.answers)
    else:
        result = services.assess(
            request.auth, business, payload.answers, assessor_id=payload.assessor
        )
        checkup = result.checkup
    return Status(201, checkup_out(Checkup.objects.get(pk=checkup.pk)))


def _checkup(request: HttpRequest, checkup_id: int) -> Checkup:
    return get_in_scope(checkups_for(request.auth), checkup_id, "check-up")


@router.get("/checkups/compare", response=list[ComparisonRow])
def compare_checkups(request: HttpRequest, business: int):
    """The submitted check-ups of one shop over time, oldest first, with the change."""
    shop = get_in_scope(businesses_for(request.auth), business, "business")
    rows = services.comparison(checkups_for(request.auth), shop)
    return [{**row, "checkup": row["checkup"].pk} for row in rows]


@router.get("/checkups/{checkup_id}", response=CheckupOut)
def get_checkup(request: HttpRequest, checkup_id: int):
    return checkup_out(_checkup(request, checkup_id))


@router.patch("/checkups/{checkup_id}", response=CheckupOut)
def save_draft(request: HttpRequest, checkup_id: int, payload: DraftIn):
    """Merge answers into a draft (each valid, none required yet)."""
    checkup = services.save_draft(request.auth, _checkup(request, checkup_id), payload.answers)
    return checkup_out(checkup)


@router.post("/checkups/{checkup_id}/submit", response=CheckupOut)
def submit_checkup(request: HttpRequest, checkup_id: int, payload: SubmitIn):
    result = services.submit(request.auth, _checkup(request, checkup_id), payload.answers)
    return checkup_out(result.checkup)


@router.post("/checkups/{checkup_id}/rescore", response={201: ResultOut})
def rescore_checkup(request: HttpRequest, checkup_id: int, payload: RescoreIn):
    """Score again with another model version; the earlier results stay."""
    checkup = _checkup(request, checkup_id)
    model = get_in_scope(
        models_for(request.auth), _model_pk(request.auth, payload.model_version), "scoring model"
    )
    return Status(201, services.result_summary(services.rescore(request.auth, checkup, model)))


@router.get("/checkups/{checkup_id}/report.pdf")
def checkup_report(request: HttpRequest, checkup_id: int, model_version: int | None = None):
    """The shopkeeper's PDF report of a submitted check-up."""
    checkup = _checkup(request, checkup_id)
    return _pdf(services.report_pdf(checkup, model_version), f"checkup-{checkup.pk}.pdf")


# --- Scoring models ---------------------------------------------------------------------


@router.get("/scoring-models", response=ScoringModelPage)
def list_models(request: HttpRequest, limit: int = 50, offset: int = 0):
    services.ensure_default_model()
    return paginate(models_for(request.auth).order_by("-version"), limit, offset)


@router.get("/scoring-models/{version}", response=ScoringModelOut)
def get_model(request: HttpRequest, version: int):
    services.ensure_default_model()
    return get_in_scope(models_for(request.auth), _model_pk(request.auth, version), "scoring model")


def _model_pk(principal: Principal, version: int) -> int:
    return models_for(principal).filter(version=version).values_list("pk", flat=True).first() or 0


@router.post("/scoring-models", response={201: ScoringModelOut})
def publish_model(request: HttpRequest, payload: ScoringModelIn):
    """Publish a new version of a chamber's scoring model (chamber operators)."""
    chamber = get_in_scope(operated_chambers(request.auth), payload.chamber, "chamber")
    model = services.publish_model(request.auth, chamber, payload.name, payload.definition)
    return Status(201, model)


# --- Training ---------------------------------------------------------------------------


@router.get("/training/modules", response=ModulePage)
def list_modules(request: HttpRequest, limit: int = 50, offset: int = 0):
    return paginate(TrainingModule.objects.filter(active=True).order_by("-id"), limit, offset)


@router.post("/training/modules", response={201: ModuleOut})
def create_module(request: HttpRequest, payload: ModuleIn):
    fields = payload.dict()
    if fields["topic"] not in TrainingModule.Topic.values:
        raise Invalid("Unknown topic.", field="topic")
    if fields["format"] not in TrainingModule.Format.values:
        raise Invalid("Unknown format.", field="format")
    return Status(201, services.create_module(request.auth, fields))


def edition_out(edition: TrainingEdition, taken: int | None = None) -> dict:
    """An edition; lists pass ``taken`` from ``services.with_seats_taken``."""
    return {
        "id": edition.pk,
        "module": edition.module.code,
        "module_title": edition.module.title,
        "district": edition.district_id,
        "starts_on": edition.starts_on,
        "ends_on": edition.ends_on,
        "capacity": edition.capacity,
        "seats_taken": services.seats_taken(edition) if taken is None else taken,
        "location": edition.location,
    }


@router.get("/training/editions", response=EditionPage)
def list_editions(request: HttpRequest, limit: int = 50, offset: int = 0):
    editions = services.with_seats_taken(editions_for(request.auth))
    page = paginate(editions.order_by("-starts_on", "-id"), limit, offset)
    page["items"] = [edition_out(e, e.taken) for e in page["items"]]
    return page


@router.post("/training/editions", response={201: EditionOut})
def create_edition(request: HttpRequest, payload: EditionIn):
    fields = payload.dict()
    district = get_in_scope(trainer_districts(request.auth), fields["district"], "district")
    module = TrainingModule.objects.filter(code=fields["module"], active=True).first()
    if module is None:
        raise Invalid("Unknown training module.", field="module")
    fields.update(district=district, module=module)
    if request.auth.is_person:
        fields["trainer"] = request.auth.user
    return Status(201, edition_out(services.create_edition(request.auth, fields)))


def enrolment_out(enrolment: Enrolment, hours: Decimal | None = None) -> dict:
    """An enrolment; lists pass ``hours`` from ``services.with_attended_hours``."""
    if hours is None:
        hours = services.attended_hours(enrolment)
    return {
        "id": enrolment.pk,
        "edition": enrolment.edition_id,
        "module": enrolment.edition.module.code,
        "business": enrolment.business_id,
        "participant": enrolment.participant,
        "status": enrolment.status,
        "hours_attended": f"{hours:.1f}",
        "completed_on": enrolment.completed_on,
        "certificate_code": enrolment.certificate_code,
    }


@router.post("/training/editions/{edition_id}/enrolments", response={201: EnrolmentOut})
def enrol(request: HttpRequest, edition_id: int, payload: EnrolmentIn):
    """Enrol a shop's participant; 409 ``edition_full`` beyond the capacity."""
    edition = get_in_scope(editions_for(request.auth), edition_id, "edition")
    business = get_in_scope(businesses_for(request.auth), payload.business, "business")
    enrolment = services.enrol(request.auth, edition, business, payload.participant)
    return Status(201, enrolment_out(enrolment))


@router.get("/training/enrolments", response=EnrolmentPage)
def list_enrolments(
    request: HttpRequest, edition: int | None = None, limit: int = 50, offset: int = 0
):
    enrolments = enrolments_for(request.auth)
    if edition is not None:
        enrolments = enrolments.filter(edition=edition)
    enrolments = services.with_attended_hours(enrolments).order_by("-created_at", "-id")
    page = paginate(enrolments, limit, offset)
    page["items"] = [enrolment_out(e, e.hours) for e in page["items"]]
    return page


@router.post("/training/enrolments/{enrolment_id}/attendance", response={201: EnrolmentOut})
def record_attendance(request: HttpRequest, enrolment_id: int, payload: AttendanceIn):
    enrolment = get_in_scope(enrolments_for(request.auth), enrolment_id, "enrolment")
    require_trainer(request.auth, enrolment.edition.district)
    services.record_attendance(request.auth, enrolment, payload.attended_on, payload.hours)
    return Status(201, enrolment_out(Enrolment.objects.get(pk=enrolment.pk)))


@router.post("/training/enrolments/{enrolment_id}/cancel", response=EnrolmentOut)
def cancel_enrolment(request: HttpRequest, enrolment_id: int):
    enrolment = get_in_scope(enrolments_for(request.auth), enrolment_id, "enrolment")
    return enrolment_out(services.cancel_enrolment(request.auth, enrolment))


@router.get("/training/enrolments/{enrolment_id}/certificate.pdf")
def certificate(request: HttpRequest, enrolment_id: int):
    enrolment = get_in_scope(enrolments_for(request.auth), enrolment_id, "enrolment")
    return _pdf(services.certificate_pdf(enrolment), f"certificate-{enrolment.pk}.pdf")


@router.get("/training/plan", response=PlanOut)
def training_plan(request: HttpRequest, business: int):
    """A shop's training plan: modules recommended or taken, with progress."""
    shop = get_in_scope(businesses_for(request.auth), business, "business")
    plan = services.training_plan(shop)
    return {
        "business": shop.pk,
        "checkup": plan["checkup"].pk if plan["checkup"] else None,
        "completed": plan["completed"],
        "total": plan["total"],
        "items": [
            {
                "module": item.code,
                "title": item.module.title if item.module else item.code,
                "status": item.status,
                "hours_done": f"{item.hours_done:.1f}",
                "hours": f"{item.module.hours:.1f}" if item.module else None,
                "enrolment": item.enrolment.pk if item.enrolment else None,
            }
            for item in plan["items"]
        ],
    }


# --- Impact -----------------------------------------------------------------------------


@router.post("/deliveries", response={201: DeliveryOut})
def record_delivery(request: HttpRequest, payload: DeliveryIn):
    """Services a shop delivered on a day (its merchant or the district's managers)."""
    shop = get_in_scope(shops_for(request.auth), payload.shop, "shop")
    delivery = services.record_delivery(
        request.auth, shop, payload.service_type, payload.date, payload.count, payload.people
    )
    return Status(
        201,
        {
            "id": delivery.pk,
            "business": delivery.venue_id,
            "service_type": delivery.service_type.code,
            "date": delivery.date,
            "count": delivery.count,
            "people": delivery.people,
        },
    )


@router.get("/impact", response=ImpactOut)
def impact(
    request: HttpRequest,
    date_from: date | None = None,
    date_to: date | None = None,
    district: int | None = None,
    format: one_of(["json", "csv"]) = "json",
):
    """Deliveries by type, shop and month, people served and savings for the PA;
    ``?format=csv`` for the spreadsheet."""
    shops = impact_shops(request.auth)
    if district is not None:
        shops = shops.filter(business__district=district)
    report = services.impact_report(shops, date_from, date_to)
    if format == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="multiservice-impact.csv"'
        return response
    if format != "json":
        raise Invalid("format is json or csv.", field="format")
    return report


@router.get("/avoided-costs", response=list[AvoidedCostOut])
def list_avoided_costs(request: HttpRequest, chamber: int):
    """What one service delivered saves the PA, per service type, for a chamber."""
    seen = District.objects.filter(pk__in=impact_shops(request.auth).values("business__district"))
    visible = Chamber.objects.filter(districts__in=seen) | operated_chambers(request.auth)
    return services.cost_table(get_in_scope(visible.distinct(), chamber, "chamber"))


@router.put("/avoided-costs/{code}", response=AvoidedCostOut)
def set_avoided_cost(request: HttpRequest, code: str, payload: AvoidedCostIn):
    chamber = get_in_scope(operated_chambers(request.auth), payload.chamber, "chamber")
    services.set_avoided_cost(request.auth, chamber, code, payload.cost_eur)
    return next(row for row in services.cost_table(chamber) if row["service_type"] == code)
