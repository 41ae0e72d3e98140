"""The POS tills' earns and redemptions served without Django's request machinery.

Every sale at every till of the district is a ``POST /api/v1/loyalty/transactions``.
Through Django each one cost the middleware stack, ninja's parsing and rendering and
a worker thread: several times the movement itself (``bench/loyalty_pos.py``). This
raw ASGI wrapper, in front of Django, answers that request when a POS terminal sends
it, with what the ninja handler in api.py answers: the same ``till`` steps, statuses,
bodies and error envelope. The handler stays the reference and serves every request
the fast path does not take:

- another method or path, or a query string (``?business=`` is for people);
- a Host that ``ALLOWED_HOSTS`` refuses, or a repeated header;
- no terminal token with write scope: a person's token or session, a display's, a
  revoked, expired or unknown token, a read-only terminal token (or the database could
  not be asked about the token);
- a body over ``BODY_LIMIT`` bytes, not JSON, or not a valid ``TransactionIn`` (the
  400 and 422 answers are Django's own).

How it answers:

- **Token**: the worker's terminal-token cache (``accounts.tokens``: a revoked token
  may still work for ``TERMINAL_CACHE_S`` seconds on another worker, as through
  Django); the database is asked, in a worker thread, when the cache has no fresh
  entry or the token's last use is due to be recorded.
- **Movement**: ``till.movement``. On PostgreSQL its plans are posted on the event
  loop through psycopg's async pool (``LOYALTY_TILL_POOL_SIZE`` connections per
  process), one call of ``loyalty_till_post`` each; a programme's setting that the
  worker does not keep is read in a worker thread. On SQLite the whole movement runs
  in a worker thread, as in Django.
- **Waits**: a till is told to try again (503 ``unavailable`` with Retry-After; nothing
  was written) when no connection is free within ``WAIT_S`` or a card's lock or a
  statement takes too long (``LOCK_TIMEOUT_MS``, ``STATEMENT_TIMEOUT_MS``), where Django
  would keep it waiting. A connection lost mid-call may have written the movement: 503
  if the request has an idempotency key (its retry replays), else 500.
- **Language**: messages follow the language cookie or Accept-Language, as
  LocaleMiddleware, which also sets Content-Language and Vary.
- **Logging**: one ``request`` line per request, as RequestLogMiddleware.

The pool is closed at the ASGI lifespan's shutdown (Django does not speak lifespan,
so this wrapper answers it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import cache, lru_cache
from types import SimpleNamespace

import orjson
import pydantic
from django.conf import settings
from django.db import connections
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils import translation
from django.utils.translation import gettext as _
from psycopg import AsyncConnection, IntegrityError, OperationalError
from psycopg.conninfo import make_conninfo
from psycopg.errors import LockNotAvailable, QueryCanceled
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.core import asgi
from distretto.core.asgi import COMMON_HEADERS, JSON_CONTENT, ASGIApp, Receive, Send, in_thread
from distretto.core.errors import DomainError, InternalError, Unavailable
from distretto.core.middleware import log_request
from distretto.loyalty import till
from distretto.loyalty.schemas import TransactionIn

log = logging.getLogger("distretto.api")

PATH = "/api/v1/loyalty/transactions"
BODY_LIMIT = 16 * 1024  # a till's request is about 100 bytes
# How long a till waits for a connection, a row lock and a statement before it is told
# to try again (503): a movement takes milliseconds, a till's customer is waiting.
WAIT_S = 10.0
LOCK_TIMEOUT_MS = 5_000
STATEMENT_TIMEOUT_MS = 10_000
# OPTIONS of Django's PostgreSQL backend that are not libpq connection parameters.
DJANGO_OPTIONS = {"pool", "isolation_level", "server_side_binding", "assume_role"}


class TillFastPath:
    """ASGI middleware: the tills' movements; the rest to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
        elif (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == PATH
            and not scope["query_string"]
        ):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: dict, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = dict(scope["headers"])  # lower-case names
        token = None
        # A repeated header, or a Host that Django would refuse: Django says what it means.
        if len(headers) == len(scope["headers"]) and allowed_host(headers):
            token = await terminal_token(asgi.bearer(headers.get(b"authorization", b"")))
        if token is None:
            await self.app(scope, receive, send)
            return
        messages, body = await asgi.read_body(receive, BODY_LIMIT)
        payload = transaction_in(body)
        if payload is None:
            await self.app(scope, asgi.replaying(messages, receive), send)
            return
        request = till.TillRequest(
            business=token.business,
            kind=payload.kind,
            card=payload.card,
            amount=payload.amount,
            points=payload.points,
            key=headers.get(b"idempotency-key", b"").decode("latin-1"),
            terminal_id=token.pk,
        )
        language = language_of(headers)
        with translation.override(language):
            status, answer = await answered(request)
        request_id = asgi.request_id(headers)
        extra = [
            (b"x-request-id", request_id.encode("latin-1")),
            (b"content-language", language.encode()),
            (b"vary", b"Accept-Language, Cookie"),  # the language comes from either
            *COMMON_HEADERS,
        ]
        if status == 503:
            extra.append((b"retry-after", b"1"))
        await asgi.respond(send, status, orjson.dumps(answer), JSON_CONTENT, extra)
        log_request(request_id, "POST", PATH, status, started, f"terminal:{token.pk}")


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await database.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _active_terminal(raw_token: str) -> ApiToken | None:
    token = tokens.authenticate(raw_token)
    if token is None or token.kind != ApiToken.Kind.TERMINAL:
        return None
    return token


async def terminal_token(raw_token: str) -> ApiToken | None:
    """The active terminal token with write scope behind ``raw_token``, or None (also
    when the database cannot be asked: then Django answers the request)."""
    if not raw_token.startswith(f"{tokens.TOKEN_PREFIX}_"):
        return None
    token = tokens.cached_terminal(raw_token)
    if token is None:
        try:
            token = await in_thread(_active_terminal)(raw_token)
        except Exception:
            log.warning("till token check failed; handed to Django", exc_info=True)
            return None
    if token is None or token.scope != ApiToken.Scope.WRITE:
        return None
    return token


def allowed_host(headers: dict[bytes, bytes]) -> bool:
    """Whether Django would accept the request's host (``HttpRequest.get_host``)."""
    host = headers.get(b"host", b"")
    if settings.USE_X_FORWARDED_HOST and b"x-forwarded-host" in headers:
        host = headers[b"x-forwarded-host"]
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host.decode("latin-1"))
    return bool(domain) and validate_host(domain, allowed)


def transaction_in(body: bytes | None) -> TransactionIn | None:
    """The request as the ninja handler reads it, or None if it would refuse it."""
    if body is None:
        return None
    try:
        return TransactionIn.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, pydantic.ValidationError):
        return None


def language_of(headers: dict[bytes, bytes]) -> str:
    return _language(
        headers.get(b"cookie", b"").decode("latin-1"),
        headers.get(b"accept-language", b"").decode("latin-1"),
    )


@lru_cache(maxsize=256)
def _language(cookie: str, accept_language: str) -> str:
    request = SimpleNamespace(
        COOKIES=parse_cookie(cookie), META={"HTTP_ACCEPT_LANGUAGE": accept_language}
    )
    return translation.get_language_from_request(request)


async def answered(request: till.TillRequest) -> tuple[int, dict]:
    """The status and body of the answer to ``request``."""
    try:
        if on_postgresql():
            return 201, await post(request)
        return 201, await in_thread(till.post)(request)
    except DomainError as refused:
        return refused.status, refused.as_dict()
    except (TimeoutError, PoolTimeout, QueryCanceled, LockNotAvailable):
        # No connection in time, a lock or a statement over its time: nothing written.
        log.warning("till movement not answered in time", exc_info=True)
        return 503, busy()
    except OperationalError:
        # The connection was lost: the movement may have been written. Only a retry
        # with its key is safe (it replays); without one, the till must check first.
        log.exception("till connection lost", extra={"path": PATH})
        if request.key:
            return 503, busy()
        return 500, InternalError().as_dict()
    except Exception:
        log.exception("unhandled API error", extra={"path": PATH})
        return 500, InternalError().as_dict()


def busy() -> dict:
    return Unavailable(_("The service is busy: try again in a moment.")).as_dict()


# --- PostgreSQL on the event loop -----------------------------------------------------------


@cache
def on_postgresql() -> bool:
    return connections["default"].vendor == "postgresql"


class Database:
    """psycopg's async pool to Django's default database, opened on first use; one per
    event loop (a server has one; tests start several)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.opening: asyncio.Task | None = None
        # Requests wait for a connection in this plain queue rather than in the pool's
        # own waiting (a task and a timer per waiter): a tenth of a till request's CPU.
        self.turns: asyncio.Semaphore | None = None

    async def post(self, plan: till.Plan) -> till.Outcome:
        """One call of ``loyalty_till_post`` for ``plan``, a transaction of its own.
        Raises ``TimeoutError`` if no connection is free within ``WAIT_S``."""
        pool = await self._pool()
        turns = self.turns
        async with asyncio.timeout(WAIT_S):  # a turn and a connection, together
            await turns.acquire()
            try:
                conn = await pool.getconn()
            except BaseException:
                turns.release()
                raise
        try:
            cursor = await conn.execute(till.CALL, plan.arguments())
            return till.Outcome(*await cursor.fetchone())
        except IntegrityError as error:
            return till.integrity_outcome(error, plan)
        finally:
            await pool.putconn(conn)
            turns.release()

    async def _pool(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop, self.opening = loop, loop.create_task(self._open())
            self.turns = asyncio.Semaphore(settings.LOYALTY_TILL_POOL_SIZE)
        return await self.opening

    async def _open(self) -> AsyncConnectionPool:
        pool = AsyncConnectionPool(
            conninfo(),
            min_size=1,
            max_size=settings.LOYALTY_TILL_POOL_SIZE,
            kwargs={"autocommit": True},
            configure=_limit_waits,
            name="loyalty-till",
            timeout=WAIT_S,
            open=False,
        )
        await pool.open()
        return pool

    async def close(self) -> None:
        """Close this event loop's pool, if it has one."""
        if self.opening is not None and self.loop is asyncio.get_running_loop():
            pool = await self.opening
            self.loop = self.opening = self.turns = None
            await pool.close()


async def _limit_waits(conn: AsyncConnection) -> None:
    """A till waits for a busy card's lock, or a slow statement, this long at most."""
    await conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    await conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")


database = Database()


def conninfo() -> str:
    db = connections["default"].settings_dict
    options = {k: v for k, v in db.get("OPTIONS", {}).items() if k not in DJANGO_OPTIONS}
    return make_conninfo(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        **options,
    )


async def post(request: till.TillRequest) -> dict:
    """``till.post`` on the event loop."""
    steps = till.movement(request)
    need = next(steps)
    while True:
        if isinstance(need, till.Plan):
            reply = await database.post(need)
        else:
            reply = till.kept_setting(need.program_id, request.business) or await in_thread(
                till.setting_for
            )(need.program_id, request.business)
        try:
            need = steps.send(reply)
        except StopIteration as done:
            return done.value
