"""The visiting browser's network address, forwarded so the backend's per-address limits apply
to each visitor rather than to this server (every backend call comes from here).

Gradio records the request behind each event in a context variable while the handler runs;
reading it here spares every handler from threading ``gr.Request`` through to the client.
"""

from __future__ import annotations

from gradio.context import LocalContext


def visitor_address(trusted_proxy_hops: int) -> str | None:
    """The visitor's address, or None outside an event.

    With no proxy in front (0) it is the socket peer as the server resolved it (uvicorn believes
    ``X-Forwarded-For`` only from the peers in its ``FORWARDED_ALLOW_IPS``, loopback by default).
    Behind ``n`` proxies whose addresses are not known in advance (Railway's edge: 1) it is the
    ``n``-th ``X-Forwarded-For`` entry from the right, the one the outermost trusted proxy
    appended; entries further left come from the browser and could be forged.
    """
    request = LocalContext.request.get(None)
    if request is None:
        return None
    peer: str | None = request.client.host if request.client else None
    if trusted_proxy_hops == 0:
        return peer
    header: str = request.headers.get("x-forwarded-for", "")
    chain = [entry.strip() for entry in header.split(",") if entry.strip()]
    if len(chain) < trusted_proxy_hops:
        return peer
    return chain[-trusted_proxy_hops]
