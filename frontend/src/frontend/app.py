"""Assemble the Gradio app. Pages receive the backend client; no per-user state in globals."""

from __future__ import annotations

from typing import Any

import gradio as gr

from frontend.api_client import BackendClient, BackendStatus
from frontend.errors import BackendError
from frontend.pages import auth, connections, history, landing, workspace
from frontend.plans import PlansCache
from frontend.session import Session, after_error, call_signed_in, clean, signed_in
from frontend.shell import (
    TAB_CONNECTIONS,
    TAB_HISTORY,
    TAB_HOME,
    TAB_SIGNIN,
    TAB_WORKSPACE,
    Shell,
)
from frontend.views.account import account_line, connection_choices, quota_text

STATUS_REFRESH_SECONDS = 5.0
SESSION_STORAGE_KEY = "eaa-session"


def describe_status(status: BackendStatus) -> str:
    if not status.reachable:
        return "● Backend unreachable — retrying every few seconds."
    if not status.healthy:
        return f"● Backend degraded (database: {status.database or 'unknown'}) — retrying."
    return f"● Backend healthy · version {status.version}"


def account_view(
    client: BackendClient, session: Session | None
) -> tuple[str, str, list[tuple[str, str]], Session]:
    """Header line, quota line, the workspace's database choices, and the session."""
    choices, session = connection_choices(client, clean(session))
    if not signed_in(session):
        return account_line(session), "", choices, session
    try:
        me, session = call_signed_in(client, session, client.me)
    except BackendError as error:
        session = after_error(session, error)
        return account_line(session), "", choices, session
    return account_line(session), quota_text(me.quota, is_signed_in=True), choices, session


def build_app(client: BackendClient, *, session_secret: str | None = None) -> gr.Blocks:
    plans = PlansCache(client)
    # Files handed to visitors (CSV exports) leave Gradio's cache after an hour.
    with gr.Blocks(title="Executive Analytics Assistant", delete_cache=(3600, 3600)) as app:
        session = gr.BrowserState(None, storage_key=SESSION_STORAGE_KEY, secret=session_secret)
        with gr.Row(elem_id="brand-bar"):
            gr.Markdown("◆ **Executive Analytics Assistant**", elem_classes="brand")
            account = gr.Markdown(elem_id="account")
            sign_in = gr.Button("Sign in", size="sm", scale=0, elem_id="sign-in")
            sign_out = gr.Button("Sign out", size="sm", scale=0, visible=False, elem_id="sign-out")
        status = gr.Markdown(elem_id="backend-status")
        with gr.Tabs(selected=TAB_HOME, elem_id="nav") as tabs:
            shell = Shell(app, session, tabs)
            with gr.Tab("Home", id=TAB_HOME):
                home = landing.build(client)
            with gr.Tab("Workspace", id=TAB_WORKSPACE):
                space = workspace.build(client, shell)
            with gr.Tab("History", id=TAB_HISTORY) as history_tab:
                history.build(
                    client, shell, history_tab, space.view, (space.question, space.connection)
                )
            with gr.Tab("Connections", id=TAB_CONNECTIONS) as connections_tab:
                connections.build(client, shell, connections_tab)
            with gr.Tab("Sign in", id=TAB_SIGNIN):
                auth_page = auth.build(client, shell)

        def go(tab: str) -> Any:
            return gr.Tabs(selected=tab)

        for button, target in (
            (home.start_free, TAB_SIGNIN),
            (home.pricing_start, TAB_SIGNIN),
            (home.try_one, TAB_WORKSPACE),
            (sign_in, TAB_SIGNIN),
        ):
            button.click(lambda t=target: go(t), outputs=tabs, api_visibility="private")
        auth.wire_sign_out(client, shell, sign_out)

        def header_state(current: Session | None) -> tuple[Any, ...]:
            """The account line and the Sign in / Sign out buttons for the sign-in state (the
            theme's CSS hides the Sign in tab whenever Sign out is shown)."""
            is_in = signed_in(current)
            return (
                account_line(current),
                gr.Button(visible=not is_in),
                gr.Button(visible=is_in),
            )

        def show_session(current: Session | None) -> Any:
            """The header (and a notice such as "session expired") from the session alone: no
            backend call."""
            notice = (current or {}).get("notice", "") or gr.skip()
            return (*header_state(current), notice)

        def refresh_account(current: Session | None, picked: str | None) -> Any:
            line, quota, choices, current = account_view(client, current)
            is_in = signed_in(current)
            keep = picked if picked in {value for _, value in choices} else "demo"
            return (
                line,
                *header_state(current)[1:],
                quota if is_in else gr.skip(),
                gr.Dropdown(choices=choices, value=keep),
                current.get("notice", "") or gr.skip(),
                current,
            )

        header = [account, sign_in, sign_out]
        for event in shell.session_events:
            event.then(
                show_session,
                inputs=session,
                outputs=[*header, auth_page.notice],
                api_visibility="private",
            )
        for event in shell.account_events:
            event.then(
                refresh_account,
                inputs=[session, space.connection],
                outputs=[*header, space.view.quota, space.connection, auth_page.notice, session],
                api_visibility="private",
            )

        def show_plans() -> Any:
            """Limits and prices as the backend states them (cached for a minute)."""
            current = plans.get()
            limits = current.limits if current else None
            return (
                landing.pricing_html(current),
                gr.Button(landing.start_label(current)),
                auth.free_plan(current),
                gr.Textbox(max_length=limits.max_question_chars if limits else None),
                workspace.signup_pitch(limits),
            )

        app.load(
            show_plans,
            outputs=[home.pricing, home.pricing_start, auth_page.plan, space.question, space.pitch],
            api_name="plans",
        )
        timer = gr.Timer(STATUS_REFRESH_SECONDS)

        def refresh() -> str:
            return describe_status(client.status())

        app.load(refresh, outputs=status, api_name="status")
        timer.tick(refresh, outputs=status, api_visibility="private", show_progress="hidden")
    return app  # type: ignore[no-any-return]  # gradio's context manager is untyped
