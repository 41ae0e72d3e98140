"""The check-up questionnaire: its steps, its questions and how answers are checked.

Pure logic: no request, no ORM. A draft may hold any subset of valid answers; a
submitted check-up must answer every required question. The services a shop already
offers are codes of catalog's service types: the caller passes the known codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from distretto.core.errors import Invalid


@dataclass(frozen=True)
class Question:
    key: str
    label: object
    kind: str  # int, decimal, bool, choice, multi, services
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, object], ...] = ()
    required: bool = True
    unit: str = ""

    def choice_keys(self) -> set[str]:
        return {key for key, _label in self.choices}


@dataclass(frozen=True)
class Step:
    key: str
    title: object
    questions: tuple[Question, ...] = field(default_factory=tuple)


TOPIC_CHOICES = (
    ("digital_public_services", _("Digital and public services")),
    ("pagopa", _("pagoPA operations")),
    ("tourist_hospitality", _("Tourist hospitality")),
    ("food_safety", _("Food safety")),
    ("marketing", _("Marketing")),
)


def _km(key: str, label: object) -> Question:
    return Question(key, label, "decimal", 0, 300, unit="km")


def _minutes(key: str, label: object) -> Question:
    return Question(key, label, "int", 0, 600, unit="min")


STEPS: tuple[Step, ...] = (
    Step(
        "catchment",
        _("Catchment"),
        (
            Question("residents", _("Residents of the comune or frazione"), "int", 0, 100_000),
            Question("over65_share", _("Share of residents over 65"), "decimal", 0, 100, unit="%"),
            Question(
                "tourist_presences", _("Seasonal tourist presences per year"), "int", 0, 10_000_000
            ),
        ),
    ),
    Step(
        "isolation",
        _("Isolation"),
        (
            _km("grocery_km", _("Distance to the nearest grocery")),
            _minutes("grocery_minutes", _("Travel time to the nearest grocery")),
            _km("pharmacy_km", _("Distance to the nearest pharmacy")),
            _minutes("pharmacy_minutes", _("Travel time to the nearest pharmacy")),
            _km("post_office_km", _("Distance to the nearest post office")),
            _minutes("post_office_minutes", _("Travel time to the nearest post office")),
            _km("bank_km", _("Distance to the nearest bank")),
            _minutes("bank_minutes", _("Travel time to the nearest bank")),
            Question(
                "public_transport",
                _("Public transport"),
                "choice",
                choices=(
                    ("none", _("None")),
                    ("rare", _("A few runs a day")),
                    ("regular", _("Regular service")),
                ),
            ),
        ),
    ),
    Step(
        "premises",
        _("Premises"),
        (
            Question("floor_area_m2", _("Floor area"), "decimal", 1, 5000, unit="m²"),
            Question(
                "service_space_m2",
                _("Space that can be dedicated to services"),
                "decimal",
                0,
                5000,
                unit="m²",
            ),
            Question("step_free_access", _("Accessible to people with reduced mobility"), "bool"),
        ),
    ),
    Step(
        "connectivity",
        _("Connectivity"),
        (
            Question("broadband_available", _("Broadband available"), "bool"),
            Question("broadband_mbps", _("Broadband speed"), "decimal", 0, 10_000, unit="Mbit/s"),
        ),
    ),
    Step(
        "business",
        _("The business"),
        (
            Question("years_active", _("Years of activity"), "int", 0, 150),
            Question("weekly_opening_hours", _("Opening hours per week"), "decimal", 0, 168),
            Question("staff", _("Staff (people)"), "int", 0, 100),
            Question(
                "turnover_band",
                _("Turnover band"),
                "choice",
                choices=(
                    ("under_50k", _("Under EUR 50,000")),
                    ("50k_150k", _("EUR 50,000 – 150,000")),
                    ("150k_300k", _("EUR 150,000 – 300,000")),
                    ("over_300k", _("Over EUR 300,000")),
                ),
            ),
            Question(
                "succession",
                _("Succession"),
                "choice",
                choices=(
                    ("assured", _("Assured")),
                    ("uncertain", _("Uncertain")),
                    ("none", _("No successor")),
                ),
            ),
        ),
    ),
    Step(
        "services",
        _("Services and support"),
        (
            Question("services_offered", _("Services already offered"), "services", required=False),
            Question("comune_premises", _("The comune offers premises"), "bool"),
            Question(
                "comune_contribution_eur",
                _("Contribution from the comune"),
                "decimal",
                0,
                1_000_000,
                unit="EUR",
            ),
        ),
    ),
    Step(
        "owner",
        _("The owner"),
        (
            Question(
                "willingness",
                _("Owner's willingness to add services"),
                "choice",
                choices=(("high", _("High")), ("medium", _("Medium")), ("low", _("Low"))),
            ),
            Question(
                "training_needs",
                _("Training needs"),
                "multi",
                choices=TOPIC_CHOICES,
                required=False,
            ),
        ),
    ),
)

QUESTIONS: dict[str, Question] = {q.key: q for step in STEPS for q in step.questions}


def step_of(key: str) -> Step:
    for step in STEPS:
        if step.key == key:
            return step
    raise Invalid(gettext("Unknown step: %(step)s.") % {"step": key}, field="step")


def _coerce(question: Question, value: object, service_codes: frozenset[str]) -> object:
    """The answer in its canonical JSON form, or ValueError with the reason."""
    if question.kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "on", "1", "yes"):
            return True
        if value in ("false", "off", "0", "no"):
            return False
        raise ValueError(gettext("must be true or false"))
    if question.kind in ("int", "decimal"):
        if isinstance(value, bool):
            raise ValueError(gettext("must be a number"))
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(gettext("must be a number")) from None
        if not number.is_finite():
            raise ValueError(gettext("must be a number"))
        if question.kind == "int" and number != number.to_integral_value():
            raise ValueError(gettext("must be a whole number"))
        between = gettext("must be between %(low)s and %(high)s") % {
            "low": question.minimum,
            "high": question.maximum,
        }
        if question.minimum is not None and number < Decimal(str(question.minimum)):
            raise ValueError(between)
        if question.maximum is not None and number > Decimal(str(question.maximum)):
            raise ValueError(between)
        return int(number) if question.kind == "int" else float(number)
    if question.kind == "choice":
        if not isinstance(value, str) or value not in question.choice_keys():
            raise ValueError(
                gettext("must be one of %(keys)s")
                % {"keys": ", ".join(sorted(question.choice_keys()))}
            )
        return value
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(gettext("must be a list"))
    known = service_codes if question.kind == "services" else question.choice_keys()
    unknown = set(value) - known
    if unknown:
        raise ValueError(gettext("unknown: %(codes)s") % {"codes": ", ".join(sorted(unknown))})
    return sorted(set(value))


def clean_answers(answers: object, *, complete: bool, service_codes: Iterable[str] = ()) -> dict:
    """Check and normalise answers; ``complete`` also requires every required answer.

    ``service_codes`` are the service types ``services_offered`` may name.

    Raises ``Invalid`` whose message names each missing or out-of-range answer and
    whose field is the first of them (in questionnaire order).
    """
    if not isinstance(answers, dict):
        raise Invalid(gettext("answers must be an object."), field="answers")
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(answers) - set(QUESTIONS))
    problems.extend((key, gettext("is not a question")) for key in unknown)
    cleaned: dict = {}
    codes = frozenset(service_codes)
    for key, question in QUESTIONS.items():
        value = answers.get(key)
        if value is None or value == "":
            if complete and question.required:
                problems.append((key, gettext("is missing")))
            continue
        try:
            cleaned[key] = _coerce(question, value, codes)
        except ValueError as exc:
            problems.append((key, str(exc)))
    floor, space = cleaned.get("floor_area_m2"), cleaned.get("service_space_m2")
    if floor is not None and space is not None and space > floor:
        problems.append(("service_space_m2", gettext("must not exceed the floor area")))
    if problems:
        listed = "; ".join(f"{key} {why}" for key, why in problems)
        message = gettext("Answers to fix: %(problems)s.") % {"problems": listed}
        raise Invalid(message, field=f"answers.{problems[0][0]}", code="invalid_answers")
    return cleaned


def missing_answers(answers: dict) -> list[str]:
    """The required questions a draft has not answered yet, in questionnaire order."""
    return [key for key, q in QUESTIONS.items() if q.required and answers.get(key) in (None, "")]
