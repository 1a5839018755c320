"""Assemble the Gradio app. Pages receive the backend client; no per-user state in globals."""

from __future__ import annotations

import gradio as gr

from frontend.api_client import BackendClient, BackendStatus

STATUS_REFRESH_SECONDS = 5.0


def describe_status(status: BackendStatus) -> str:
    if not status.reachable:
        return "🔴 Backend unreachable — retrying every few seconds."
    if not status.healthy:
        return f"🟠 Backend degraded (database: {status.database or 'unknown'}) — retrying."
    return f"🟢 Backend healthy · version {status.version}"


def build_app(client: BackendClient) -> gr.Blocks:
    with gr.Blocks(title="Executive Analytics Assistant") as app:
        gr.Markdown("# Executive Analytics Assistant\nAsk your data in plain English.")
        status = gr.Markdown(elem_id="backend-status")
        timer = gr.Timer(STATUS_REFRESH_SECONDS)

        def refresh() -> str:
            return describe_status(client.status())

        app.load(refresh, outputs=status, api_name="status")
        timer.tick(refresh, outputs=status, api_visibility="private", show_progress="hidden")
    return app  # type: ignore[no-any-return]  # gradio's context manager is untyped
