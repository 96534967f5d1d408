"""Deployment settings, read once from ``DONDOC_*`` environment variables.

The defaults are those of ``dondoc dev`` so that the embedded stack and every CLI command
run against it work with nothing set. A real deployment sets at least the secret key, the
database and Temporal; its secrets may come from files (:mod:`dondoc.secret_files`).
Settings that cannot work raise :class:`BadSettings`, one line per problem, each naming
its variable: the CLI prints them and exits with 2 before anything starts.
"""

from __future__ import annotations

import ipaddress
import json
import re
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from dondoc.domain.validation_words import reason
from dondoc.secret_files import SecretFilesSource, credential_path, read_error

ENV_PREFIX = "DONDOC_"
DEFAULT_DATA_DIR = Path("var")
DEV_SECRET = "dondoc-dev-secret-change-me"
# Fields whose value may instead come from the file named by DONDOC_<FIELD>_FILE.
SECRET_FIELDS = (
    "secret_key",
    "old_secret_keys",
    "smtp_password",
    "database_url",
    "temporal_api_key",
    "metrics_token",
)
# Secrets whose empty file means "none": a relay without authentication, no old keys yet.
SECRET_FIELDS_MAY_BE_EMPTY = ("old_secret_keys", "smtp_password")
TLS_FILES = ("temporal_tls_ca_file", "temporal_tls_cert_file", "temporal_tls_key_file")
PEM_MARKERS = {
    "temporal_tls_ca_file": ("-----BEGIN CERTIFICATE-----", "chứng chỉ"),
    "temporal_tls_cert_file": ("-----BEGIN CERTIFICATE-----", "chứng chỉ"),
    "temporal_tls_key_file": ("PRIVATE KEY-----", "khoá riêng"),
}


def variable(field: str) -> str:
    """The environment variable an operator sets for ``field``."""
    return f"{ENV_PREFIX}{field.upper()}"


class BadSettings(Exception):
    """The deployment's settings cannot work; each problem names its variable (Vietnamese).

    Not a ``ValueError`` on purpose: raised from a settings source it reaches the caller
    as it is, instead of being folded into a pydantic validation error.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Problems(ValueError):
    """Raised by the model validator; ``get_settings`` unwraps it into BadSettings."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


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

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_tls: bool = False
    """TLS to Temporal. Any TLS file, a server name or an API key turns it on by itself."""
    temporal_tls_ca_file: Path | None = None
    """The private CA that signed the Temporal frontend's certificate; system roots otherwise."""
    temporal_tls_cert_file: Path | None = None
    temporal_tls_key_file: Path | None = None
    """Client certificate and its key, for a cluster that asks for mTLS."""
    temporal_tls_server_name: str | None = None
    """The name the server certificate must carry, when it is not the address's host."""
    temporal_api_key: SecretStr | None = None
    """Temporal Cloud API key, sent as ``authorization: Bearer``; implies TLS."""
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
    dev_stack: bool = False
    """Set by ``dondoc dev`` for itself and its children; a deployment never sets it."""
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    """The largest request body the web reads; beyond it, 413 before anything is parsed."""
    max_upload_body_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    """The same for the console's notice and directory forms (pasted text, uploaded files)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then variables, then the files named by ``*_FILE`` variables
        (a variable and its ``_FILE`` twin together are refused by the file source)."""
        files = SecretFilesSource(
            settings_cls,
            SECRET_FIELDS,
            problem=BadSettings,
            may_be_empty=SECRET_FIELDS_MAY_BE_EMPTY,
        )
        return (init_settings, env_settings, files, dotenv_settings, file_secret_settings)

    @field_validator(*TLS_FILES, mode="after")
    @classmethod
    def _in_credentials_directory(cls, path: Path | None) -> Path | None:
        return None if path is None else credential_path(path)

    @model_validator(mode="after")
    def _temporal_tls_consistent(self) -> Settings:
        problems = self.temporal_tls_problems()
        if problems:
            raise _Problems(problems)
        return self

    def temporal_tls_problems(self) -> list[str]:
        """What keeps the Temporal TLS settings from working, one line per problem."""
        problems: list[str] = []
        cert, key = self.temporal_tls_cert_file, self.temporal_tls_key_file
        if (cert is None) != (key is None):
            given, missing = (
                ("temporal_tls_cert_file", "temporal_tls_key_file")
                if key is None
                else ("temporal_tls_key_file", "temporal_tls_cert_file")
            )
            problems.append(
                f"{variable(given)} được đặt nhưng thiếu {variable(missing)}: chứng chỉ máy khách "
                "và khoá riêng của nó phải đi cùng nhau."
            )
        for field in TLS_FILES:
            path = getattr(self, field)
            if path is not None:
                problems += _pem_problems(field, path)
        if self.temporal_api_key is not None and not self.temporal_api_key.get_secret_value():
            problems.append(f"{variable('temporal_api_key')} rỗng.")
        implied = self._tls_implied_by()
        if "temporal_tls" in self.model_fields_set and not self.temporal_tls and implied:
            problems.append(
                f"{variable('temporal_tls')}=false mâu thuẫn với {', '.join(implied)}: các biến "
                f"đó cần TLS. Bỏ {variable('temporal_tls')} hoặc bỏ các biến đó."
            )
        return problems

    def _tls_implied_by(self) -> list[str]:
        fields = (*TLS_FILES, "temporal_tls_server_name", "temporal_api_key")
        return [variable(f) for f in fields if getattr(self, f) is not None]

    @property
    def temporal_uses_tls(self) -> bool:
        return self.temporal_tls or bool(self._tls_implied_by())

    shutdown_timeout: float = Field(default=20.0, ge=0)
    """Seconds ``dondoc worker`` lets running activities, and ``dondoc web`` in-flight
    requests, finish after SIGTERM before it stops them."""
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    """The worker's Prometheus port (its own metrics and the Temporal SDK's); 0: none."""
    worker_metrics_host: str = "0.0.0.0"
    worker_max_activities: int = Field(default=20, ge=1)
    worker_max_workflow_tasks: int | None = Field(default=None, ge=1)
    """None: the Temporal SDK's own default."""
    worker_sandbox: bool = True
    """Run workflows in the Temporal SDK's sandbox, which catches a non-deterministic call
    at run time but imports the workflow module afresh for every workflow the worker
    creates or replays (about a third of the worker's CPU while a notice is issued: see
    BENCHMARKS.md). False runs them as plain code; the replay tests and the layer contract
    still guard determinism."""
    metrics_token: SecretStr | None = None
    """When set, the web's ``/metrics`` asks for ``Authorization: Bearer <token>``."""
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = []
    """The reverse proxies (addresses or CIDR networks, comma-separated or a JSON list)
    whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` the web believes. None by default:
    a header from anyone else is ignored, so a client cannot pick the address that the
    throttles count and the log records (``dondoc.web.proxies``)."""
    api_rate_limit: int = Field(default=120, gt=0)
    """Requests a minute one API token may make (per web process); beyond it, 429."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        """``127.0.0.1, 10.0.0.0/8`` or ``["127.0.0.1"]``; each entry checked here, in
        words naming it, rather than silently kept as a name that never matches."""
        if isinstance(value, str):
            text = value.strip()
            try:
                value = json.loads(text) if text.startswith("[") else re.split(r"[\s,]+", text)
            except ValueError:
                raise ValueError("danh sách JSON không đọc được") from None
        if not isinstance(value, list | tuple):
            return value
        networks: list[IPv4Network | IPv6Network] = []
        for entry in value:
            if isinstance(entry, IPv4Network | IPv6Network):
                networks.append(entry)
                continue
            if not str(entry).strip():
                continue
            try:
                networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"mục «{entry}» không phải địa chỉ IP hay mạng CIDR (ví dụ 10.0.0.0/8)"
                ) from None
        return networks

    @property
    def smtp_target(self) -> tuple[str, int]:
        """Where mail goes: the configured relay, or the dev sink on loopback."""
        return (self.smtp_host or "127.0.0.1", self.smtp_port)

    def signing_keys(self) -> list[str]:
        """Current key first; older keys still verify links issued before a rotation."""
        return [self.secret_key.get_secret_value()] + [
            k.get_secret_value() for k in self.old_secret_keys
        ]


def _pem_problems(field: str, path: Path) -> list[str]:
    marker, kind = PEM_MARKERS[field]
    try:
        text = path.read_bytes().decode("ascii", errors="replace")
    except OSError as err:
        return [f"{variable(field)}: không đọc được tệp {path} ({read_error(err)})."]
    if marker not in text:
        return [f"{variable(field)}: tệp {path} không phải {kind} dạng PEM (thiếu «{marker}»)."]
    return []


def load_settings(**values: Any) -> Settings:
    """Settings from the environment (and ``values``), every problem as one BadSettings."""
    try:
        return Settings(**values)
    except ValidationError as err:
        raise BadSettings(_problem_lines(err)) from err


def _problem_lines(err: ValidationError) -> list[str]:
    lines: list[str] = []
    for error in err.errors():
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _Problems):
            lines += cause.problems
            continue
        field = str(error["loc"][0]) if error["loc"] else ""
        given = error.get("input")
        shown = (
            f" «{given}»"
            if isinstance(given, str | int | float) and field not in SECRET_FIELDS
            else ""
        )
        lines.append(f"{variable(field)}: giá trị{shown} không hợp lệ ({reason(error)}).")
    return lines


@lru_cache
def get_settings() -> Settings:
    return load_settings()
