"""Frontend settings: where the backend lives and where to listen."""

from __future__ import annotations

import sys

from pydantic import AliasChoices, Field, HttpUrl, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class FrontendSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, hide_input_in_errors=True
    )

    backend_url: HttpUrl = HttpUrl("http://127.0.0.1:8000")
    server_name: str = Field(
        default="0.0.0.0",  # noqa: S104 - the platform routes traffic to the container
        validation_alias=AliasChoices("GRADIO_SERVER_NAME", "FRONTEND_HOST"),
    )
    port: int = Field(
        default=7860, ge=1, le=65535, validation_alias=AliasChoices("PORT", "GRADIO_SERVER_PORT")
    )
    backend_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    # Encrypts the session kept in the visitor's browser. Set it (16+ characters) so sessions
    # survive a restart and work across replicas; unset, each start picks a random one.
    session_secret: SecretStr | None = Field(default=None, min_length=16)
    # Proxies in front of this server that append the visitor's address to X-Forwarded-For
    # (Railway's edge: 1). The address is forwarded to the backend for per-visitor limits.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)
    # Requests of one kind (questions, sign-ins, …) the web app works on at once; the rest wait
    # in Gradio's queue. Each mostly waits on the backend, so this is well above the cores.
    concurrency: int = Field(
        default=32, ge=1, le=256, validation_alias=AliasChoices("FRONTEND_CONCURRENCY")
    )
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")

    @property
    def worker_threads(self) -> int:
        """Gradio's thread pool: room for a full batch of questions beside the other actions,
        never below its own default of 40."""
        return max(40, self.concurrency + 8)


def load_frontend_settings() -> FrontendSettings:
    """Validate the environment; on error print one line naming the setting and exit 2."""
    try:
        return FrontendSettings()
    except ValidationError as error:
        names = sorted({str(item["loc"][0]).upper() for item in error.errors() if item["loc"]})
        reasons = "; ".join(
            f"{str(item['loc'][0]).upper()}: {item['msg']}" for item in error.errors()
        )
        print(f"error: invalid setting {', '.join(names)} ({reasons})", file=sys.stderr)
        raise SystemExit(2) from None
