"""The web app in a real Chromium (Debian's package, driven by Playwright) against real
backend and frontend processes; also takes the screenshots used by the docs, written over
``docs/images/`` only when ``UPDATE_SCREENSHOTS=1`` (a test run leaves the checkout as it was).

Contract: the landing → sign-up → question → SQL/table/chart/insights → CSV → history journey,
and the anonymous visitor's single free question followed by the sign-up prompt.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devkit.processes import REPO_ROOT

from tests.frontend.conftest import Stack

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UPDATING_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
SCREENSHOTS = (
    REPO_ROOT / "docs" / "images"
    if UPDATING_SCREENSHOTS
    else Path(tempfile.mkdtemp(prefix="eaa-screenshots-"))
)
LANDING_ASSET = REPO_ROOT / "frontend" / "src" / "frontend" / "assets" / "workspace.png"
QUESTION = "What is the default rate by grade?"
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: on a busy 2-core machine Plotly's first render
    # alone can take several seconds, past expect()'s 5 s default.
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab
    context.close()


def panel_width(page: Any, tab: str) -> float:
    """The width of a tab's page once it is shown."""
    page.get_by_role("tab", name=tab).click()
    shown = page.locator("#nav > .tabitem:visible")
    return float(shown.evaluate("element => element.getBoundingClientRect().width"))


def ask(page: Any, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#analyze").click()


def test_sign_up_ask_download_and_find_it_in_history(stack: Stack, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(stack.frontend_url)
    expect(page.get_by_text("Ask your data in plain English")).to_be_visible()
    expect(page.locator("#pricing")).to_contain_text("100 questions a month")
    expect(page.locator("#backend-status")).to_contain_text("healthy")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "landing.png"))

    page.locator("#start-free").click()
    email = "analyst@example.com"  # a fresh backend per module: the screenshot stays the same
    page.locator("#auth-email input").fill(email)
    page.locator("#auth-password input").fill(PASSWORD)
    page.locator("#auth-submit").click()
    expect(page.locator("#account")).to_contain_text(email)
    expect(page.locator("#quota")).to_contain_text("questions left this month")
    # Signed in, the navigation no longer offers to sign in; every tab has the app's width.
    expect(page.get_by_role("tab", name="Sign in")).to_have_count(0)
    widths = {tab: panel_width(page, tab) for tab in ("Home", "History", "Connections")}
    widths["Workspace"] = panel_width(page, "Workspace")
    assert max(widths.values()) - min(widths.values()) < 2, widths

    ask(page, QUESTION)
    expect(page.locator("#run-status")).to_contain_text("✓ Insights")
    expect(page.locator("#headline")).to_contain_text("default rate")
    page.get_by_text("Show SQL").click()  # the SQL is there to check, folded by default
    expect(page.locator("#sql")).to_contain_text("SELECT")
    expect(page.locator("#result").get_by_role("row").nth(2)).to_be_visible()
    expect(page.locator("#chart .js-plotly-plot")).to_be_visible()
    expect(page.locator("#insights")).to_contain_text("Insights")
    shown_rows = page.locator("#result").get_by_role("row").count() - 1

    download_button = page.locator("#csv")
    expect(download_button).to_be_visible()
    with page.expect_download() as download:
        download_button.click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) - 1 >= shown_rows > 0
    page.screenshot(path=str(SCREENSHOTS / "workspace.png"), full_page=True)
    if UPDATING_SCREENSHOTS:
        shutil.copyfile(SCREENSHOTS / "workspace.png", LANDING_ASSET)

    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history")).to_contain_text(QUESTION)

    page.reload()  # the session lives in the browser and survives a reload
    expect(page.locator("#account")).to_contain_text(email)

    # The account ends elsewhere (deleted from another device): the next action finds the
    # sign-in gone and returns to the sign-in form with a message.
    tokens = httpx.post(
        stack.backend_url + "/api/auth/login", json={"email": email, "password": PASSWORD}
    ).json()
    deleted = httpx.delete(
        stack.backend_url + "/api/auth/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert deleted.status_code == 204
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#auth-notice")).to_contain_text("Your session has expired")
    expect(page.locator("#auth-submit")).to_be_visible()
    expect(page.locator("#account")).to_contain_text("Not signed in")
    expect(page.get_by_role("tab", name="Sign in")).to_be_visible()


def test_anonymous_visitor_gets_one_question_then_the_signup_prompt(
    stack: Stack, page: Any
) -> None:
    from playwright.sync_api import expect

    page.goto(stack.frontend_url)
    page.locator("#try-one").click()
    ask(page, QUESTION)
    expect(page.locator("#run-status")).to_contain_text("✓ Insights")
    expect(page.locator("#chart .js-plotly-plot")).to_be_visible()
    expect(page.locator("#signup-prompt")).to_be_hidden()

    ask(page, "How many loans are there?")
    expect(page.locator("#message")).to_contain_text("Sign up free")
    expect(page.locator("#signup-prompt")).to_be_visible()
    page.locator("#signup-cta").click()
    expect(page.locator("#auth-submit")).to_be_visible()


def test_landing_page_fits_a_phone(stack: Stack, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(stack.frontend_url)
    expect(phone.get_by_text("Ask your data in plain English")).to_be_visible()
    expect(phone.locator("#start-free")).to_be_visible()
    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    phone.screenshot(path=str(SCREENSHOTS / "landing-phone.png"))
    context.close()
    assert widths == [390, 390]  # nothing sticks out sideways


def answer_in(page: Any, question: str, header: str) -> tuple[list[str], list[str]]:
    """Ask, wait for the answer's table (its header), then read the first data row's cells as
    shown and the chart's categories in order."""
    from playwright.sync_api import expect

    ask(page, question)
    expect(page.locator("#result")).to_contain_text(header)
    expect(page.locator("#run-status")).to_contain_text("✓ Insights")
    expect(page.locator("#chart .js-plotly-plot")).to_be_visible()
    first_row = page.locator("#result").get_by_role("row").nth(1)
    cells = [text.strip() for text in re.split(r"[\t\n]", first_row.inner_text())]
    categories: list[str] = page.evaluate(
        "[...document.querySelector('#chart .js-plotly-plot').data[0].x].map(String)"
    )
    return [cell for cell in cells if cell], categories


def test_results_read_as_money_percent_and_counts_in_a_meaningful_order(
    stack: Stack, page: Any
) -> None:
    """Formatted cells and chart order for three demo questions (contract: ``Answer.formats``
    and ``Chart.order``), as a signed-in user sees them."""
    from playwright.sync_api import expect

    page.goto(stack.frontend_url)
    page.locator("#start-free").click()
    page.locator("#auth-email input").fill("reader@example.com")
    page.locator("#auth-password input").fill(PASSWORD)
    page.locator("#auth-submit").click()
    expect(page.locator("#account")).to_contain_text("reader@example.com")

    cells, purposes = answer_in(
        page, "What is the average loan amount by purpose?", "Average loan amount"
    )
    assert any(cell.startswith("$") and "," in cell for cell in cells), cells
    money = page.evaluate("[...document.querySelector('#chart .js-plotly-plot').data[0].y]")
    assert money == sorted(money, reverse=True)  # purposes have no order: by value
    assert len(purposes) > 5

    cells, grades = answer_in(page, "What is the default rate by grade?", "Default rate (%)")
    assert any(cell.endswith("%") for cell in cells), cells
    assert grades == list("ABCDEFG")  # grades keep their own order

    cells, months = answer_in(page, "Monthly loan volume in 2023", "Loan count")
    assert cells[0] == "2023-01"
    assert cells[1].replace(",", "").isdigit(), cells  # loans issued that month
    assert cells[2].startswith("$"), cells  # their total amount, as money
    assert "," in cells[2], cells
    assert months == sorted(months)
    page.screenshot(path=str(SCREENSHOTS / "results.png"), full_page=True)


def test_an_uploaded_spreadsheet_is_picked_and_asked_in_the_workspace(
    stack: Stack, page: Any, tmp_path: Path
) -> None:
    """Contract: Connections → Upload a file shows the tables; the workspace's database picker
    then offers the upload and answers a question about it."""
    from playwright.sync_api import expect

    from tests.uploads.files import sales_csv

    sales = tmp_path / "Regional Sales.csv"
    sales.write_bytes(sales_csv())
    page.goto(stack.frontend_url)
    page.locator("#start-free").click()
    page.locator("#auth-email input").fill("uploader@example.com")
    page.locator("#auth-password input").fill(PASSWORD)
    page.locator("#auth-submit").click()
    expect(page.locator("#account")).to_contain_text("uploader@example.com")

    page.get_by_role("tab", name="Connections").click()
    page.get_by_text("Upload a file").click()
    page.locator("#upload-file input[type=file]").set_input_files(str(sales))
    page.locator("#upload-save").click()
    message = page.locator("#connections-message")
    expect(message).to_contain_text("Regional Sales became 1 table(s)")
    expect(message).to_contain_text("regional_sales (5 rows)")

    page.get_by_role("tab", name="Workspace").click()
    page.locator("#connection input").click()
    page.get_by_role("option", name="Regional Sales (csv upload)").click()
    ask(page, "Total amount by region")
    expect(page.locator("#run-status")).to_contain_text("✓")
    expect(page.locator("#result")).to_contain_text("North")
    expect(page.locator("#result")).to_contain_text("South")
