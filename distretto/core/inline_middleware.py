"""A base for middleware whose hooks do no I/O: they run inline in both of Django's
modes, never in a worker thread (Django's ``MiddlewareMixin`` under ASGI runs each hook
through ``sync_to_async``), so they cost next to nothing on the async request path."""

from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase


class InlineMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def before(self, request: HttpRequest) -> Any:
        """Called with the request; what it returns is given to ``after``."""

    def after(self, request: HttpRequest, response: HttpResponseBase, state: Any):
        """Called with the response; returns the response to send."""
        return response

    def __call__(self, request: HttpRequest):
        if self.async_mode:
            return self.__acall__(request)
        state = self.before(request)
        return self.after(request, self.get_response(request), state)

    async def __acall__(self, request: HttpRequest):
        state = self.before(request)
        return self.after(request, await self.get_response(request), state)
