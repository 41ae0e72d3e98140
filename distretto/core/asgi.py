"""What the raw ASGI fast paths share (the signage player's, the loyalty till's): the
headers Django's middleware puts on every answer, the bearer token as ninja reads it,
the request body, and sending an answer.

A fast path answers a few hot requests on the event loop, in front of Django; it hands
everything else to Django untouched, so Django stays the reference for behaviour.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.db import connection

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[dict, Receive, Send], Awaitable[None]]
T = TypeVar("T")

# Django's SecurityMiddleware and XFrameOptionsMiddleware defaults, as on every answer.
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
JSON_CONTENT = [(b"content-type", b"application/json; charset=utf-8")]


def bearer(value: bytes) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, as ninja's HttpBearer."""
    parts = value.decode("latin-1").split(" ")
    if len(parts) < 2 or parts[0].lower() != "bearer":
        return ""
    return " ".join(parts[1:])


def request_id(headers: dict[bytes, bytes]) -> str:
    """The caller's ``X-Request-ID``, or a new one (16 hex digits, as
    ``RequestLogMiddleware``; an id to find a request in the logs, not a secret, so not
    from the system's random source, which costs a system call)."""
    return headers.get(b"x-request-id", b"").decode("latin-1") or f"{random.getrandbits(64):016x}"


async def read_body(receive: Receive, limit: int) -> tuple[list[dict], bytes | None]:
    """The request's messages as received, and its body, or None when it is longer
    than ``limit`` bytes (then only the messages up to that point are read)."""
    messages: list[dict] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > limit:
            return messages, None
        if not message.get("more_body"):
            return messages, b"".join(m.get("body", b"") for m in messages)


def replaying(messages: list[dict], receive: Receive) -> Receive:
    """A ``receive`` that gives ``messages`` again, then goes on with ``receive``: the
    request, partly read by a fast path, handed whole to the application behind it."""
    pending = list(messages)

    async def replay() -> dict:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def respond(send: Send, status: int, body: bytes, content: list, headers: list) -> None:
    length = [(b"content-length", str(len(body)).encode())] if status != 304 else []
    await send(
        {"type": "http.response.start", "status": status, "headers": content + length + headers}
    )
    await send({"type": "http.response.body", "body": body})


def in_thread(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``function`` run in a worker thread on Django's database connection, closed
    afterwards (a pool thread, not a request: it keeps no connection open)."""

    def call(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return sync_to_async(call, thread_sensitive=False)
