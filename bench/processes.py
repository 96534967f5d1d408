"""The processes a benchmark starts, and the promise that it stops every one of them.

A benchmark that leaves a Temporal server or a wedged web behind on a shared machine
spoils every later measurement, so each child is started in its own session (Ctrl-C at
the terminal reaches the bench only, which then stops the children in order) and with a
parent-death signal (a bench killed outright still takes its children with it). Stopping
is SIGTERM, a grace period, then SIGKILL; whether the grace period sufficed is recorded,
because "the web did not stop on SIGTERM" is itself a finding.

Peak memory is read from ``/proc/PID/status`` (``VmHWM``, the resident high-water mark)
of the process and all its descendants, while they are still alive.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

STOP_GRACE = 10.0


def free_port() -> int:
    """A port free on loopback right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGKILL the child when the bench dies."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    prctl = ctypes.CDLL(name, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def hook() -> None:  # runs in the child between fork and exec
        prctl(pr_set_pdeathsig, int(signal.SIGKILL))

    return hook


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def peak_rss_mib(pid: int) -> float:
    """The resident high-water mark of ``pid`` and its descendants, summed, in MiB."""
    return sum(_status_kib(p, "VmHWM") for p in descendants(pid)) / 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` and its running descendants, in seconds."""
    total = 0
    for p in descendants(pid):
        try:
            text = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """The resident memory of ``pid`` and its descendants right now, in MiB."""
    return sum(_status_kib(p, "VmRSS") for p in descendants(pid)) / 1024


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path | None
    stopped_by: str = ""
    """How it ended: "exited", its stop signal (it obeyed within the grace period) or "SIGKILL"."""
    peak_mib: float = 0.0
    stop_signal: signal.Signals = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def sample(self) -> float:
        """Refresh and return the peak memory (only possible while it runs)."""
        if self.alive():
            self.peak_mib = max(self.peak_mib, peak_rss_mib(self.pid))
        return self.peak_mib

    def tail(self, lines: int = 20) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])


@dataclass
class Processes:
    """Every child of one benchmark run; ``stop_all`` in a ``finally`` stops them all."""

    logs: Path
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        *,
        stdout: int | IO[bytes] | None = None,
        cwd: Path | None = None,
    ) -> Child:
        log = self.logs / f"{name}.log"
        with log.open("ab") as sink:
            proc = subprocess.Popen(
                list(argv),
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=sink if stdout is None else stdout,
                stderr=sink,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
        child = Child(name, proc, log)
        self.children.append(child)
        return child

    def stop(self, child: Child, grace: float = STOP_GRACE) -> None:
        child.sample()
        if not child.alive():
            child.stopped_by = child.stopped_by or "exited"
            return
        child.proc.send_signal(child.stop_signal)
        try:
            child.proc.wait(timeout=grace)
            child.stopped_by = child.stop_signal.name
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.proc.wait()
            child.stopped_by = "SIGKILL"
        # Anything it started in its session (a dev server's Temporal) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        """Stop in reverse order of start: clients of a server before the server."""
        for child in reversed(self.children):
            self.stop(child)


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(every)
