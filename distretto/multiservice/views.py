"""Pages of the multiservice app: the public network map, the check-up questionnaire
(one step a page, saving a draft each time), results and comparison, training,
the phone page to record services delivered and the impact dashboard.

Thin: every rule lives in ``services`` and ``access``.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from distretto.accounts.models import Role
from distretto.accounts.scoping import Principal, businesses_for, principal_for_user
from distretto.catalog import services as catalog
from distretto.core.errors import DomainError
from distretto.multiservice import impact, scoring, services
from distretto.multiservice.access import (
    can_edit_checkup,
    checkup_businesses,
    checkups_for,
    editions_for,
    enrolments_for,
    impact_shops,
    is_trainer,
    models_for,
    network_shops,
    operated_chambers,
    shops_for,
    trainer_districts,
)
from distretto.multiservice.documents import answer_text
from distretto.multiservice.models import Checkup, TrainingModule
from distretto.multiservice.questionnaire import STEPS, missing_answers, step_of
from distretto.territory.models import Business

STEP_KEYS = [step.key for step in STEPS]


def _principal(request: HttpRequest) -> Principal:
    return principal_for_user(request.user)


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- Network ----------------------------------------------------------------------------


def network(request: HttpRequest) -> HttpResponse:
    """The public map and list of the network's shops, their services and hours."""
    shops = network_shops().order_by("business__name")
    return render(
        request,
        "multiservice/network.html",
        {
            "shops": [services.shop_summary(shop) for shop in shops],
            "map_texts": {
                "residents": _("residents"),
                "services": _("Services"),
                "hours": _("Opening hours"),
                "closed": _("closed"),
                "days": {
                    "mon": _("Mon"),
                    "tue": _("Tue"),
                    "wed": _("Wed"),
                    "thu": _("Thu"),
                    "fri": _("Fri"),
                    "sat": _("Sat"),
                    "sun": _("Sun"),
                },
            },
        },
    )


def network_geojson(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.network_geojson(network_shops().order_by("business__name")))


# --- Check-ups --------------------------------------------------------------------------


@login_required
def checkup_list(request: HttpRequest) -> HttpResponse:
    """The check-ups in scope; assessors and managers start a new one here."""
    principal = _principal(request)
    if request.method == "POST":
        business = get_object_or_404(checkup_businesses(principal), pk=request.POST.get("business"))
        try:
            checkup = services.start_checkup(principal, business, prefill=True)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("multiservice:checkups")
        return redirect("multiservice:checkup_step", checkup_id=checkup.pk, step=STEP_KEYS[0])
    checkups = checkups_for(principal).prefetch_related("results__scoring_model")
    return render(
        request,
        "multiservice/checkups.html",
        {
            "checkups": checkups.order_by("-created_at", "-id")[:200],
            "businesses": checkup_businesses(principal).order_by("name"),
        },
    )


def _editable_checkup(request: HttpRequest, checkup_id: int) -> Checkup:
    principal = _principal(request)
    checkup = get_object_or_404(checkups_for(principal), pk=checkup_id)
    if not can_edit_checkup(principal, checkup):
        raise Http404
    return checkup


def _posted_answers(request: HttpRequest, step) -> dict:
    answers: dict = {}
    for question in step.questions:
        if question.kind in ("multi", "services"):
            answers[question.key] = request.POST.getlist(question.key)
        else:
            answers[question.key] = request.POST.get(question.key, "").strip()
    return answers


@login_required
def checkup_step(request: HttpRequest, checkup_id: int, step: str) -> HttpResponse:
    """One step of the questionnaire; every POST saves the draft."""
    checkup = _editable_checkup(request, checkup_id)
    if checkup.status != Checkup.Status.DRAFT:
        return redirect("multiservice:checkup", checkup_id=checkup.pk)
    if step not in STEP_KEYS:
        raise Http404
    current = step_of(step)
    index = STEP_KEYS.index(step)
    values = dict(checkup.answers)
    error = None
    if request.method == "POST":
        posted = _posted_answers(request, current)
        try:
            services.save_draft(_principal(request), checkup, posted)
        except DomainError as exc:
            error = exc.message
            values.update(posted)
        else:
            move = request.POST.get("move")
            if move == "back" and index > 0:
                return redirect("multiservice:checkup_step", checkup.pk, STEP_KEYS[index - 1])
            if move == "next":
                if index + 1 < len(STEP_KEYS):
                    return redirect("multiservice:checkup_step", checkup.pk, STEP_KEYS[index + 1])
                return redirect("multiservice:checkup_review", checkup_id=checkup.pk)
            messages.success(request, _("Draft saved."))
            return redirect("multiservice:checkup_step", checkup.pk, step)
    service_choices = [(st.code, st.label()) for st in catalog.service_types()]
    return render(
        request,
        "multiservice/checkup_step.html",
        {
            "checkup": checkup,
            "step": current,
            "steps": STEPS,
            "index": index,
            "is_last": index + 1 == len(STEP_KEYS),
            "fields": [
                {
                    "question": q,
                    "value": values.get(q.key),
                    "choices": service_choices if q.kind == "services" else q.choices,
                }
                for q in current.questions
            ],
            "error": error,
        },
    )


@login_required
def checkup_review(request: HttpRequest, checkup_id: int) -> HttpResponse:
    """Every answer at a glance, what is still missing, and the submit button."""
    checkup = _editable_checkup(request, checkup_id)
    if checkup.status != Checkup.Status.DRAFT:
        return redirect("multiservice:checkup", checkup_id=checkup.pk)
    if request.method == "POST":
        try:
            services.submit(_principal(request), checkup)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("multiservice:checkup", checkup_id=checkup.pk)
    missing = set(missing_answers(checkup.answers))
    labels = services.service_labels()
    return render(
        request,
        "multiservice/checkup_review.html",
        {
            "checkup": checkup,
            "sections": [
                {
                    "step": step,
                    "rows": [
                        {
                            "label": q.label,
                            "text": answer_text(q.key, checkup.answers.get(q.key), labels),
                            "missing": q.key in missing,
                        }
                        for q in step.questions
                    ],
                }
                for step in STEPS
            ],
            "missing": missing,
        },
    )


@login_required
def checkup_detail(request: HttpRequest, checkup_id: int) -> HttpResponse:
    """The result: verdict, scores with a chart, recommendations, training plan."""
    principal = _principal(request)
    checkup = get_object_or_404(checkups_for(principal), pk=checkup_id)
    if checkup.status == Checkup.Status.DRAFT:
        if can_edit_checkup(principal, checkup):
            return redirect("multiservice:checkup_review", checkup_id=checkup.pk)
        raise Http404
    editable = can_edit_checkup(principal, checkup)
    if request.method == "POST" and editable:
        model = models_for(principal).filter(version=request.POST.get("model_version") or 0)
        try:
            if not model.exists():
                raise DomainError(_("Choose a model version."))
            services.rescore(principal, checkup, model.get())
            messages.success(request, _("Scored again; the earlier result is kept."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("multiservice:checkup", checkup_id=checkup.pk)
    results = list(checkup.results.select_related("scoring_model").order_by("-created_at", "-id"))
    result = results[0]
    summary = services.result_summary(result)
    modules = {m.code: m for m in TrainingModule.objects.filter(code__in=result.training_modules)}
    return render(
        request,
        "multiservice/checkup_detail.html",
        {
            "checkup": checkup,
            "result": result,
            "summary": summary,
            "verdict_label": scoring.VERDICT_LABELS.get(result.verdict, result.verdict),
            "dimensions": [
                {"name": name, "label": scoring.dimension_label(name), "score": value}
                for name, value in result.dimension_scores.items()
            ],
            "modules": [(code, modules.get(code)) for code in result.training_modules],
            "results": results,
            "versions": models_for(principal).order_by("-version") if editable else [],
            "editable": editable,
        },
    )


@login_required
def checkup_report(request: HttpRequest, checkup_id: int) -> HttpResponse:
    checkup = get_object_or_404(checkups_for(_principal(request)), pk=checkup_id)
    try:
        body = services.report_pdf(checkup, _int(request.GET.get("model_version")))
    except DomainError as exc:
        raise Http404(exc.message) from None
    return _pdf(body, f"checkup-{checkup.pk}.pdf")


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@login_required
def comparison(request: HttpRequest, business_id: int) -> HttpResponse:
    """The shop's check-ups over time: score and each dimension, with the change."""
    principal = _principal(request)
    business = get_object_or_404(businesses_for(principal), pk=business_id)
    rows = services.comparison(checkups_for(principal), business)
    if not rows:
        raise Http404
    names = list(rows[-1]["dimension_scores"])
    return render(
        request,
        "multiservice/comparison.html",
        {
            "business": business,
            "rows": rows,
            "dimensions": [(name, scoring.dimension_label(name)) for name in names],
            "chart": {
                "labels": [f"{timezone.localtime(r['submitted_at']):%d/%m/%Y}" for r in rows],
                "series": [
                    {
                        "label": str(scoring.dimension_label(name)),
                        "data": [float(r["dimension_scores"].get(name, 0)) for r in rows],
                    }
                    for name in names
                ]
                + [{"label": _("Overall"), "data": [float(r["score"]) for r in rows]}],
            },
        },
    )


# --- Training ---------------------------------------------------------------------------


@login_required
def training(request: HttpRequest) -> HttpResponse:
    """Trainers: the modules and the editions of their districts; add an edition."""
    principal = _principal(request)
    if not is_trainer(principal):
        raise Http404
    districts = trainer_districts(principal).order_by("name")
    if request.method == "POST":
        try:
            module = get_object_or_404(TrainingModule, pk=request.POST.get("module"))
            district = get_object_or_404(districts, pk=request.POST.get("district"))
            starts_on, ends_on = (_date(request.POST.get(k)) for k in ("starts_on", "ends_on"))
            if starts_on is None or ends_on is None:
                raise DomainError(_("Give the dates of the edition."))
            services.create_edition(
                principal,
                {
                    "module": module,
                    "district": district,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "capacity": _int(request.POST.get("capacity")) or 0,
                    "location": request.POST.get("location", "").strip()[:200],
                    "trainer": request.user,
                },
            )
            messages.success(request, _("Edition created."))
            return redirect("multiservice:training")
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:  # model validation: a bad capacity, for one
            messages.error(request, "; ".join(exc.messages))
    editions = editions_for(principal).filter(district__in=districts).order_by("-starts_on")
    return render(
        request,
        "multiservice/training.html",
        {
            "modules": TrainingModule.objects.filter(active=True).order_by("title"),
            "editions": [(e, e.taken) for e in services.with_seats_taken(editions)],
            "districts": districts,
            "today": timezone.localdate(),
        },
    )


@login_required
def edition_detail(request: HttpRequest, edition_id: int) -> HttpResponse:
    """An edition: enrol shops, record attendance, hand out certificates."""
    principal = _principal(request)
    edition = get_object_or_404(
        editions_for(principal).filter(district__in=trainer_districts(principal)), pk=edition_id
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "attendance":
                enrolment = get_object_or_404(edition.enrolments, pk=request.POST.get("enrolment"))
                attended_on = _date(request.POST.get("attended_on"))
                hours = _decimal(request.POST.get("hours"))
                if attended_on is None or hours is None:
                    raise DomainError(_("Give the date and the hours."))
                services.record_attendance(principal, enrolment, attended_on, hours)
                messages.success(request, _("Attendance recorded."))
            else:
                business = get_object_or_404(
                    Business.objects.filter(district=edition.district_id),
                    pk=request.POST.get("business"),
                )
                services.enrol(principal, edition, business, request.POST.get("participant", ""))
                messages.success(request, _("Enrolled."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("multiservice:edition", edition_id=edition.pk)
    enrolments = edition.enrolments.select_related("business").order_by("id")
    return render(
        request,
        "multiservice/edition.html",
        {
            "edition": edition,
            "enrolments": [(e, e.hours) for e in services.with_attended_hours(enrolments)],
            "seats_taken": services.seats_taken(edition),
            "businesses": Business.objects.filter(district=edition.district_id, active=True),
            "today": timezone.localdate(),
        },
    )


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@login_required
def certificate(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = get_object_or_404(enrolments_for(_principal(request)), pk=enrolment_id)
    try:
        body = services.certificate_pdf(enrolment)
    except DomainError:
        raise Http404 from None
    return _pdf(body, f"attestato-{enrolment.certificate_code}.pdf")


@login_required
def my_training(request: HttpRequest) -> HttpResponse:
    """A shopkeeper's training plan and progress; enrol in an open edition."""
    principal = _principal(request)
    own = Business.objects.filter(pk__in=principal.ids(Role.MERCHANT, "business")).order_by("name")
    if not own.exists():
        raise Http404
    business = own.filter(pk=_int(request.GET.get("business")) or 0).first() or own[0]
    if request.method == "POST":
        edition = get_object_or_404(editions_for(principal), pk=request.POST.get("edition"))
        try:
            services.enrol(principal, edition, business, request.POST.get("participant", ""))
            messages.success(request, _("Enrolled."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('multiservice:my_training')}?business={business.pk}")
    return render(
        request,
        "multiservice/my_training.html",
        {
            "plan": services.training_plan(business),
            "businesses": own,
            "business": business,
            "participant": request.user.get_full_name() or request.user.get_username(),
        },
    )


# --- Impact -----------------------------------------------------------------------------


@login_required
def record(request: HttpRequest) -> HttpResponse:
    """The phone page: which service, how many times, for how many people, which day."""
    principal = _principal(request)
    shops = shops_for(principal, record=True).order_by("business__name")
    if not shops.exists():
        raise Http404
    shop = shops.filter(pk=_int(request.GET.get("shop")) or 0).first() or shops[0]
    if request.method == "POST":
        shop = get_object_or_404(shops, pk=request.POST.get("shop"))
        count = _int(request.POST.get("count"))
        people = _int(request.POST.get("people"))
        try:
            on = _date(request.POST.get("date"))
            if on is None or count is None:
                raise DomainError(_("Give the day and how many services."))
            delivery = services.record_delivery(
                principal, shop, request.POST.get("service_type", ""), on, count, people
            )
            messages.success(
                request,
                _("Recorded: %(count)s × %(service)s.")
                % {"count": delivery.count, "service": delivery.service_type.label()},
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('multiservice:record')}?shop={shop.pk}")
    return render(
        request,
        "multiservice/record.html",
        {
            "shops": shops,
            "shop": shop,
            "offered": shop.services.select_related("service_type").order_by(
                "service_type__position"
            ),
            "today": timezone.localdate(),
            "recent": services.recent_deliveries(shops.filter(pk=shop.pk)),
        },
    )


@login_required
def impact_dashboard(request: HttpRequest) -> HttpResponse:
    """Deliveries by type, shop and month, people served, savings; CSV export; the
    chamber's cost per service avoided."""
    principal = _principal(request)
    shops = impact_shops(principal)
    if not shops.exists() and not principal.has_role(Role.CHAMBER_OPERATOR):
        raise Http404
    chambers = operated_chambers(principal).order_by("name")
    if request.method == "POST":
        chamber = get_object_or_404(chambers, pk=request.POST.get("chamber"))
        cost = _decimal(request.POST.get("cost_eur"))
        try:
            if cost is None:
                raise DomainError(_("Give the cost in euro."))
            services.set_avoided_cost(
                principal, chamber, request.POST.get("service_type", ""), cost
            )
            messages.success(request, _("Cost saved."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("multiservice:impact")
    date_from = _date(request.GET.get("date_from"))
    date_to = _date(request.GET.get("date_to"))
    try:
        report = services.impact_report(shops, date_from, date_to)
    except DomainError as exc:
        messages.error(request, exc.message)
        date_from = date_to = None
        report = services.impact_report(shops)
    if request.GET.get("format") == "csv":
        response = HttpResponse(impact.report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="multiservice-impact.csv"'
        return response
    months = [row["month"] for row in report["by_month"]]
    for row in report["by_month"]:
        row["month_label"] = _month_label(row["month"])
    chart = {
        "months": [_month_label(month) for month in months],
        "types": [
            {
                "label": str(item["label"]),
                "data": [
                    sum(
                        r["count"]
                        for r in report["rows"]
                        if r["month"] == month and r["service_type"] == item["service_type"]
                    )
                    for month in months
                ],
            }
            for item in report["by_type"]
        ],
    }
    return render(
        request,
        "multiservice/impact.html",
        {
            "report": report,
            "chart": chart,
            "date_from": date_from,
            "date_to": date_to,
            "costs": [
                (chamber, services.cost_table(chamber))
                for chamber in chambers.filter(
                    districts__businesses__multiservice_shop__in=shops
                ).distinct()
            ],
            "query": request.GET.urlencode(),
            "can_record": shops_for(principal, record=True).exists(),
        },
    )


def _month_label(month: str) -> str:
    """``2026-05`` → ``maggio 2026`` in the page's language."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        return month
    return date_format(first, "F Y")


@login_required
def modules(request: HttpRequest) -> HttpResponse:
    """Trainers: the training modules, and a form to add one."""
    principal = _principal(request)
    if not is_trainer(principal):
        raise Http404
    if request.method == "POST":
        data = request.POST
        try:
            hours = _decimal(data.get("hours"))
            if hours is None:
                raise DomainError(_("Give the module's hours."), field="hours")
            module = services.create_module(
                principal,
                {
                    "code": data.get("code", "").strip(),
                    "title": data.get("title", "").strip(),
                    "topic": data.get("topic", ""),
                    "hours": hours,
                    "format": data.get("format", ""),
                    "materials": data.get("materials", "").strip(),
                    "description": data.get("description", "").strip(),
                },
            )
            messages.success(request, _("Module “%(title)s” added.") % {"title": module.title})
            return redirect("multiservice:modules")
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    return render(
        request,
        "multiservice/modules.html",
        {
            "modules": TrainingModule.objects.order_by("title"),
            "topics": TrainingModule.Topic.choices,
            "formats": TrainingModule.Format.choices,
            "posted": request.POST if request.method == "POST" else {},
        },
    )


@login_required
def scoring_models(request: HttpRequest) -> HttpResponse:
    """The versions of the check-up's scoring model, what each weighs, and (for the
    chamber's operators) a new version made from the current one."""
    principal = _principal(request)
    if not (is_trainer(principal) or operated_chambers(principal).exists()):
        raise Http404
    services.ensure_default_model()
    chambers = operated_chambers(principal).order_by("name")
    draft = ""
    if request.method == "POST":
        chamber = get_object_or_404(chambers, pk=request.POST.get("chamber"))
        draft = request.POST.get("definition", "")
        try:
            definition = json.loads(draft)
            if not isinstance(definition, dict):
                raise ValueError
        except ValueError:
            messages.error(
                request, _("The definition is not valid JSON: check brackets and commas.")
            )
        else:
            try:
                model = services.publish_model(
                    principal, chamber, request.POST.get("name", ""), definition
                )
                messages.success(
                    request, _("Version %(version)s published.") % {"version": model.version}
                )
                return redirect("multiservice:scoring_models")
            except DomainError as exc:
                messages.error(request, exc.message)
    versions = []
    for model in models_for(principal).select_related("chamber").order_by("-version"):
        dimensions = model.definition.get("dimensions", {})
        versions.append(
            {
                "model": model,
                "weights": [
                    (scoring.dimension_label(name), Decimal(str(spec.get("weight", 0))) * 100)
                    for name, spec in dimensions.items()
                ],
                "verdict": model.definition.get("verdict", {}),
            }
        )
    current = services.current_model(chambers[0] if chambers else None)
    return render(
        request,
        "multiservice/scoring_models.html",
        {
            "versions": versions,
            "chambers": chambers,
            "draft": draft or json.dumps(current.definition, indent=2, ensure_ascii=False),
        },
    )
