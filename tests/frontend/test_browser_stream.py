"""The Workspace's streamed answer in a real Chromium, against real backend and frontend
processes whose backend uses the OpenAI engine pointed at a local stand-in that writes slowly
(chat-completions streaming wire format, through the official client).

Contract: the SQL and the table are shown while the insights are still being written, each
step with its time; Stop ends the question (the model's reply is cut off mid-generation) and
charges nothing, so the visitor's free question is still there.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from devkit.fake_openai import FakeOpenAI, insights_answer, running_fake_openai, slow, sql_answer

from tests.frontend.conftest import Stack, running_stack
from tests.frontend.test_browser import ask, browser, page

__all__ = ["browser", "page"]

pytestmark = pytest.mark.browser

SQL = "SELECT grade, COUNT(*) AS loans FROM loans GROUP BY grade ORDER BY grade"
FIRST_INSIGHT = "Grade B holds the most loans of the book."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with running_fake_openai() as running:
        yield running


@pytest.fixture(scope="module")
def llm_stack(tmp_path_factory: pytest.TempPathFactory, fake: FakeOpenAI) -> Iterator[Stack]:
    env = {"OPENAI_API_KEY": "stand-in-accepts-anything", "OPENAI_BASE_URL": fake.base_url}
    with running_stack(tmp_path_factory.mktemp("stream"), env) as running:
        yield running


def test_stop_then_the_sql_and_table_arrive_before_the_insights(
    llm_stack: Stack, fake: FakeOpenAI, page: Any
) -> None:
    from playwright.sync_api import expect

    page.goto(llm_stack.frontend_url)
    page.locator("#try-one").click()
    page.get_by_text("Show SQL").click()

    # 1. A model that takes its time reading the prompt: Stop while it does.
    fake.script(slow(sql_answer(SQL), prompt_seconds=60))
    ask(page, "How many loans per grade?")
    expect(page.locator("#stop")).to_be_visible()
    page.wait_for_timeout(1500)  # the backend has accepted it and the model is reading
    page.locator("#stop").click()
    expect(page.locator("#message")).to_contain_text("Stopped")
    expect(page.locator("#run-status")).to_contain_text("stopped")
    expect(page.locator("#stop")).to_be_hidden()
    # The model call itself was cut off: the stand-in notices at its next write (0.2 s apart).
    deadline = time.monotonic() + 5
    while not fake.generations[-1].stopped_by_hangup and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fake.generations[-1].stopped_by_hangup

    # 2. The free question is still there; the insights are written slowly.
    fake.script(
        sql_answer(SQL),
        slow(insights_answer([FIRST_INSIGHT, "Grade G is rare."], ["Review grade G."]), 0.15),
    )
    ask(page, "How many loans per grade?")
    expect(page.locator("#sql")).to_contain_text("GROUP BY")
    expect(page.locator("#result").get_by_role("row").nth(2)).to_be_visible()
    expect(page.locator("#run-status")).to_contain_text("✓ SQL")
    assert FIRST_INSIGHT not in page.locator("#insights").inner_text()
    expect(page.locator("#insights")).to_contain_text(FIRST_INSIGHT)
    expect(page.locator("#run-status")).to_contain_text("✓ Insights")
    expect(page.locator("#run-status")).to_contain_text("total")
    expect(page.locator("#quota")).to_contain_text("free demo question")
    expect(page.locator("#stop")).to_be_hidden()
    assert "⚠" not in page.locator("#message").inner_text()  # the stream ended with its answer
