"""The `dondoc` command as a separate process, with an environment the test controls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DONDOC = str(Path(sys.executable).parent / "dondoc")
API_KEY = "ddtest-api-key-7f3c2a9b41d0"
# Long enough for the production check, and no key the code knows.
STRONG_KEY = "tls-tests-3a8f0c7e9b2d4f61a5c8e0b7d9f2a4c6"


def process_env(**values: str) -> dict[str, str]:
    """The environment of a `dondoc` process: this one's, less any DONDOC_*, plus values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env.pop("CREDENTIALS_DIRECTORY", None)
    # No metrics port unless a test asks: 9464 may be taken by another worker on the machine.
    env["DONDOC_WORKER_METRICS_PORT"] = "0"
    env.update(values)
    return env


def run_dondoc(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DONDOC, *args], env=env, capture_output=True, text=True, timeout=timeout)
