"""The Content-Security-Policy in a real browser: pages load without a single violation
(a ``securitypolicyviolation`` event, or Chromium's console report of a blocked
script, style, image or frame).

``CLEAN_PAGES`` lists the pages that must stay clean; add a page once its inline
scripts and ``on...=`` handlers have moved to ``static/``. The test also proves that the
policy is enforced, with a page that does carry an inline script.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from distretto.checkins import services as checkins
from distretto.loyalty import services as loyalty
from distretto.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded in every page before its own scripts run.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " "
    + (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""

# (who is signed in, path); "{program}", "{token}", "{venue}" are filled in.
CLEAN_PAGES = [
    (None, "/"),
    (None, "/accounts/login/"),
    (None, "/api/v1/docs"),
    (None, "/admin/login/"),
    (None, "/privacy/notice/{program}/"),
    (None, "/privacy/w/{token}/"),
    (None, "/checkins/v/{venue}/"),
    ("operator", "/dashboard/"),
    ("operator", "/accounts/tokens/"),
    ("operator", "/accounts/audit/"),
    ("operator", "/privacy/"),
    ("merchant", "/loyalty/till/"),
]


@pytest.fixture
def places(actors):
    program = loyalty.create_program(
        actors.district,
        {"name": "Carta Lodi", "point_value": Decimal("0.01"), "earn_rate": Decimal("1.00")},
    )
    _card, token = loyalty.issue_card(program, holder_name="Sara", consent_privacy=True)
    venue = checkins.create_point(actors.shop, {"lat": 45.3138, "lon": 9.5016})
    return {"program": program.pk, "token": token, "venue": venue.pk}


def violations(page, path: str) -> list[str]:
    """Load ``path`` and return the CSP violations it caused."""
    reported: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            reported.append(message.text[:300])

    page.on("console", on_console)
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__csp || []")
    page.remove_listener("console", on_console)
    return found + reported


def test_the_clean_pages_load_without_a_policy_violation(csp_page, actors, places):
    page = csp_page
    page.context.add_init_script(LISTEN)
    failing = {}
    signed_in = None
    for who, template in CLEAN_PAGES:
        if who != signed_in:
            page.context.clear_cookies()
            if who:
                browser_login(page, who)
            signed_in = who
        path = template.format(**places)
        if found := violations(page, path):
            failing[path] = found
    assert not failing, failing


def test_an_inline_script_is_blocked(csp_page, actors):
    page = csp_page
    """The policy is enforced, not only sent: an inline script is refused and reported."""
    page.context.add_init_script(LISTEN)
    page.goto(f"{page.base_url}/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === true") is False
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
