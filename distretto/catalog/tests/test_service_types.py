"""Public service types and the record of services delivered (the contract multiservice uses)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from distretto.catalog import services
from distretto.catalog.models import ServiceType, VenueService
from distretto.core.errors import Invalid

REQUIRED_CODES = {
    "pagopa_payments",
    "registry_certificates",
    "health_booking",
    "spid_help",
    "parcel_pickup",
    "tourist_info",
    "internet_point",
    "ticketing",
    "postal_counter",
    "photocopies",
    "pharmacy_dispensary",
    "ehealth_help",
    "home_delivery",
    "atm",
    "transport_tickets",
}

pytestmark = pytest.mark.django_db


def test_bundled_service_types_load_once_with_italian_and_english():
    services.ensure_service_types()
    services.ensure_service_types()
    codes = set(services.service_types().values_list("code", flat=True))
    assert codes >= REQUIRED_CODES
    assert ServiceType.objects.count() == len(codes)
    for service_type in ServiceType.objects.all():
        assert service_type.name and service_type.name_en, service_type.code


def test_reloading_keeps_a_managers_edit():
    services.ensure_service_types()
    ServiceType.objects.filter(code="atm").update(name="Bancomat")
    services.ensure_service_types()
    assert services.get_service_type("atm").name == "Bancomat"


def test_label_follows_the_language_and_falls_back_to_italian():
    services.ensure_service_types()
    spid = services.get_service_type("spid_help")
    assert spid.label("en") == "SPID and digital identity help"
    assert spid.label("de-AT") == "Hilfe zu SPID und digitaler Identität"
    assert spid.label("it") == "Assistenza SPID e identità digitale"
    spid.name_fr = ""
    assert spid.label("fr") == "Assistenza SPID e identità digitale"
    assert spid.label("es") == "Assistenza SPID e identità digitale"


def test_unknown_service_type_is_invalid_naming_the_field():
    with pytest.raises(Invalid) as caught:
        services.get_service_type("teleportation")
    assert caught.value.field == "service_type"


def test_record_delivery_by_code_and_list_by_period(actors):
    services.ensure_service_types()
    today = timezone.localdate()
    first = services.record_delivery(
        venue=actors.shop, service_type="parcel_pickup", on=today - dt.timedelta(days=3), count=4
    )
    second = services.record_delivery(
        venue=actors.shop,
        service_type=services.get_service_type("spid_help"),
        on=today,
        count=1,
        people=1,
        by=actors.merchant,
    )
    services.record_delivery(venue=actors.foreign_shop, service_type="atm", on=today, count=2)
    assert second.recorded_by == actors.merchant
    mine = services.deliveries(type(actors.shop).objects.filter(pk=actors.shop.pk))
    assert list(mine) == [second, first]
    recent = services.deliveries(
        type(actors.shop).objects.filter(pk=actors.shop.pk), date_from=today - dt.timedelta(days=1)
    )
    assert list(recent) == [second]
    older = services.deliveries(
        type(actors.shop).objects.filter(pk=actors.shop.pk), date_to=today - dt.timedelta(days=1)
    )
    assert list(older) == [first]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": -2}, "count"),
        ({"on": "tomorrow"}, "date"),
        ({"service_type": "nope"}, "service_type"),
        ({"people": -1}, "people"),
    ],
)
def test_record_delivery_rejects_bad_input(actors, changes, field):
    services.ensure_service_types()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    arguments = {
        "venue": actors.shop,
        "service_type": "atm",
        "on": timezone.localdate(),
        "count": 1,
    }
    arguments.update(changes)
    if arguments["on"] == "tomorrow":
        arguments["on"] = tomorrow
    with pytest.raises(Invalid) as caught:
        services.record_delivery(**arguments)
    assert caught.value.field == field


def test_venue_services_lists_only_active_offers(actors):
    services.ensure_service_types()
    VenueService.objects.create(
        venue=actors.shop,
        service_type=services.get_service_type("tourist_info"),
        opening_hours={"sat": [["09:00", "12:00"]]},
    )
    VenueService.objects.create(
        venue=actors.shop, service_type=services.get_service_type("atm"), active=False
    )
    offered = services.venue_services(actors.shop)
    assert [s.service_type.code for s in offered] == ["tourist_info"]
    assert offered[0].hours() == {"sat": [["09:00", "12:00"]]}


def test_list_service_sets_the_hours_and_keeps_what_an_editor_wrote(actors):
    services.ensure_service_types()
    services.offer_service(
        actors.shop, "parcel_pickup", contact="0371 111111", notes={"it": "Al banco"}, active=False
    )
    services.list_service(actors.shop, "parcel_pickup", opening_hours={"mon": [["09:00", "12:00"]]})
    offer = VenueService.objects.get(venue=actors.shop, service_type__code="parcel_pickup")
    assert offer.active
    assert offer.opening_hours == {"mon": [["09:00", "12:00"]]}
    assert (offer.contact, offer.notes) == ("0371 111111", "Al banco")
    assert VenueService.objects.filter(venue=actors.shop).count() == 1
    with pytest.raises(ValidationError) as caught:
        services.list_service(actors.shop, "parcel_pickup", opening_hours={"mon": [["25:00"]]})
    assert set(caught.value.message_dict) == {"opening_hours"}
