"""Deployment settings, read once from ``DONDOC_*`` environment variables.

The defaults are those of ``dondoc dev`` so that the embedded stack and every CLI command
run against it work with nothing set.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
DEV_SECRET = "dondoc-dev-secret-change-me"


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["json", "console"]


class LogSettings(BaseSettings):
    """How a process writes its log; read on its own at start-up, before anything else, so
    a wrong value elsewhere cannot keep the log from saying so. Unset: each command's own
    default (``dondoc worker`` and ``dondoc web``: INFO; others: WARNING, INFO with ``-v``)
    and JSON unless stderr is a terminal."""

    model_config = SettingsConfigDict(env_prefix="DONDOC_", extra="ignore")

    log_level: LogLevel | None = None
    log_format: LogFormat | None = None


class Settings(LogSettings):
    """Every knob an operator may turn; DESIGN.md's public contract names most of them."""

    model_config = SettingsConfigDict(env_prefix="DONDOC_", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_url: str = "http://127.0.0.1:8233"
    """Where the console links a task's workflow in the Temporal UI."""
    task_queue: str = "dondoc"
    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'dondoc.db'}"
    smtp_host: str | None = None
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout: float = 30.0
    # A CA bundle for a relay whose certificate a private CA signed; the system's otherwise.
    smtp_ca_file: Path | None = None
    mail_from: str = "Đôn đốc – Văn phòng UBND tỉnh <dondoc@example.gov.vn>"
    mail_reply_to: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    old_secret_keys: list[SecretStr] = []
    link_ttl_days: int = 90
    calendar_file: Path | None = None
    policy_file: Path | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    shutdown_timeout: float = Field(default=20.0, ge=0)
    """Seconds ``dondoc worker`` lets running activities, and ``dondoc web`` in-flight
    requests, finish after SIGTERM before it stops them."""
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    """The worker's Prometheus port (its own metrics and the Temporal SDK's); 0: none."""
    worker_metrics_host: str = "0.0.0.0"
    worker_max_activities: int = Field(default=20, ge=1)
    worker_max_workflow_tasks: int | None = Field(default=None, ge=1)
    """None: the Temporal SDK's own default."""
    metrics_token: SecretStr | None = None
    """When set, the web's ``/metrics`` asks for ``Authorization: Bearer <token>``."""

    @property
    def smtp_target(self) -> tuple[str, int]:
        """Where mail goes: the configured relay, or the dev sink on loopback."""
        return (self.smtp_host or "127.0.0.1", self.smtp_port)

    def signing_keys(self) -> list[str]:
        """Current key first; older keys still verify links issued before a rotation."""
        return [self.secret_key.get_secret_value()] + [
            k.get_secret_value() for k in self.old_secret_keys
        ]


@lru_cache
def get_settings() -> Settings:
    return Settings()
