"""A cardholder's export and erasure: chamber operators, with a reason, audited; the
erasure removes the person and leaves the ledger and settlements as they were."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.db.models import Sum
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken, AuditEntry, Role
from distretto.loyalty import services as loyalty
from distretto.loyalty import settlement
from distretto.loyalty.models import Account, Card, Entry, LedgerTransaction
from distretto.privacy.models import Consent, SubjectRequest
from distretto.testing import ApiClient, error_of, make_member

pytestmark = pytest.mark.django_db

REASON = "E-mail of the cardholder of 3 May asking for a copy of her data"


def export_of(api, subject: str, **params):
    return api.get(f"privacy/subjects/{subject}/export", {"reason": REASON, **params})


def test_an_operator_exports_a_card_as_json_and_csv_in_a_zip(api_as, actors, history):
    response = export_of(api_as(actors.operator), f"card:{history.number}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"subject.json", "person.csv", "cards.csv", "consents.csv", "movements.csv"} <= names
    assert {"checkins.csv", "wallet_tokens.csv", "api_tokens.csv"} <= names
    data = json.loads(archive.read("subject.json"))
    assert data["person"]["email"] == "sara@example.org"
    assert data["cards"][0]["holder_name"] == "Sara Cliente"
    # oldest first: the two check-in rewards (40 days and a day ago), then the till
    assert [m["kind"] for m in data["movements"]] == ["grant", "grant", "earn", "earn", "redeem"]
    assert len(data["checkins"]) == 2 and data["checkins"][0]["lat"] is not None
    consent = data["consents"][0]
    assert consent["purpose"] == "privacy" and consent["granted"] and consent["at"]
    assert consent["text_version"] == "standard-1"
    assert data["wallet_tokens"][0]["sha256_prefix"] == history.token_hash[:12]
    assert "Sara Cliente" in archive.read("cards.csv").decode()


def test_an_export_by_user_has_every_card_and_the_personal_tokens(api_as, actors, history, sara):
    tokens.issue(kind=ApiToken.Kind.PERSONAL, name="my phone", user=sara)
    second, _raw = loyalty.issue_card(history.program, user=sara)
    response = export_of(api_as(actors.operator), "user:sara", format="json")
    assert response.status_code == 200
    data = response.json()
    assert {c["number"] for c in data["cards"]} == {history.number, second.number}
    assert [t["name"] for t in data["api_tokens"]] == ["my phone"]
    assert data["subject"] == f"user:{sara.pk}"


def test_an_export_is_registered_and_audited_with_its_reason(api_as, actors, history):
    export_of(api_as(actors.operator), history.number)
    request = SubjectRequest.objects.get()
    assert request.kind == "export" and request.reason == REASON
    assert request.requested_by == actors.operator
    assert request.summary["movements"] == 5
    entry = AuditEntry.objects.get(object_type="privacy.SubjectRequest")
    assert entry.actor == actors.operator and entry.chamber == actors.chamber
    assert entry.after["reason"] == REASON and entry.after["kind"] == "export"


def test_an_export_without_a_reason_is_422_naming_the_field(api_as, actors, card):
    response = api_as(actors.operator).get(f"privacy/subjects/{card.number}/export")
    assert response.status_code == 422
    assert error_of(response)["field"] == "reason"
    assert not SubjectRequest.objects.exists()


def test_another_chambers_operator_gets_404_and_a_manager_403(api_as, actors, card):
    foreign = make_member("op.cuneo", Role.CHAMBER_OPERATOR, chamber=actors.other_chamber)
    assert export_of(api_as(foreign), card.number).status_code == 404
    assert export_of(api_as(actors.manager), card.number).status_code == 403
    assert export_of(api_as(actors.operator), "card:123").status_code == 404
    assert export_of(api_as(actors.operator), "nobody:1").status_code == 422


def ledger_state(program) -> dict:
    period = timezone.localdate().strftime("%Y-%m")
    return {
        "sum": Entry.objects.aggregate(total=Sum("points"))["total"],
        "transactions": LedgerTransaction.objects.count(),
        "entries": list(Entry.objects.order_by("id").values_list("id", "account_id", "points")),
        "balances": list(Account.objects.order_by("id").values_list("id", "balance")),
        "settlement": settlement.district_statement(program, period),
    }


def test_erasure_removes_the_person_and_keeps_ledger_and_settlement(
    api_as, actors, history, sara, client
):
    before = ledger_state(history.program)
    response = api_as(actors.operator).post(
        f"privacy/subjects/card:{history.number}/erase", {"reason": REASON}
    )
    assert response.status_code == 200, response.content
    summary = response.json()["summary"]
    assert summary["account_erased"] and summary["cards"] == 1
    assert summary["checkin_positions_removed"] == 2

    card = Card.objects.get(pk=history.pk)
    assert (card.holder_name, card.holder_email, card.user) == ("", "", None)
    assert not card.consent_privacy and card.status == "blocked"
    after = ledger_state(history.program)
    assert after == before
    assert after["sum"] == 0
    assert card.account.balance == loyalty.balance_of(card) > 0

    sara.refresh_from_db()
    assert sara.username == f"erased-{sara.pk}" and not sara.is_active and not sara.email
    assert not sara.has_usable_password() and not sara.memberships.exists()
    assert not client.login(username="sara", password="test-password-123")

    # No trace of her name or e-mail anywhere in the audit log or the consents.
    logged = json.dumps([[e.actor_name, e.before, e.after] for e in AuditEntry.objects.all()])
    assert "Sara" not in logged and "sara@" not in logged
    assert Consent.objects.filter(card=card).latest("at").channel == "erasure"
    positions = card.checkin_attempts.exclude(lat=None).count()
    assert positions == 0 and card.checkin_attempts.count() == 2


def test_erasure_wallet_link_stops_working(api_as, actors, issued):
    card, raw = issued
    assert loyalty.card_for_token(raw) == card
    api_as(actors.operator).post(f"privacy/subjects/{card.number}/erase", {"reason": REASON})
    assert loyalty.card_for_token(raw) is None
    assert ApiClient(raw_token=raw).get("loyalty/wallet").status_code == 401


def test_erasure_of_someone_who_works_here_is_refused(api_as, actors, program):
    card, _raw = loyalty.issue_card(program, holder_name="Mario", user=actors.merchant)
    response = api_as(actors.operator).post(
        f"privacy/subjects/{card.number}/erase", {"reason": REASON}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "subject_has_roles"
    assert Card.objects.get(pk=card.pk).holder_name == "Mario"


def test_erasure_needs_a_reason_and_a_writing_token(api_as, actors, card):
    api = api_as(actors.operator)
    assert api.post(f"privacy/subjects/{card.number}/erase", {"reason": ""}).status_code == 422
    reader = api_as(actors.operator, scope="read")
    refused = reader.post(f"privacy/subjects/{card.number}/erase", {"reason": REASON})
    assert refused.status_code == 403
    assert Card.objects.get(pk=card.pk).holder_name == "Sara Cliente"


def test_the_register_lists_the_requests_of_the_operators_chambers(api_as, actors, card):
    api = api_as(actors.operator)
    export_of(api, card.number)
    api.post(f"privacy/subjects/{card.number}/erase", {"reason": REASON})
    page = api.get("privacy/requests").json()
    assert page["count"] == 2
    assert [r["kind"] for r in page["items"]] == ["erasure", "export"]
    assert page["items"][0]["requested_by"] == "operator"
    foreign = make_member("op.cuneo", Role.CHAMBER_OPERATOR, chamber=actors.other_chamber)
    assert api_as(foreign).get("privacy/requests").json()["count"] == 0


def test_erasure_of_a_superuser_is_refused_too(api_as, actors, program):
    actors.outsider.is_superuser = True
    actors.outsider.save(update_fields=["is_superuser"])
    card, _raw = loyalty.issue_card(program, holder_name="Root", user=actors.outsider)
    response = api_as(actors.operator).post(
        f"privacy/subjects/{card.number}/erase", {"reason": REASON}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "subject_has_roles"
    assert Card.objects.get(pk=card.pk).holder_name == "Root"
