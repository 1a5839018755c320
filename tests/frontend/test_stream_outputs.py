"""A streamed question's updates name only the answer's own parts.

Contract (Gradio 6, ``Blocks.postprocess_data``): every output an update leaves out is built
anew as a component and its config worked out again, so each output of a streaming event costs
every one of its updates. The controls around the answer (Stop, Download, Show SQL, the
prompts, the tabs) are therefore outputs of the events before and after the stream, never of
the stream itself; ``docs/benchmarks.md`` has what this saves.
"""

from __future__ import annotations

import gradio as gr
import pytest
from frontend.api_client import BackendClient
from frontend.app import build_app

CONTROLS = (gr.Button, gr.DownloadButton, gr.Column, gr.Accordion, gr.Tabs)


@pytest.fixture(scope="module")
def app() -> gr.Blocks:
    return build_app(BackendClient("http://127.0.0.1:9"))  # wiring only: nothing is called


def _ids(fn: object) -> set[str]:
    return {getattr(out, "elem_id", None) or "" for out in getattr(fn, "outputs", ())}


@pytest.mark.parametrize("api_name", ["analyze", "run_sql", "enable_tables"])
def test_a_streamed_event_outputs_no_controls(app: gr.Blocks, api_name: str) -> None:
    fns = {fn._id: fn for fn in app.fns.values()}
    (stream,) = [fn for fn in fns.values() if fn.api_name == api_name]
    assert not [out for out in stream.outputs if isinstance(out, CONTROLS)]
    assert sum(not isinstance(out, gr.State) for out in stream.outputs) <= 12
    # The controls are drawn by the event it is chained after (Stop shown) and by one chained
    # after it (Download offered, Stop hidden).
    assert stream.trigger_after is not None
    before = fns[stream.trigger_after]
    after = [fn for fn in fns.values() if fn.trigger_after == stream._id]
    assert "stop" in _ids(before)
    assert any({"stop", "csv"} <= _ids(fn) for fn in after)
