"""Content, approval workflow and scoping: merchants propose, managers approve or reject
with a reason; a merchant's edit sends approved content back to pending; a merchant
never sees or edits another's content; every change is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from distretto.accounts.models import AuditEntry, Membership, Role
from distretto.signage.models import Content
from distretto.signage.tests.conftest import player_api, text_content
from distretto.testing import ApiClient, UserFactory, error_of

pytestmark = pytest.mark.django_db


def playing(display) -> list[int]:
    return [
        item["id"] for item in player_api(display).get("signage/player/manifest").json()["items"]
    ]


def test_the_contract_example_creates_approved_content_for_a_manager(actors, manager_api, totems):
    centre, station = totems
    response = manager_api.post(
        "signage/contents",
        {
            "district": actors.district.pk,
            "kind": "text",
            "title": "Notte bianca",
            "body": "Sabato negozi aperti fino a mezzanotte",
            "duration_s": 10,
            "valid_from": "2026-01-01T00:00:00+01:00",
            "valid_until": "2036-01-01T00:00:00+01:00",
            "dayparts": [{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00"}],
            "priority": "high",
            "targets": {"groups": ["Centro storico"], "displays": [station.pk]},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "approved" and body["id"]
    assert body["targets"] == {"groups": ["Centro storico"], "displays": [station.pk]}
    assert playing(centre) == [body["id"]] and playing(station) == [body["id"]]
    assert AuditEntry.objects.filter(object_type="signage.Content", action="create").exists()


def test_merchant_proposal_is_pending_until_approved(actors, manager_api, merchant_api, totems):
    centre, _station = totems
    proposal = merchant_api.post("signage/contents", text_content(actors.district, title="-20%"))
    assert proposal.status_code == 201
    body = proposal.json()
    assert body["status"] == "pending" and body["business"] == actors.shop.pk
    assert playing(centre) == []
    approved = manager_api.post(f"signage/contents/{body['id']}/approve")
    assert approved.json()["status"] == "approved"
    assert playing(centre) == [body["id"]]


def test_merchant_edit_of_approved_content_goes_back_to_pending(
    actors, manager_api, merchant_api, totems
):
    centre, _station = totems
    cid = merchant_api.post("signage/contents", text_content(actors.district)).json()["id"]
    manager_api.post(f"signage/contents/{cid}/approve")
    edited = merchant_api.patch(f"signage/contents/{cid}", {"title": "Saldi -50%"})
    assert edited.status_code == 200 and edited.json()["status"] == "pending"
    assert playing(centre) == []
    updates = AuditEntry.objects.filter(object_type="signage.Content", object_id=str(cid))
    assert updates.filter(action="update").count() >= 2


def test_manager_rejects_with_a_reason(actors, manager_api, merchant_api):
    cid = merchant_api.post("signage/contents", text_content(actors.district)).json()["id"]
    no_reason = manager_api.post(f"signage/contents/{cid}/reject", {"reason": ""})
    assert no_reason.status_code == 422 and error_of(no_reason)["field"] == "reason"
    rejected = manager_api.post(f"signage/contents/{cid}/reject", {"reason": "Testo illeggibile"})
    assert rejected.json()["status"] == "rejected"
    assert merchant_api.get(f"signage/contents/{cid}").json()["rejection_reason"] == (
        "Testo illeggibile"
    )


def test_merchant_may_not_approve_or_send_emergencies(actors, merchant_api):
    cid = merchant_api.post("signage/contents", text_content(actors.district)).json()["id"]
    assert merchant_api.post(f"signage/contents/{cid}/approve").status_code == 403
    alarm = merchant_api.post(
        "signage/contents", text_content(actors.district, priority="emergency")
    )
    assert alarm.status_code == 403


def test_a_merchant_never_sees_or_edits_another_merchants_content(actors, merchant_api):
    bookseller = UserFactory(username="libraio")
    Membership.objects.create(user=bookseller, role=Role.MERCHANT, business=actors.other_shop)
    theirs = ApiClient(bookseller).post("signage/contents", text_content(actors.district)).json()
    mine = merchant_api.post("signage/contents", text_content(actors.district)).json()
    assert [c["id"] for c in merchant_api.get("signage/contents").json()["items"]] == [mine["id"]]
    assert merchant_api.get(f"signage/contents/{theirs['id']}").status_code == 404
    assert merchant_api.patch(f"signage/contents/{theirs['id']}", {"title": "x"}).status_code == 404
    assert merchant_api.delete(f"signage/contents/{theirs['id']}").status_code == 404


def test_outsider_and_display_tokens_see_no_content(actors, manager_api, totems):
    cid = manager_api.post("signage/contents", text_content(actors.district)).json()["id"]
    assert ApiClient(actors.outsider).get(f"signage/contents/{cid}").status_code == 404
    centre, _station = totems
    assert player_api(centre).get("signage/contents").status_code == 200
    assert player_api(centre).get("signage/contents").json()["count"] == 0
    assert player_api(centre).get(f"signage/contents/{cid}").status_code == 404


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"duration_s": 0}, "duration_s"),
        ({"background": "red"}, "background"),
        (
            {"valid_from": "2026-05-02T10:00:00+02:00", "valid_until": "2026-05-01T10:00:00+02:00"},
            "valid_until",
        ),
        ({"dayparts": [{"weekdays": [8], "start": "08:00", "end": "09:00"}]}, "dayparts"),
        ({"targets": {"groups": ["Nessuna"]}}, "targets.groups"),
        ({"targets": {"displays": [999999]}}, "targets.displays"),
        ({"kind": "image"}, "media"),
        ({"kind": "web"}, "url"),
        ({"kind": "teletext"}, "kind"),
        ({"priority": "urgent"}, "priority"),
    ],
)
def test_invalid_content_is_422_naming_the_field(actors, manager_api, totems, fields, field):
    response = manager_api.post("signage/contents", text_content(actors.district, **fields))
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    assert not Content.objects.exists()


def test_ending_an_emergency_clears_it_at_once(actors, manager_api, totems):
    centre, _station = totems
    normal = manager_api.post("signage/contents", text_content(actors.district)).json()["id"]
    alarm = manager_api.post(
        "signage/contents",
        text_content(actors.district, title="Allerta meteo", priority="emergency"),
    ).json()["id"]
    assert playing(centre) == [alarm]
    assert manager_api.post(f"signage/contents/{alarm}/end").status_code == 200
    assert playing(centre) == [normal]


def test_list_filters_and_newest_first(actors, manager_api, merchant_api):
    first = manager_api.post("signage/contents", text_content(actors.district)).json()["id"]
    second = merchant_api.post("signage/contents", text_content(actors.district)).json()["id"]
    listed = manager_api.get("signage/contents").json()
    assert [c["id"] for c in listed["items"]] == [second, first] and listed["count"] == 2
    pending = manager_api.get("signage/contents", {"status": "pending"}).json()
    assert [c["id"] for c in pending["items"]] == [second]


def test_naive_times_are_the_districts_local_time(actors, manager_api):
    body = manager_api.post(
        "signage/contents", text_content(actors.district, valid_from="2026-07-01T09:00:00")
    ).json()
    assert body["valid_from"] == "2026-07-01T09:00:00+02:00"
    assert Content.objects.get().valid_from == datetime(2026, 7, 1, 7, tzinfo=UTC)
