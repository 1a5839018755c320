"""What every page shares: the browser-side session, the tab navigation, and two registries of
events the app wires once, at the end: after any event that may change the session the header
is redrawn from the session alone (no backend call); after sign-in, sign-out and connection
changes the account (quota, database choices) is read again from the backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

TAB_HOME = "home"
TAB_SIGNIN = "signin"
TAB_WORKSPACE = "workspace"
TAB_HISTORY = "history"
TAB_CONNECTIONS = "connections"


@dataclass
class Shell:
    app: gr.Blocks
    session: gr.BrowserState
    tabs: gr.Tabs
    session_events: list[Any] = field(default_factory=list)
    account_events: list[Any] = field(default_factory=list)

    def changes_session(self, event: Any) -> None:
        """After ``event`` the header shows the (maybe refreshed or expired) session."""
        self.session_events.append(event)

    def changes_account(self, event: Any) -> None:
        """After ``event`` the quota and database choices are fetched again."""
        self.account_events.append(event)
