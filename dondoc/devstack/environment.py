"""The embedded stack's settings and ports, decided before anything starts."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from dondoc.devstack.errors import DevError
from dondoc.settings import DEFAULT_DATA_DIR, Settings, get_settings


def dev_settings(*, port: int, temporal_port: int, data_dir: Path) -> Settings:
    """Settings for the embedded stack; variables set by the user are left alone.

    The values go into the environment as well as into the returned object, so any code
    in this process that calls ``get_settings()`` sees the same stack. The default data
    directory stays relative (``var/``), which is exactly the CLI's own default, so the
    other ``dondoc`` commands run from the same folder need no variables at all.
    """
    base = data_dir if data_dir == DEFAULT_DATA_DIR else data_dir.resolve()
    defaults = {
        "DONDOC_DATABASE_URL": f"sqlite:///{base / 'dondoc.db'}",
        "DONDOC_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "DONDOC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DONDOC_DATA_DIR": str(base),
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    # This is the development stack: its defaults (the published secret key, the printed
    # admin password) are fine here, and `dondoc web`/`worker` started from it know so.
    os.environ["DONDOC_DEV_STACK"] = "1"
    get_settings.cache_clear()
    settings = get_settings()
    if not settings.smtp_host:
        # The sink listens on loopback at smtp_port (1025 unless DONDOC_SMTP_PORT says).
        settings = settings.model_copy(update={"smtp_host": "127.0.0.1"})
    return settings


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        # The servers themselves set SO_REUSEADDR, so a port in TIME_WAIT is not "taken".
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def check_ports(wanted: list[tuple[int, str, str]]) -> None:
    """Refuse to start half a stack: every port must be free before any child starts."""
    for port, what, option in wanted:
        if not 0 < port < 65536:
            raise DevError(f"cổng {port} ({what}) không hợp lệ.")
        if not _port_is_free(port):
            raise DevError(
                f"cổng {port} ({what}) đang được một chương trình khác sử dụng. "
                f"Hãy dừng chương trình đó hoặc chọn cổng khác với {option}."
            )
