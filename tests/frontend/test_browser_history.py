"""History and the Workspace's layout in a real Chromium, against real backend and frontend
processes on embedded defaults.

Contract: picking a History row opens that question's stored answer in the Workspace (question,
SQL, table, chart, insights, and each column's SQL alias beside its heading under Show SQL),
with Re-run there asking it again (a failed question's row puts its SQL back, with a message);
on a phone (390 px wide) the answer's headline is on the first screen once a question is asked
(the example questions fold away).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.frontend.conftest import Stack
from tests.frontend.test_browser import PASSWORD, QUESTION, ask, browser, page

__all__ = ["browser", "page"]

pytestmark = pytest.mark.browser

SECOND = "How many loans are there?"


def sign_up(page: Any, email: str) -> None:
    from playwright.sync_api import expect

    page.locator("#start-free").click()
    page.locator("#auth-email input").fill(email)
    page.locator("#auth-password input").fill(PASSWORD)
    page.locator("#auth-submit").click()
    expect(page.locator("#account")).to_contain_text(email)


def answered(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#run-status")).to_contain_text("✓ Insights")


def test_a_history_row_opens_its_stored_answer_and_reruns_it_there(stack: Stack, page: Any) -> None:
    from playwright.sync_api import expect

    email = "historian@example.com"
    page.goto(stack.frontend_url)
    sign_up(page, email)
    ask(page, QUESTION)
    answered(page)
    insights = page.locator("#insights").inner_text()
    assert "Insights" in insights
    ask(page, SECOND)  # the Workspace now shows another answer
    answered(page)
    expect(page.locator("#headline")).not_to_contain_text("default rate")
    # A question that failed (asked from elsewhere with the same account).
    tokens = httpx.post(
        stack.backend_url + "/api/auth/login", json={"email": email, "password": PASSWORD}
    ).json()
    failed = httpx.post(
        stack.backend_url + "/api/query",
        json={"sql": "SELECT no_such_column FROM loans"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert failed.status_code == 422, failed.text

    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history-label")).to_contain_text("3 questions")
    row = page.locator("#history [data-testid^=cell-]")
    row.filter(has_text="SELECT no_such_column").first.click()
    expect(page.locator("#message")).to_contain_text("got no answer")
    expect(page.locator("#sql")).to_contain_text("no_such_column")
    expect(page.locator("#headline")).to_be_empty()

    page.get_by_role("tab", name="History").click()
    row.filter(has_text=QUESTION).first.click()

    expect(page.locator("#question textarea")).to_have_value(QUESTION)
    expect(page.locator("#run-status")).to_contain_text("Saved answer")
    expect(page.locator("#headline")).to_contain_text("default rate")
    expect(page.locator("#insights")).to_have_text(insights)
    expect(page.locator("#result").get_by_role("row").nth(7)).to_be_visible()  # grades A–G
    expect(page.locator("#chart .js-plotly-plot")).to_be_visible()
    page.get_by_text("Show SQL").click()
    expect(page.locator("#sql")).to_contain_text("GROUP BY")
    # The table heads columns for people; the SQL's own alias is beside each heading.
    heading = page.locator("#result thead th").nth(1).inner_text().strip()
    expect(page.locator("#sql-columns")).to_contain_text(f"{heading} ← ")
    alias = page.locator("#sql-columns").inner_text().split(f"{heading} ← ")[1].split()[0]
    expect(page.locator("#sql")).to_contain_text(alias)
    quota = page.locator("#quota").inner_text()  # opening cost nothing: the line is unchanged
    assert "98 questions left" in quota, quota

    rerun = page.locator("#rerun")
    expect(rerun).to_be_visible()
    rerun.click()
    answered(page)
    expect(page.locator("#quota")).to_contain_text("97 questions left")
    expect(page.locator("#result").get_by_role("row").nth(7)).to_be_visible()
    expect(page.locator("#headline")).to_contain_text("default rate")
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history-label")).to_contain_text("4 questions")


def test_the_answer_headline_is_on_a_phones_first_screen(stack: Stack, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(stack.frontend_url)
    phone.locator("#try-one").click()
    expect(phone.locator("#examples-panel")).to_contain_text("Example questions")
    ask(phone, QUESTION)
    answered(phone)
    headline = phone.locator("#headline .headline")
    expect(headline).to_contain_text("default rate")
    bottom, height, scrolled, width = phone.evaluate(
        """() => [
            document.querySelector('#headline .headline').getBoundingClientRect().bottom,
            window.innerHeight, window.scrollY, document.documentElement.scrollWidth,
        ]"""
    )
    context.close()
    assert scrolled == 0
    assert bottom <= height, (bottom, height)
    assert width == 390  # nothing sticks out sideways
