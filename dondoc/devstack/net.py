"""Loopback ports for the embedded servers and the tests' processes."""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Ports are chosen below the kernel's ephemeral range. A port the OS hands out for ``bind(0)``
#: comes from that range, and the Temporal dev server takes several such ports for its own
#: services as it starts. A port picked there, then left unbound until the process meant for it
#: starts, can be taken in between. This happened in CI with a worker's metrics port. Below the
#: range, only another caller of this function can take it.
_LOWEST = 20000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port free on 127.0.0.1 now, never handed out before by this process.

    A race with another program choosing the same port by hand is still possible, but no
    ``bind(0)`` can take it.
    """
    high = _ephemeral_low() - 1
    if high - _LOWEST > 1000:
        rng = random.SystemRandom()
        for _ in range(200):
            port = rng.randint(_LOWEST, high)
            if port not in _handed_out and _bindable(port):
                _handed_out.add(port)
                return port
    with socket.socket() as s:  # an unusual range: fall back on the OS's choice
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    _handed_out.add(port)
    return port
