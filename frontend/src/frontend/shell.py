"""What every page shares: the browser-side session, the tab navigation, and a registry of
events after which the account header must be refreshed (the app wires that once, at the end).
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

    def changes_session(self, event: Any) -> None:
        """Remember ``event``: the account header and quota are refreshed after it."""
        self.session_events.append(event)
