"""A POS terminal's token is checked in the database once, then trusted by the worker
for ``tokens.TERMINAL_CACHE_S`` seconds (accounts/tokens.py): the till's hot path."""

from datetime import timedelta

import pytest
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.testing import ApiClient

pytestmark = pytest.mark.django_db


class TestTerminalTokenCache:
    """A worker trusts a terminal token it has checked for ``TERMINAL_CACHE_S`` seconds."""

    def test_a_terminal_token_is_read_once_then_kept(self, actors, django_assert_num_queries):
        _token, raw = tokens.issue(kind="terminal", name="till", business=actors.shop)
        assert tokens.authenticate(raw) is not None
        with django_assert_num_queries(0):
            assert tokens.authenticate(raw).business == actors.shop

    def test_revoking_refuses_the_token_at_once_in_this_worker(self, actors):
        token, raw = tokens.issue(kind="terminal", name="till", business=actors.shop)
        assert tokens.authenticate(raw) is not None
        tokens.revoke(token)
        assert tokens.authenticate(raw) is None
        assert ApiClient(raw_token=raw).get("accounts/me").status_code == 401

    def test_a_kept_token_past_its_expiry_is_refused(self, actors, monkeypatch):
        later = timezone.now() + timedelta(hours=2)
        _token, raw = tokens.issue(
            kind="terminal", name="till", business=actors.shop, expires_at=later
        )
        assert tokens.authenticate(raw) is not None
        monkeypatch.setattr(timezone, "now", lambda: later + timedelta(seconds=1))
        assert tokens.authenticate(raw) is None

    def test_after_the_ttl_the_database_is_asked_again(
        self, actors, monkeypatch, django_assert_num_queries
    ):
        token, raw = tokens.issue(kind="terminal", name="till", business=actors.shop)
        assert tokens.authenticate(raw) is not None
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # no signal
        assert tokens.authenticate(raw) is not None  # another worker's revocation, not seen
        now = tokens.time.monotonic()
        monkeypatch.setattr(tokens.time, "monotonic", lambda: now + tokens.TERMINAL_CACHE_S + 1)
        assert tokens.authenticate(raw) is None

    def test_personal_tokens_are_always_read(self, actors, django_assert_num_queries):
        _token, raw = tokens.issue(kind="personal", name="x", user=actors.manager)
        assert tokens.authenticate(raw) is not None
        with django_assert_num_queries(1):
            assert tokens.authenticate(raw) is not None

    def test_unknown_tokens_are_never_kept(self, django_assert_num_queries):
        raw = f"{tokens.TOKEN_PREFIX}_00000000_unknown"
        assert tokens.authenticate(raw) is None
        with django_assert_num_queries(1):
            assert tokens.authenticate(raw) is None
