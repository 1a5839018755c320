"""The page with the external services switched on, failing, or the backend gone.

Contracts: POST /api/transcribe sends the recording to the OpenAI transcription API (here a
local server speaking its wire format) and the text lands in the question box; an LLM failure
(502 llm_failed) and an unreachable backend each become one friendly sentence, never a
traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devkit.fake_openai import (
    FakeOpenAI,
    error,
    running_fake_openai,
    silent_wav,
    transcription,
)
from gradio_client import Client, handle_file

from tests.frontend.conftest import anonymous_id, running_frontend, running_stack
from tests.frontend.test_handlers import DEMO_QUESTION, collect

FAKE_KEY = "key-for-the-local-fake"


@pytest.fixture(scope="module")
def with_openai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeOpenAI, Any]]:
    backend_env = {"OPENAI_MAX_RETRIES": "0", "OPENAI_API_KEY": FAKE_KEY}
    with (
        running_fake_openai() as fake,
        running_stack(
            tmp_path_factory.mktemp("openai"), {**backend_env, "OPENAI_BASE_URL": fake.base_url}
        ) as stack,
    ):
        yield fake, stack


def test_a_recording_is_transcribed_into_the_question_box(
    with_openai: tuple[FakeOpenAI, Any], tmp_path: Path
) -> None:
    fake, stack = with_openai
    fake.script(transcription(DEMO_QUESTION))
    recording = tmp_path / "question.wav"
    recording.write_bytes(silent_wav(1.5))
    text, message, _ = stack.client().predict(
        stack.register(), handle_file(str(recording)), "", api_name="/transcribe"
    )
    assert text == DEMO_QUESTION
    assert "Transcribed" in message
    uploads = [r for r in fake.received if r.path.endswith("/audio/transcriptions")]
    assert len(uploads) == 1
    assert uploads[0].headers["authorization"] == f"Bearer {FAKE_KEY}"


def test_an_llm_failure_is_explained(with_openai: tuple[FakeOpenAI, Any]) -> None:
    fake, stack = with_openai
    client = stack.client()
    fake.script(error(500, "upstream exploded"), error(500, "upstream exploded"))
    outcome = collect(client, {"anon_id": anonymous_id()}, DEMO_QUESTION, "demo",
                      api_name="/analyze")  # fmt: skip
    assert "The AI service couldn't produce an answer" in outcome["message"]
    assert "exploded" not in outcome["message"]
    assert "Traceback" not in outcome["message"]


def test_a_missing_backend_is_explained_on_every_action(work_dir: Path) -> None:
    with running_frontend("http://127.0.0.1:9", work_dir) as frontend:
        client = Client(frontend.base_url + "/", verbose=False)
        outcome = collect(client, {"anon_id": anonymous_id()}, DEMO_QUESTION, "demo",
                          api_name="/analyze")  # fmt: skip
        _session, notice, _ = client.predict(
            None, "signin", "someone@example.com", "a password", api_name="/authenticate"
        )
        examples, panel, _ = client.predict(None, api_name="/init")
        assert frontend.process.poll() is None
    for text in (outcome["message"], notice, panel):
        assert "The analytics service is not reachable right now" in text
    assert examples["choices"] == []
