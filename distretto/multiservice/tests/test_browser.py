"""In a real browser: the assessor fills the questionnaire with the shopkeeper, step by
step, leaves it as a draft, comes back, submits and downloads the report."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from distretto.multiservice.models import Checkup
from distretto.multiservice.questionnaire import STEPS
from distretto.testing import browser_login

pytestmark = pytest.mark.browser


def fill_step(page, step, answers) -> None:
    for question in step.questions:
        value = answers[question.key]
        if question.kind in ("int", "decimal"):
            page.fill(f"#q-{question.key}", str(value))
        elif question.kind == "bool":
            page.check(f"#q-{question.key}-{'yes' if value else 'no'}")
        elif question.kind == "choice":
            page.select_option(f"#q-{question.key}", value)
        else:
            for code in value:
                page.check(f"input[name={question.key}][value={code}]")


@pytest.mark.django_db(transaction=True)
def test_questionnaire_from_start_to_report(page, actors, catalogue, network_shop, answers):
    browser_login(page, "assessor")
    page.goto(f"{page.base_url}/multiservice/checkups/")
    page.select_option("#business", str(actors.shop.pk))
    page.click("#start-checkup button[type=submit]")
    page.wait_for_url("**/step/catchment/")
    # The registry filled in the residents of the frazione served.
    assert page.input_value("#q-residents") == "310"
    fill_step(page, STEPS[0], answers)
    page.click("#next")
    fill_step(page, STEPS[1], answers)
    page.click("#save-draft")  # a draft: leave and come back later
    page.locator(".messages li").wait_for()
    page.goto(f"{page.base_url}/multiservice/checkups/")
    page.click("#checkups a:text-is('Continua'), #checkups a:text-is('Continue')")
    page.wait_for_url("**/review/")
    assert page.locator("#missing-count").is_visible()
    checkup = Checkup.objects.get()
    assert checkup.answers["grocery_km"] == 9
    page.click(f"a[href$='/step/{STEPS[2].key}/']")
    for step in STEPS[2:]:
        fill_step(page, step, answers)
        page.click("#next")
    page.wait_for_url(f"**/checkups/{checkup.pk}/review/")
    assert page.locator("#missing-count").count() == 0
    page.click("#submit-checkup")
    page.wait_for_url(f"**/checkups/{checkup.pk}/")
    assert page.locator("#verdict").inner_text() in ("Fattibile", "Feasible")
    assert page.locator("#recommendations li").count() >= 1
    page.locator("#chart").wait_for()
    href = page.locator("#report-link").get_attribute("href")
    response = page.request.get(f"{page.base_url}{href}")
    assert response.status == 200
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "Panetteria Fanfulla" in text
    assert "Fattibile" in text or "Feasible" in text
