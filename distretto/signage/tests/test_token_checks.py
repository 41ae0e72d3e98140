"""The fast path's display-token checks: which tokens count (auth.displays_of_digests)
and how the checks that many players need at once are made together (TokenChecks)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.signage import fastpath, services
from distretto.signage.auth import displays_of_digests
from distretto.signage.models import Display
from distretto.testing import run_async


@pytest.mark.django_db
def test_only_active_display_tokens_of_existing_displays_count(actors, totems):
    centre, station = totems
    _expired, expired = tokens.issue(
        kind=ApiToken.Kind.DISPLAY,
        name="old",
        device=centre,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    personal = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="p", user=actors.manager)[1]
    gone = Display.objects.create(district=actors.district, name="Smontato")
    gone_token = tokens.issue(kind=ApiToken.Kind.DISPLAY, name="g", device=gone)[1]
    gone.delete()
    revoked_display, revoked = services.create_display(actors.district, {"name": "Revocato"})
    services.revoke_display_tokens(revoked_display)
    raw = [centre.raw_token, station.raw_token, expired, personal, gone_token, revoked, "x"]

    found = displays_of_digests([tokens.digest(t) for t in raw])

    expected = {}
    for display in (centre, station):
        token = ApiToken.objects.get(token_hash=tokens.digest(display.raw_token))
        assert token.last_used_at is not None  # refreshed, as tokens.authenticate does
        expected[token.token_hash] = (f"display:{token.pk}", display.pk, actors.district.pk)
    assert found == expected


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_checks_is_answered_by_few_queries(actors, totems, monkeypatch):
    centre, station = totems
    batches: list[int] = []
    lookup = fastpath.displays_of_digests

    def counted(token_hashes: list[str]):
        batches.append(len(token_hashes))
        return lookup(token_hashes)

    monkeypatch.setattr(fastpath, "displays_of_digests", counted)
    burst = [centre.raw_token, station.raw_token, "dst_nope_nothing"] * 300

    async def scenario():
        return await asyncio.gather(*(fastpath.authenticate(t, fresh=True) for t in burst))

    players = run_async(scenario)

    assert [p.display_id if p else None for p in players[:3]] == [centre.pk, station.pk, None]
    assert all(
        (p.display_id if p else None) == (q.display_id if q else None)
        for p, q in zip(players, players[3:], strict=False)
    )
    # Equal tokens waiting together share one check; the burst takes one or two queries.
    assert 1 <= len(batches) <= 2 and sum(batches) <= 6
