"""HTTP hardening that every page gets: the Content-Security-Policy with a per-request
nonce, the Permissions-Policy, and the short sessions of staff.

``SecurityHeadersMiddleware`` is django-csp's middleware (``csp.middleware``) made
natively sync- and async-capable: django-csp's own is a ``MiddlewareMixin``, which
under ASGI runs each of its hooks in a worker thread. Its hooks do no I/O, so they
run inline here. The policy string is built once per process and only the nonce is
put into it per request; a response that carries django-csp's per-view overrides
(``@csp_update``, ``@csp_replace``...) gets its policy built by django-csp as usual.

In templates the nonce is ``{{ CSP_NONCE }}`` (context processor
``csp.context_processors.nonce``) or ``request.csp_nonce``; only scripts that carry
it run inline, and the nonce enters the header only when a page used it. Pages
should prefer files under ``static/`` and pass data by ``json_script`` or ``data-``
attributes.

The Permissions-Policy denies the browser's sensitive features to every page except
the few that need them (``PERMISSIONS_POLICY_ALLOW``: the visitor's check-in and the
"near me" page may ask for the position, the merchant's till for the camera).
Both headers go on HTML documents only.
"""

from __future__ import annotations

import functools

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from distretto.core.inline_middleware import InlineMiddleware

NONCE_MARK = "__distretto_nonce__"
# What a page may use when PERMISSIONS_POLICY_ALLOW does not name it: nothing.
DENIED_FEATURES = ("camera", "geolocation", "microphone", "payment", "usb")


@functools.cache
def _policy_template() -> tuple[str, str]:
    """The policy without a nonce, and with a mark where a nonce goes (built once)."""
    return build_policy(), build_policy(nonce=NONCE_MARK)


def clear_caches() -> None:
    """Forget the built policies (tests that change the settings call this)."""
    _policy_template.cache_clear()
    _permissions_policy.cache_clear()


@functools.cache
def _permissions_policy(allowed: frozenset[str]) -> str:
    return ", ".join(
        f"{feature}=(self)" if feature in allowed else f"{feature}=()"
        for feature in DENIED_FEATURES
    )


def permissions_policy(view_name: str | None) -> str:
    """The ``Permissions-Policy`` of the page named ``view_name`` (its URL name)."""
    allowed = settings.PERMISSIONS_POLICY_ALLOW.get(view_name or "", ())
    return _permissions_policy(frozenset(allowed))


class SecurityHeadersMiddleware(InlineMiddleware, CSPMiddleware):
    def before(self, request: HttpRequest) -> None:
        self.process_request(request)

    def after(self, request: HttpRequest, response: HttpResponseBase, state: None):
        return self.process_response(request, response)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        # Only documents run scripts and ask for features: JSON, CSV, PDF and media
        # answers (the API's hot paths) go out without the two long headers.
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if "Permissions-Policy" not in response:
            match = getattr(request, "resolver_match", None)
            response["Permissions-Policy"] = permissions_policy(match and match.view_name)
        if HEADER in response or getattr(response, "_csp_exempt", False):
            return super().process_response(request, response)
        if any(hasattr(response, name) for name in ("_csp_config", "_csp_update", "_csp_replace")):
            return super().process_response(request, response)
        plain, marked = _policy_template()
        nonce = getattr(request, "_csp_nonce", None)
        response[HEADER] = marked.replace(NONCE_MARK, nonce) if nonce else plain
        if nonce is None:  # too late to use one now: the header is written
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def is_staff_user(user) -> bool:
    """Whoever works on the platform rather than only holding a card: Django staff, or
    any role but cardholder."""
    if user.is_staff or user.is_superuser:
        return True
    return user.memberships.exclude(role="cardholder").exists()


@receiver(user_logged_in, dispatch_uid="distretto-staff-session-age")
def shorten_staff_sessions(sender, request: HttpRequest, user, **kwargs) -> None:
    """A staff member's session ends ``STAFF_SESSION_AGE_S`` after its last change
    (signing in, in practice); a cardholder's lasts Django's default two weeks."""
    if request is not None and hasattr(request, "session") and is_staff_user(user):
        request.session.set_expiry(settings.STAFF_SESSION_AGE_S)
