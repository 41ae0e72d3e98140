"""Personal tokens from username/password, throttling, expiry, revocation, the CLI."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.testing import PASSWORD, ApiClient, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_token_for_good_credentials_is_shown_once_and_stored_hashed(actors, anonymous_api):
    response = anonymous_api.post(
        "auth/token", {"username": "manager", "password": PASSWORD, "name": "laptop"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("dst_") and body["scope"] == "write"
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.token_hash == tokens.digest(body["token"])
    assert body["token"] not in {stored.token_hash, stored.prefix, stored.name}
    me = ApiClient(raw_token=body["token"]).get("accounts/me").json()
    assert me["username"] == "manager"
    assert me["memberships"][0]["role"] == "district_manager"
    listed = ApiClient(raw_token=body["token"]).get("accounts/tokens").json()
    assert "token" not in listed[0] and listed[0]["last_used_at"] is not None


def test_wrong_password_is_401(actors, anonymous_api):
    response = anonymous_api.post("auth/token", {"username": "manager", "password": "nope"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_credentials"


def test_missing_password_is_422_naming_it(actors, anonymous_api):
    response = anonymous_api.post("auth/token", {"username": "manager"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "password"


@override_settings(TOKEN_RATE_LIMIT=3)
def test_repeated_failures_are_429_even_with_the_right_password(actors, anonymous_api):
    for _ in range(3):
        anonymous_api.post("auth/token", {"username": "manager", "password": "nope"})
    response = anonymous_api.post("auth/token", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 429
    assert error_of(response)["code"] == "too_many_attempts"
    assert int(response["Retry-After"]) > 0


def test_expired_token_is_401(actors):
    _token, raw = tokens.issue(
        kind="personal",
        name="old",
        user=actors.manager,
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert ApiClient(raw_token=raw).get("territory/businesses").status_code == 401


def test_a_write_without_credentials_is_401_not_a_csrf_failure(actors):
    # As served for real: CSRF checks on, no session cookie, a bad or no bearer token.
    client = Client(enforce_csrf_checks=True)
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer dst_nope_nothing"}):
        response = client.post(
            "/api/v1/territory/districts", {}, content_type="application/json", **headers
        )
        assert response.status_code == 401, response.content
        assert error_of(response)["code"] == "unauthenticated"
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_session_write_without_its_csrf_token_is_403(actors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.manager)
    response = client.post("/api/v1/territory/districts", {}, content_type="application/json")
    assert response.status_code == 403


def test_token_of_a_deactivated_user_is_401(actors):
    api = ApiClient(actors.manager)
    actors.manager.is_active = False
    actors.manager.save()
    assert api.get("territory/businesses").status_code == 401


def test_revoking_own_token_over_the_api(actors):
    token, raw = tokens.issue(kind="personal", name="x", user=actors.manager)
    api = ApiClient(raw_token=raw)
    assert api.delete(f"accounts/tokens/{token.pk}").json()["revoked_at"] is not None
    assert api.get("accounts/me").status_code == 401


def test_cannot_revoke_someone_elses_token(actors):
    other, _raw = tokens.issue(kind="personal", name="x", user=actors.outsider)
    assert ApiClient(actors.manager).delete(f"accounts/tokens/{other.pk}").status_code == 404


def test_device_token_has_no_profile(actors):
    _token, raw = tokens.issue(kind="terminal", name="till", business=actors.shop)
    response = ApiClient(raw_token=raw).get("accounts/me")
    assert response.status_code == 403


class TestCli:
    def test_create_list_revoke(self, actors):
        out = StringIO()
        call_command(
            "token",
            "create",
            "--user",
            "manager",
            "--name",
            "script",
            stdout=out,
            stderr=StringIO(),
        )
        raw = out.getvalue().strip().split(": ")[-1]
        token = ApiToken.objects.get(token_hash=tokens.digest(raw))
        assert token.name == "script" and token.user == actors.manager
        listing = StringIO()
        call_command("token", "list", stdout=listing)
        assert f"dst_{token.prefix}" in listing.getvalue() and raw not in listing.getvalue()
        call_command("token", "revoke", str(token.pk), stdout=StringIO())
        assert ApiClient(raw_token=raw).get("accounts/me").status_code == 401

    def test_terminal_token_from_cli(self, actors):
        out = StringIO()
        call_command(
            "token",
            "create",
            "--terminal",
            str(actors.shop.pk),
            "--expires-days",
            "30",
            stdout=out,
            stderr=StringIO(),
        )
        raw = out.getvalue().strip().split(": ")[-1]
        token = ApiToken.objects.get(token_hash=tokens.digest(raw))
        assert token.kind == "terminal" and token.expires_at > timezone.now() + timedelta(days=29)

    def test_unknown_user_is_a_clear_error(self, actors):
        with pytest.raises(CommandError, match="No user 'ghost'"):
            call_command("token", "create", "--user", "ghost")

    def test_bad_device_spec_is_a_clear_error(self, actors):
        with pytest.raises(CommandError, match=r"KIND:APP\.MODEL:ID"):
            call_command("token", "create", "--device", "nonsense")
