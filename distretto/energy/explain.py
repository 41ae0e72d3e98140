"""What an anomaly means, in a sentence of the reader's language.

The rules of ``anomalies`` (and the device alarms) keep their evidence as machine
data: ISO times, English keys, lists and dictionaries. Here each rule's evidence
becomes one sentence, numbers written by ``core.formatting``, dates and times in
the local time zone and the active language, and its subject (meter, unit,
gateway) named, as a link on pages (:func:`explain_html`) and by name in e-mails
(:func:`explain_text`). A rule this module does not know, or evidence it cannot
read, still gets a plain sentence: never the raw data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format, time_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distretto.core.formatting import quantity
from distretto.energy.display import decimals_of
from distretto.energy.models import Anomaly
from distretto.energy.services import LOCAL_TZ

# What a device's status words are about (energy/drivers.py's alarm kinds).
ALARM_KINDS = {
    "seal": lambda: _("the seal is broken"),
    "sabotage": lambda: _("the device was opened or removed"),
    "tamper": lambda: _("someone tampered with it (magnet or strong light)"),
    "battery": lambda: _("its battery is low"),
    "error": lambda: _("it reports an internal error"),
}


def _when(value: object) -> str:
    """An ISO date or time of the evidence, written for people in local time.
    Raises ``ValueError`` for what is neither (the sentence then falls back)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return date_format(value, "DATE_FORMAT")
    else:
        text = str(value or "")
        moment = parse_datetime(text) if len(text) > 10 else None
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise ValueError(f"not a date: {text!r}")
            return date_format(day, "DATE_FORMAT")
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TZ)
    return _("%(day)s at %(time)s") % {
        "day": date_format(moment, "DATE_FORMAT"),
        "time": time_format(moment, "TIME_FORMAT"),
    }


def _duration(minutes: object) -> str:
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return str(minutes)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": quantity(hours)}
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": quantity(minutes)}


def _percent(share: object) -> str:
    return f"{_number(float(share) * 100, 0)}\u00a0%"


def _number(value: object, places: int | None = None) -> str:
    """A figure of the evidence; without ``places``, the decimals it carries (at most
    three, so that float noise never shows). Raises ``ValueError`` for a non-number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, float) and places is None:
        places = decimals_of([value])
    return quantity(value, places)


def _subject(anomaly: Anomaly, link: bool) -> str:
    """The anomaly's subject by name, as a link to its page when ``link``."""
    if anomaly.meter_id:
        meter = anomaly.meter
        name = _("meter %(id)s") % {"id": meter.external_id}
        if meter.unit_id:
            name = _("%(meter)s of %(unit)s") % {"meter": name, "unit": meter.unit.name}
        url = reverse("energy:meter", args=[meter.pk])
    elif anomaly.unit_id:
        name, url = anomaly.unit.name, reverse("energy:unit", args=[anomaly.unit_id])
    elif anomaly.gateway_id:
        name = _("gateway %(name)s") % {"name": anomaly.gateway.name}
        url = reverse("energy:gateways", args=[anomaly.site_id])
    else:
        name, url = anomaly.site.name, reverse("energy:site", args=[anomaly.site_id])
    return format_html('<a href="{}">{}</a>', url, name) if link else name


def _missing_data(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    if anomaly.gateway_id or "last_seen" in evidence:
        return (
            _("%(subject)s has not been heard from since %(last)s."),
            {"subject": subject, "last": _when(evidence.get("last_seen"))},
        )
    return (
        _(
            "%(subject)s has sent nothing since %(last)s, although a reading is "
            "expected at least every %(interval)s."
        ),
        {
            "subject": subject,
            "last": _when(evidence.get("last_reading")),
            "interval": _duration(evidence.get("expected_minutes")),
        },
    )


def _stuck_meter(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    days = [_when(day) for day in evidence["days"]]
    if not days:
        raise ValueError("no days")
    return (
        _(
            "On %(days)s, cold days of the heating season, %(subject)s sent %(readings)s "
            "readings but its counter did not move from %(value)s."
        ),
        {
            "subject": subject,
            "days": get_text_list(days, _("and")),
            "readings": _number(evidence.get("readings")),
            "value": _number(evidence.get("value")),
        },
    )


def _consumption_spike(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    return (
        _(
            "On %(day)s %(subject)s used %(current)s per degree day, %(ratio)s times its "
            "median of the previous fortnight (%(baseline)s)."
        ),
        {
            "subject": subject,
            "day": _when(evidence.get("day")),
            "current": _number(evidence.get("per_degree_day"), 2),
            "ratio": _number(evidence.get("ratio"), 1),
            "baseline": _number(evidence.get("baseline_per_degree_day"), 2),
        },
    )


def _night_base_load(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    return (
        _(
            "Over the last week %(subject)s drew %(night)s kW on average at night "
            "(0–5), %(share)s of its daytime average of %(day)s kW (9–19)."
        ),
        {
            "subject": subject,
            "night": _number(evidence.get("night_average_kw"), 2),
            "day": _number(evidence.get("day_average_kw"), 2),
            "share": _percent(evidence.get("share")),
        },
    )


def _efficiency_drop(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    return (
        _(
            "Boiler efficiency (%(subject)s): in the last three days %(recent)s of the "
            "fuel's energy became heat, against %(baseline)s in the previous fortnight "
            "(%(drop)s less)."
        ),
        {
            "subject": subject,
            "recent": _percent(evidence.get("efficiency")),
            "baseline": _percent(evidence.get("baseline_efficiency")),
            "drop": _percent(evidence.get("drop")),
        },
    )


def _empty_unit_consumption(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    counted = evidence.get("allocators") or {}
    allocators = [
        _("%(id)s (%(units)s units)") % {"id": external_id, "units": _number(value)}
        for external_id, value in sorted(counted.items())
    ]
    return (
        _(
            "%(subject)s is declared empty, yet since %(since)s its allocators have "
            "counted: %(allocators)s."
        ),
        {
            "subject": subject,
            "since": _when(evidence.get("since")),
            "allocators": get_text_list(allocators, _("and")) or "–",
        },
    )


def _device_alarm(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    kinds = evidence.get("kinds") or []
    said = [str(ALARM_KINDS[kind]()) for kind in kinds if kind in ALARM_KINDS]
    facts = {
        "subject": subject,
        "status": str(evidence.get("status") or "–"),
        "since": _when(evidence.get("first_seen") or anomaly.started_at),
    }
    if said:
        facts["what"] = get_text_list(said, _("and"))
        return (
            _("%(subject)s reports that %(what)s (device status “%(status)s”, since %(since)s)."),
            facts,
        )
    return (
        _("%(subject)s reports the device status “%(status)s” since %(since)s."),
        facts,
    )


SENTENCES: dict[str, Callable[[Anomaly, dict, str], tuple[str, dict]]] = {
    Anomaly.Rule.MISSING_DATA: _missing_data,
    Anomaly.Rule.STUCK_METER: _stuck_meter,
    Anomaly.Rule.CONSUMPTION_SPIKE: _consumption_spike,
    Anomaly.Rule.NIGHT_BASE_LOAD: _night_base_load,
    Anomaly.Rule.EFFICIENCY_DROP: _efficiency_drop,
    Anomaly.Rule.EMPTY_UNIT_CONSUMPTION: _empty_unit_consumption,
    "device_alarm": _device_alarm,
}


def _generic(anomaly: Anomaly, evidence: dict, subject: str) -> tuple[str, dict]:
    return (
        _("%(subject)s: “%(rule)s” since %(since)s."),
        {"subject": subject, "rule": rule_name(anomaly), "since": _when(anomaly.started_at)},
    )


def rule_name(anomaly: Anomaly) -> str:
    """The rule's name; a rule without a label is named from its code."""
    name = anomaly.get_rule_display()
    return name.replace("_", " ").capitalize() if name == anomaly.rule else str(name)


def _sentence(anomaly: Anomaly, subject: str) -> tuple[str, dict]:
    evidence = anomaly.evidence if isinstance(anomaly.evidence, dict) else {}
    write = SENTENCES.get(anomaly.rule, _generic)
    try:
        return write(anomaly, evidence, subject)
    except (TypeError, ValueError, AttributeError, KeyError):
        return _generic(anomaly, evidence, subject)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def explain_text(anomaly: Anomaly) -> str:
    """The anomaly in one plain sentence (e-mails)."""
    template, values = _sentence(anomaly, _subject(anomaly, link=False))
    return _capitalised(template % values)


def explain_html(anomaly: Anomaly) -> SafeString:
    """The anomaly in one sentence whose subject links to its page (pages)."""
    subject = _subject(anomaly, link=True)
    template, values = _sentence(anomaly, subject)
    escaped = {
        name: value if name == "subject" else conditional_escape(value)
        for name, value in values.items()
    }
    sentence = conditional_escape(template) % escaped
    # The subject comes first in some sentences: capitalise the link's text, not its tag.
    if sentence.startswith("<a "):
        head, _sep, rest = sentence.partition(">")
        sentence = f"{head}>{_capitalised(rest)}"
    else:
        sentence = _capitalised(sentence)
    return mark_safe(sentence)  # every part is escaped above
