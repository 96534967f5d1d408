"""What the deploy files must agree on: paths, the image's uid, the shutdown bound, the
settings and metrics they may name (importable by name from the deploy tests)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from dondoc.settings import SECRET_FIELDS, Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
VENV_BIN = Path(sys.executable).parent

# The uid:gid the Dockerfile's USER names; Kubernetes and compose must run as the same.
IMAGE_UID = 10001
# The application's bound on a graceful stop (requests, running activities), in seconds;
# every supervisor must wait longer than this before it kills.
GRACEFUL_SHUTDOWN_SECONDS = 30

# Settings the deploy files may set beyond the fields of dondoc.settings.Settings today:
# DESIGN.md's contract names them and other work adds them (Temporal TLS, mTLS and API key;
# secrets from files; the worker's metrics port). Once they exist on Settings this set
# only repeats them.
PENDING_SETTINGS = {
    "DONDOC_TEMPORAL_TLS",
    "DONDOC_TEMPORAL_TLS_CA_FILE",
    "DONDOC_TEMPORAL_TLS_CERT_FILE",
    "DONDOC_TEMPORAL_TLS_KEY_FILE",
    "DONDOC_TEMPORAL_TLS_SERVER_NAME",
    "DONDOC_TEMPORAL_API_KEY",
    "DONDOC_TEMPORAL_API_KEY_FILE",
    "DONDOC_SECRET_KEY_FILE",
    "DONDOC_OLD_SECRET_KEYS_FILE",
    "DONDOC_DATABASE_URL_FILE",
    "DONDOC_SMTP_PASSWORD_FILE",
}
KNOWN_SETTINGS = (
    {f"DONDOC_{name.upper()}" for name in Settings.model_fields}
    | {f"DONDOC_{name.upper()}_FILE" for name in SECRET_FIELDS}
    | PENDING_SETTINGS
    # What deploy/systemd/dondoc-admin reads to find the env file and credentials.
    | set(re.findall(r"\$\{(DONDOC_[A-Z_]+):-", (DEPLOY / "systemd" / "dondoc-admin").read_text()))
)
# Secrets: set only through their *_FILE variable in any deploy file.
SECRET_SETTINGS = {
    "DONDOC_SECRET_KEY",
    "DONDOC_OLD_SECRET_KEYS",
    "DONDOC_DATABASE_URL",
    "DONDOC_SMTP_PASSWORD",
    "DONDOC_TEMPORAL_API_KEY",
}

# Đôn đốc's own metrics as the web and the worker expose them: name -> (labels, the values
# a label may take where they are fixed). The dashboard and the alerts may use only these,
# the Temporal SDK's (from a real scrape below) and Prometheus' own `up`.
DONDOC_METRICS: dict[str, dict[str, set[str] | None]] = {
    "dondoc_mails_total": {"outcome": {"sent", "failed", "bounced"}},
    "dondoc_link_actions_total": {"action": None, "outcome": {"applied", "refused", "deferred"}},
    "dondoc_tasks": {"status_class": None},
    "dondoc_tasks_overdue": {},
    "dondoc_outbox_backlog": {},
    "dondoc_http_requests_total": {"route": None, "status": None},
    "dondoc_http_request_duration_seconds_bucket": {"route": None, "le": None},
    "dondoc_http_request_duration_seconds_sum": {"route": None},
    "dondoc_http_request_duration_seconds_count": {"route": None},
    "up": {"job": {"dondoc-web", "dondoc-worker"}, "instance": None},
}
# Labels Prometheus adds to every series it scrapes.
TARGET_LABELS = {"job", "instance"}
