"""HTTP hardening: the Content-Security-Policy with its nonce, HSTS and secure cookies,
Referrer- and Permissions-Policy, the throttled login page and staff sessions."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from distretto.core import security
from distretto.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    security.clear_caches()
    yield
    security.clear_caches()


def script_src(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(d for d in policy.split(";") if d.strip().startswith("script-src")).strip()


def test_every_page_has_a_policy_that_allows_scripts_from_this_site_only(client, actors):
    response = client.get("/")
    assert response.status_code == 200
    directive = script_src(response)
    assert "'self'" in directive
    assert "unsafe-inline" not in directive and "unsafe-eval" not in directive
    policy = response["Content-Security-Policy"]
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "https://tile.openstreetmap.org" in policy  # the map tiles' origin, for img-src


def test_a_page_that_uses_the_nonce_carries_it_in_the_header(client, rf, actors):
    from django.template import engines

    request = rf.get("/")
    middleware = security.SecurityHeadersMiddleware(lambda r: None)
    middleware.process_request(request)
    html = (
        engines["django"]
        .from_string('<script nonce="{{ CSP_NONCE }}"></script>')
        .render({}, request)
    )
    nonce = re.search(r'nonce="([^"]+)"', html).group(1)
    from django.http import HttpResponse

    response = middleware.process_response(request, HttpResponse(html))
    assert f"'nonce-{nonce}'" in script_src(response)
    # A page that used no nonce carries none.
    assert "nonce-" not in script_src(client.get("/"))


def test_two_requests_get_two_nonces(rf):
    from django.http import HttpResponse

    middleware = security.SecurityHeadersMiddleware(lambda r: HttpResponse())
    nonces = set()
    for _ in range(2):
        request = rf.get("/")
        middleware.process_request(request)
        nonces.add(str(request.csp_nonce))
        middleware.process_response(request, HttpResponse())
    assert len(nonces) == 2


def test_referrer_and_permissions_policy_deny_features_by_default(client):
    response = client.get("/")
    assert response["Referrer-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    assert "geolocation=()" in permissions and "camera=()" in permissions


def test_geolocation_only_on_the_check_in_page_and_camera_only_on_the_till(client, actors):
    from distretto.core.security import permissions_policy

    assert "geolocation=(self)" in permissions_policy("checkins:checkin")
    assert "camera=()" in permissions_policy("checkins:checkin")
    assert "camera=(self)" in permissions_policy("loyalty:till")
    assert "geolocation=()" in permissions_policy("loyalty:till")
    client.force_login(actors.merchant)
    till = client.get(reverse("loyalty:till"))
    assert "camera=(self)" in till["Permissions-Policy"]


def test_no_hsts_nor_secure_cookies_by_default(client, settings):
    response = client.get("/", secure=True)
    assert "Strict-Transport-Security" not in response
    assert not settings.SESSION_COOKIE_SECURE


@override_settings(SECURE_HSTS_SECONDS=31536000, SESSION_COOKIE_SECURE=True)
def test_hsts_over_https_when_secure_cookies_are_on(client, actors):
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    client.post("/accounts/login/", {"username": "manager", "password": PASSWORD}, secure=True)
    assert client.cookies["sessionid"]["secure"]


def test_secure_cookies_setting_turns_on_hsts_and_secure_cookies(monkeypatch):
    import importlib

    import distretto.settings as settings_module

    monkeypatch.setenv("SECURE_COOKIES", "1")
    try:
        reloaded = importlib.reload(settings_module)
        assert reloaded.SESSION_COOKIE_SECURE and reloaded.CSRF_COOKIE_SECURE
        assert reloaded.SECURE_HSTS_SECONDS == 31536000
    finally:
        monkeypatch.delenv("SECURE_COOKIES")
        importlib.reload(settings_module)


@override_settings(TOKEN_RATE_LIMIT=3)
def test_the_login_page_is_throttled_per_user(client, actors):
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "manager", "password": "wrong"})
        assert response.status_code == 200
    refused = client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b'id="login-throttled"' in refused.content
    assert "_auth_user_id" not in client.session
    elsewhere = client.post(
        "/accounts/login/",
        {"username": "manager", "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert elsewhere.status_code == 429
    # The API's token endpoint shares the count: the same user is refused there too.
    token = client.post(
        "/api/v1/auth/token",
        {"username": "manager", "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 429


@override_settings(TOKEN_RATE_LIMIT=3)
def test_the_login_page_is_throttled_per_address(client, actors):
    for name in ("a", "b", "c"):
        client.post("/accounts/login/", {"username": name, "password": "wrong"})
    refused = client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    assert refused.status_code == 429
    other_address = client.post(
        "/accounts/login/",
        {"username": "manager", "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other_address.status_code == 302


def test_a_successful_login_clears_the_users_failures(client, actors, settings):
    settings.TOKEN_RATE_LIMIT = 3
    for _ in range(2):
        client.post("/accounts/login/", {"username": "manager", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "manager", "password": PASSWORD}).status_code
        == 302
    )
    client.logout()
    client.post(
        "/accounts/login/", {"username": "manager", "password": "wrong"}, REMOTE_ADDR="10.9.9.9"
    )
    assert (
        client.post(
            "/accounts/login/",
            {"username": "manager", "password": PASSWORD},
            REMOTE_ADDR="10.9.9.9",
        ).status_code
        == 302
    )


def test_staff_sessions_expire_after_a_working_day_cardholders_keep_theirs(client, actors):
    client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    assert client.session.get_expiry_age() == 8 * 3600
    client.logout()
    client.post("/accounts/login/", {"username": "cardholder", "password": PASSWORD})
    assert client.session.get_expiry_age() == 14 * 24 * 3600


def test_api_answers_carry_neither_policy(client):
    response = client.get("/healthz")
    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response and "Permissions-Policy" not in response
