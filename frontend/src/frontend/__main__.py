"""``python -m frontend``: serve the web app on GRADIO_SERVER_NAME:PORT."""

from __future__ import annotations

import os
import signal


def main() -> None:
    from frontend.config import load_frontend_settings

    settings = load_frontend_settings()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from frontend.api_client import BackendClient
    from frontend.app import build_app
    from frontend.theme import CSS, build_theme
    from frontend.visitor import visitor_address

    client = BackendClient(
        str(settings.backend_url),
        timeout=settings.backend_timeout_seconds,
        visitor_address=lambda: visitor_address(settings.trusted_proxy_hops),
    )
    secret = settings.session_secret.get_secret_value() if settings.session_secret else None
    app = build_app(client, session_secret=secret)
    # SIGTERM (a deploy replacing this process) closes the server like Ctrl-C does: Gradio's
    # KeyboardInterrupt path shuts uvicorn down, letting running requests finish, and exits 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app.queue(default_concurrency_limit=settings.concurrency).launch(
        max_threads=settings.worker_threads,
        server_name=settings.server_name,
        server_port=settings.port,
        show_error=False,
        footer_links=[],
        theme=build_theme(),
        css=CSS,
        # The largest upload the backend accepts (a 60 s recording); refused here first.
        max_file_size="10mb",
    )


if __name__ == "__main__":
    main()
