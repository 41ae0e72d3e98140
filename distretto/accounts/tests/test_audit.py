"""Every change a person makes through the API, pages or admin lands in the audit log."""

import pytest
from django.test import Client

from distretto.accounts.models import AuditEntry
from distretto.testing import PASSWORD, ApiClient, BusinessFactory, error_of

pytestmark = pytest.mark.django_db


def test_api_update_is_recorded_with_before_and_after(actors):
    ApiClient(actors.manager).patch(f"territory/businesses/{actors.shop.pk}", {"phone": "0371 1"})
    entry = AuditEntry.objects.get(object_type="territory.Business", action="update")
    assert entry.actor == actors.manager and entry.via == "api"
    assert entry.before["phone"] == "" and entry.after["phone"] == "0371 1"
    assert entry.chamber == actors.chamber


def test_api_create_is_recorded(actors):
    ApiClient(actors.operator).post(
        "territory/projects",
        {
            "chamber": actors.chamber.pk,
            "title": "Nuovo",
            "axes": ["new_technologies"],
            "year": 2025,
        },
    )
    entry = AuditEntry.objects.get(object_type="territory.Project")
    assert entry.action == "create" and entry.before is None and entry.after["title"] == "Nuovo"


def test_admin_change_and_delete_are_recorded(actors):
    client = Client()
    client.login(username="admin", password=PASSWORD)
    shop = BusinessFactory(district=actors.district, name="Da cancellare")
    response = client.post(f"/admin/territory/business/{shop.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="delete")
    assert entry.via == "admin" and entry.actor_name == "admin"
    assert entry.before["name"] == "Da cancellare" and entry.after is None


def test_changes_without_a_person_are_not_recorded(actors):
    BusinessFactory(district=actors.district)
    assert not AuditEntry.objects.exists()


def test_unchanged_save_is_not_recorded(actors):
    ApiClient(actors.manager).patch(f"territory/businesses/{actors.shop.pk}", {})
    assert not AuditEntry.objects.exists()


def test_chamber_operator_reads_own_chambers_log_only(actors):
    ApiClient(actors.manager).patch(f"territory/businesses/{actors.shop.pk}", {"phone": "1"})
    ApiClient(actors.outsider).patch(
        f"territory/businesses/{actors.foreign_shop.pk}", {"phone": "2"}
    )
    body = ApiClient(actors.operator).get("accounts/audit").json()
    assert body["count"] == 1 and body["items"][0]["object_id"] == str(actors.shop.pk)


def test_others_cannot_read_the_log(actors):
    response = ApiClient(actors.manager).get("accounts/audit")
    assert response.status_code == 403
    assert error_of(response)["code"] == "role_forbidden"


def test_audit_page_for_operator(actors):
    ApiClient(actors.manager).patch(f"territory/businesses/{actors.shop.pk}", {"phone": "1"})
    client = Client()
    client.login(username="operator", password=PASSWORD)
    page = client.get("/accounts/audit/")
    assert page.status_code == 200 and b"Panetteria Fanfulla" in page.content
    client.login(username="merchant", password=PASSWORD)
    assert client.get("/accounts/audit/").status_code == 404
