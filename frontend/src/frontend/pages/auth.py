"""Sign up, sign in and sign out through the backend; tokens live in the browser session."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import gradio as gr
from contract.plans import Plans

from frontend.api_client import BackendClient
from frontend.errors import BackendError, friendly_message
from frontend.session import Session, anonymous, call_signed_in, signed_in, with_tokens
from frontend.shell import TAB_HOME, TAB_SIGNIN, TAB_WORKSPACE, Shell


def authenticate(
    client: BackendClient, session: Session | None, email: str, password: str, *, create: bool
) -> tuple[Session, str, bool]:
    """(new session, message, success). Registering signs the new account in."""
    email = (email or "").strip()
    if "@" not in email or not password:
        return anonymous(session), "⚠ Enter your email address and a password.", False
    try:
        tokens = client.register(email, password) if create else client.login(email, password)
    except BackendError as error:
        return anonymous(session), f"⚠ {friendly_message(error)}", False
    return with_tokens(session, tokens), f"Welcome, {tokens.user.email}!", True


def sign_out(client: BackendClient, session: Session | None) -> Session:
    """Ends the session on the backend (best effort) and forgets the tokens here."""
    if signed_in(session):
        # The tokens are dropped below either way; an expired one is already dead.
        with contextlib.suppress(BackendError):
            call_signed_in(client, session, client.logout)
    return anonymous(session, "You are signed out.")


def free_plan(plans: Plans | None) -> str:
    """The free tier's features as the backend states them."""
    tier = next((tier for tier in plans.tiers if tier.available), None) if plans else None
    if tier is None:
        return "### Free plan\n- Demo loans database, history and CSV export"
    return f"### {tier.name} plan\n" + "\n".join(f"- {feature}" for feature in tier.features)


@dataclass(frozen=True)
class AuthPage:
    notice: gr.Markdown
    plan: gr.Markdown  # filled from the backend's plans on page load


def build(client: BackendClient, shell: Shell) -> AuthPage:
    notice = gr.Markdown(elem_id="auth-notice")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            mode = gr.Radio(
                choices=[("Create a free account", "signup"), ("Sign in", "signin")],
                value="signup",
                show_label=False,
                elem_id="auth-mode",
            )
            email = gr.Textbox(label="Email", type="email", max_length=254, elem_id="auth-email")
            password = gr.Textbox(
                label="Password", type="password", max_length=200, elem_id="auth-password"
            )
            submit = gr.Button("Create account", variant="primary", elem_id="auth-submit")
        with gr.Column(scale=1, min_width=260):
            plan = gr.Markdown(free_plan(None))

    mode.change(
        lambda picked: gr.Button("Create account" if picked == "signup" else "Sign in"),
        inputs=mode,
        outputs=submit,
        api_visibility="private",
    )

    def submit_form(session: Session | None, picked: str, address: str, secret: str) -> Any:
        new_session, message, ok = authenticate(
            client, session, address, secret, create=picked == "signup"
        )
        tab = gr.Tabs(selected=TAB_WORKSPACE) if ok else gr.Tabs(selected=TAB_SIGNIN)
        return new_session, message, tab, ""

    for trigger in (submit.click, password.submit):
        shell.changes_account(
            trigger(
                submit_form,
                inputs=[shell.session, mode, email, password],
                outputs=[shell.session, notice, shell.tabs, password],
                api_name="authenticate" if trigger == submit.click else None,
                api_visibility="public" if trigger == submit.click else "private",
            )
        )
    return AuthPage(notice, plan)


def wire_sign_out(client: BackendClient, shell: Shell, button: gr.Button) -> None:
    shell.changes_account(
        button.click(
            lambda session: (sign_out(client, session), gr.Tabs(selected=TAB_HOME)),
            inputs=shell.session,
            outputs=[shell.session, shell.tabs],
            api_name="sign_out",
        )
    )
