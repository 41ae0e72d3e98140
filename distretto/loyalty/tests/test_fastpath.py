"""The tills' fast path (fastpath.py): a POS terminal's earn or redemption is answered
in front of Django, exactly as the ninja handler answers it; every other request is
handed to Django whole. The application runs in this process under ASGI (httpx's
transport), on the test database, committed (the fast path has its own connections)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import httpx
import psycopg
import pytest
from django.core.asgi import get_asgi_application
from django.db import OperationalError, connection

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.loyalty import cardnumbers, fastpath, services
from distretto.loyalty.fastpath import TillFastPath
from distretto.loyalty.models import Campaign, LedgerTransaction
from distretto.testing import ApiClient, run_async

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/api/v1/loyalty/transactions"
# Headers Django's middleware puts on the answer, which the fast path must put too.
SAME_HEADERS = [
    "content-type",
    "content-language",
    "vary",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "x-frame-options",
]


@dataclass
class Django:
    """The application behind the fast path, noting each request that reaches it."""

    app: object = field(default_factory=get_asgi_application)
    seen: list[str] = field(default_factory=list)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.seen.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


@pytest.fixture
def django_app() -> Django:
    return Django()


@pytest.fixture
def serve(django_app):
    """``serve(*requests)`` → the responses, in order, of the application with the fast
    path in front; each request is ``(method, path, headers, body)``, where a ``str``
    body is sent as it is and anything else as JSON."""
    app = TillFastPath(django_app)

    def serve(*requests) -> list[httpx.Response]:
        async def scenario() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                try:
                    responses = []
                    for method, path, headers, body in requests:
                        content = body if isinstance(body, str) else None
                        payload = None if isinstance(body, str) else body
                        responses.append(
                            await http.request(
                                method, path, headers=headers, content=content, json=payload
                            )
                        )
                    return responses
                finally:
                    await fastpath.database.close()

        return run_async(scenario)

    return serve


def terminal(business, scope: str = ApiToken.Scope.WRITE) -> str:
    return tokens.issue(kind=ApiToken.Kind.TERMINAL, name="cassa", business=business, scope=scope)[
        1
    ]


def headers_of(token: str, key: str | None = None, **more: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}", **more}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def earn_body(card, amount="12.50") -> dict:
    return {
        "card": card if isinstance(card, str) else card.number,
        "kind": "earn",
        "amount": amount,
    }


def test_a_terminal_earns_and_redeems_without_reaching_django(
    actors, card_with_points, serve, django_app
):
    token = terminal(actors.shop)
    earned, spent = serve(
        ("POST", PATH, headers_of(token, "fast-1"), earn_body(card_with_points, "23.59")),
        (
            "POST",
            PATH,
            headers_of(token, "fast-2"),
            {"card": card_with_points.number, "kind": "redeem", "points": 300},
        ),
    )
    assert earned.status_code == 201, earned.text
    # 23.59 € × 1.00 point/€ → 23 points on top of 1000
    assert (earned.json()["points"], earned.json()["balance"]) == (23, 1023)
    assert earned.json()["applied_rules"] == [{"rule": "base", "rate": "1.00", "points": 23}]
    assert (spent.status_code, spent.json()["discount"], spent.json()["balance"]) == (
        201,
        "3.00",  # 300 × 0.01 €
        723,
    )
    assert django_app.seen == []
    stored = LedgerTransaction.objects.get(pk=earned.json()["id"])
    assert (stored.terminal_id, stored.business, stored.idempotency_key) == (
        ApiToken.objects.get(kind="terminal").pk,
        actors.shop,
        "fast-1",
    )
    assert {"id": stored.pk, **stored.response} == earned.json()
    assert services.balance_of(card_with_points) == 723


def twin_cards(program, *, points: int, shop) -> tuple:
    """Two cards alike: one for the handler, one for the fast path."""
    cards = [services.issue_card(program)[0] for _twin in range(2)]
    for card in cards:
        if points:
            services.earn(card, shop, Decimal(points))
    return cards[0], cards[1]


def comparable(response: httpx.Response | object) -> tuple:
    """Status and body without what differs between twins (id, card, time)."""
    body = response.json()
    for name in ("id", "card", "created_at"):
        body.pop(name, None)
    return response.status_code, body


def test_the_fast_path_answers_every_case_as_the_ninja_handler(actors, program, serve):
    token = terminal(actors.shop)
    reference = ApiClient(raw_token=token)  # Django's test client: the ninja handler
    with_points = twin_cards(program, points=1000, shop=actors.shop)
    empty = twin_cards(program, points=0, shop=actors.shop)
    blocked = twin_cards(program, points=0, shop=actors.shop)
    for card in blocked:
        services.set_card_status(card, "blocked")
    foreign = services.create_program(
        actors.foreign_shop.district,
        {"name": "Carta Cuneo", "point_value": Decimal("0.01"), "earn_rate": Decimal("1")},
    )
    elsewhere = twin_cards(foreign, points=0, shop=actors.foreign_shop)
    unknown = "99999999999" + cardnumbers.luhn_check_digit("99999999999")
    typo = with_points[0].number[:-1] + str((int(with_points[0].number[-1]) + 1) % 10)

    # (twins, body without the card, key, more headers)
    cases = [
        (with_points, {"kind": "earn", "amount": "23.59"}, "k1", {}),
        (with_points, {"kind": "earn", "amount": "23.59"}, "k1", {}),  # replay
        (with_points, {"kind": "earn", "amount": "24.00"}, "k1", {}),  # same key, other body
        (with_points, {"kind": "earn", "amount": "5000.01"}, "k1", {}),  # and refused by its rules
        (with_points, {"kind": "redeem", "points": 300}, "k2", {}),
        (with_points, {"kind": "redeem", "points": 99}, None, {}),  # below the minimum
        (with_points, {"kind": "redeem", "points": 5000}, "k3", {}),  # more than it holds
        (with_points, {"kind": "redeem", "points": 5000}, "k3", {"Accept-Language": "en"}),
        (with_points, {"kind": "redeem", "points": "many"}, None, {}),  # not an integer
        (with_points, {"kind": "redeem", "points": 10**19}, None, {}),  # beyond any column
        (with_points, {"kind": "earn", "amount": "12.345"}, None, {}),
        (with_points, {"kind": "earn", "amount": "5000.01"}, None, {}),
        (with_points, {"kind": "earn", "amount": "NaN"}, None, {}),
        (with_points, {"kind": "earn"}, None, {}),
        (with_points, {"kind": "gift", "points": 5}, None, {}),
        (with_points, {"kind": "earn", "amount": 9.5}, None, {}),
        (with_points, {"kind": "earn", "amount": "0.99"}, "k1", {}),  # same key, other body
        (empty, {"kind": "redeem", "points": 100}, "k4", {}),
        (empty, {"kind": "earn", "amount": "0.99"}, None, {}),  # no whole point
        (blocked, {"kind": "earn", "amount": "10.00"}, None, {"Accept-Language": "en"}),
        (blocked, {"kind": "earn", "amount": "10.00"}, None, {}),
        (elsewhere, {"kind": "earn", "amount": "10.00"}, None, {}),
        ((typo, typo), {"kind": "earn", "amount": "10.00"}, None, {}),
        ((unknown, unknown), {"kind": "earn", "amount": "10.00"}, None, {}),
        ((unknown, unknown), {"kind": "earn", "amount": "10.00"}, "k" * 121, {}),
    ]
    for index, (twins, body, key, more) in enumerate(cases):
        numbers = [card if isinstance(card, str) else card.number for card in twins]
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in more.items()}
        # Each path its own keys (both post for the same shop), but a too long one as is.
        handler_key, fast_key = (key, key) if key and len(key) > 100 else (None, None)
        if key and handler_key is None:
            handler_key, fast_key = f"handler-{key}", f"fast-{key}"
        if handler_key:
            extra["HTTP_IDEMPOTENCY_KEY"] = handler_key
        expected = reference.post(PATH, {"card": numbers[0], **body}, **extra)
        (answer,) = serve(
            ("POST", PATH, headers_of(token, fast_key, **more), {"card": numbers[1], **body})
        )
        assert comparable(answer) == comparable(expected), (index, body)
        for name in SAME_HEADERS:
            assert answer.headers.get(name) == expected.headers.get(name), (index, name)
    # 1000 + 23 (23.59 €) − 300 + 9 (9.50 €) on each twin
    assert [services.balance_of(card) for card in with_points] == [732, 732]


def test_a_replay_names_the_first_movement(actors, card, serve):
    token = terminal(actors.shop)
    first, again = serve(
        ("POST", PATH, headers_of(token, "till-7"), earn_body(card)),
        ("POST", PATH, headers_of(token, "till-7"), earn_body(card)),
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert LedgerTransaction.objects.count() == 1


def test_what_the_fast_path_does_not_take_goes_to_django(actors, card, serve, django_app):
    person = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="t", user=actors.merchant)[1]
    read_only = terminal(actors.shop, scope=ApiToken.Scope.READ)
    till = terminal(actors.shop)
    responses = serve(
        ("POST", PATH, headers_of(person), earn_body(card)),  # a person at a web till
        ("POST", PATH, headers_of(read_only), earn_body(card)),
        ("POST", PATH, {}, earn_body(card)),
        ("POST", PATH, headers_of("dst_nope_nothing"), earn_body(card)),
        ("POST", f"{PATH}?business={actors.shop.pk}", headers_of(till), earn_body(card)),
        ("POST", PATH, headers_of(till), "{not json"),
        ("GET", PATH, headers_of(till), None),
    )
    assert [r.status_code for r in responses] == [201, 403, 401, 401, 201, 400, 200]
    assert responses[1].json()["error"]["code"] == "read_only_token"
    assert responses[5].json()["error"]["code"] == "malformed_json"
    assert len(django_app.seen) == len(responses)
    assert services.balance_of(card) == 24  # 12 + 12


def test_a_revoked_terminal_is_refused_at_once_by_the_worker_that_revoked_it(
    actors, card, serve, django_app
):
    raw = terminal(actors.shop)
    (accepted,) = serve(("POST", PATH, headers_of(raw), earn_body(card)))
    tokens.revoke(ApiToken.objects.get(kind="terminal"))
    (refused,) = serve(("POST", PATH, headers_of(raw), earn_body(card)))
    assert (accepted.status_code, refused.status_code) == (201, 401)
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert django_app.seen == [f"POST {PATH}"]


def test_each_answer_carries_its_request_id_and_is_logged(actors, card, serve, caplog):
    token = terminal(actors.shop)
    with caplog.at_level(logging.INFO, logger="distretto.request"):
        (answer,) = serve(
            ("POST", PATH, headers_of(token, **{"X-Request-ID": "cassa-42"}), earn_body(card))
        )
    assert answer.headers["x-request-id"] == "cassa-42"
    record = next(r for r in caplog.records if r.name == "distretto.request")
    assert (record.request_id, record.method, record.path, record.status) == (
        "cassa-42",
        "POST",
        PATH,
        201,
    )
    assert record.user == f"terminal:{ApiToken.objects.get(kind='terminal').pk}"


def test_the_lifespan_is_answered_and_closes_the_pool(actors, card, serve):
    terminal_token = terminal(actors.shop)
    app = TillFastPath(Django())
    sent: list[dict] = []

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            answer = await http.post(PATH, headers=headers_of(terminal_token), json=earn_body(card))
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive() -> dict:
            return next(messages)

        async def send(message: dict) -> None:
            sent.append(message)

        await app({"type": "lifespan"}, receive, send)
        return [answer.status_code]

    assert run_async(scenario) == [201]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert fastpath.database.opening is None


def test_a_key_first_used_through_the_handler_is_replayed_by_the_fast_path(
    actors, card, serve, django_app
):
    token = terminal(actors.shop)
    first = ApiClient(raw_token=token).post(PATH, earn_body(card), HTTP_IDEMPOTENCY_KEY="till-9")
    again, other = serve(
        ("POST", PATH, headers_of(token, "till-9"), earn_body(card)),
        ("POST", PATH, headers_of(token, "till-9"), earn_body(card, "13.00")),
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert django_app.seen == [] and LedgerTransaction.objects.count() == 1


def test_a_refused_host_or_a_repeated_header_goes_to_django(actors, card, serve, django_app):
    token = terminal(actors.shop)
    elsewhere, repeated = serve(
        ("POST", PATH, headers_of(token, Host="evil.example"), earn_body(card)),
        (
            "POST",
            PATH,
            # Django reads both; taking the last alone would let this one through.
            [("Authorization", "Bearer dst_x_y"), ("Authorization", f"Bearer {token}")],
            earn_body(card),
        ),
    )
    assert elsewhere.status_code == 400  # Django's DisallowedHost
    assert repeated.status_code == 401
    assert len(django_app.seen) == 2
    assert not LedgerTransaction.objects.exists()


def test_a_campaign_gone_since_the_worker_kept_it_is_left_out(actors, program, card, serve):
    token = terminal(actors.shop)

    def through_fast_path(amount: str) -> dict:
        return serve(("POST", PATH, headers_of(token), earn_body(card, amount)))[0].json()

    def through_django(amount: str) -> dict:
        return services.till_movement(actors.shop, "earn", card.number, amount=Decimal(amount))

    for earn in (through_fast_path, through_django):
        # The worker keeps the programme's rules with a campaign for purchases from 50 €
        # (deletable: it has given no points yet) ...
        campaign = Campaign.objects.create(
            program=program,
            name="Spesa grande",
            starts_on=date(2000, 1, 1),
            ends_on=date(2100, 1, 1),
            bonus_points=40,
            min_spend=Decimal("50.00"),
        )
        assert earn("10.00")["points"] == 10
        # ... when another worker deletes the campaign (no signal reaches this one).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM loyalty_campaign WHERE id = %s", [campaign.pk])
        # 60 € earn 60 points, without the 40 of the campaign that is gone.
        answer = earn("60.00")
        assert (answer["points"], answer["applied_rules"]) == (
            60,
            [{"rule": "base", "rate": "1.00", "points": 60}],
        )


def test_a_till_told_to_try_again_when_no_connection_comes_in_time(
    actors, card, serve, monkeypatch, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass: on SQLite the movement runs in a thread")
    token = terminal(actors.shop)
    settings.LOYALTY_TILL_POOL_SIZE = 1
    monkeypatch.setattr(fastpath, "WAIT_S", 0.2)
    app = TillFastPath(Django())

    async def scenario() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            try:
                await http.post(PATH, headers=headers_of(token), json=earn_body(card))
                await fastpath.database.turns.acquire()  # a long movement holds the only one
                return await http.post(PATH, headers=headers_of(token), json=earn_body(card))
            finally:
                await fastpath.database.close()

    busy = run_async(scenario, timeout=20)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert busy.json()["error"]["code"] == "unavailable"
    assert services.balance_of(card) == 12  # the first one only


def test_a_till_told_to_try_again_when_the_card_stays_locked(actors, card, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass: on SQLite the movement runs in a thread")
    token = terminal(actors.shop)
    monkeypatch.setattr(fastpath, "LOCK_TIMEOUT_MS", 200)
    app = TillFastPath(Django())

    async def scenario() -> httpx.Response:
        # Another session holds the card's account (a long manager's correction, say).
        other = await psycopg.AsyncConnection.connect(fastpath.conninfo())
        await other.execute(
            "SELECT 1 FROM loyalty_account WHERE card_id = %s FOR UPDATE", [card.pk]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            try:
                return await http.post(PATH, headers=headers_of(token), json=earn_body(card))
            finally:
                await other.close()
                await fastpath.database.close()

    busy = run_async(scenario, timeout=20)
    assert busy.status_code == 503 and busy.json()["error"]["code"] == "unavailable"
    assert not LedgerTransaction.objects.exists()


def test_a_token_check_that_fails_leaves_the_request_to_django(
    actors, card, serve, django_app, monkeypatch
):
    def unreachable(raw_token: str):
        raise OperationalError("the database went away")

    monkeypatch.setattr(fastpath, "_active_terminal", unreachable)
    (answer,) = serve(("POST", PATH, headers_of(terminal(actors.shop)), earn_body(card)))
    assert answer.status_code == 201  # Django asked the database again, and it answered
    assert django_app.seen == [f"POST {PATH}"]


def test_a_replay_gets_its_first_answer_though_the_rules_have_changed_since(
    actors, program, card, serve
):
    token = terminal(actors.shop)
    (first,) = serve(("POST", PATH, headers_of(token, "late-1"), earn_body(card, "100.00")))
    services.update_program(program, {"max_amount": Decimal("50.00")})
    later, other = serve(
        ("POST", PATH, headers_of(token, "late-1"), earn_body(card, "100.00")),
        ("POST", PATH, headers_of(token, "late-1"), earn_body(card, "90.00")),
    )
    assert (first.status_code, later.status_code) == (201, 201)
    assert later.json() == first.json()
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    # Through Django, the web till or the demo, which know the card's programme:
    replayed = services.earn(card, actors.shop, Decimal("100.00"), key="late-1")
    assert replayed == first.json()
    (fresh,) = serve(("POST", PATH, headers_of(token, "late-2"), earn_body(card, "100.00")))
    assert fresh.status_code == 422 and fresh.json()["error"]["field"] == "amount"
