"""In a real browser: the merchant uses the web till; the cardholder opens the wallet."""

from __future__ import annotations

from decimal import Decimal

import pytest

from distretto.loyalty import services
from distretto.testing import browser_login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_merchant_earns_redeems_and_reverses_at_the_web_till(page, actors, program):
    card, raw = services.issue_card(program)
    services.earn(card, actors.other_shop, Decimal("500.00"))  # 500 points
    browser_login(page, "merchant")
    page.goto(f"{page.base_url}/loyalty/till/")
    page.fill("#card", card.number)
    page.fill("#amount", "23,50")
    page.click("#earn")
    assert "+23" in page.locator("#till-result").inner_text()
    page.fill("#card", card.number)
    page.fill("#points", "300")
    page.click("#redeem")
    result = page.locator("#till-result").inner_text()
    assert "300" in result and "3,00" in result and "223" in result
    page.fill("#card", card.number[:-1] + str((int(card.number[-1]) + 1) % 10))
    page.fill("#amount", "5")
    page.click("#earn")
    assert page.locator("#till-error").is_visible()
    # Reversing asks once; declining changes nothing, accepting reverses.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("#recent button[value=reverse]").first.click()
    assert "Stornare" in questions[0] and "300" in questions[0]
    assert services.balance_of(card) == 223
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#recent button[value=reverse]").first.click()
    assert "523" in page.locator("#till-result").inner_text()
    assert services.balance_of(card) == 523

    page.goto(f"{page.base_url}/loyalty/w/{raw}/")
    assert "523" in page.locator("#balance").inner_text()
    assert page.locator("#history tbody tr").count() == 4
    page.locator("path.distretto-marker").first.wait_for()
    assert page.locator("path.distretto-marker").count() == 2
