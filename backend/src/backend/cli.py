"""``python -m backend <command>``: serve, migrate and the operator's maintenance commands.

Settings are validated before anything else so a bad deploy fails with one clear line.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import signal
import sys
from collections.abc import Callable, Sequence

from backend.core.config import Settings, SettingsError, load_settings

EXIT_BAD_SETTINGS = 2


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.api.slow_clients import protocol_with_header_deadline
    from backend.core.logging import configure_logging

    configure_logging(settings)
    # Uvicorn drains on SIGTERM, then re-raises the signal to the handler found at start; this
    # one turns the completed drain into exit status 0 (a planned stop, not a crash).
    signal.signal(signal.SIGTERM, _exit_after_drain)
    if settings.embedded:
        # Nothing configured: bring the embedded database up to date before taking traffic.
        # Deploys with DATABASE_URL run `migrate` as their pre-deploy step instead.
        _migrate(settings, args)
        _load_demo(settings, args)
    uvicorn.run(
        "backend.serving:create_server_app",
        factory=True,
        http=protocol_with_header_deadline(settings.http_header_timeout_seconds),
        host=args.host or settings.api_host,
        port=settings.port,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        log_level=settings.log_level.value.lower(),
        log_config=None,  # configure_logging routed uvicorn's loggers through structlog
        access_log=False,
        server_header=False,
    )
    return 0


def _exit_after_drain(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    from backend.data.database import make_engine, upgrade

    engine = make_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return 0


def _load_demo(settings: Settings, _: argparse.Namespace) -> int:
    """Generate the demo loans data and load it (a no-op when this version is already there)."""
    from backend.demo import load

    if settings.embedded:
        report = load.load_sqlite(settings.data_dir)
    else:
        from backend.data.database import make_engine

        engine = make_engine(settings)
        try:
            report = load.load_postgres(engine)
        finally:
            engine.dispose()
    state = "loaded" if report.loaded else "already up to date"
    print(f"demo data {state}: {report.loans} loans into {report.target} in {report.seconds:.2f} s")
    return 0


def _new_key(_: Settings | None, __: argparse.Namespace) -> int:
    print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
    return 0


def _check(_: Settings, __: argparse.Namespace) -> int:
    print("settings ok")
    return 0


def _check_llm(settings: Settings, _: argparse.Namespace) -> int:
    """One tiny structured call per output mode: what the model server takes, and how fast."""
    from backend.engines.openai.llm_probe import context_tokens, probe, probe_each_mode

    if not settings.llm_enabled:
        print("no OPENAI_API_KEY: the offline engine answers; nothing to check")
        return 0
    print(f"model {settings.openai_model} at {settings.openai_base_url or 'OpenAI'}")
    context = context_tokens(settings)
    print(f"context size: {context if context is not None else 'not reported by the server'}")
    for mode, result in probe_each_mode(settings).items():
        took = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "-"
        state = "ok" if result.ok else "refused" if "answered HTTP" in result.detail else "failed"
        print(f"  {mode:<12} {state:<8} {took:>8}  {result.detail}")
    configured = probe(settings)
    mode = settings.openai_structured_output.value
    if not configured.ok:
        print(f"OPENAI_STRUCTURED_OUTPUT={mode} does not work here: {configured.detail}")
        return 1
    print(f"OPENAI_STRUCTURED_OUTPUT={mode}: ok, answered in {configured.mode} mode")
    return 0


def _rotate_keys(settings: Settings, _: argparse.Namespace) -> int:
    """Re-encrypt every saved connection under the first ENCRYPTION_KEY (all listed keys open)."""
    from backend.connections.service import reseal_all
    from backend.core.crypto import DecryptionFailed, load_keyring
    from backend.data.database import make_engine, make_session_factory, transaction

    engine = make_engine(settings)
    try:
        with transaction(make_session_factory(engine)) as session:
            resealed, current = reseal_all(session, load_keyring(settings))
    except DecryptionFailed as error:
        print(f"error: {error}; nothing was changed", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"re-encrypted {resealed} connection(s); {current} already used the first key")
    return 0


Command = Callable[[Settings, argparse.Namespace], int]
COMMANDS: dict[str, tuple[str, Command]] = {
    "serve": ("run the API server (uvicorn) on API_HOST and PORT", _serve),
    "migrate": ("apply database migrations (the deploy's pre-deploy step)", _migrate),
    "check-config": ("validate the settings and exit", _check),
    "check-llm": ("one tiny call per structured-output mode to the model server", _check_llm),
    "load-demo": ("generate and load the demo loans database (idempotent)", _load_demo),
    "rotate-keys": ("re-encrypt saved connections under the first ENCRYPTION_KEY", _rotate_keys),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, _) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        if name == "serve":
            sub.add_argument("--host", help="bind address (overrides API_HOST)")
    commands.add_parser("new-key", help="print a fresh ENCRYPTION_KEY")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "new-key":
        return _new_key(None, args)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    return COMMANDS[args.command][1](settings, args)
